//! What would close each target's gap, as the report states it beside the shortfall. Kept
//! here, by measure id, so the report and the note say the same thing and a new finding is
//! one edit.

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
            "batches cost one wasm↔JS crossing per record and per attribute read; a JS-side \
             reader of the MutationObserver's records should hand wasm flat arrays, and \
             attribute-only records should skip the subtree bookkeeping."
        }
        "C4" => {
            "a slice's nodes are held as Rust structs, then postcard, then deflate: encode nodes \
             straight to postcard during the walk so a slice's peak (which linear memory keeps) \
             shrinks, which matters most on small pages."
        }
        "C5" => {
            "the bundle carries SPAKE2 + ChaCha20-Poly1305 + X25519, a CSS parser and deflate, \
             which rrweb's recorder has none of; it is already built with opt-level s, LTO and \
             wasm-opt; replace miniz_oxide with a smaller raw-deflate encoder and move the \
             CSS parser behind the first stylesheet that needs rewriting. The 1.5× target is \
             not reachable with end-to-end encryption in the bundle."
        }
        "B1" => {
            "the `:hover` twin rules double a CSS-heavy page's CSS: the console can derive them \
             from the sheets it already has instead of receiving them; deflate level 6 for \
             snapshot parts (measured −16 %, +25 ms spread over slices)."
        }
        "B2" => {
            "each 100 ms batch is deflated alone; a deflate stream kept per session (sync flush \
             per frame) would share the dictionary across batches, as rrweb's one-gzip best case \
             does."
        }
        "V1" => {
            "the rebuild crosses wasm↔JS once per node and attribute; build the view's markup in \
             wasm and hand it to the iframe in one call (then fix up ids with one tree walk)."
        }
        "V2" => {
            "as V1: apply a batch's inserts as one fragment built in one call, and keep the \
             id ↔ node map on the JS side."
        }
        "R1" | "R2" => {
            "the relay spends ~28 µs of CPU per 512 B frame, mostly in syscalls: batch socket \
             writes across sessions (one writev per wakeup) and read frames in bulk. 100k frames/s \
             on one core is beyond what either relay does on this machine."
        }
        "R3" => "smaller per-connection read buffers until the first frame arrives.",
        "R4" | "R4l" => {
            "two nodes and redis-server share one core here, so the same-node baseline's own p99 \
             swings by more than 10× the target between repetitions; at a quarter of the load \
             crossing still costs ~0.55 more cores, each lone frame one XADD and one XREAD round \
             trip: let a node's writer linger ~100 µs to batch more per XADD, run the bridged \
             socket's frames without the owner's virtual send task, and measure with each node \
             and Redis on cores of their own (a machine with 6 or more cores)."
        }
        "P0a" => {
            "minify the loader (it is served as written) and drop what the page API \
                  carries before the module is there."
        }
        "P0b" => "draw the button after the page's load event, in an idle callback.",
        "P0c" => {
            "stream-compile the module while the consent question is read: fetch it on \
                  hover or focus of the button."
        }
        "E1" => "capture on the mutation's own task instead of the next animation frame.",
        _ => "not yet analysed.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_of_the_issue_has_a_next_step() {
        for id in [
            "P0a", "P0b", "P0c", "C1", "C2", "C3", "C4", "C5", "B1", "B2", "V1", "V2", "R1", "R2",
            "R3", "E1", "R4", "R4l",
        ] {
            assert_ne!(next_step(id), next_step("?"), "{id}");
        }
    }
}
