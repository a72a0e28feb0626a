//! A full snapshot of a document: the walk's nodes (see [`super::walk`]), then what is read once
//! every node has an id: form values, scroll positions, stylesheets, focus, the viewport.

use shared_protocol::page::{
    Adopted, NodeId, ScrollPos, SheetBody, SheetUse, Snapshot, Viewport, DOCUMENT,
};
use shared_protocol::page_state::PageState;
use wasm_bindgen::JsCast;
use web_sys::{Document, Node};

use super::live_state::all_media;
use super::sheets::{adopted_sheets, element_sheet, note_if_unreadable, sheet_rules, SheetsSent};
use super::walk::SnapshotWalk;
use super::Mirror;

/// Walks `doc` into a new [`Snapshot`] in one go (tests and tools; a session walks in slices).
/// `mirror` must be fresh for this epoch.
pub fn take_snapshot(
    doc: &Document,
    mirror: &mut Mirror,
    epoch: u32,
    sheets: &mut SheetsSent,
) -> Snapshot {
    let mut walk = SnapshotWalk::start(doc, epoch, mirror);
    walk.step(mirror, f64::INFINITY, || 0.0, false);
    finish_snapshot(walk, doc, mirror, sheets)
}

/// The final part of a walked snapshot: its last nodes and what is read once every node has an
/// id (form values, scroll positions, stylesheets, focus). Sheet contents the agent has not had
/// (per `sheets`) go with it.
pub fn finish_snapshot(
    mut walk: SnapshotWalk,
    doc: &Document,
    mirror: &Mirror,
    sheets: &mut SheetsSent,
) -> Snapshot {
    let epoch = walk.epoch();
    let owners = std::mem::take(&mut walk.sheet_owners);
    let form = std::mem::take(&mut walk.form);
    let (nodes, scrolled) = walk.into_rest();
    // The snapshot starts every element at 0: only scrolled ones need saying.
    let mut scrolls: Vec<ScrollPos> = scrolled
        .iter()
        .filter_map(|el| {
            let node: &Node = el.unchecked_ref();
            scroll_position(mirror.id_of(node)?, node)
        })
        .filter(|p| p.id != DOCUMENT)
        .collect();
    let viewport = viewport();
    if let Some(pos) = window_scroll() {
        scrolls.insert(0, pos);
    }
    let mut bodies = Vec::new();
    let styles = sheet_uses(&owners, mirror, sheets, &mut bodies);
    let adopted = mirror
        .roots()
        .iter()
        .filter_map(|(id, root)| adopted(*id, root, sheets, &mut bodies))
        .collect();
    Snapshot {
        epoch,
        url: mirror.policy().page_url(&doc.url().unwrap_or_default()),
        title: mirror.policy().page_title(doc),
        viewport,
        nodes,
        state: PageState {
            form,
            scrolls,
            state_css: Some(super::state_stylesheet(doc)),
            focus: Some(focused(mirror)),
            sheets: bodies,
            styles,
            adopted,
            // The stream adds the top layer it tracks; canvases follow at their own pace.
            layers: None,
            active: None,
            media: all_media(mirror),
            canvases: Vec::new(),
            unshown: mirror.take_unshown(),
        },
    }
}

/// The `<style>` elements whose rules came through the CSSOM, and the readable `<link>`s.
fn sheet_uses(
    owners: &[NodeId],
    mirror: &Mirror,
    sheets: &mut SheetsSent,
    bodies: &mut Vec<SheetBody>,
) -> Vec<SheetUse> {
    owners
        .iter()
        .filter_map(|&id| {
            let node = mirror.node(id)?;
            note_if_unreadable(mirror, id, node);
            let rules = element_sheet(node, true)?;
            Some(SheetUse {
                id,
                sheet: sheets.share(rules, bodies),
            })
        })
        .collect()
}

/// The adopted sheets of captured root `id` (a document or shadow root), when it has any.
pub fn adopted(
    id: NodeId,
    root: &Node,
    sheets: &mut SheetsSent,
    bodies: &mut Vec<SheetBody>,
) -> Option<Adopted> {
    let adopted = adopted_sheets(root).filter(|list| !list.is_empty())?;
    Some(Adopted {
        id,
        sheets: adopted
            .iter()
            .map(|sheet| sheets.share(sheet_rules(sheet, None).unwrap_or_default(), bodies))
            .collect(),
    })
}

/// The captured element that has focus, if any (the body counts as none), looking into
/// shadow roots and frames (whose host or `<iframe>` is the document's active element).
pub fn focused(mirror: &Mirror) -> Option<NodeId> {
    let mut el = web_sys::window()?.document()?.active_element()?;
    loop {
        let inner = match el.shadow_root() {
            Some(root) => root.active_element(),
            None if super::tree::is_frame(&el.local_name()) => {
                super::tree::frame_document(&el).and_then(|d| d.active_element())
            }
            None => None,
        };
        match inner {
            Some(inner) if inner.local_name() != "body" => el = inner,
            _ => break,
        }
    }
    if el.local_name() == "body" {
        return None;
    }
    mirror.id_of(el.as_ref())
}

/// The most a classic scrollbar takes from the window's inner size.
const MAX_SCROLLBAR: u32 = 40;

/// The size of the customer's layout viewport in CSS pixels: what the agent's view is sized
/// to, so that the page lays out (media queries, `%` and `vw`) as on the customer's screen.
/// That is the window's inner size, scrollbars included, on a desktop; on a phone whose page
/// overflows it, the inner size grows with the overflow while the page is still laid out at
/// the screen's width (the document element's client size), which is then the one.
pub fn viewport() -> Viewport {
    let window = web_sys::window();
    let dimension = |v: Option<wasm_bindgen::JsValue>| v.and_then(|v| v.as_f64()).unwrap_or(0.0);
    let inner_width = dimension(window.as_ref().and_then(|w| w.inner_width().ok())) as u32;
    let inner_height = dimension(window.as_ref().and_then(|w| w.inner_height().ok())) as u32;
    // (In quirks mode the root's client size is its content's, not the viewport's.)
    let root = window
        .and_then(|w| w.document())
        .filter(|d| d.compat_mode() == "CSS1Compat")
        .and_then(|d| d.document_element());
    let (client_width, client_height) = root.map_or((0, 0), |r| {
        (
            r.client_width().max(0) as u32,
            r.client_height().max(0) as u32,
        )
    });
    let layout = |inner: u32, client: u32| match client {
        0 => inner,
        c if inner > c + MAX_SCROLLBAR => c,
        _ => inner,
    };
    Viewport {
        width: layout(inner_width, client_width),
        height: layout(inner_height, client_height),
    }
}

/// The window's scroll position, as [`DOCUMENT`]'s.
pub fn window_scroll() -> Option<ScrollPos> {
    let w = web_sys::window()?;
    Some(ScrollPos {
        id: DOCUMENT,
        x: w.scroll_x().ok()? as i32,
        y: w.scroll_y().ok()? as i32,
    })
}

/// Where `node` is scrolled now: the window for [`DOCUMENT`], else the element (zero included:
/// scrolling back to the top must show too).
pub fn scroll_position(id: NodeId, node: &Node) -> Option<ScrollPos> {
    if id == DOCUMENT {
        return window_scroll();
    }
    if node.node_type() == Node::DOCUMENT_NODE {
        // A frame's document: its window's scroll.
        let view = node.unchecked_ref::<Document>().default_view()?;
        return Some(ScrollPos {
            id,
            x: view.scroll_x().ok()? as i32,
            y: view.scroll_y().ok()? as i32,
        });
    }
    if node.node_type() != Node::ELEMENT_NODE {
        return None;
    }
    let el: &web_sys::Element = node.unchecked_ref();
    Some(ScrollPos {
        id,
        x: el.scroll_left(),
        y: el.scroll_top(),
    })
}
