// The co-browse button before co-browse: the loader draws it (in a shadow root, on a host the
// capture never mirrors) from the relay's widget settings, and loads the customer module only
// when it is pressed; the module's widget then takes its place, at the same spot and looking
// the same (the styles below are widget.css's for its start button). Without `ui` nothing is
// drawn. (Shared, as is, by the loader and the npm package: no globals here.)
function drawLauncher(settings, press) {
  var corners = {
    "bottom-right": "right:16px;bottom:16px", "bottom-left": "left:16px;bottom:16px",
    "top-right": "right:16px;top:16px", "top-left": "left:16px;top:16px",
  };
  var look = settings.widget || {};
  var host = document.createElement("div");
  host.setAttribute("data-cobrowse-widget", "");
  host.setAttribute("data-cobrowse-launcher", "");
  [["--cb-accent", look.accent], ["--cb-bg", look.background], ["--cb-text", look.text]].forEach(function (v) {
    if (v[1]) { host.style.setProperty(v[0], v[1]); }
  });
  var root = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent = ":host{all:initial;--cb-accent:#1d4ed8;--cb-bg:#fff;--cb-text:#14213d}" +
    ".cb{position:fixed;z-index:2147483647;font:14px/1.4 system-ui,sans-serif;color:var(--cb-text);" +
    (corners[look.position] || corners["bottom-right"]) + "}" +
    "button{font:inherit;border-radius:6px;border:1px solid var(--cb-accent);padding:7px 12px;cursor:pointer;" +
    "background:var(--cb-accent);color:#fff}button:focus-visible{outline:3px solid var(--cb-accent);outline-offset:2px}" +
    "button[aria-busy=true]{cursor:progress}" +
    "@media (pointer:coarse){button{min-height:44px;min-width:44px;padding:10px 14px}}";
  var box = document.createElement("div");
  box.className = "cb";
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", "Co-browse");
  var button = document.createElement("button");
  button.setAttribute("data-cobrowse-ui", "start");
  // The relay's text when it has one, else the module's built-in English (texts.rs).
  button.textContent = (settings.texts && settings.texts.start) || "Co-browse";
  button.addEventListener("click", function () {
    if (button.getAttribute("aria-busy") === "true") { return; }
    button.setAttribute("aria-busy", "true");
    press();
  });
  box.appendChild(button);
  root.appendChild(style);
  root.appendChild(box);
  var mount = function () { document.body.appendChild(host); };
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
  return {
    // The module's widget is there: this one goes.
    remove: function () { host.remove(); },
    // Loading failed: the button can be pressed again.
    ready: function () { button.removeAttribute("aria-busy"); },
  };
}
