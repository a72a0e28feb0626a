// A team's own co-browse UI: the built-in widget off, its own consent question, the code in
// its own markup. Type-checked against the package's declarations (tsc --noEmit).
import { init, type CobrowseState, type EndedEvent } from "@cobrowse/customer";

declare const __RELAY_URL__: string;

const $ = (id: string): HTMLElement => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`no #${id}`);
  return e;
};

const cobrowse = init({ relayUrl: __RELAY_URL__, ui: false, privacy: { mask: ["#order"] } });

const show = (state: CobrowseState): void => {
  $("phase").textContent = state.state;
  $("code").textContent = state.code ?? "none";
};

cobrowse.on("code", (e) => show(e.state));
cobrowse.on("agentJoined", (e) => {
  $("agent").textContent = "an agent sees this page";
  show(e.state);
});
cobrowse.on("ended", (e: EndedEvent) => {
  $("agent").textContent = `ended: ${e.reason}`;
  show(e.state);
});
cobrowse.on("writeModeRequested", (e) => e.deny());
cobrowse.on("error", (e) => console.error(`co-browse ${e.context}: ${e.message}`));

$("share").addEventListener("click", () => {
  $("consent").hidden = false;
});
$("yes").addEventListener("click", async () => {
  $("consent").hidden = true;
  const { code } = await cobrowse.start({ confirmed: true });
  $("code").textContent = code;
});
$("stop").addEventListener("click", () => {
  void cobrowse.exit();
});
show(cobrowse.state());
document.body.dataset.app = "ready";
