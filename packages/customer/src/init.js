// The npm package's entry (after page_api.js and launcher.js, by `make package`): init()
// fetches the relay's widget settings (its cobrowse.json), draws the co-browse button (unless
// `ui: false`) and returns the page API; the customer module bundled with the app (its own
// chunk and wasm asset) is loaded only when co-browse starts, as the snippet's loader does.

var started = null;

function inSession() {
  try { return !!window.sessionStorage.getItem("cobrowse.session"); } catch (e) { return false; }
}

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
  var locale = pageOptions.locale || document.documentElement.lang || navigator.language || "";
  fetch(relay + "/cobrowse.json?locale=" + encodeURIComponent(locale), { credentials: "omit" })
    .then(function (response) {
      if (!response.ok) { throw new Error("cobrowse.json answered " + response.status); }
      return response.json();
    })
    .then(function (boot) {
      var launcher = null;
      var loading = null;
      var load = function () {
        if (loading) { return loading; }
        loading = import("./wasm/master_wasm.js").then(function (m) {
          var wasm = options.wasmUrl || new URL("./wasm/master_wasm_bg.wasm", import.meta.url);
          return m.default({ module_or_path: wasm }).then(function () {
            return m.start(relay, boot.settings, pageOptions, page.onEvent);
          });
        }).then(function (c) {
          if (launcher) { launcher.remove(); }
          if (!c) { page.refuse("co-browsing is the top page's (this page is in a frame)"); return null; }
          page.started(c);
          return c;
        }).catch(function (e) { broke(e); throw e; });
        return loading;
      };
      page.loader(function () { load().catch(function () {}); });
      if (inSession()) {
        load().catch(function () {});
      } else if (pageOptions.ui !== false && window.top === window) {
        launcher = drawLauncher(boot.settings, function () {
          load().then(function (c) { if (c) { c.start(false); } }, function () {});
        });
      }
    })
    .catch(broke);
  return started;
}

export default init;
