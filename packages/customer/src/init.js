// The npm package's entry (after page_api.js, launcher.js and starter.js, by `make package`):
// init() starts co-browse as the snippet's loader does, with the customer module bundled with
// the app (its own chunk and wasm asset, loaded only when co-browse starts) and the options
// given here, and returns the page API.

var started = null;

export function init(options) {
  if (!options || typeof options.relayUrl !== "string" || !/^https?:\/\//.test(options.relayUrl)) {
    throw new TypeError("co-browse: init({ relayUrl }) needs the relay's http(s) URL");
  }
  if (started) { return started; } // one co-browse per page, whoever calls
  var page = pageApi();
  started = page.api;
  var pageOptions = {};
  ["ui", "debug", "privacy", "onError", "locale"].forEach(function (key) {
    if (options[key] !== undefined) { pageOptions[key] = options[key]; }
  });
  startCobrowse(page, options.relayUrl.replace(/\/+$/, ""), {
    options: function () { return pageOptions; },
    module: function () { return import("./wasm/master_wasm.js"); },
    wasm: function () { return options.wasmUrl || new URL("./wasm/master_wasm_bg.wasm", import.meta.url); },
  });
  return started;
}

export default init;
