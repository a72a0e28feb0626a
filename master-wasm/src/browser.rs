//! RAII wrappers around browser resources (after gloo): each removes what it installed on `Drop`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub fn window() -> web_sys::Window {
    web_sys::window().expect("the customer module runs in a window")
}

pub fn document() -> web_sys::Document {
    window().document().expect("a window has a document")
}

pub use shared_web::listener::Listener;

/// A callback scheduled for the next animation frame, with a timer as fallback for hidden tabs
/// (where animation frames stop). Whichever fires first runs it; dropping cancels both.
#[must_use = "the callback is cancelled when this is dropped"]
pub struct NextFrame {
    raf: i32,
    timer: i32,
    _callback: Closure<dyn FnMut()>,
}

impl NextFrame {
    pub fn new(fallback_ms: i32, f: impl FnOnce() + 'static) -> Self {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f()
            }
        });
        let w = window();
        let raf = w
            .request_animation_frame(callback.as_ref().unchecked_ref())
            .unwrap_or(0);
        let timer = w
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                fallback_ms,
            )
            .unwrap_or(0);
        Self {
            raf,
            timer,
            _callback: callback,
        }
    }
}

impl Drop for NextFrame {
    fn drop(&mut self) {
        let w = window();
        let _ = w.cancel_animation_frame(self.raf);
        w.clear_timeout_with_handle(self.timer);
    }
}

/// A repeating timer, cleared when dropped.
#[must_use = "the timer stops when this is dropped"]
pub struct Interval {
    handle: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Interval {
    pub fn new(every_ms: i32, f: impl FnMut() + 'static) -> Self {
        let callback = Closure::<dyn FnMut()>::new(f);
        let handle = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                every_ms,
            )
            .unwrap_or(0);
        Self {
            handle,
            _callback: callback,
        }
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        window().clear_interval_with_handle(self.handle);
    }
}

/// A one-shot timer, cancelled when dropped.
#[must_use = "the timer is cancelled when this is dropped"]
pub struct Timeout {
    handle: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    pub fn new(after_ms: i32, f: impl FnOnce() + 'static) -> Self {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f()
            }
        });
        let handle = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                after_ms,
            )
            .unwrap_or(0);
        Self {
            handle,
            _callback: callback,
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        window().clear_timeout_with_handle(self.handle);
    }
}

/// A callback run as soon as the browser has handled what is waiting (a message to ourselves:
/// unlike a zero timeout, not clamped to 4 ms when repeated). Dropping it cancels the callback.
#[must_use = "the callback is cancelled when this is dropped"]
pub struct Soon {
    port: web_sys::MessagePort,
    _callback: Closure<dyn FnMut()>,
}

impl Soon {
    pub fn new(f: impl FnOnce() + 'static) -> Result<Self, JsValue> {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f()
            }
        });
        let channel = web_sys::MessageChannel::new()?;
        let port = channel.port1();
        port.set_onmessage(Some(callback.as_ref().unchecked_ref()));
        channel.port2().post_message(&JsValue::UNDEFINED)?;
        Ok(Self {
            port,
            _callback: callback,
        })
    }
}

impl Drop for Soon {
    fn drop(&mut self) {
        self.port.set_onmessage(None);
        self.port.close();
    }
}

/// Counts a new co-browse session in this tab; true for the tab's first (for reporting).
/// Without sessionStorage (blocked by the browser), every session counts as a first.
pub fn first_session_in_tab() -> bool {
    const KEY: &str = "cobrowse.sessions";
    let Some(storage) = window().session_storage().ok().flatten() else {
        return true;
    };
    let count: u32 = storage
        .get_item(KEY)
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let _ = storage.set_item(KEY, &(count + 1).to_string());
    count == 0
}

/// A cryptographically random 64-bit number (exchange ids).
pub fn random_u64() -> Result<u64, JsValue> {
    let mut buf = [0u8; 8];
    window()
        .crypto()?
        .get_random_values_with_u8_array(&mut buf)?;
    Ok(u64::from_le_bytes(buf))
}

/// A cryptographically random 128-bit token (the write-mode consent).
pub fn random_token() -> Result<[u8; 16], JsValue> {
    let mut buf = [0u8; 16];
    window()
        .crypto()?
        .get_random_values_with_u8_array(&mut buf)?;
    Ok(buf)
}

/// The wall clock in milliseconds (for intervals of seconds).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Cryptographically random integer below `bound`, from the browser's CSPRNG.
pub fn random_below(bound: u32) -> Result<u32, JsValue> {
    let crypto = window().crypto()?;
    // Rejection sampling keeps the distribution uniform.
    let limit = u32::MAX - (u32::MAX % bound);
    loop {
        let mut buf = [0u8; 4];
        crypto.get_random_values_with_u8_array(&mut buf)?;
        let v = u32::from_le_bytes(buf);
        if v < limit {
            return Ok(v % bound);
        }
    }
}

/// Says (to the end-to-end tests: `window.cobrowsePassive`) that the module runs here but
/// stays passive: this page is in a frame, and co-browsing is the top page's. Test builds only
/// (feature `test-hooks`, `make wasm-test`).
#[cfg(feature = "test-hooks")]
pub fn mark_passive() {
    let _ = js_sys::Reflect::set(&window(), &"cobrowsePassive".into(), &true.into());
}

/// The page's `window[class].prototype` (the object capture's hooks wrap members of).
pub fn prototype_of(class: &str) -> Option<wasm_bindgen::JsValue> {
    let class = js_sys::Reflect::get(&window(), &class.into()).ok()?;
    js_sys::Reflect::get(&class, &"prototype".into())
        .ok()
        .filter(|p| p.is_object())
}
