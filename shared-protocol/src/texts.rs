//! Every text the customer widget and the agent console show, in English, by key: a key is an
//! enum variant ([`WidgetText`], [`ConsoleText`]), so a misspelt key does not compile. A
//! language's file (the relay's `locales/`, its `localization_dir`) replaces them by the key's
//! name (an unknown name is an error naming it); `{name}` marks a value filled in at run time.
//! A counted text has two keys: `x` (the "other" form) and `x_one`, chosen by the language's
//! rule ([`crate::plural`]) through [`Texts::fill_count`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ends::EndReason;
use crate::page_state::Unshowable;

/// A key of one side's texts: its English text and its name in localization files.
pub trait TextKey: Copy + Ord + 'static {
    /// Every key of the side.
    const ALL: &'static [Self];
    /// The built-in English text.
    fn english(self) -> &'static str;
    /// The key's name in localization files and the widget's `data-text` attributes.
    fn name(self) -> &'static str;
    /// The key named `name`, if the side has one.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// Declares a side's keys once: variant, name in localization files, English text.
macro_rules! text_keys {
    ($(#[$doc:meta])* $enum:ident { $($variant:ident = $name:literal => $english:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $enum {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl TextKey for $enum {
            const ALL: &'static [Self] = &[$(Self::$variant,)*];
            fn english(self) -> &'static str {
                match self { $(Self::$variant => $english,)* }
            }
            fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }
        }
    };
}

text_keys! {
    /// The customer widget's texts.
    WidgetText {
        Start = "start" => "Co-browse",
        Consent = "consent" => "A representative will see this page with you. Private fields stay hidden.",
        Confirm = "confirm" => "I am on a call with a representative",
        Cancel = "cancel" => "Cancel",
        CodeLabel = "code_label" => "Your co-browse code",
        Exit = "exit" => "Exit co-browse",
        Connecting = "connecting" => "Connecting to the co-browse server…",
        ReadCode = "read_code" => "Read this code to the representative.",
        AgentConnecting = "agent_connecting" => "A representative is connecting. Checking the code…",
        Viewing = "viewing" => "A representative is viewing this page with you.",
        Continuing = "continuing" => "Continuing co-browse on this page…",
        CodeRetry = "code_retry" => "The code could not be verified. Read it to the representative again ({attempts} attempts left).",
        CodeRetryOne = "code_retry_one" => "The code could not be verified. Read it to the representative again ({attempts} attempt left).",
        Reconnecting = "reconnecting" => "Connection lost. Reconnecting…",
        Restarting = "restarting" => "The co-browse service is restarting. Reconnecting…",
        AgentDropped = "agent_dropped" => "The representative's connection dropped. Waiting…",
        EndedByYou = "ended_by_you" => "Co-browse ended. The representative no longer sees this page.",
        Ended = "ended" => "Co-browse ended: {reason}.",
        WriteRequest = "write_request" => "The representative asks to fill in fields and click on this page for you. You can take back control at any time.",
        WriteAllow = "write_allow" => "Allow",
        WriteDeny = "write_deny" => "Deny",
        WriteActive = "write_active" => "The representative can fill in fields and click on this page.",
        WriteStop = "write_stop" => "Stop: pointer only",
        AgentTyping = "agent_typing" => "The representative is filling in this field",
        Failed = "failed" => "Co-browse stopped: {why}",
        ReasonCustomerExit = "reason_customer_exit" => "the customer ended the session",
        ReasonAgentExit = "reason_agent_exit" => "the agent ended the session",
        ReasonInactivity = "reason_inactivity" => "no agent joined in time",
        ReasonDisconnect = "reason_disconnect" => "the other side disconnected",
        ReasonAgentBusy = "reason_agent_busy" => "the agent is busy with another session",
        ReasonVerificationFailed = "reason_verification_failed" => "the code could not be verified",
        ReasonShutdown = "reason_shutdown" => "the co-browse server is shutting down",
        ReasonApiEnd = "reason_api_end" => "the session was ended from the agent's desktop",
    }
}

text_keys! {
    /// The agent console's texts.
    ConsoleText {
        Title = "title" => "Co-browse agent console",
        TokenLabel = "token_label" => "Agent token",
        CodeLabel = "code_label" => "Customer's code",
        Join = "join" => "Join",
        Exit = "exit" => "Exit session",
        Idle = "idle" => "Enter the code the customer reads to you.",
        Joining = "joining" => "Joining…",
        Verifying = "verifying" => "Joined. Waiting for verification with the customer's browser…",
        WaitingPage = "waiting_page" => "Connected. Waiting for the customer's page…",
        Connected = "connected" => "Connected. You are viewing the customer's page.",
        CustomerNavigating = "customer_navigating" => "The customer is opening another page… Co-browsing resumes when they are back on the website.",
        CustomerLeft = "customer_left" => "The customer left the page or lost the connection. Waiting for them to come back…",
        Reconnecting = "reconnecting" => "The connection dropped. Reconnecting…",
        Restarting = "restarting" => "The co-browse service is restarting. Reconnecting…",
        Transport = "transport" => "Connection: you {own}, customer {customer}",
        TransportWebsocket = "transport_websocket" => "WebSocket",
        TransportPolling = "transport_polling" => "HTTP polling (WebSockets blocked)",
        TransportUnknown = "transport_unknown" => "…",
        Ended = "ended" => "Session ended: {reason}.",
        AgentBusy = "agent_busy" => "You are at your session limit ({limit}): leave a session before joining another. The customer is still waiting.",
        VerificationFailed = "verification_failed" => "Verification failed: the code does not match. Check the digits with the customer ({attempts} attempts left).",
        VerificationFailedOne = "verification_failed_one" => "Verification failed: the code does not match. Check the digits with the customer ({attempts} attempt left).",
        CodeMismatch = "code_mismatch" => "Verification failed: the code does not match. Check the digits with the customer.",
        UnknownCode = "unknown_code" => "No session has this code. Check the digits with the customer.",
        TokenRefused = "token_refused" => "Your agent token was refused: {why}.",
        NeedToken = "need_token" => "Enter your agent token.",
        RateLimited = "rate_limited" => "Too many join attempts. Wait a minute.",
        ModePointer = "mode_pointer" => "Pointer mode",
        ModeWrite = "mode_write" => "Write mode",
        RequestWrite = "request_write" => "Request write mode",
        BackToPointer = "back_to_pointer" => "Back to pointer mode",
        WriteAsking = "write_asking" => "Asking the customer for write mode…",
        WriteApproved = "write_approved" => "The customer approved write mode.",
        WriteDenied = "write_denied" => "The customer declined write mode.",
        WriteNotAllowed = "write_not_allowed" => "Write mode is turned off on this server.",
        WriteTooSoon = "write_too_soon" => "The customer declined write mode a moment ago; ask again later.",
        CustomerStopped = "customer_stopped" => "The customer went back to pointer mode.",
        Refused = "refused" => "The customer's browser refused that: {why}.",
        RefusedReadOnly = "refused_read_only" => "this element is not available to agents",
        RefusedPrivate = "refused_private" => "this element is hidden from agents",
        RefusedOutsideSite = "refused_outside_site" => "the address is outside the customer's website",
        RefusedCustomerTyping = "refused_customer_typing" => "the customer is typing in a protected field; try again when they pause",
        RefusedOther = "refused_other" => "it does not apply to this element",
        Back = "back" => "Back",
        Forward = "forward" => "Forward",
        Reload = "reload" => "Reload",
        Address = "address" => "Address",
        Go = "go" => "Go",
        Theme = "theme" => "Theme",
        ThemeAuto = "theme_auto" => "System",
        ThemeLight = "theme_light" => "Light",
        ThemeDark = "theme_dark" => "Dark",
        ThemeContrast = "theme_contrast" => "High contrast",
        ViewLabel = "view_label" => "The customer's page",
        CustomerSees = "customer_sees" => "What the customer sees ({zoom}%)",
        FrameNotShown = "frame_not_shown" => "Content from {origin} is not shown",
        CanvasNotShown = "canvas_not_shown" => "Drawing not shown: it holds images from other websites",
        PrivateCanvasNotShown = "private_canvas_not_shown" => "Drawing hidden by the customer's privacy settings",
        FidelityTitle = "fidelity_title" => "Not shown as the customer sees it",
        UnshownCrossOriginFrame = "unshown_cross_origin_frame" => "A frame from {detail}: another website's content is not shared.",
        UnshownSandboxedFrame = "unshown_sandboxed_frame" => "A sandboxed frame: its content cannot be read.",
        UnshownClosedShadowRoot = "unshown_closed_shadow_root" => "A closed component: its content is private to it.",
        UnshownUnreadableStylesheet = "unshown_unreadable_stylesheet" => "The stylesheet {detail} could not be read in the customer's browser; this view loads it itself, so it may differ.",
        UnshownTaintedCanvas = "unshown_tainted_canvas" => "A drawing with images from other websites: its pixels cannot be read.",
        UnshownPrivateCanvas = "unshown_private_canvas" => "A drawing in a part of the page hidden from you: its pixels are not sent.",
        UnshownStreamedMedia = "unshown_streamed_media" => "A video or sound the page streams itself: it cannot be played here.",
        Language = "language" => "Language",
        ServerRefused = "server_refused" => "The server refused: {why}",
        ChannelBroke = "channel_broke" => "The secure channel broke: {why}.",
        BadFrame = "bad_frame" => "The server sent a bad frame: {why}",
        ReasonCustomerExit = "reason_customer_exit" => "the customer ended the session",
        ReasonAgentExit = "reason_agent_exit" => "the agent ended the session",
        ReasonInactivity = "reason_inactivity" => "no agent joined in time",
        ReasonDisconnect = "reason_disconnect" => "the other side disconnected",
        ReasonAgentBusy = "reason_agent_busy" => "the agent is busy with another session",
        ReasonVerificationFailed = "reason_verification_failed" => "the code could not be verified",
        ReasonShutdown = "reason_shutdown" => "the co-browse server is shutting down",
        ReasonApiEnd = "reason_api_end" => "the session was ended from the agent's desktop",
    }
}

impl WidgetText {
    /// The text that says why a session ended.
    pub fn reason(why: EndReason) -> Self {
        match why {
            EndReason::CustomerExit => Self::ReasonCustomerExit,
            EndReason::AgentExit => Self::ReasonAgentExit,
            EndReason::Inactivity => Self::ReasonInactivity,
            EndReason::Disconnect => Self::ReasonDisconnect,
            EndReason::AgentBusy => Self::ReasonAgentBusy,
            EndReason::VerificationFailed => Self::ReasonVerificationFailed,
            EndReason::Shutdown => Self::ReasonShutdown,
            EndReason::ApiEnd => Self::ReasonApiEnd,
        }
    }
}

impl ConsoleText {
    /// The text that says why a session ended.
    pub fn reason(why: EndReason) -> Self {
        match why {
            EndReason::CustomerExit => Self::ReasonCustomerExit,
            EndReason::AgentExit => Self::ReasonAgentExit,
            EndReason::Inactivity => Self::ReasonInactivity,
            EndReason::Disconnect => Self::ReasonDisconnect,
            EndReason::AgentBusy => Self::ReasonAgentBusy,
            EndReason::VerificationFailed => Self::ReasonVerificationFailed,
            EndReason::Shutdown => Self::ReasonShutdown,
            EndReason::ApiEnd => Self::ReasonApiEnd,
        }
    }

    /// The text that explains why the view cannot show `what`.
    pub fn unshown(what: &Unshowable) -> Self {
        match what {
            Unshowable::CrossOriginFrame { .. } => Self::UnshownCrossOriginFrame,
            Unshowable::SandboxedFrame => Self::UnshownSandboxedFrame,
            Unshowable::ClosedShadowRoot => Self::UnshownClosedShadowRoot,
            Unshowable::UnreadableStylesheet { .. } => Self::UnshownUnreadableStylesheet,
            Unshowable::TaintedCanvas => Self::UnshownTaintedCanvas,
            Unshowable::PrivateCanvas => Self::UnshownPrivateCanvas,
            Unshowable::StreamedMedia => Self::UnshownStreamedMedia,
        }
    }
}

/// A side's texts: the operator's replacements (by key) over the English ones. Kept as a list
/// sorted by key, not a map: a few dozen entries, and a map's code would be linked into each
/// browser bundle for them alone (~5 KB). It (de)serialises as a map from key names to texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts<K: Ord> {
    replaced: Vec<(K, String)>,
}

impl<K: Ord> Default for Texts<K> {
    fn default() -> Self {
        Self {
            replaced: Vec::new(),
        }
    }
}

impl<K: Ord + Serialize> Serialize for Texts<K> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.replaced.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, K: Ord + Deserialize<'de>> Deserialize<'de> for Texts<K> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let by_key = BTreeMap::<K, String>::deserialize(deserializer)?;
        Ok(Self {
            replaced: by_key.into_iter().collect(),
        })
    }
}

impl<K: TextKey> Texts<K> {
    /// Replaces the text of `key`.
    pub fn replace(&mut self, key: K, text: impl Into<String>) {
        let text = text.into();
        match self.replaced.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(at) => self.replaced[at].1 = text,
            Err(at) => self.replaced.insert(at, (key, text)),
        }
    }

    /// The text for `key`: the operator's, else the English one.
    pub fn get(&self, key: K) -> &str {
        match self.replaced.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(at) => &self.replaced[at].1,
            Err(_) => key.english(),
        }
    }

    /// [`Texts::get`] with each `{name}` replaced by its value.
    pub fn fill(&self, key: K, values: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// A counted text: `one` or `other` as language `lang` says `count` (see
    /// [`crate::plural`]), with `{name}` the count and `values` filled in.
    pub fn fill_count(&self, (one, other): (K, K), lang: &str, name: &str, count: u64) -> String {
        let key = if crate::plural::is_one(lang, count) {
            one
        } else {
            other
        };
        self.fill(key, &[(name, &count.to_string())])
    }

    /// The replaced texts, by key.
    pub fn entries(&self) -> impl Iterator<Item = (K, &str)> {
        self.replaced.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// The texts that differ from the built-in English (what a browser needs to be told).
    pub fn without_english(&self) -> Self {
        Self {
            replaced: (self.replaced.iter())
                .filter(|(k, v)| v != k.english())
                .cloned()
                .collect(),
        }
    }

    /// Replaces every text `other` replaces (its texts win).
    pub fn extend_from(&mut self, other: &Texts<K>) {
        for (key, text) in other.entries() {
            self.replace(key, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_win_and_english_fills_the_rest() {
        let mut t = Texts::default();
        t.replace(WidgetText::Start, "Co-navigation");
        assert_eq!(t.get(WidgetText::Start), "Co-navigation");
        assert_eq!(t.get(WidgetText::Cancel), "Cancel");
        assert_eq!(
            t.fill(WidgetText::Ended, &[("reason", "the agent left")]),
            "Co-browse ended: the agent left."
        );
    }

    #[test]
    fn counted_texts_take_the_languages_form() {
        let t = Texts::<WidgetText>::default();
        let keys = (WidgetText::CodeRetryOne, WidgetText::CodeRetry);
        assert!(t
            .fill_count(keys, "en", "attempts", 1)
            .ends_with("(1 attempt left)."));
        assert!(t
            .fill_count(keys, "en", "attempts", 0)
            .ends_with("(0 attempts left)."));
        assert!(t
            .fill_count(keys, "fr", "attempts", 0)
            .ends_with("(0 attempt left)."));
    }

    #[test]
    fn names_are_unique_and_round_trip() {
        fn check<K: TextKey + core::fmt::Debug>() {
            let mut names: Vec<_> = K::ALL.iter().map(|k| k.name()).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), K::ALL.len());
            for k in K::ALL {
                assert_eq!(K::from_name(k.name()), Some(*k));
            }
        }
        check::<WidgetText>();
        check::<ConsoleText>();
        assert_eq!(WidgetText::from_name("strat"), None);
        assert_eq!(WidgetText::CodeLabel.name(), "code_label");
    }
}
