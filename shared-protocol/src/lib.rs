//! The co-browse wire protocol, shared by the customer module, the agent console and the relay.
//!
//! - [`envelope`]: one binary frame = one [`Envelope`]: version, session, sender role, delivery
//!   class, sequence number and a message whose type names its direction.
//! - [`control`]: what each side says to the relay ([`CustomerMsg`], [`AgentMsg`], [`RelayMsg`]).
//! - [`page`]: what the customer's page looks like (snapshots and mutation batches). It travels
//!   inside `Sealed` payloads, which the relay routes without reading.
//! - [`privacy`]: the masking and blocking rules the relay serves and the page adds;
//!   [`masking`]: what masked text, values, attributes and URLs look like; [`page_address`]:
//!   the page's own URL and title as the agent and the relay get them.
//! - [`code`]: the 9-digit join code, split into a routing part and a secret part;
//!   [`node_hint`]: the relay node a session runs on, carried on the next connections' URLs;
//!   [`poll_records`]: the bodies of the HTTP long-polling fallback when WebSockets are blocked;
//!   [`transport`]: when a browser uses that fallback.
//! - [`crypto`]: the key exchange on the secret part and the sealing of page content, so the
//!   relay routes what it cannot read; [`key_guard`]: the guesses each browser gives away;
//!   [`exchange`]: the key exchange as a state machine per role.
//! - [`ui_settings`]: the settings the relay serves the widget and the console
//!   ([`ui_settings_read`]: how the browsers read them); [`texts`]: every text they show, by key;
//!   [`plural`]: which form of a counted text a language uses.
//! - [`page_api`]: the events and state the customer's page hears through its API.
//! - [`link`]: a browser's end of its session link (numbering, frames kept for a resume, the
//!   reconnect schedule), the same for both browsers.
//!
//! Decoding never panics: every malformed input is a [`DecodeError`].

pub mod agent_control;
pub mod code;
pub mod code_attempts;
pub mod control;
pub mod crypto;
pub mod desktop;
pub mod ends;
pub mod envelope;
pub mod error;
pub mod exchange;
pub mod key_guard;
pub mod link;
pub mod masking;
pub mod node_hint;
pub mod page;
pub mod page_address;
pub mod page_api;
pub mod page_state;
pub mod payload;
pub mod plural;
pub mod poll_records;
pub mod privacy;
pub mod safety;
pub mod texts;
pub mod transport;
pub mod ui_settings;
pub mod ui_settings_read;
pub mod visual_viewport;

pub use code::JoinCode;
pub use control::{
    AgentMsg, AutoMaskedCounts, CustomerMsg, EndReason, ErrorCode, KeyExchange, PageInfo, RelayMsg,
    Resume, CLOSE_RESTARTING, HEARTBEAT_INTERVAL_SECS, MAX_RENDER_SAMPLES, MAX_VERIFY_FAILURES,
};
pub use envelope::{Delivery, Direction, Envelope, Role, MAX_FRAME_LEN, PROTOCOL_VERSION};
pub use error::DecodeError;
pub use payload::{decode_payload, decode_plain_payload, encode_payload, encode_plain_payload};
