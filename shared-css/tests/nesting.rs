//! Deeply nested CSS: blocks and functions nested far deeper than any real sheet. The
//! rewriters walk nesting with a stack of their own (never the call stack), so depth costs
//! heap, not stack: no nesting crashes them, even on a 64 KiB thread, and every URL is
//! classified right at any depth. (Before, each level was a call deeper until cssparser's
//! limit of 75 levels, past which it read blocks flat: 75 debug-build frames overflowed a
//! 64 KiB stack, and an `@font-face` deeper than 75 levels lost its font context.)

use shared_css::{rewrite_urls, state_twin, UrlKind};

/// A stack as small as this runs out after a few dozen levels of recursion in a debug build.
const SMALL_STACK: usize = 64 << 10;

fn on_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(work)
        .unwrap()
        .join()
        .unwrap()
}

fn proxied(css: &str) -> String {
    rewrite_urls(css, |kind, url| {
        Some(match kind {
            UrlKind::Font => format!("https://proxy.test/font/{url}"),
            _ => format!("https://proxy.test/{url}"),
        })
    })
}

#[test]
fn a_url_is_rewritten_at_any_depth() {
    let depth = 300;
    let css = format!(
        "{}.a {{ background: url(deep.png) }}{}",
        "@media screen {".repeat(depth),
        "}".repeat(depth)
    );
    let out = proxied(&css);
    assert!(
        out.contains(r#"url("https://proxy.test/deep.png")"#),
        "{}",
        &out[out.len() - 200..]
    );
    assert!(!out.contains("url(deep.png)"));

    let fonts = format!(
        "{}@font-face {{ src: url(f.woff) }}{}",
        "@supports (x) {".repeat(depth),
        "}".repeat(depth)
    );
    assert!(proxied(&fonts).contains(r#"url("https://proxy.test/font/f.woff")"#));

    let functions = format!("{}url(x.png){}", "calc(".repeat(depth), ")".repeat(depth));
    assert!(proxied(&functions).contains(r#"url("https://proxy.test/x.png")"#));
}

#[test]
fn a_million_open_blocks_do_not_crash_on_a_small_stack() {
    let out = on_small_stack(|| {
        let css = format!(".a {{ b: url(x) {} url(y)", "([{".repeat(1_000_000));
        proxied(&css)
    });
    assert!(out.starts_with(r#".a { b: url("https://proxy.test/x") (["#));
    assert!(
        out.ends_with(r#"url("https://proxy.test/y")"#),
        "{}",
        &out[out.len() - 80..]
    );
}

#[test]
fn the_hover_twin_of_a_deep_selector_does_not_crash_on_a_small_stack() {
    let twin = on_small_stack(|| {
        let selector = format!(
            "{}a:hover{}",
            ":is(".repeat(1_000_000),
            ")".repeat(1_000_000)
        );
        state_twin(&selector)
    })
    .expect("a twin");
    assert!(twin.contains("a[data-cobrowse-hover])"));
    assert!(!twin.contains(":hover"));

    let unclosed = on_small_stack(|| state_twin(&format!("{}a:hover", "(".repeat(1_000_000))));
    let closed = format!(
        "{}a[data-cobrowse-hover]{}",
        "(".repeat(1_000_000),
        ")".repeat(1_000_000)
    );
    assert!(
        unclosed == Some(closed),
        "the open blocks are closed at the end"
    );
}
