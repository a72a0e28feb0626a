// The snippet's loader (served after page_api.js and launcher.js, inside one function: nothing
// but window.cobrowse is global). It publishes the page API as window.cobrowse, fetches
// cobrowse.json (the relay's widget settings) and draws the co-browse button; the customer
// module is imported only when co-browse starts: the button pressed, a call of the page API
// that needs it, or at once on a page load within a session of this tab.
if (window.cobrowse) { return; } // a second snippet on the page
var me = document.currentScript;
var options = window._cobrowse || {};
var page = pageApi();
window.cobrowse = page.api;
window.addEventListener("cobrowse:error", function (e) { page.onError(e.detail); });

function broke(why) {
  var error = page.refuse(why);
  console.error("co-browse could not start:", why);
  window.dispatchEvent(new CustomEvent("cobrowse:error", { detail: { context: "loader", message: error.message } }));
}

// A session of this tab goes on on this page (the module keeps it in sessionStorage).
function inSession() {
  try { return !!window.sessionStorage.getItem("cobrowse.session"); } catch (e) { return false; }
}

// The relay, prefix included (it may serve under one); cobrowse.json says the rest.
var relay = (me && me.getAttribute("data-cobrowse-url")) || (me && me.src.replace(/\/cobrowse\.js([?#].*)?$/, ""));
if (!relay) { broke("the snippet needs a data-cobrowse-url attribute"); return; }
relay = relay.replace(/\/+$/, "");
// The customer's language: the page's option, else the page's own, else the browser's.
var locale = options.locale || document.documentElement.lang || navigator.language || "";
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
      var base = relay + boot.module;
      loading = import(base + "master_wasm.js").then(function (m) {
        return m.default({ module_or_path: base + "master_wasm_bg.wasm" }).then(function () {
          return new Promise(function (resolve) {
            // The page's options as they are now (a page may set them after the snippet ran).
            var now = window._cobrowse || options;
            var go = function () { resolve(m.start(relay, boot.settings, now, page.onEvent)); };
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
    } else if (options.ui !== false && window.top === window) {
      // Pressed: the module's widget asks the customer's consent, as its own button would.
      launcher = drawLauncher(boot.settings, function () {
        load().then(function (c) { if (c) { c.start(false); } }, function () {});
      });
    }
    window.dispatchEvent(new CustomEvent("cobrowse:ready", { detail: { state: page.api.state() } }));
  })
  .catch(broke);
