//! What was tried for each target and what would close its gap, as the report states them
//! beside the shortfall. Kept here, by measure id, so the report and the closing notes say the
//! same thing and a new finding is one edit. Each attempt names its measurement (the command
//! or run in the commit that made it); "kept" means it is in the product.

/// What was tried for a measure that missed its target, with the measurement of each attempt.
pub fn tried(id: &str) -> &'static str {
    match id {
        "P0a" => {
            "the lazy loader (page without a session loads the loader and cobrowse.json only); \
             the loader served without comments and indentation: 3,584 → 2,532 B (kept)."
        }
        "P0b" => {
            "the bench polled the page for the button through WebDriver, each poll a task of \
             the page: measured without polling, 36.9 → 21.3 ms median (--only startup, 3 and \
             7 reps). Split (7 reps each, medians of TaskDuration, page ~20 ms alone): the \
             loader's script loaded and run with its settings request blocked adds ~3 ms; the \
             settings request answered and the button drawn, ~10-15 ms more; the button drawn \
             hidden (display:none) or in sans-serif instead of system-ui: no difference."
        }
        "P0c" => "the lazy loader (50.8 ms at first measure; met).",
        "C1" => {
            "the snapshot walked in ~20 ms slices (for C2/C4): 0.48/0.56/0.65× → \
             0.53/0.67/0.52× (kept); the outline sheet only with the first hidden field: \
             -60 ms at 10k (kept); one wasm call per element instead of per property (kept); \
             opt-level z: 100k 393 → 448 ms, dropped for the customer module."
        }
        "C2" => "the sliced snapshot: 552 → 40 ms (kept).",
        "C3" => {
            "opt-level z vs s, per case (ms, medians of 3 × --reps 5): deep-nested 91.5 vs \
             96.5, create 104 vs 100.5, add-remove 97.6 vs 94.0, descendant-add 8.8 vs 9.8, \
             add-move 83.5 vs 85.6, attributes 52.9 vs 45.0 (s kept). Attributes, instrumented: \
             a 50-90 ms flush is id lookups 7-17, value reads 15-27 (1.7 µs per getAttribute \
             from wasm), building changes 16-22, plus the observer callback 12-25; all values \
             read in one JS call (joined string + lengths): 15-27 ms, no clear gain over one \
             call each in 6 A/B runs (dropped, branch attr-bulk); an attribute record known by \
             its name (no type string) and names deduplicated without copies: 105 → 99.5 ms \
             median of the whole case, 8 interleaved A/B runs (kept). rrweb's whole overhead \
             here is ~20-40 ms."
        }
        "C4" => "the sliced snapshot: 100k 309 → 99 B/node, 10k 302 → 249 B/node (kept).",
        "C5" => {
            "wasm-opt -Oz: 126 → 97 KB (kept, before the page API, locales and CSS work grew \
             it); settings read field by field instead of serde-wasm-bindgen -4.9 KB; no Rust \
             float formatting -7.7 KB; texts as a sorted list -1.8 KB; debug logs by name \
             -1.3 KB; wasm-opt --converge -0.6 KB; JS glue minified 10,686 → 8,724 B; the \
             customer carries no inflater (all kept): 192,025 → 170,176 B. opt-level z -8.6 KB \
             but capture 10-19 % slower: dropped for the customer module. The means the issue \
             names (CompressionStream instead of miniz_oxide, 25.6 KB of code; the CSS parser \
             on demand) are not built."
        }
        "B1" => {
            "deflate level 6 instead of 1 for snapshot parts: 86 → 72 KB (-16 %) for +25 ms \
             spread over the slices (not adopted: 72 KB is still 1.07× rrweb's 67 KB). Sheets by reference and \
             :hover twins derived by the console are not built."
        }
        "B2" => {
            "issue 15's padding of every deflated payload to 256 B (against the length side \
             channel) grew it 632,889 → 741,376 B (kept, security). Deflate level 9 instead of 1 \
             for payloads up to 64 KB: 741,376 → 734,976 B (-0.9 %, --eval \"minute('cobrowse', \
             600)\"; dropped): a batch is ~1 KB of mostly new content (random numbers, ids), \
             which no level shrinks; what repeats is across batches."
        }
        "V1" => {
            "made to run again (the bench's view frame was captured as a page frame: \
             UnknownNode(1024)). The view's subtrees built off the document and placed once \
             complete (not <html>/<head>, whose <base> addresses need in place), and a node's \
             document and <style> parent known in Rust instead of asked of the browser per \
             node: --eval \"rebuild('cobrowse', 10000)\", 6 interleaved runs on fresh pages, \
             median 80.3 → 76.2 ms (kept; -5 %: the calls per node and attribute remain)."
        }
        "V2" => {
            "made to run again (as V1). Diagnosis, --eval \"incremental(200)\", 3 runs: p50 \
             1.3-1.5 ms, p99 6.1-10.6 ms from a few isolated 4-12 ms batches with no pattern by \
             batch (likely GC). Subtrees built off the document (as V1): p50 1.3 → 1.0-1.1 ms, the 200 \
             batches' total 341 → 293 ms (3 runs each; kept)."
        }
        "E1" => {
            "capturing a change on the next task after a quiet spell instead of the next \
             animation frame: p50 10.9 ms with it vs 9.95 ms without (--only latency --reps 3; \
             dropped). The figure ends at the agent's next animation frame, which alone waits \
             8.3 ms on average at 60 Hz: a p50 ≤ 8 ms would need the change shown before the \
             frame it is painted in."
        }
        "R1" | "R2" => {
            "TCP_NODELAY: R1 p99 4.6 → 2.8 ms (kept); small per-socket buffers and one flush \
             per burst (kept); queued frames shared with the resume ring instead of copied \
             (kept, for R3). A perf profile of the relay during R2's ramp (20 s, 999 Hz): \
             about half in the kernel's TCP path, the rest spread thin (largest user function \
             4.5 %: the customer loop; malloc/free 5 %; postcard visiting byte fields byte by \
             byte 4 %): byte fields now go through serde as bytes, a 512 B frame's decode and \
             encode 915 → 140 ns, a 100 KB one's 142 → 4.6 µs (same wire format; kept). R1 \
             and R2 move with the machine's load by more than any of these: R1 0.16-0.85 ms \
             and R2 0.72-1.56× Node between single runs of the same build on this machine."
        }
        "R3" => {
            "1 KiB read chunks: 137 → 7.6 KiB (kept); each part of a connection a heap future: \
             8.90 → 8.50 KiB (kept); queue slots of two words (frames as Arc<[u8]>, closes \
             boxed) and the waiting session's agent side boxed: 8.50 → 7.82 KiB (kept; \
             heaptrack: the queue's first block of 32 slots was 1,056 B per connection); \
             mimalloc: 8.80 KiB, MALLOC_ARENA_MAX=1: 8.45 KiB (both dropped)."
        }
        "R4" | "R4l" => {
            "one stream entry per batch: crossing p99 1,867 → 150 ms; inbox expiry off the read \
             path: 3.98 → 2.15 Redis commands per crossing frame; pipelined renewals and one \
             copy into the batch (all kept). Issue 16 is blocked: two nodes and Redis on two \
             cores cannot show a 0.5 ms difference."
        }
        _ => "nothing recorded.",
    }
}

/// The next step for a measure that missed its target.
pub fn next_step(id: &str) -> &'static str {
    match id {
        "C1" => {
            "most of a snapshot's time is wasm↔DOM calls per node (tag, attributes, children); \
             read each slice's nodes in one JS pass into flat arrays handed to wasm once, and let \
             the first slice run to ~40 ms so a 10k-node page finishes in one task."
        }
        "C2" => "shorter slices (SLICE_MS) or encoding a slice's part in its own task.",
        "C3" => {
            "read the MutationObserver's records in JS into flat arrays (record type, target \
             id, attribute name) with the node ↔ id map on the JS side, so a batch crosses into \
             wasm once; attribute-only records skip the subtree bookkeeping."
        }
        "C4" => {
            "a slice's nodes are held as Rust structs, then postcard, then deflate: encode nodes \
             straight to postcard during the walk so a slice's peak (which linear memory keeps) \
             shrinks, which matters most on small pages."
        }
        "C5" => {
            "the bundle carries SPAKE2 + ChaCha20-Poly1305 + X25519, a CSS parser and deflate, \
             which rrweb's recorder has none of: deflate through the browser's \
             CompressionStream (async: the capture pipeline must await it), the CSS parser as \
             a second module loaded with the first sheet that needs rewriting, then twiggy's \
             largest functions."
        }
        "B1" => {
            "send a sheet the agent's browser can load itself (unchanged CSSOM, same-origin or \
             allowed URL) as a reference through the relay's CSS proxy; let the console derive \
             the :hover twins from the sheets it has (they double a CSS-heavy page's CSS)."
        }
        "B2" => {
            "a deflate stream per session (sync flush per frame) shares the dictionary across \
             batches, as rrweb's one-gzip best case does, but mixes masked-field lengths and \
             page text in one context: only with issue 9's side-channel test extended to it."
        }
        "V1" => {
            "the rebuild crosses wasm↔JS once per node and attribute; build the view's markup in \
             wasm and hand it to the iframe in one call (then fix up ids with one tree walk)."
        }
        "V2" => {
            "as V1: apply a batch's inserts as one fragment built in one call, and keep the \
             id ↔ node map on the JS side (fewer objects for the collector)."
        }
        "R1" | "R2" => {
            "profile with perf on a quiet machine; batch socket writes across sessions (one \
             writev per wakeup), read frames in bulk, and forward the sealed payload without \
             decoding and re-encoding its envelope."
        }
        "R3" => {
            "the inactivity timer as one timer wheel for all waiting sessions instead of a \
             task each (~0.5 KiB per connection)."
        }
        "R4" | "R4l" => {
            "let a node's writer linger ~100 µs to batch more per XADD, run the bridged socket's \
             frames without the owner's virtual send task, and measure with each node and Redis \
             on cores of their own (a machine with 6 or more cores)."
        }
        "P0a" => "drop what the page API carries before the module is there.",
        "P0b" => {
            "carry the default settings in cobrowse.js (one request instead of two), and find \
             the rest of the answered request's ~10 ms with a DevTools trace."
        }
        "P0c" => {
            "stream-compile the module while the consent question is read: fetch it on \
             hover or focus of the button."
        }
        "E1" => {
            "measure to the agent's apply as well as its paint, and show a change in the \
             frame it arrives in (apply before the frame's rendering, not after it)."
        }
        _ => "not yet analysed.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_of_the_issue_says_what_was_tried_and_what_is_next() {
        for id in [
            "P0a", "P0b", "P0c", "C1", "C2", "C3", "C4", "C5", "B1", "B2", "V1", "V2", "R1", "R2",
            "R3", "E1", "R4", "R4l",
        ] {
            assert_ne!(next_step(id), next_step("?"), "{id}");
            assert_ne!(tried(id), tried("?"), "{id}");
        }
    }
}
