// Loads the agent console (yew, compiled to wasm) from the relay's asset directory.
import init from "/assets/slave/slave_wasm.js";
init({ module_or_path: "/assets/slave/slave_wasm_bg.wasm" }).catch((e) => {
  document.getElementById("app").textContent = "The agent console could not start: " + e;
});
