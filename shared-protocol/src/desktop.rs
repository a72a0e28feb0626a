//! The agent console inside an agent desktop: the `postMessage` messages between the console
//! (framed at `/agent`) and the desktop page that frames it, and who may send them. The
//! desktop's origin must be one of the relay's `console_frame_ancestors` (the console's
//! `hostOrigins` setting), and the message must come from the console's parent window.
//!
//! The desktop sends plain objects with a `type`:
//! - `{type: "token", token}`: the agent's token (kept in memory, never in a URL or history);
//! - `{type: "join", code, token?}`: join the session with this code;
//! - `{type: "end"}`: end the session (the call or chat ended);
//! - `{type: "requestWrite"}`: ask the customer for write mode.
//!
//! The console posts back, to the desktop's origin: `{type: "ready"}` once it listens,
//! `{type: "joined", code}`, `{type: "modeChanged", mode: "pointer" | "write"}`,
//! `{type: "ended", reason, text}` (`reason` as the history names it, e.g. `agent_exit`),
//! and `{type: "notice", text}` (a refusal, a failure, an answer of the customer's).

use crate::agent_control::Mode;

/// A message from the desktop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesktopMsg {
    Token(String),
    Join { code: String, token: Option<String> },
    End,
    RequestWrite,
}

/// Why a message from the desktop is ignored (logged by the console).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DesktopError {
    #[error("a message from {0:?}, which is not in console_frame_ancestors")]
    Origin(String),
    #[error("a message of unknown type {0:?}")]
    UnknownType(String),
    #[error("a {0:?} message without its {1:?}")]
    Missing(&'static str, &'static str),
}

impl DesktopMsg {
    /// The message of `kind` with its string fields (`code`, `token`), as read from the
    /// object the desktop posted.
    pub fn parse(
        kind: &str,
        code: Option<String>,
        token: Option<String>,
    ) -> Result<Self, DesktopError> {
        let token = token.filter(|t| !t.trim().is_empty());
        match kind {
            "token" => Ok(Self::Token(
                token.ok_or(DesktopError::Missing("token", "token"))?,
            )),
            "join" => Ok(Self::Join {
                code: code
                    .filter(|c| !c.trim().is_empty())
                    .ok_or(DesktopError::Missing("join", "code"))?,
                token,
            }),
            "end" => Ok(Self::End),
            "requestWrite" => Ok(Self::RequestWrite),
            other => Err(DesktopError::UnknownType(other.to_string())),
        }
    }
}

/// Whether `origin` (a `MessageEvent`'s) is one of `hosts` (exact origins; a trailing `/` in
/// the configuration is allowed).
pub fn check_origin(origin: &str, hosts: &[String]) -> Result<(), DesktopError> {
    if hosts.iter().any(|h| h.trim_end_matches('/') == origin) {
        Ok(())
    } else {
        Err(DesktopError::Origin(origin.to_string()))
    }
}

/// What the console tells the desktop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleEvent {
    Ready,
    Joined { code: String },
    ModeChanged(Mode),
    Ended { reason: String, text: String },
    Notice(String),
}

impl ConsoleEvent {
    /// The `type` it is posted with.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Joined { .. } => "joined",
            Self::ModeChanged(_) => "modeChanged",
            Self::Ended { .. } => "ended",
            Self::Notice(_) => "notice",
        }
    }

    /// Its other fields, as (name, value) strings.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Ready => Vec::new(),
            Self::Joined { code } => vec![("code", code.clone())],
            Self::ModeChanged(mode) => vec![(
                "mode",
                match mode {
                    Mode::Pointer => "pointer",
                    Mode::Write => "write",
                }
                .to_string(),
            )],
            Self::Ended { reason, text } => {
                vec![("reason", reason.clone()), ("text", text.clone())]
            }
            Self::Notice(text) => vec![("text", text.clone())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse_with_their_fields() {
        assert_eq!(
            DesktopMsg::parse("join", Some("123-456-789".into()), None),
            Ok(DesktopMsg::Join {
                code: "123-456-789".into(),
                token: None
            })
        );
        assert_eq!(
            DesktopMsg::parse("join", Some("1".into()), Some("  ".into())),
            Ok(DesktopMsg::Join {
                code: "1".into(),
                token: None
            }),
            "a blank token is none"
        );
        assert_eq!(
            DesktopMsg::parse("token", None, Some("t".into())),
            Ok(DesktopMsg::Token("t".into()))
        );
        assert_eq!(DesktopMsg::parse("end", None, None), Ok(DesktopMsg::End));
        assert_eq!(
            DesktopMsg::parse("requestWrite", None, None),
            Ok(DesktopMsg::RequestWrite)
        );
    }

    #[test]
    fn bad_messages_say_what_is_wrong() {
        assert_eq!(
            DesktopMsg::parse("join", None, None),
            Err(DesktopError::Missing("join", "code"))
        );
        assert_eq!(
            DesktopMsg::parse("token", None, None),
            Err(DesktopError::Missing("token", "token"))
        );
        assert_eq!(
            DesktopMsg::parse("exit", None, None),
            Err(DesktopError::UnknownType("exit".into()))
        );
    }

    #[test]
    fn only_the_configured_desktops_may_send() {
        let hosts = vec![
            "https://desk.example/".to_string(),
            "http://127.0.0.1:9000".into(),
        ];
        assert!(check_origin("https://desk.example", &hosts).is_ok());
        assert!(check_origin("http://127.0.0.1:9000", &hosts).is_ok());
        for other in [
            "https://desk.example.evil",
            "http://desk.example",
            "null",
            "",
        ] {
            assert_eq!(
                check_origin(other, &hosts),
                Err(DesktopError::Origin(other.into()))
            );
        }
        assert!(
            check_origin("https://desk.example", &[]).is_err(),
            "none by default"
        );
    }

    #[test]
    fn events_carry_their_fields() {
        let ended = ConsoleEvent::Ended {
            reason: "api_end".into(),
            text: "x".into(),
        };
        assert_eq!(ended.kind(), "ended");
        assert_eq!(
            ended.fields(),
            vec![("reason", "api_end".into()), ("text", "x".into())]
        );
        assert_eq!(
            ConsoleEvent::ModeChanged(Mode::Write).fields(),
            vec![("mode", "write".into())]
        );
    }
}
