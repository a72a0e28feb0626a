(function () {
  "use strict";
  var me = document.currentScript;
  // The relay, prefix included (it may serve under one); cobrowse.json says the rest.
  var relay = (me && me.getAttribute("data-cobrowse-url")) || (me && me.src.replace(/\/cobrowse\.js([?#].*)?$/, ""));
  if (!relay) { console.error("co-browse: the snippet needs a data-cobrowse-url attribute"); return; }
  relay = relay.replace(/\/+$/, "");
  fetch(relay + "/cobrowse.json", { credentials: "omit" })
    .then(function (response) {
      if (!response.ok) { throw new Error("cobrowse.json answered " + response.status); }
      return response.json();
    })
    .then(function (boot) {
      var base = relay + boot.module;
      return import(base + "master_wasm.js").then(function (m) {
        return m.default({ module_or_path: base + "master_wasm_bg.wasm" }).then(function () {
          var go = function () { m.start(relay, boot.settings); };
          if (document.body) { go(); } else { document.addEventListener("DOMContentLoaded", go); }
        });
      });
    })
    .catch(function (e) { console.error("co-browse could not start:", e); });
})();
