//! Attribute rules both browsers apply: the customer module before anything leaves the page,
//! the agent console again before anything enters its view (defence in depth).

/// `javascript:` and `vbscript:` URLs, however the page hides them with case, spaces or control
/// characters (browsers strip those before reading the scheme).
pub fn is_script_url(value: &str) -> bool {
    let scheme: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(11)
        .collect::<String>()
        .to_ascii_lowercase();
    scheme.starts_with("javascript:") || scheme.starts_with("vbscript:")
}

/// Attributes that can run code or load a document of their own: inline event handlers,
/// `srcdoc`, and any attribute whose value is a script URL.
pub fn is_unsafe_attribute(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("on") || name == "srcdoc" || is_script_url(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_urls_are_recognized_however_disguised() {
        assert!(is_script_url("javascript:alert(1)"));
        assert!(is_script_url("  JavaScript:alert(1)"));
        assert!(is_script_url("java\tscript:alert(1)"));
        assert!(is_script_url("\u{1}javascript:x"));
        assert!(is_script_url("VBScript:x"));
        assert!(!is_script_url("https://bank.example/"));
        assert!(!is_script_url("/javascript:notascheme"));
    }

    #[test]
    fn handlers_srcdoc_and_script_urls_are_unsafe() {
        assert!(is_unsafe_attribute("onclick", "x()"));
        assert!(is_unsafe_attribute("ONLOAD", "x()"));
        assert!(is_unsafe_attribute("srcdoc", "<b>"));
        assert!(is_unsafe_attribute("href", "javascript:void(0)"));
        assert!(!is_unsafe_attribute("href", "/account.html"));
        assert!(!is_unsafe_attribute("class", "online"));
    }
}
