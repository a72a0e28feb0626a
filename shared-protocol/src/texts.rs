//! Every text the customer widget and the agent console show, in English, by key. The relay's
//! `localization` file replaces any of them (its keys are checked against these lists at
//! start); `{name}` marks a value filled in at run time.

/// The customer widget's texts.
pub const WIDGET: &[(&str, &str)] = &[
    ("start", "Co-browse"),
    ("consent", "A representative will see this page with you. Private fields stay hidden."),
    ("confirm", "I am on a call with a representative"),
    ("cancel", "Cancel"),
    ("code_label", "Your co-browse code"),
    ("exit", "Exit co-browse"),
    ("connecting", "Connecting to the co-browse server…"),
    ("read_code", "Read this code to the representative."),
    ("agent_connecting", "A representative is connecting. Checking the code…"),
    ("viewing", "A representative is viewing this page with you."),
    ("continuing", "Continuing co-browse on this page…"),
    ("code_retry", "The code could not be verified. Read it to the representative again ({attempts} attempts left)."),
    ("reconnecting", "Connection lost. Reconnecting…"),
    ("restarting", "The co-browse service is restarting. Reconnecting…"),
    ("agent_dropped", "The representative's connection dropped. Waiting…"),
    ("ended_by_you", "Co-browse ended. The representative no longer sees this page."),
    ("ended", "Co-browse ended: {reason}."),
    ("write_request", "The representative asks to fill in fields and click on this page for you. You can take back control at any time."),
    ("write_allow", "Allow"),
    ("write_deny", "Deny"),
    ("write_active", "The representative can fill in fields and click on this page."),
    ("write_stop", "Stop: pointer only"),
    ("agent_typing", "The representative is filling in this field"),
];

/// The agent console's texts.
pub const CONSOLE: &[(&str, &str)] = &[
    ("title", "Co-browse agent console"),
    ("token_label", "Agent token"),
    ("code_label", "Customer's code"),
    ("join", "Join"),
    ("exit", "Exit session"),
    ("idle", "Enter the code the customer reads to you."),
    ("joining", "Joining…"),
    ("verifying", "Joined. Waiting for verification with the customer's browser…"),
    ("waiting_page", "Connected. Waiting for the customer's page…"),
    ("connected", "Connected. You are viewing the customer's page."),
    ("customer_navigating", "The customer is opening another page… Co-browsing resumes when they are back on the website."),
    ("customer_left", "The customer left the page or lost the connection. Waiting for them to come back…"),
    ("reconnecting", "The connection dropped. Reconnecting…"),
    ("restarting", "The co-browse service is restarting. Reconnecting…"),
    ("transport", "Connection: you {own}, customer {customer}"),
    ("transport_websocket", "WebSocket"),
    ("transport_polling", "HTTP polling (WebSockets blocked)"),
    ("transport_unknown", "…"),
    ("ended", "Session ended: {reason}."),
    ("agent_busy", "You are at your session limit ({limit}): leave a session before joining another. The customer is still waiting."),
    ("verification_failed", "Verification failed: the code does not match. Check the digits with the customer ({attempts} attempts left)."),
    ("code_mismatch", "Verification failed: the code does not match. Check the digits with the customer."),
    ("unknown_code", "No session has this code. Check the digits with the customer."),
    ("token_refused", "Your agent token was refused: {why}."),
    ("need_token", "Enter your agent token."),
    ("rate_limited", "Too many join attempts. Wait a minute."),
    ("mode_pointer", "Pointer mode"),
    ("mode_write", "Write mode"),
    ("request_write", "Request write mode"),
    ("back_to_pointer", "Back to pointer mode"),
    ("write_asking", "Asking the customer for write mode…"),
    ("write_approved", "The customer approved write mode."),
    ("write_denied", "The customer declined write mode."),
    ("write_not_allowed", "Write mode is turned off on this server."),
    (
        "write_too_soon",
        "The customer declined write mode a moment ago; ask again later.",
    ),
    ("customer_stopped", "The customer went back to pointer mode."),
    ("refused", "The customer's browser refused that: {why}."),
    ("refused_read_only", "this element is not available to agents"),
    ("refused_private", "this element is hidden from agents"),
    ("refused_outside_site", "the address is outside the customer's website"),
    (
        "refused_customer_typing",
        "the customer is typing in a protected field; try again when they pause",
    ),
    ("refused_other", "it does not apply to this element"),
    ("back", "Back"),
    ("forward", "Forward"),
    ("reload", "Reload"),
    ("address", "Address"),
    ("go", "Go"),
    ("theme", "Theme"),
    ("theme_auto", "System"),
    ("theme_light", "Light"),
    ("theme_dark", "Dark"),
    ("theme_contrast", "High contrast"),
    ("view_label", "The customer's page"),
    ("frame_not_shown", "Content from {origin} is not shown"),
    ("canvas_not_shown", "Drawing not shown: it holds images from other websites"),
    ("private_canvas_not_shown", "Drawing hidden by the customer's privacy settings"),
    ("fidelity_title", "Not shown as the customer sees it"),
    ("unshown_cross_origin_frame", "A frame from {detail}: another website's content is not shared."),
    ("unshown_sandboxed_frame", "A sandboxed frame: its content cannot be read."),
    ("unshown_closed_shadow_root", "A closed component: its content is private to it."),
    ("unshown_unreadable_stylesheet", "The stylesheet {detail} could not be read in the customer's browser; this view loads it itself, so it may differ."),
    ("unshown_tainted_canvas", "A drawing with images from other websites: its pixels cannot be read."),
    ("unshown_private_canvas", "A drawing in a part of the page hidden from you: its pixels are not sent."),
    ("unshown_streamed_media", "A video or sound the page streams itself: it cannot be played here."),
];

/// A table of texts: the English ones, with the operator's replacements over them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    replaced: Vec<(String, String)>,
    english: &'static [(&'static str, &'static str)],
}

impl Texts {
    pub fn new(
        english: &'static [(&'static str, &'static str)],
        replaced: Vec<(String, String)>,
    ) -> Self {
        Self { replaced, english }
    }

    /// The text for `key` (the key itself when no table has it: a visible, harmless mistake).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.replaced
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .or_else(|| {
                self.english
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| *v)
            })
            .unwrap_or(key)
    }

    /// [`Texts::get`] with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// The keys of `replaced` that `english` does not have (a misspelt key in a localization file).
pub fn unknown_keys<'a>(
    english: &[(&str, &str)],
    replaced: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    replaced
        .into_iter()
        .filter(|k| !english.iter().any(|(e, _)| e == k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_win_and_english_fills_the_rest() {
        let t = Texts::new(WIDGET, vec![("start".into(), "Co-navigation".into())]);
        assert_eq!(t.get("start"), "Co-navigation");
        assert_eq!(t.get("cancel"), "Cancel");
        assert_eq!(t.get("no_such_key"), "no_such_key");
        assert_eq!(
            t.fill("ended", &[("reason", "the agent left")]),
            "Co-browse ended: the agent left."
        );
    }

    #[test]
    fn keys_are_unique_and_misspellings_are_found() {
        for table in [WIDGET, CONSOLE] {
            let keys: std::collections::HashSet<_> = table.iter().map(|(k, _)| k).collect();
            assert_eq!(keys.len(), table.len());
        }
        assert_eq!(unknown_keys(WIDGET, ["start", "strat"]), vec!["strat"]);
    }
}
