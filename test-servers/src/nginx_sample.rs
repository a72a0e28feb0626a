//! The shipped nginx sample (`deploy/nginx/`), rewritten only where a machine differs: the
//! `listen` ports become the random loopback ones of [`Site`] (the IPv6 `listen` lines go), the
//! certificate paths and the node list's path point into nginx's temporary directory, and in
//! the node list the sample's addresses `10.0.0.1:8080` and `10.0.0.2:8080` become the nodes'.
//! Each substitution must match, so a sample that changes shape fails its tests instead of
//! being tested half.

use std::net::SocketAddr;

use crate::nginx::Site;

const SITE: &str = include_str!("../../deploy/nginx/cobrowse.conf");
const NODE_LIST: &str = include_str!("../../deploy/nginx/cobrowse-nodes.conf");
/// Where the sample expects the node list (its `include`).
const NODE_LIST_PATH: &str = "/etc/nginx/cobrowse-nodes.conf";
/// The sample's node ids, for the nodes' `node_id`s, and their sample addresses.
pub const NODES: [&str; 2] = ["relay-1", "relay-2"];
const SAMPLE_ADDRESSES: [&str; 2] = ["10.0.0.1:8080", "10.0.0.2:8080"];

/// The shipped `cobrowse.conf`, and beside it the shipped node list, rewritten for this machine
/// (see the module's header).
pub fn site_conf(site: &Site, nodes: &[SocketAddr]) -> String {
    let mut node_list = NODE_LIST.to_string();
    for (sample, node) in SAMPLE_ADDRESSES.iter().zip(nodes) {
        node_list = replace(&node_list, sample, &node.to_string());
    }
    let node_list_path = site.dir.join("cobrowse-nodes.conf");
    std::fs::write(&node_list_path, node_list).expect("write the node list");

    let mut conf = SITE.to_string();
    let without_ipv6 = conf
        .lines()
        .filter(|line| !line.trim_start().starts_with("listen [::]:"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(without_ipv6.len(), conf.len(), "the sample listens on IPv6");
    conf = without_ipv6;
    let https = format!("listen 127.0.0.1:{} ssl", site.https_port);
    conf = replace(&conf, "listen 443 ssl", &https);
    let http = format!("listen 127.0.0.1:{};", site.http_port);
    conf = replace(&conf, "listen 80;", &http);
    let certificate = site.certificate.display().to_string();
    conf = replace(&conf, "/etc/ssl/cobrowse/fullchain.pem", &certificate);
    conf = replace(
        &conf,
        "/etc/ssl/cobrowse/privkey.pem",
        &site.key.display().to_string(),
    );
    replace(&conf, NODE_LIST_PATH, &node_list_path.display().to_string())
}

/// `conf` with each line setting one of `directives` setting it to the given value; each must
/// be set somewhere.
pub fn with_directives(conf: &str, directives: &[(String, String)]) -> String {
    let mut lines: Vec<String> = conf.lines().map(str::to_string).collect();
    for (name, value) in directives {
        let mut found = false;
        for line in lines.iter_mut() {
            let indent = line.len() - line.trim_start().len();
            if line.trim_start().starts_with(&format!("{name} ")) {
                *line = format!("{}{name} {value};", &line[..indent]);
                found = true;
            }
        }
        assert!(found, "the nginx sample no longer sets {name}");
    }
    lines.join("\n")
}

/// `text` with every `from` replaced by `to`; `from` must occur.
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the nginx sample no longer has {from:?}"
    );
    text.replace(from, to)
}
