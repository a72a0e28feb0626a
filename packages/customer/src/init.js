// The npm package's entry (after page_api.js, by `make package`): init() starts the customer
// module bundled with the app, with the relay's widget settings (its cobrowse.json), and
// returns the page API. The snippet's loader does the same for pages without a bundler.
import loadModule, { start as startModule } from "./wasm/master_wasm.js";

var started = null;

export function init(options) {
  if (!options || typeof options.relayUrl !== "string" || !/^https?:\/\//.test(options.relayUrl)) {
    throw new TypeError("co-browse: init({ relayUrl }) needs the relay's http(s) URL");
  }
  if (started) { return started; } // one co-browse per page, whoever calls
  var page = pageApi();
  started = page.api;
  var relay = options.relayUrl.replace(/\/+$/, "");
  var pageOptions = {};
  ["ui", "debug", "privacy", "onError", "locale"].forEach(function (key) {
    if (options[key] !== undefined) { pageOptions[key] = options[key]; }
  });
  window.addEventListener("cobrowse:error", function (e) { page.onError(e.detail); });
  var broke = function (why) {
    var error = page.refuse(why);
    console.error("co-browse could not start:", why);
    page.onError({ context: "loader", message: error.message });
  };
  fetch(relay + "/cobrowse.json", { credentials: "omit" })
    .then(function (response) {
      if (!response.ok) { throw new Error("cobrowse.json answered " + response.status); }
      return response.json();
    })
    .then(function (boot) {
      var wasm = options.wasmUrl || new URL("./wasm/master_wasm_bg.wasm", import.meta.url);
      return loadModule({ module_or_path: wasm }).then(function () {
        var c = startModule(relay, boot.settings, pageOptions, page.onEvent);
        if (!c) { page.refuse("co-browsing is the top page's (this page is in a frame)"); return; }
        page.started(c);
      });
    })
    .catch(broke);
  return started;
}

export default init;
