//! What goes wrong in co-browse is reported to the integrator, never thrown into the host page:
//! a `cobrowse:error` event on `window` (`detail: { context, message }`), the optional
//! `onError` callback of the page's options (`window._cobrowse.onError`) with the same object, and the console when `debug` is
//! on. A panic is reported the same way before the module stops; the page itself goes on.

use wasm_bindgen::JsValue;

/// The event integrators listen for.
pub const ERROR_EVENT: &str = "cobrowse:error";

/// Reports `message`; `context` says what was being done (`capture`, `connection`, `panic`).
pub fn report(context: &str, message: &str) {
    crate::debug::log(&format!("{context} error: {message}"));
    let Some(window) = web_sys::window() else {
        return;
    };
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"context".into(), &context.into());
    let _ = js_sys::Reflect::set(&detail, &"message".into(), &message.into());
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(ERROR_EVENT, &init) {
        // A listener that throws is the page's own business; dispatching never throws here.
        let _ = window.dispatch_event(&event);
    }
    if let Some(f) = crate::options::on_error() {
        // `call1` catches what the callback throws.
        let _ = f.call1(&JsValue::NULL, &detail);
    }
}

/// Reports panics (once the module has panicked it stops; the page does not).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| report("panic", &info.to_string())));
}
