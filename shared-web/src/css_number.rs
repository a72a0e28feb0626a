//! Numbers written into style text by the browser's own number formatting
//! (`Number.prototype.toString`): a few style values (a placeholder's size, a frame around a
//! field, the view's scale) are all either bundle formats as floats, and Rust's float
//! formatting would cost each bundle ~17 KB of code (~6 KB brotli) for them.

use js_sys::Number;

/// `v` as CSS number text: the shortest form that reads back as `v` (`12`, `12.5`, `0.1`).
pub fn css_number(v: f64) -> String {
    Number::from(v)
        .to_string_with_radix(10)
        .map_or_else(|_| String::from("0"), String::from)
}

/// `v` rounded to tenths, as CSS number text (`12.3`, `12`).
pub fn css_tenths(v: f64) -> String {
    css_number((v * 10.0).round() / 10.0)
}

/// `v` with the `px` unit (`12.5px`).
pub fn css_px(v: f64) -> String {
    let mut text = css_number(v);
    text.push_str("px");
    text
}
