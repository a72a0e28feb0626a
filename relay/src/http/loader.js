// The snippet's loader (served after page_api.js, launcher.js and starter.js, inside one
// function: nothing but window.cobrowse is global): publishes the page API as window.cobrowse
// and starts co-browse with the module beside the relay (`boot.module`) and the page's options
// (window._cobrowse, as it is when the module starts).
if (window.cobrowse) { return; } // a second snippet on the page
var me = document.currentScript;
var options = window._cobrowse || {};
var page = pageApi();
window.cobrowse = page.api;
// The relay, prefix included (it may serve under one); cobrowse.json says the rest.
var relay = (me && me.getAttribute("data-cobrowse-url")) || (me && me.src.replace(/\/cobrowse\.js([?#].*)?$/, ""));
if (!relay) {
  page.refuse("the snippet needs a data-cobrowse-url attribute");
  console.error("co-browse could not start: the snippet needs a data-cobrowse-url attribute");
  return;
}
relay = relay.replace(/\/+$/, "");
startCobrowse(page, relay, {
  options: function () { return window._cobrowse || options; },
  module: function (boot) { return import(relay + boot.module + "master_wasm.js"); },
  wasm: function (boot) { return relay + boot.module + "master_wasm_bg.wasm"; },
});
