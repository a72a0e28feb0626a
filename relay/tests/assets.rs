//! The browser assets the relay embeds (built after `make wasm`), over real HTTP: the encoding
//! each request accepts, bytes that decompress to the files in dist/, immutable caching under
//! the bundle's hash only, and the disk when `assets_dir` is set.

mod common;

use std::io::Read;
use std::path::PathBuf;

use cobrowse_relay::assets;
use common::*;
use reqwest::header::{HeaderMap, ACCEPT_ENCODING, IF_NONE_MATCH};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn dist() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

/// The embedded table, or a failure saying how to get one.
fn bundle_hash() -> &'static str {
    assert!(
        !assets::FILES.is_empty(),
        "this build embeds no assets: run `make wasm` before building the tests (`make test` does)"
    );
    assets::BUNDLE_HASH
}

async fn fetch(r: &Relay, path: &str, accept: Option<&str>) -> (u16, HeaderMap, Vec<u8>) {
    let mut req = reqwest::Client::new().get(r.url(path));
    if let Some(accept) = accept {
        req = req.header(ACCEPT_ENCODING, accept);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .unwrap(),
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .unwrap(),
        _ => return body.to_vec(),
    };
    out
}

/// The directory the loader imports the customer module from (named in `/cobrowse.json`).
async fn loader_base(r: &Relay) -> String {
    let (status, headers, body) = fetch(r, "/cobrowse.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    let boot: serde_json::Value = serde_json::from_slice(&body).unwrap();
    boot["module"]
        .as_str()
        .expect("the loader names its base")
        .to_string()
}

#[tokio::test]
async fn the_loaders_module_and_wasm_come_in_the_best_encoding_accepted() {
    let hash = bundle_hash();
    let r = relay_configured(|_| {}).await;
    let base = loader_base(&r).await;
    assert_eq!(base, format!("/assets/{hash}/master/"));
    for (file, content_type) in [
        ("master_wasm.js", "text/javascript; charset=utf-8"),
        ("master_wasm_bg.wasm", "application/wasm"),
    ] {
        let on_disk = std::fs::read(dist().join("master").join(file)).unwrap();
        for (accept, encoding) in [
            (Some("gzip, deflate, br, zstd"), "br"),
            (Some("gzip"), "gzip"),
            (Some("br;q=0, gzip;q=0.8"), "gzip"),
            (Some("identity"), ""),
            (None, ""),
        ] {
            let (status, headers, body) = fetch(&r, &format!("{base}{file}"), accept).await;
            assert_eq!(status, 200, "{file} with {accept:?}");
            assert_eq!(header(&headers, "content-encoding"), encoding, "{accept:?}");
            assert_eq!(header(&headers, "content-type"), content_type);
            assert_eq!(header(&headers, "cache-control"), IMMUTABLE);
            let vary: Vec<_> = headers.get_all("vary").iter().collect();
            assert!(
                vary.iter()
                    .any(|v| v.to_str().unwrap() == "Accept-Encoding"),
                "{vary:?}"
            );
            assert!(
                encoding.is_empty() || body.len() < on_disk.len(),
                "{encoding} is smaller"
            );
            assert!(decode(encoding, &body) == on_disk, "{file} as {encoding}");
        }
    }
}

#[tokio::test]
async fn old_paths_revalidate_and_a_wrong_hash_is_not_found() {
    let hash = bundle_hash();
    let r = relay_configured(|_| {}).await;
    let on_disk = std::fs::read(dist().join("master/master_wasm.js")).unwrap();
    let (status, headers, body) = fetch(&r, "/assets/master/master_wasm.js", Some("br")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert!(decode("br", &body) == on_disk);

    // The same ETag answers 304, so a revalidation costs no body.
    let etag = headers.get("etag").expect("an ETag").clone();
    let res = reqwest::Client::new()
        .get(r.url("/assets/master/master_wasm.js"))
        .header(ACCEPT_ENCODING, "br")
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 304);

    let good = format!("/assets/{hash}/master/master_wasm.js");
    assert_eq!(
        fetch(&r, &good, None).await.0,
        200,
        "the right hash is served"
    );
    let wrong = "/assets/0123456789abcdef/master/master_wasm.js";
    assert_ne!(hash, "0123456789abcdef");
    assert_eq!(fetch(&r, wrong, None).await.0, 404);
    let outside = format!("/assets/{hash}/agent/index.html");
    assert_eq!(
        fetch(&r, &outside, None).await.0,
        404,
        "console files are under /console/"
    );
}

#[tokio::test]
async fn the_console_page_names_its_files_by_hashed_paths() {
    let hash = bundle_hash();
    let r = relay_configured(|_| {}).await;
    let (status, headers, body) = fetch(&r, "/agent", Some("gzip")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert!(header(&headers, "content-security-policy").contains("script-src 'self'"));
    let page = String::from_utf8(decode(header(&headers, "content-encoding"), &body)).unwrap();
    let boot = format!("/console/{hash}/boot.js");
    assert!(
        page.contains(&format!("\"console/{hash}/boot.js\"")),
        "{page}"
    );
    assert!(page.contains(&format!("\"console/{hash}/console.css\"")));

    let (status, headers, body) = fetch(&r, &boot, None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), IMMUTABLE);
    assert!(header(&headers, "content-security-policy").contains("script-src 'self'"));
    let script = String::from_utf8(body).unwrap();
    let glue = format!("/assets/{hash}/slave/slave_wasm.js");
    assert!(script.contains(&format!("\"../..{glue}\"")), "{script}");
    let wasm = format!("\"assets/{hash}/slave/slave_wasm_bg.wasm\"");
    assert!(script.contains(&wasm), "{script}");
    let (status, headers, _) = fetch(&r, &glue, Some("br")).await;
    assert_eq!((status, header(&headers, "content-encoding")), (200, "br"));

    let (status, _, body) = fetch(&r, "/console/settings.json", None).await;
    assert_eq!(status, 200, "the settings stay a route of their own");
    assert!(body.starts_with(b"{"));
}

#[tokio::test]
async fn assets_dir_set_serves_the_files_on_disk() {
    bundle_hash();
    let r = relay_configured(|c| c.assets_dir = Some(dist())).await;
    assert_eq!(loader_base(&r).await, "/assets/master/");
    let (status, headers, body) = fetch(&r, "/assets/master/master_wasm.js", Some("br")).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-encoding"),
        "",
        "as the disk has it"
    );
    assert!(body == std::fs::read(dist().join("master/master_wasm.js")).unwrap());
    let (status, _, _) = fetch(&r, "/health/ready", None).await;
    assert_eq!(status, 200, "the bundles are on disk");
}

#[tokio::test]
async fn embedded_bundles_make_the_node_ready() {
    bundle_hash();
    let r = relay_configured(|_| {}).await;
    let (status, _, body) = fetch(&r, "/health/ready", None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}
