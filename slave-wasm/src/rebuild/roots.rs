//! The view's other roots: a same-origin frame's document, built inside the view's own
//! `<iframe>` element (which loads nothing: it keeps its initial empty document, sandboxed like
//! the view, so no script runs there either), and an open shadow root, attached to its host.
//! A frame from another origin loads its address only when the console allows that origin
//! (`allowed_third_party_domains`); otherwise the view's frame shows a label.

use shared_protocol::page::{NodeId, DOCUMENT};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlIFrameElement, Node, ShadowRootInit, ShadowRootMode};

use super::{dom, RebuildError, Rebuilder};

/// How an unshown frame is labelled in the view (the text is the console's, the origin the
/// page's, set as text: never parsed).
const FRAME_LABEL_CSS: &str = concat!(
    "html,body{margin:0;height:100%}body{display:flex;align-items:center;",
    "justify-content:center;font:13px system-ui,sans-serif;color:#374151;background:",
    super::hatch!(),
    ";text-align:center;padding:4px;box-sizing:border-box}"
);

impl Rebuilder {
    /// The document of view frame `parent`, emptied, in the customer's compat mode, for the
    /// customer frame's document `id`.
    pub(super) fn frame_document(
        &mut self,
        id: NodeId,
        parent: NodeId,
        base_url: &str,
        standards: bool,
    ) -> Result<Node, RebuildError> {
        let frame = self.node(parent)?.clone();
        let doc = frame
            .unchecked_ref::<HtmlIFrameElement>()
            .content_document()
            .ok_or_else(|| {
                RebuildError::Dom("a frame's document in a frame that has none".into())
            })?;
        let wanted = if standards {
            "CSS1Compat"
        } else {
            "BackCompat"
        };
        if doc.compat_mode() != wanted {
            let html: &web_sys::HtmlDocument = doc.unchecked_ref();
            if html.open().is_ok() {
                let _ = html.write_1(if standards { "<!DOCTYPE html>" } else { "" });
                let _ = html.close();
            }
        }
        self.clear_root(doc.as_ref())?;
        self.bases.insert(id, base_url.to_string());
        self.sub_roots.insert(parent, doc.clone().into());
        Ok(doc.into())
    }

    /// The open shadow root of view element `host`, emptied (a host captured again keeps the
    /// root it had: a root cannot be detached). A host that cannot have one gets a detached
    /// fragment, so its content is kept but not shown.
    pub(super) fn shadow_root(&mut self, host: NodeId) -> Result<Node, RebuildError> {
        let el: Element = self.node(host)?.clone().unchecked_into();
        let root: Node = match el.shadow_root() {
            Some(root) => root.into(),
            None => match el.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)) {
                Ok(root) => root.into(),
                Err(_) => self.doc.create_document_fragment().into(),
            },
        };
        self.clear_root(&root)?;
        self.sub_roots.insert(host, root.clone());
        Ok(root)
    }

    /// The address relative URLs in view document `doc` resolve against: the customer's page,
    /// or for a frame's document the frame's.
    pub(super) fn base_of(&self, doc: Option<Document>) -> &str {
        let id = doc
            .and_then(|d| self.ids.get(&d).as_f64())
            .map(|id| id as NodeId);
        match id {
            Some(id) if id != DOCUMENT => self.bases.get(&id).unwrap_or(&self.page_url),
            _ => &self.page_url,
        }
    }

    /// Removes every child of `root`, forgetting their ids.
    pub(super) fn clear_root(&mut self, root: &Node) -> Result<(), RebuildError> {
        while let Some(child) = root.first_child() {
            root.remove_child(&child).map_err(dom)?;
            self.forget_tree(&child);
        }
        Ok(())
    }

    /// The `<base>` a `<head>` just placed in `doc` needs: the customer page's address for the
    /// view's document, the frame's for a frame's.
    pub(super) fn base_for(&self, head: &Node) -> Option<String> {
        let doc = head.owner_document()?;
        let id = self.ids.get(&doc).as_f64()? as NodeId;
        if id == DOCUMENT {
            return Some(self.page_url.clone());
        }
        self.bases.get(&id).cloned()
    }

    /// Forgets `root`'s id and every id below it, the roots hanging under its elements
    /// included (a removed view frame no longer shows its document).
    pub(super) fn forget_tree(&mut self, root: &Node) {
        let mut stack = vec![root.clone()];
        while let Some(node) = stack.pop() {
            if let Some(id) = self.ids.get(&node).as_f64() {
                let id = id as NodeId;
                self.nodes.remove(&id);
                self.ids.delete(&node);
                self.bases.remove(&id);
                self.frame_docs.remove(&id);
                self.styles.remove(&id);
                stack.extend(self.sub_roots.remove(&id));
            }
            let mut child = node.first_child();
            while let Some(c) = child {
                child = c.next_sibling();
                stack.push(c);
            }
        }
    }

    /// A view `<iframe>` with an address (the customer's frame is from another origin): kept
    /// when the console allows that origin, else emptied and labelled once placed.
    pub(super) fn check_frame_source(&mut self, id: NodeId, el: &Element) {
        let Some(src) = el.get_attribute("src") else {
            return;
        };
        let origin = web_sys::Url::new_with_base(&src, self.base_of(el.owner_document()))
            .map(|u| u.origin())
            .unwrap_or_default();
        if self.frames_allowed.allows(&origin) {
            return;
        }
        let _ = el.remove_attribute("src");
        self.frame_labels.push((id, origin));
    }

    /// Writes the label into frames emptied by [`Self::check_frame_source`], now in place.
    pub(super) fn label_frames(&mut self) {
        for (id, origin) in std::mem::take(&mut self.frame_labels) {
            let Some(doc) = self
                .nodes
                .get(&id)
                .and_then(|f| f.unchecked_ref::<HtmlIFrameElement>().content_document())
            else {
                continue;
            };
            let _ = label(&doc, &self.frame_label_text.replace("{origin}", &origin));
        }
    }
}

fn label(doc: &Document, text: &str) -> Result<(), JsValue> {
    let root: &Node = doc.as_ref();
    while let Some(child) = root.first_child() {
        root.remove_child(&child)?;
    }
    let html = doc.create_element("html")?;
    let head = doc.create_element("head")?;
    let style = doc.create_element("style")?;
    style.set_text_content(Some(FRAME_LABEL_CSS));
    head.append_child(&style)?;
    let body = doc.create_element("body")?;
    body.set_attribute("data-cobrowse-own", "")?;
    body.set_text_content(Some(text));
    html.append_child(&head)?;
    html.append_child(&body)?;
    root.append_child(&html)?;
    Ok(())
}

/// The origins whose frames the view may load (`allowed_third_party_domains`): none by
/// default, `*` for any. Scripts never run in them: the view is sandboxed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedFrames(Vec<String>);

impl AllowedFrames {
    pub fn new(origins: &[String]) -> Self {
        Self(
            origins
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|o| !o.is_empty())
                .collect(),
        )
    }

    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        (origin.starts_with("http://") || origin.starts_with("https://"))
            && self.0.iter().any(|o| o == "*" || *o == origin)
    }
}

#[cfg(test)]
mod tests {
    use super::AllowedFrames;

    #[test]
    fn only_listed_origins_are_allowed() {
        let none = AllowedFrames::default();
        assert!(!none.allows("https://pay.example"));
        let some = AllowedFrames::new(&[
            "https://pay.example/".into(),
            " http://maps.example:8080".into(),
        ]);
        assert!(some.allows("https://pay.example"));
        assert!(some.allows("http://maps.example:8080"));
        assert!(!some.allows("http://pay.example"));
        assert!(!some.allows("https://evil.example"));
        let any = AllowedFrames::new(&["*".into()]);
        assert!(any.allows("https://anything.example"));
        assert!(!any.allows("null"));
        assert!(!any.allows("javascript:"));
    }
}
