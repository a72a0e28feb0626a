// Loads the agent console (yew, compiled to wasm) from the relay's asset directory. Paths are
// relative (the relay may serve everything under a prefix, base_path): the import to this
// script's own URL, the wasm to the page's (`<prefix>/agent`).
import init from "../assets/slave/slave_wasm.js";
init({ module_or_path: "assets/slave/slave_wasm_bg.wasm" }).catch((e) => {
  document.getElementById("app").textContent = "The agent console could not start: " + e;
});
