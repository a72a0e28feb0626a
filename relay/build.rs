//! Embeds the browser assets in the relay: the customer module (`dist/master/`), the agent
//! console's bundle (`dist/slave/`) and its page, CSS and script (`www/agent/`), each stored as
//! is, brotli (quality 11) and gzip (level 9), so one binary serves everything. Writes
//! `$OUT_DIR/embedded_assets.rs`, a table `relay/src/assets/embedded.rs` includes.
//!
//! Without `dist/` (a fresh clone before `make wasm`, clippy, `cargo test`) it embeds nothing
//! and warns; the relay then serves from disk. Compression is cached in `$OUT_DIR/blobs` by the
//! file's content hash: brotli 11 takes seconds, and only files that changed pay it again.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

use sha2::{Digest, Sha256};

/// Source directory (from the workspace root) and the key prefix its files get.
const ROOTS: [(&str, &str); 3] = [
    ("dist/master", "master"),
    ("dist/slave", "slave"),
    ("www/agent", "agent"),
];

/// Without both entry points there is no bundle worth embedding.
const REQUIRED: [&str; 2] = ["dist/master/master_wasm.js", "dist/slave/slave_wasm.js"];

struct Source {
    key: String,
    bytes: Vec<u8>,
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let workspace = manifest
        .parent()
        .expect("relay/ is in the workspace")
        .to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it"));
    // A missing directory is watched too: `make wasm` creating it must rebuild the relay.
    for (dir, _) in ROOTS {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    println!("cargo:rerun-if-changed=build.rs");

    let table = match REQUIRED.iter().all(|f| workspace.join(f).is_file()) {
        true => embed(&workspace, &out),
        false => {
            println!(
                "cargo:warning=no browser bundles in dist/ (run `make wasm`): this build embeds \
                 no assets and serves them from assets_dir"
            );
            "pub static BUNDLE_HASH: &str = \"\";\npub static FILES: &[EmbeddedFile] = &[];\n"
                .to_string()
        }
    };
    fs::write(out.join("embedded_assets.rs"), table).expect("write the asset table");
}

/// Reads, rewrites, compresses and lists every file; returns the table's source.
fn embed(workspace: &Path, out: &Path) -> String {
    let mut sources = Vec::new();
    for (dir, prefix) in ROOTS {
        collect(&workspace.join(dir), prefix, &mut sources);
    }
    sources.sort_by(|a, b| a.key.cmp(&b.key));
    let hash = bundle_hash(&sources);
    let blobs = out.join("blobs");
    fs::create_dir_all(&blobs).expect("create the blob cache");

    let mut kept = Vec::new();
    let mut table = format!("pub static BUNDLE_HASH: &str = {hash:?};\n");
    table.push_str("pub static FILES: &[EmbeddedFile] = &[\n");
    for source in &sources {
        let bytes = point_at_hashed_paths(&source.key, &source.bytes, &hash);
        let digest = hex(&Sha256::digest(&bytes));
        let identity = blobs.join(&digest);
        if !identity.is_file() {
            fs::write(&identity, &bytes).expect("write a blob");
        }
        let brotli = cached(&blobs, &digest, "br", &bytes, compress_brotli);
        let gzip = cached(&blobs, &digest, "gz", &bytes, compress_gzip);
        kept.push(digest.clone());
        let _ = writeln!(
            table,
            "    EmbeddedFile {{ path: {key:?}, content_type: {ct:?}, etag: {etag:?}, \
             identity: include_bytes!({identity:?}), brotli: {brotli}, gzip: {gzip} }},",
            key = source.key,
            ct = content_type(&source.key),
            etag = &digest[..16],
            identity = identity.display().to_string(),
            brotli = included(brotli),
            gzip = included(gzip),
        );
    }
    table.push_str("];\n");
    prune(&blobs, &kept);
    table
}

/// Removes the blobs of files no longer embedded (each `make wasm` would otherwise leave ~2 MB).
fn prune(blobs: &Path, kept: &[String]) {
    for entry in fs::read_dir(blobs).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let digest = name.split('.').next().unwrap_or("");
        if !kept.iter().any(|k| k == digest) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Every file under `dir`, keyed `prefix/relative/path`.
fn collect(dir: &Path, prefix: &str, sources: &mut Vec<Source>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = format!("{prefix}/{name}");
        if path.is_dir() {
            collect(&path, &key, sources);
        } else if let Ok(bytes) = fs::read(&path) {
            sources.push(Source { key, bytes });
        }
    }
}

/// The hash of the whole bundle, put in every immutable URL: any file changing changes it.
fn bundle_hash(sources: &[Source]) -> String {
    let mut hasher = Sha256::new();
    for source in sources {
        hasher.update(source.key.as_bytes());
        hasher.update((source.bytes.len() as u64).to_le_bytes());
        hasher.update(&source.bytes);
    }
    hex(&hasher.finalize())[..16].to_string()
}

/// The console's page and script name the bundle's files by their hashed (immutable) paths;
/// the rewrite is a function of the hashed sources, so the hash still names the result.
/// Their paths are relative (the relay may serve under a prefix): the page's to itself
/// (`<prefix>/agent`), the script's import to the script, one directory deeper when hashed.
fn point_at_hashed_paths(key: &str, bytes: &[u8], hash: &str) -> Vec<u8> {
    let swaps = match key {
        "agent/index.html" => vec![("\"console/", format!("\"console/{hash}/"))],
        "agent/boot.js" => vec![
            (
                "\"../assets/slave/",
                format!("\"../../assets/{hash}/slave/"),
            ),
            ("\"assets/slave/", format!("\"assets/{hash}/slave/")),
        ],
        _ => return bytes.to_vec(),
    };
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    for (from, to) in swaps {
        text = text.replace(from, &to);
    }
    text.into_bytes()
}

/// The blob `digest.ext`, compressed now unless an earlier build left it; `None` when the
/// encoding does not make the file smaller (then it is only ever sent as is).
fn cached(
    blobs: &Path,
    digest: &str,
    ext: &str,
    bytes: &[u8],
    compress: fn(&[u8]) -> Vec<u8>,
) -> Option<PathBuf> {
    let path = blobs.join(format!("{digest}.{ext}"));
    if !path.is_file() {
        fs::write(&path, compress(bytes)).expect("write a compressed blob");
    }
    let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(u64::MAX);
    (size < bytes.len() as u64).then_some(path)
}

fn compress_brotli(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli in memory");
    out
}

fn compress_gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

fn included(path: Option<PathBuf>) -> String {
    match path {
        Some(path) => format!("Some(include_bytes!({:?}))", path.display().to_string()),
        None => "None".into(),
    }
}

fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
