//! The widget's markup and style: static, with every text filled in afterwards from the
//! configured [`Texts`] (by `data-text` key, as text content: nothing configured is parsed as
//! HTML), and the configured corner and colours set as CSS custom properties.

use shared_protocol::texts::Texts;
use wasm_bindgen::JsValue;
use web_sys::{HtmlElement, ShadowRoot};

use crate::settings::Look;

pub const TEMPLATE: &str = r#"
<style>
  :host { all: initial; --cb-accent: #1d4ed8; --cb-bg: #fff; --cb-text: #14213d; }
  .cb { position: fixed; z-index: 2147483647; font: 14px/1.4 system-ui, sans-serif;
        color: var(--cb-text); }
  .card { background: var(--cb-bg); border: 1px solid #c9d2e3; border-radius: 10px; padding: 14px 16px; width: 280px;
          box-shadow: 0 6px 24px rgba(20,33,61,.18); }
  button { font: inherit; border-radius: 6px; border: 1px solid var(--cb-accent); padding: 7px 12px; cursor: pointer; }
  button:focus-visible { outline: 3px solid var(--cb-accent); outline-offset: 2px; }
  .primary { background: var(--cb-accent); color: #fff; }
  .secondary { background: var(--cb-bg); color: var(--cb-accent); }
  .code { font: 600 26px/1.2 ui-monospace, monospace; letter-spacing: 2px; margin: 6px 0; }
  .row { display: flex; gap: 8px; margin-top: 10px; flex-wrap: wrap; }
  .ask, .write { margin-top: 10px; padding: 10px; border-radius: 8px; border: 2px solid var(--cb-accent); }
  [hidden] { display: none !important; }
  .agent-pointer { position: fixed; left: 0; top: 0; width: 18px; height: 18px; margin: -9px 0 0 -9px;
                   border-radius: 50%; background: rgba(220, 38, 38, .85); border: 2px solid #fff;
                   box-shadow: 0 0 0 1px rgba(0,0,0,.3); pointer-events: none; z-index: 2147483647; }
  .ripple { position: fixed; width: 36px; height: 36px; margin: -18px 0 0 -18px; border-radius: 50%;
            border: 3px solid rgb(220, 38, 38); pointer-events: none; z-index: 2147483647;
            animation: ripple .6s ease-out forwards; }
  .typing { position: fixed; pointer-events: none; z-index: 2147483646; border: 3px solid var(--cb-accent);
            border-radius: 4px; box-sizing: border-box; }
  .typing span { position: absolute; left: -3px; bottom: 100%; white-space: nowrap; font: 12px/1.6 system-ui, sans-serif;
                 background: var(--cb-accent); color: #fff; padding: 0 6px; border-radius: 4px 4px 0 0; }
  .legend { margin-top: 8px; font-size: 13px; display: flex; align-items: center; gap: 6px; }
  .swatch { display: inline-block; width: 14px; height: 10px; outline: 2px dashed #d93025; outline-offset: -1px; }
  @keyframes ripple { from { transform: scale(.3); opacity: 1; } to { transform: scale(1.6); opacity: 0; } }
</style>
<div class="agent-pointer" data-cobrowse-ui="agent-pointer" aria-hidden="true" hidden></div>
<div class="typing" data-cobrowse-ui="agent-typing" hidden><span data-text="agent_typing"></span></div>
<div class="cb" role="region" aria-label="Co-browse">
  <button class="primary" data-cobrowse-ui="start" data-text="start"></button>
  <div class="card" data-part="confirm" hidden>
    <div data-text="consent"></div>
    <div class="row">
      <button class="primary" data-cobrowse-ui="confirm" data-text="confirm"></button>
      <button class="secondary" data-part="cancel" data-text="cancel"></button>
    </div>
  </div>
  <div class="card" data-part="session" hidden>
    <div data-part="code-label" data-text="code_label"></div>
    <div class="code" data-cobrowse-ui="code" aria-live="polite"></div>
    <div data-cobrowse-ui="status" role="status" aria-live="polite"></div>
    <div class="ask" data-cobrowse-ui="write-request" role="alertdialog" aria-labelledby="cb-ask" hidden>
      <div id="cb-ask" data-text="write_request"></div>
      <div class="row">
        <button class="primary" data-cobrowse-ui="write-allow" data-text="write_allow"></button>
        <button class="secondary" data-cobrowse-ui="write-deny" data-text="write_deny"></button>
      </div>
    </div>
    <div class="write" data-cobrowse-ui="write-active" role="status" hidden>
      <div data-text="write_active"></div>
      <div class="row"><button class="secondary" data-cobrowse-ui="write-stop" data-text="write_stop"></button></div>
    </div>
    <div class="legend" data-cobrowse-ui="hidden-legend" hidden>
      <span class="swatch" aria-hidden="true"></span><span data-part="hidden-text"></span>
    </div>
    <div class="row"><button class="secondary" data-cobrowse-ui="exit" data-text="exit"></button></div>
  </div>
</div>
"#;

/// Fills every `data-text` element of `root` from `texts`, and applies `look`.
pub fn dress(
    root: &ShadowRoot,
    host: &HtmlElement,
    texts: &Texts,
    look: &Look,
) -> Result<(), JsValue> {
    let labelled = root.query_selector_all("[data-text]")?;
    for i in 0..labelled.length() {
        let Some(node) = labelled.item(i) else {
            continue;
        };
        let el: &web_sys::Element = wasm_bindgen::JsCast::unchecked_ref(&node);
        if let Some(key) = el.get_attribute("data-text") {
            el.set_text_content(Some(texts.get(&key)));
        }
    }
    if let Some(cb) = root.query_selector(".cb")? {
        let style = cb.get_attribute("style").unwrap_or_default();
        cb.set_attribute("style", &format!("{style}{}", look.corner.css()))?;
    }
    let style = host.style();
    for (var, value) in [
        ("--cb-accent", &look.accent),
        ("--cb-bg", &look.background),
        ("--cb-text", &look.text),
    ] {
        if let Some(v) = value {
            // An invalid colour is ignored by the browser: the default stays.
            style.set_property(var, v)?;
        }
    }
    Ok(())
}
