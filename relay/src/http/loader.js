// The snippet's loader (served after page_api.js, inside one function: nothing but
// window.cobrowse is global): fetches cobrowse.json, imports the customer module and starts it
// with the page's options (window._cobrowse), and publishes the page API as window.cobrowse.
if (window.cobrowse) { return; } // a second snippet on the page
var me = document.currentScript;
var page = pageApi();
window.cobrowse = page.api;
window.addEventListener("cobrowse:error", function (e) { page.onError(e.detail); });

function broke(why) {
  var error = page.refuse(why);
  console.error("co-browse could not start:", why);
  window.dispatchEvent(new CustomEvent("cobrowse:error", { detail: { context: "loader", message: error.message } }));
}

// The relay, prefix included (it may serve under one); cobrowse.json says the rest.
var relay = (me && me.getAttribute("data-cobrowse-url")) || (me && me.src.replace(/\/cobrowse\.js([?#].*)?$/, ""));
if (!relay) { broke("the snippet needs a data-cobrowse-url attribute"); return; }
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
        var go = function () {
          try {
            var c = m.start(relay, boot.settings, window._cobrowse || {}, page.onEvent);
            if (!c) {
              // In a frame the module stays passive: the top page's API is the one to use.
              page.refuse("co-browsing is the top page's (this page is in a frame)");
              return;
            }
            page.started(c);
            window.dispatchEvent(new CustomEvent("cobrowse:ready", { detail: { state: c.state() } }));
          } catch (e) { broke(e); }
        };
        if (document.body) { go(); } else { document.addEventListener("DOMContentLoaded", go); }
      });
    });
  })
  .catch(broke);
