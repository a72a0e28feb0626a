//! Capture (master-wasm) → wire encoding → rebuild (slave-wasm) against real DOMs in headless
//! Chromium: after a snapshot and after every batch of random mutations, the rebuilt document
//! must equal the source.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use master_wasm::capture::SheetsSent;
use master_wasm::privacy::Policy;
use shared_protocol::page::{CustomerPageMsg, MutationBatch, Snapshot};
use shared_protocol::payload::{decode_payload, encode_payload};
use slave_wasm::rebuild::{RebuildError, Rebuilder};
use slave_wasm::view_sheets::ViewSheets;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlInputElement, Node};

mod common;
#[path = "common/streamed.rs"]
mod streamed;
use common::new_document;
use streamed::Streamed;

wasm_bindgen_test_configure!(run_in_browser);

/// The built-in rules only (no page or relay rules).
fn open_policy() -> Rc<Policy> {
    Rc::new(Policy::default())
}

/// Through the wire format, as in production.
fn wire(msg: CustomerPageMsg) -> CustomerPageMsg {
    decode_payload(&encode_payload(&msg)).unwrap()
}

fn snapshot_of(msg: CustomerPageMsg) -> Snapshot {
    match wire(msg) {
        CustomerPageMsg::Snapshot(s) => s,
        _ => unreachable!(),
    }
}

/// A small page's snapshot, which takes one part, through the wire.
fn whole(parts: Vec<CustomerPageMsg>) -> Snapshot {
    assert_eq!(parts.len(), 1, "a small page is captured in one part");
    snapshot_of(parts.into_iter().next().unwrap())
}

fn batch_of(batch: MutationBatch) -> MutationBatch {
    match wire(CustomerPageMsg::Mutations(batch)) {
        CustomerPageMsg::Mutations(b) => b,
        _ => unreachable!(),
    }
}

/// A canonical text form of a tree: tags, sorted attributes, text, input values.
fn describe(root: &Node) -> String {
    let mut out = String::new();
    let mut stack = vec![(root.clone(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        out.push_str(&"  ".repeat(depth));
        match node.node_type() {
            Node::ELEMENT_NODE => {
                let el: &Element = node.unchecked_ref();
                let names = el.get_attribute_names();
                let mut attrs: Vec<String> = names
                    .iter()
                    .map(|n| {
                        let n = n.as_string().unwrap();
                        format!("{n}={:?}", el.get_attribute(&n).unwrap_or_default())
                    })
                    .collect();
                attrs.sort();
                out.push_str(&format!("<{} {}>", el.local_name(), attrs.join(" ")));
                if el.local_name() == "input" {
                    let i: &HtmlInputElement = node.unchecked_ref();
                    out.push_str(&format!(" value={:?}", i.value()));
                }
            }
            Node::TEXT_NODE => {
                out.push_str(&format!("{:?}", node.node_value().unwrap_or_default()))
            }
            _ => out.push_str(&node.node_name()),
        }
        out.push('\n');
        let mut child = node.last_child();
        while let Some(c) = child {
            child = c.previous_sibling();
            // What the customer module adds to the page itself is never sent.
            let own = c
                .dyn_ref::<Element>()
                .is_some_and(|e| e.has_attribute("data-cobrowse-own"));
            if !own {
                stack.push((c, depth + 1));
            }
        }
    }
    out
}

fn assert_same(source: &Document, target: &Document, context: &str) {
    let a = describe(&source.document_element().unwrap());
    let b = describe(&target.document_element().unwrap());
    if a != b {
        // Only where they part: whole pages are too long to read.
        let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        let at = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let around = |l: &[&str]| l[at.saturating_sub(3)..(at + 8).min(l.len())].join("\n");
        panic!(
            "documents differ after {context} at line {at}:\nsource:\n{}\nview:\n{}",
            around(&a),
            around(&b)
        );
    }
}

/// xorshift: deterministic, so a failure names its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn nodes_under(root: &Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(n) = stack.pop() {
        let mut c = n.first_child();
        while let Some(x) = c {
            c = x.next_sibling();
            stack.push(x.clone());
            out.push(x);
        }
    }
    out
}

fn random_mutation(doc: &Document, rng: &mut Rng, counter: &mut u32) -> String {
    let body: Node = doc.body().unwrap().into();
    let all = nodes_under(&body);
    let elements: Vec<Element> = std::iter::once(body.clone())
        .chain(all.iter().cloned())
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter(|e| e.local_name() != "input")
        .collect();
    let pick_el = |rng: &mut Rng| elements[rng.below(elements.len())].clone();
    *counter += 1;
    let n = *counter;
    match rng.below(9) {
        0 | 1 => {
            let tag = ["div", "span", "p", "li", "input"][rng.below(5)];
            let el = doc.create_element(tag).unwrap();
            if tag != "input" {
                el.append_child(&doc.create_text_node(&format!("t{n}")))
                    .unwrap();
            }
            let parent = pick_el(rng);
            let kids = parent.child_nodes();
            let before = (kids.length() > 0)
                .then(|| kids.item(rng.below(kids.length() as usize) as u32))
                .flatten();
            parent.insert_before(&el, before.as_ref()).unwrap();
            format!("insert {tag}")
        }
        2 if !all.is_empty() => {
            let victim = &all[rng.below(all.len())];
            victim.parent_node().unwrap().remove_child(victim).unwrap();
            "remove".into()
        }
        3 if !all.is_empty() => {
            let moving = all[rng.below(all.len())].clone();
            let target = pick_el(rng);
            if moving.contains(Some(target.as_ref())) {
                return "skip move".into();
            }
            target.append_child(&moving).unwrap();
            "move".into()
        }
        4 => {
            let el = pick_el(rng);
            let name = ["class", "title", "data-x"][rng.below(3)];
            el.set_attribute(name, &format!("v{n}")).unwrap();
            "set attribute".into()
        }
        5 => {
            let el = pick_el(rng);
            el.remove_attribute(["class", "title", "data-x"][rng.below(3)])
                .unwrap();
            "remove attribute".into()
        }
        6 => {
            let texts: Vec<&Node> = all
                .iter()
                .filter(|n| n.node_type() == Node::TEXT_NODE)
                .collect();
            if let Some(t) = texts.get(rng.below(texts.len().max(1))) {
                t.set_node_value(Some(&format!("changed{n}")));
            }
            "text".into()
        }
        7 => {
            // Built detached, then inserted; plus a node added and removed before the flush.
            let wrap = doc.create_element("section").unwrap();
            for i in 0..3 {
                let li = doc.create_element("em").unwrap();
                li.set_text_content(Some(&format!("w{n}.{i}")));
                wrap.append_child(&li).unwrap();
            }
            pick_el(rng).append_child(&wrap).unwrap();
            let ghost = doc.create_element("b").unwrap();
            body.append_child(&ghost).unwrap();
            body.remove_child(&ghost).unwrap();
            "subtree".into()
        }
        _ => {
            let inputs = doc.query_selector_all("input").unwrap();
            if inputs.length() > 0 {
                let i: HtmlInputElement = inputs
                    .item(rng.below(inputs.length() as usize) as u32)
                    .unwrap()
                    .dyn_into()
                    .unwrap();
                i.set_value(&format!("typed{n}"));
                i.dispatch_event(&web_sys::Event::new("input").unwrap())
                    .unwrap();
            }
            "value".into()
        }
    }
}

#[wasm_bindgen_test]
fn snapshot_then_random_batches_stay_identical() {
    for seed in [1u64, 7, 42, 1234, 99991] {
        let source = new_document();
        source.body().unwrap().set_inner_html(
            "<h1 class=t>Title</h1><ul><li>one</li><li>two</li></ul><p>text <b>bold</b></p><input value=x>",
        );
        let (stream, snap) = Streamed::start(source.clone(), 1, open_policy());
        let target = new_document();
        let mut rebuilder = Rebuilder::new(target.clone(), ViewSheets::default());
        rebuilder.apply_snapshot(&whole(snap)).unwrap();
        assert_same(&source, &target, "the snapshot");
        let mut rng = Rng(seed);
        let mut counter = 0;
        for round in 0..60 {
            let ops: Vec<String> = (0..1 + rng.below(6))
                .map(|_| random_mutation(&source, &mut rng, &mut counter))
                .collect();
            if let Some(batch) = stream.take_batch() {
                rebuilder
                    .apply_batch(&batch_of(batch))
                    .unwrap_or_else(|e| panic!("seed {seed} round {round} {ops:?}: {e}"));
            }
            assert_same(
                &source,
                &target,
                &format!("seed {seed} round {round}: {ops:?}"),
            );
        }
    }
}

/// Lets the browser run what is queued (the stream's next slice among it).
async fn next_task() {
    let tick = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(tick).await.unwrap();
}

/// Applies a snapshot part or a batch as the console does, through the wire.
fn apply(rebuilder: &mut Rebuilder, msg: CustomerPageMsg) -> Result<(), RebuildError> {
    match wire(msg) {
        CustomerPageMsg::SnapshotNodes(part) => rebuilder.add_snapshot_nodes(part),
        CustomerPageMsg::Snapshot(snap) => rebuilder.apply_snapshot(&snap),
        CustomerPageMsg::Mutations(batch) => rebuilder.apply_batch(&batch),
        _ => Ok(()),
    }
}

#[wasm_bindgen_test]
async fn a_snapshot_taken_in_slices_while_the_page_changes_stays_identical() {
    for seed in [3u64, 11, 2024, 77] {
        let source = new_document();
        let rows: String = (0..200)
            .map(|i| {
                format!(
                    "<div class=r{i}><span>a{i}</span><p>b <b>c</b></p><input value=v{i}></div>"
                )
            })
            .collect();
        source
            .body()
            .unwrap()
            .set_inner_html(&format!("<main>{rows}</main><footer>end</footer>"));
        // The page changes between every two slices (after each slice is pushed).
        let changes = Rc::new(std::cell::RefCell::new((Rng(seed), 0u32, Vec::new())));
        let after_slice = {
            let (doc, changes) = (source.clone(), changes.clone());
            move || {
                let mut c = changes.borrow_mut();
                let (rng, counter, log) = &mut *c;
                for _ in 0..4 {
                    let op = random_mutation(&doc, rng, counter);
                    log.push(op);
                }
            }
        };
        // A slice per 256 nodes: this ~1,600-node page takes several parts.
        let (stream, mut parts) =
            Streamed::start_sliced(source.clone(), 1, open_policy(), after_slice);
        // The batch of what changed meanwhile may follow the snapshot in the same frame.
        while !parts
            .iter()
            .any(|p| matches!(p, CustomerPageMsg::Snapshot(_)))
        {
            next_task().await;
            parts.extend(stream.take_pushed());
        }
        assert!(parts.len() >= 4, "seed {seed}: {} parts", parts.len());
        let target = new_document();
        let mut rebuilder = Rebuilder::new(target.clone(), ViewSheets::default());
        let log = || changes.borrow().2.clone();
        for part in parts {
            apply(&mut rebuilder, part).unwrap_or_else(|e| panic!("seed {seed} {:?}: {e}", log()));
        }
        for batch in stream.take_batches() {
            apply(&mut rebuilder, CustomerPageMsg::Mutations(batch))
                .unwrap_or_else(|e| panic!("seed {seed} {:?}: {e}", log()));
        }
        assert_same(&source, &target, &format!("seed {seed}: {:?}", log()));
        // The doctype came in the first part: the view is in the page's standards mode (not
        // in quirks mode, where tables stop inheriting line heights).
        assert_eq!(target.compat_mode(), source.compat_mode(), "seed {seed}");
        drop(stream);
    }
}

#[wasm_bindgen_test]
fn a_batch_with_an_unknown_id_is_refused_for_resync() {
    let target = new_document();
    let mut rebuilder = Rebuilder::new(target, ViewSheets::default());
    let batch = MutationBatch {
        epoch: 1,
        removes: vec![999],
        ..Default::default()
    };
    assert_eq!(rebuilder.apply_batch(&batch), Err(RebuildError::NoSnapshot));
    let source = new_document();
    let (_stream, snap) = Streamed::start(source, 1, open_policy());
    rebuilder.apply_snapshot(&whole(snap)).unwrap();
    assert_eq!(
        rebuilder.apply_batch(&batch),
        Err(RebuildError::UnknownNode(999))
    );
    let other_epoch = MutationBatch {
        epoch: 2,
        ..Default::default()
    };
    assert_eq!(
        rebuilder.apply_batch(&other_epoch),
        Err(RebuildError::WrongEpoch { got: 2, showing: 1 })
    );
}

#[wasm_bindgen_test]
fn removed_subtrees_are_forgotten() {
    let source = new_document();
    source
        .body()
        .unwrap()
        .set_inner_html("<div id=big><p>a</p><p>b</p><p>c</p></div>");
    let (stream, snap) = Streamed::start(source.clone(), 1, open_policy());
    let mut rebuilder = Rebuilder::new(new_document(), ViewSheets::default());
    rebuilder.apply_snapshot(&whole(snap)).unwrap();
    let before = rebuilder.tracked();
    source.get_element_by_id("big").unwrap().remove();
    rebuilder
        .apply_batch(&stream.take_batch().unwrap())
        .unwrap();
    // The div, three <p> and three text nodes are gone from the id map.
    assert_eq!(rebuilder.tracked(), before - 7);
}

#[wasm_bindgen_test]
fn sheets_are_sent_once_then_named_by_hash() {
    // What a previous test's page "sent" must not count here.
    SheetsSent::clear_stored();
    let source = new_document();
    let head = source.head().unwrap();
    head.set_inner_html("<style id=css></style>");
    let style = source.get_element_by_id("css").unwrap();
    let sheet: web_sys::CssStyleSheet = js_sys::Reflect::get(&style, &"sheet".into())
        .unwrap()
        .unchecked_into();
    sheet.insert_rule(".a { color: red; }").unwrap();
    let (stream, first) = Streamed::start(source.clone(), 1, open_policy());
    let first = whole(first);
    assert_eq!(first.state.sheets.len(), 1, "the rules go once");
    assert_eq!(first.state.styles.len(), 1);
    let hash = first.state.styles[0].sheet;
    let mut view = Rebuilder::new(new_document(), ViewSheets::default());
    view.apply_snapshot(&first).unwrap();

    // The tab loads its next page (a new stream, the same sessionStorage): named by hash only.
    drop(stream);
    let (stream, again) = Streamed::start(source.clone(), 2, open_policy());
    let again = whole(again);
    assert!(again.state.sheets.is_empty(), "not sent twice");
    assert_eq!(again.state.styles[0].sheet, hash);
    view.apply_snapshot(&again).unwrap();
    let view_style = view.doc().query_selector("style").unwrap().unwrap();
    let view_sheet: web_sys::CssStyleSheet = js_sys::Reflect::get(&view_style, &"sheet".into())
        .unwrap()
        .unchecked_into();
    assert_eq!(view_sheet.css_rules().unwrap().length(), 1);

    // A console that never had it says so (and asks for a resync), whose snapshot carries it.
    let mut fresh = Rebuilder::new(new_document(), ViewSheets::default());
    assert_eq!(
        fresh.apply_snapshot(&again),
        Err(RebuildError::UnknownSheet(hash))
    );
    let resync = whole(stream.resnapshot());
    assert_eq!(resync.state.sheets.len(), 1);
    fresh.apply_snapshot(&resync).unwrap();
    drop(stream);
    SheetsSent::clear_stored();
}
