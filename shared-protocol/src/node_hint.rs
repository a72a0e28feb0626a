//! The node hint: the relay node that runs a session names itself (`RelayMsg::Node`), and both
//! sides put that name on the WebSocket URL of their next connections (`?node=<name>`), so a
//! load balancer that routes on it sends them straight to that node. A name that is not a
//! plain node name (a hostile or broken relay) is ignored: it never reaches a URL.

/// Longest node name, as the relay's `node_id` allows.
pub const MAX_NODE_NAME: usize = 64;

/// The response header in which a relay node names itself (the polling connection's later
/// requests carry it back as `?node=`).
pub const NODE_HEADER: &str = "x-cobrowse-node";

/// Letters, digits and `. - _ :`, 1 to [`MAX_NODE_NAME`] of them (safe in a query string as is).
pub fn is_node_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NODE_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
}

/// `url` with the hint for `node`, if there is a valid one.
pub fn url_with_node(url: &str, node: Option<&str>) -> String {
    match node.filter(|n| is_node_name(n)) {
        Some(node) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}node={node}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_reach_the_url() {
        let url = "wss://cb.example/ws/customer";
        assert_eq!(
            url_with_node(url, Some("relay-a:8080")),
            "wss://cb.example/ws/customer?node=relay-a:8080"
        );
        assert_eq!(
            url_with_node("ws://x/ws?a=1", Some("b")),
            "ws://x/ws?a=1&node=b"
        );
        assert_eq!(url_with_node(url, None), url);
        for bad in ["", "a b", "a&x=1", "a/b", "é", &"n".repeat(65)] {
            assert!(!is_node_name(bad), "{bad:?}");
            assert_eq!(url_with_node(url, Some(bad)), url);
        }
    }
}
