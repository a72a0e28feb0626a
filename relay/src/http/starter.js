// How co-browse starts on a page, for the snippet's loader and the npm package's init alike:
// fetch the relay's widget settings in the customer's language (cobrowse.json), draw the
// co-browse button (unless `ui: false`, or in a frame), and load the customer module only when
// co-browse starts: the button pressed, a call of the page API that needs it, or at once on a
// page load within a session of this tab. `how` says what differs: `options()` (the page's
// options as they are now), `module(boot)` (a promise of the wasm-bindgen module) and
// `wasm(boot)` (its .wasm's URL). (No globals: served inside the loader's function scope.)
function startCobrowse(page, relay, how) {
  window.addEventListener("cobrowse:error", function (e) { page.onError(e.detail); });
  var broke = function (why) {
    var error = page.refuse(why);
    console.error("co-browse could not start:", why);
    window.dispatchEvent(new CustomEvent("cobrowse:error", { detail: { context: "loader", message: error.message } }));
  };
  // A session of this tab goes on on this page (the module keeps it in sessionStorage).
  var inSession = function () {
    try { return !!window.sessionStorage.getItem("cobrowse.session"); } catch (e) { return false; }
  };
  var first = how.options();
  // The customer's language: the page's option, else the page's own, else the browser's.
  var locale = first.locale || document.documentElement.lang || navigator.language || "";
  fetch(relay + "/cobrowse.json?locale=" + encodeURIComponent(locale), { credentials: "omit" })
    .then(function (response) {
      if (!response.ok) { throw new Error("cobrowse.json answered " + response.status); }
      return response.json();
    })
    .then(function (boot) {
      var launcher = null;
      var loading = null;
      // Imports and starts the module once; a promise of its controls.
      var load = function () {
        if (loading) { return loading; }
        loading = how.module(boot).then(function (m) {
          return m.default({ module_or_path: how.wasm(boot) }).then(function () {
            return new Promise(function (resolve) {
              var go = function () { resolve(m.start(relay, boot.settings, how.options(), page.onEvent)); };
              if (document.body) { go(); } else { document.addEventListener("DOMContentLoaded", go); }
            });
          });
        }).then(function (c) {
          if (launcher) { launcher.remove(); }
          if (!c) {
            // In a frame the module stays passive: the top page's API is the one to use.
            page.refuse("co-browsing is the top page's (this page is in a frame)");
            return null;
          }
          page.started(c);
          return c;
        }).catch(function (e) { broke(e); throw e; });
        return loading;
      };
      page.loader(function () { load().catch(function () {}); });
      if (inSession()) {
        load().catch(function () {});
      } else if (first.ui !== false && window.top === window) {
        // Pressed: the module's widget asks the customer's consent, as its own button would.
        launcher = drawLauncher(boot.settings, function () {
          load().then(function (c) { if (c) { c.start(false); } }, function () {});
        });
      }
      window.dispatchEvent(new CustomEvent("cobrowse:ready", { detail: { state: page.api.state() } }));
    })
    .catch(broke);
  return broke;
}
