//! What of one node may leave the customer's page. This is the privacy and safety boundary:
//! scripts, hidden inputs and the widget are never sent; inline handlers, script URLs and
//! elements that redirect or re-base the page are dropped; masked and blocked parts become
//! bullets and placeholders under the page's [`Policy`]; password values are masked whatever
//! the page does. A same-origin frame's document and an open shadow root are described as
//! nodes of their own; a frame this page may not read keeps only its address (absolute), and
//! is noted as something the view cannot show.

use shared_protocol::page::{Namespace, NodeData};
use shared_protocol::page_state::Unshowable;
use shared_protocol::safety::{is_unsafe_attribute, is_unsafe_element};
use shared_web::css_number::css_tenths;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node};

use crate::privacy::indicator::INDICATOR_ATTR;
use crate::privacy::{Marks, Policy, Scope, PLACEHOLDER_ATTR};

use super::form_values::value_is_masked;
use super::shadow_hooks::shadow;
use super::tree::{frame_document, frame_source, is_frame, shadow_host};
use super::Mirror;

/// Marks the widget's host element (and only it); it and everything in it is never captured.
pub const WIDGET_ATTR: &str = "data-cobrowse-widget";
/// Marks anything else the customer module adds to the page (the hover rules); never captured.
pub const OWN_ATTR: &str = "data-cobrowse-own";

/// A node as it may leave the page, the scope its children inherit, and the root captured
/// under it (a frame's document, an open shadow root).
pub struct Described {
    pub data: NodeData,
    pub scope: Scope,
    pub below: Option<Node>,
}

/// Elements that are never sent, children included. `tag` is `el`'s local name (read once:
/// every read is a call out of wasm and a string copy, and this runs for every element).
fn is_dropped_element(el: &Element, tag: &str) -> bool {
    if el.has_attribute(WIDGET_ATTR) || el.has_attribute(OWN_ATTR) {
        return true;
    }
    let attr = |name: &str| el.get_attribute(name);
    match tag {
        "script" | "noscript" => true,
        "input" => attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("hidden")),
        "base" => !base_is_same_origin(el),
        "meta" | "set" | "animate" => is_unsafe_element(tag, attr),
        _ => false,
    }
}

/// A `<base>` that keeps relative URLs on the page's own origin (anything else would point
/// the agent's view elsewhere).
fn base_is_same_origin(el: &Element) -> bool {
    let Some(href) = el.get_attribute("href") else {
        return true;
    };
    let Some(doc) = el.owner_document() else {
        return false;
    };
    let page = doc.url().unwrap_or_default();
    match (
        web_sys::Url::new_with_base(&href, &page),
        web_sys::Url::new(&page),
    ) {
        (Ok(base), Ok(page)) => base.origin() == page.origin(),
        _ => false,
    }
}

/// Describes `node` (whose parent has scope `parent`) for the agent, or `None` when it (and
/// its subtree) must not be captured.
pub fn describe(node: &Node, parent: Scope, mirror: &Mirror) -> Option<Described> {
    let policy = mirror.policy();
    match node.node_type() {
        Node::ELEMENT_NODE => {
            let el: &Element = node.unchecked_ref();
            let tag = el.local_name();
            if is_dropped_element(el, &tag) {
                return None;
            }
            let ns = Namespace::from_uri(el.namespace_uri().as_deref());
            let (raw, marks) = read_attributes(el);
            let scope = element_scope(policy, el, &tag, &marks, parent);
            if scope.blocked() {
                mirror.outlines().mark(el);
                return Some(Described {
                    data: placeholder(el, tag, ns),
                    scope,
                    below: None,
                });
            }
            let value_masked = is_form_control(&tag) && value_is_masked(el, scope);
            if value_masked {
                mirror.outlines().mark(el);
            }
            let mut attrs: Vec<(String, String)> = raw
                .into_iter()
                .filter_map(|(name, value)| {
                    let value = safe_attribute(policy, &name, value, scope, value_masked)?;
                    Some((name, value))
                })
                .collect();
            let below = if is_frame(&tag) {
                let doc = frame_document(el);
                frame_source(el, doc.is_some(), &mut attrs, mirror);
                doc.map(Into::into)
            } else {
                if matches!(tag.as_str(), "video" | "audio" | "source")
                    && attrs
                        .iter()
                        .any(|(n, v)| n == "src" && v.starts_with("blob:"))
                {
                    // The address is the page's own object, meaningless elsewhere.
                    mirror.note_unshown(mirror.next_id(), Unshowable::StreamedMedia);
                }
                shadow(el).unwrap_or_else(|()| {
                    mirror.note_unshown(mirror.next_id(), Unshowable::ClosedShadowRoot);
                    None
                })
            };
            Some(Described {
                data: NodeData::Element { ns, attrs, tag },
                scope,
                below,
            })
        }
        Node::TEXT_NODE => Some(Described {
            data: NodeData::Text(policy.text(node.node_value().unwrap_or_default(), parent)),
            scope: parent,
            below: None,
        }),
        Node::COMMENT_NODE => Some(Described {
            data: NodeData::Comment(String::new()),
            scope: parent,
            below: None,
        }),
        Node::DOCUMENT_TYPE_NODE => {
            let dt: &web_sys::DocumentType = node.unchecked_ref();
            Some(Described {
                data: NodeData::Doctype {
                    name: dt.name(),
                    public_id: dt.public_id(),
                    system_id: dt.system_id(),
                },
                scope: parent,
                below: None,
            })
        }
        Node::DOCUMENT_NODE => {
            let doc: &Document = node.unchecked_ref();
            Some(Described {
                data: NodeData::Document {
                    base_url: policy.page_url(&node.base_uri().ok().flatten().unwrap_or_default()),
                    standards: doc.compat_mode() == "CSS1Compat",
                },
                scope: parent,
                below: None,
            })
        }
        Node::DOCUMENT_FRAGMENT_NODE if shadow_host(node).is_some() => Some(Described {
            data: NodeData::ShadowRoot,
            scope: parent,
            below: None,
        }),
        _ => None,
    }
}

/// The scope of element `el` (local name `tag`): the policy's; a `<style>`'s text and a
/// `<link>`'s address are code (a stylesheet, an icon), not content.
pub(crate) fn element_scope(
    policy: &Policy,
    el: &Element,
    tag: &str,
    marks: &Marks,
    parent: Scope,
) -> Scope {
    let scope = policy.element_scope(el, marks, parent);
    if tag == "style" || tag == "link" {
        scope.for_style_text()
    } else {
        scope
    }
}

/// Every attribute of `el` as it is, and what they say about its privacy.
fn read_attributes(el: &Element) -> (Vec<(String, String)>, Marks) {
    let map = el.attributes();
    let mut marks = Marks::default();
    let mut out = Vec::with_capacity(map.length() as usize);
    for i in 0..map.length() {
        let Some(attr) = map.item(i) else { continue };
        let (name, value) = (attr.name(), attr.value());
        marks.note(&name, &value);
        out.push((name, value));
    }
    (out, marks)
}

/// A blocked element as the agent gets it: an empty box of the same size and display, with
/// its id and classes (for the page's CSS: margins, floats) and nothing else. Elements that
/// load or show content of their own become a `div` (an `svg` child a `g`).
fn placeholder(el: &Element, tag: String, ns: Namespace) -> NodeData {
    let rect = el.get_bounding_client_rect();
    let display = web_sys::window()
        .and_then(|w| w.get_computed_style(el).ok().flatten())
        .and_then(|s| s.get_property_value("display").ok())
        .unwrap_or_default();
    let display = match display.as_str() {
        "" | "inline" | "contents" => "inline-block",
        d => d,
    };
    let tag = match (ns, tag.as_str()) {
        (Namespace::Svg, _) => "g".to_string(),
        (
            _,
            "img" | "picture" | "video" | "audio" | "iframe" | "frame" | "object" | "embed"
            | "canvas" | "input" | "textarea" | "select" | "button" | "svg" | "math" | "a" | "form"
            | "label" | "option" | "source" | "track" | "area" | "map" | "slot" | "template"
            | "dialog" | "details",
        ) => "div".to_string(),
        _ => tag,
    };
    let ns = match ns {
        Namespace::Svg => Namespace::Svg,
        _ => Namespace::Html,
    };
    let mut attrs = vec![
        (PLACEHOLDER_ATTR.to_string(), String::new()),
        (
            "style".to_string(),
            format!(
                "display:{display};width:{}px;height:{}px;box-sizing:border-box",
                css_tenths(rect.width()),
                css_tenths(rect.height())
            ),
        ),
    ];
    for name in ["id", "class"] {
        if let Some(value) = el.get_attribute(name) {
            attrs.push((name.to_string(), value));
        }
    }
    NodeData::Element { ns, tag, attrs }
}

fn is_form_control(tag: &str) -> bool {
    matches!(tag, "input" | "textarea" | "select" | "option")
}

/// One attribute as it may be sent, or `None` when it is dropped.
pub(crate) fn safe_attribute(
    policy: &Policy,
    name: &str,
    value: String,
    scope: Scope,
    value_masked: bool,
) -> Option<String> {
    // Our own markers are local state of each side, never page content.
    if is_unsafe_attribute(name, &value) || is_ours(name) {
        return None;
    }
    Some(policy.attribute(name, value, scope, value_masked))
}

/// Attributes the customer module puts on page elements (hover states, outlines).
pub(crate) fn is_ours(name: &str) -> bool {
    super::is_marker(name) || name.eq_ignore_ascii_case(INDICATOR_ATTR)
}
