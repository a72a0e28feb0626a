//! C5: what the customer's page downloads (the loader, the module's JS glue and its wasm: the
//! widget is inside the wasm), brotli-compressed, against `@rrweb/record`'s browser build; and
//! the wasm's code attributed to the crates it came from, by the function names wasm-bindgen's
//! output still carries (target/bound, before wasm-opt).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

use crate::report::{Better, Measure};
use crate::{BenchResult, Ctx};

pub fn run(ctx: &Ctx) -> BenchResult<Vec<Measure>> {
    let dist = ctx.root.join("dist/master");
    let wasm = read(&dist.join("master_wasm_bg.wasm"))?;
    let glue = read(&dist.join("master_wasm.js"))?;
    let mut snippets = Vec::new();
    collect_files(&dist.join("snippets"), &mut snippets)?;
    let loader = cobrowse_relay::http::loader_js().as_bytes();
    let ours = brotli_len(&wasm)
        + brotli_len(&glue)
        + brotli_len(loader)
        + snippets.iter().map(|s| brotli_len(s)).sum::<usize>();
    let peer_file = ctx
        .node_modules()
        .join("@rrweb/record/dist/record.umd.min.cjs");
    let peer = brotli_len(&read(&peer_file)?);
    // wasm-opt drops function names: attribute code in wasm-bindgen's output, before it.
    let named = read(&ctx.root.join("target/bound/master/master_wasm_bg.wasm"))?;
    let crates = by_crate(&named)?;
    let total_code: usize = crates.values().sum();
    let mut top: Vec<_> = crates.into_iter().collect();
    top.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    let breakdown: Vec<String> = top
        .iter()
        .take(12)
        .map(|(name, size)| {
            format!(
                "{name} {:.1} KB ({:.0} %)",
                *size as f64 / 1000.0,
                100.0 * *size as f64 / total_code as f64
            )
        })
        .collect();
    Ok(vec![Measure::new(
        "C5",
        "customer bundle, brotli (loader + JS glue + wasm)",
        "what the page loads when co-browse starts",
        "bytes",
        "≤ 80 KB",
    )
    .versus("@rrweb/record (umd.min)", &[ours as f64], &[peer as f64])
    .judge(Better::Lower, Some(80_000.0), None)
    .note(format!(
        "wasm {} B raw, {} B brotli (after wasm-opt -Oz); code by crate, before wasm-opt \
         (uncompressed function bodies, {:.0} KB): {}.",
        wasm.len(),
        brotli_len(&wasm),
        total_code as f64 / 1000.0,
        breakdown.join(", ")
    ))])
}

fn read(path: &Path) -> BenchResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        format!(
            "{}: {e} (run `make bench`, which builds it)",
            path.display()
        )
        .into()
    })
}

fn collect_files(dir: &Path, out: &mut Vec<Vec<u8>>) -> BenchResult<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(read(&path)?);
        }
    }
    Ok(())
}

/// Brotli at the quality a CDN serves static files with (11).
pub fn brotli_len(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes).expect("writing to a Vec");
    }
    out.len()
}

/// Function body bytes per crate, by the first path segment of each function's name.
fn by_crate(wasm: &[u8]) -> BenchResult<BTreeMap<String, usize>> {
    let mut imported = 0u32;
    let mut bodies = Vec::new();
    let mut names = BTreeMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if matches!(import?.ty, TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(body.range().len()),
            Payload::CustomSection(section) => {
                if let KnownCustom::Name(reader) = section.as_known() {
                    for name in reader {
                        if let Name::Function(map) = name? {
                            for naming in map {
                                let naming = naming?;
                                names.insert(naming.index, crate_of(naming.name));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut sizes = BTreeMap::new();
    for (i, size) in bodies.into_iter().enumerate() {
        let name = names
            .get(&(imported + i as u32))
            .cloned()
            .unwrap_or_else(|| "(unnamed)".into());
        *sizes.entry(name).or_insert(0) += size;
    }
    Ok(sizes)
}

/// `<alloc::vec::Vec<T> as serde::Serialize>::serialize` → `alloc`; `shared_css::urls::x` →
/// `shared_css`; wasm-bindgen's own shims → `wasm-bindgen glue`.
fn crate_of(name: &str) -> String {
    let trimmed = name
        .trim_start_matches(['<', '&', '*', ' '])
        .trim_start_matches("mut ")
        .trim_start_matches("dyn ");
    match trimmed.split_once("::") {
        Some((head, _))
            if !head.is_empty() && head.chars().all(|c| c.is_alphanumeric() || c == '_') =>
        {
            head.to_string()
        }
        _ if name.starts_with("__wbg")
            || name.starts_with("__wbindgen")
            || name.contains("wasm_bindgen") =>
        {
            "wasm-bindgen glue".into()
        }
        _ => "(other)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_are_attributed_to_their_crate() {
        assert_eq!(
            crate_of("shared_css::urls::rewrite_urls::h12"),
            "shared_css"
        );
        assert_eq!(
            crate_of("<alloc::vec::Vec<T> as serde::Serialize>::serialize"),
            "alloc"
        );
        assert_eq!(crate_of("__wbindgen_malloc"), "wasm-bindgen glue");
        assert_eq!(crate_of("memcpy"), "(other)");
    }

    #[test]
    fn brotli_shrinks_repetitive_text() {
        let text = "co-browse ".repeat(1000);
        assert!(brotli_len(text.as_bytes()) < 100);
    }
}
