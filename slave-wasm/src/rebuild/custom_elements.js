export function define_plain(win, name) {
  try {
    const registry = win.customElements;
    if (!registry || registry.get(name)) return;
    const Base = win.HTMLElement;
    registry.define(name, class extends Base {});
  } catch (e) { /* not a valid custom element name */ }
}
