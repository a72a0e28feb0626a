//! The customer's connection to the relay: the socket and its events, resume after a drop
//! (with increasing delays), and heartbeats that carry what was received. The transport of each
//! new connection is [`TransportChoice`]'s: a WebSocket refused before it opened is followed at
//! once by HTTP long polling, and a polling connection that found the WebSocket working again
//! is followed at once by a WebSocket that resumes the session.

use super::*;
use shared_protocol::transport::AfterClose;

impl Customer {
    pub(super) fn open_socket(&mut self) -> Result<(), JsValue> {
        let weak = self.this.clone();
        let attempt = self.transport.start(now_ms());
        let socket = RelaySocket::open(
            attempt.transport,
            &self.relay_url,
            &shared_protocol::node_hint::url_with_node("/ws/customer", self.node.as_deref()),
            move |event| {
                if let Some(c) = weak.upgrade() {
                    c.borrow_mut().on_socket(event);
                }
            },
        )?;
        self.out.borrow_mut().set_socket(Some(socket));
        self.attempt = Some(attempt);
        Ok(())
    }

    pub(super) fn on_socket(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Open => {
                if let Some(attempt) = &mut self.attempt {
                    self.transport.opened(attempt);
                }
                self.on_open();
            }
            SocketEvent::Message(env) => self.on_relay(env),
            SocketEvent::BadFrame(why) => self.end(
                Ending::Failure,
                format!("Co-browse stopped: the server sent a bad frame ({why})."),
            ),
            SocketEvent::Closed { code, reason } => {
                if !self.out.borrow().has_socket() {
                    return;
                }
                self.out.borrow_mut().set_socket(None);
                let after = self.attempt.take().map_or(AfterClose::Dropped, |a| {
                    self.transport.closed(a, code, now_ms())
                });
                if after != AfterClose::Dropped {
                    // A proxy refused the WebSocket: the same connection over polling. Or the
                    // WebSocket works again: resume over it (`on_open` sends the resume).
                    if let Err(e) = self.open_socket() {
                        self.end(
                            Ending::Failure,
                            format!("Co-browse stopped: {}.", describe_js(&e)),
                        );
                    }
                    return;
                }
                if self.resume_token.is_some() {
                    // Each drop before a successful resume waits longer, and gives up in the end.
                    // A relay that said it restarts is still restarting until a resume succeeds.
                    let attempt = self.reconnect.as_ref().map_or(0, |r| r.attempt + 1);
                    let restarting = code == shared_protocol::CLOSE_RESTARTING
                        || self.reconnect.as_ref().is_some_and(|r| r.restarting);
                    return self.schedule_reconnect(attempt, restarting);
                }
                let why = if reason.is_empty() {
                    format!("connection closed ({code})")
                } else {
                    reason
                };
                self.end(Ending::Failure, format!("Co-browse stopped: {why}."));
            }
        }
    }

    /// A new socket is open: create the session, or take ours back after a drop.
    pub(super) fn on_open(&mut self) {
        let msg = match (self.code, self.resume_token) {
            (Some(code), Some(resume_token)) => CustomerMsg::Resume(Resume {
                routing: code.routing,
                resume_token,
                last_received: self.last_received(),
                reloaded: self.reloaded,
            }),
            _ => {
                let doc = document();
                CustomerMsg::Create {
                    page: self.visit(&doc.url().unwrap_or_default(), &doc.title()),
                    user_agent: window().navigator().user_agent().unwrap_or_default(),
                    first_session: first_session_in_tab(),
                }
            }
        };
        self.out.borrow().send_control(msg);
    }

    pub(super) fn schedule_reconnect(&mut self, attempt: usize, restarting: bool) {
        let Some(delay) = shared_protocol::link::reconnect_delay_ms(attempt) else {
            return self.end(
                Ending::Failure,
                "Co-browse stopped: the connection to the server was lost.".into(),
            );
        };
        let status = if restarting {
            WidgetText::Restarting
        } else {
            WidgetText::Reconnecting
        };
        self.show_status_only(&self.text(status, &[]));
        let weak = self.this.clone();
        let timer = Timeout::new(delay as i32, move || {
            if let Some(c) = weak.upgrade() {
                c.borrow_mut().reconnect_now(attempt);
            }
        });
        self.reconnect = Some(Reconnect {
            attempt,
            restarting,
            _timer: timer,
        });
    }

    pub(super) fn reconnect_now(&mut self, attempt: usize) {
        if self.open_socket().is_err() {
            let restarting = self.reconnect.as_ref().is_some_and(|r| r.restarting);
            self.schedule_reconnect(attempt + 1, restarting);
        }
    }

    pub(super) fn last_received(&self) -> u64 {
        self.out.borrow().last_received()
    }

    pub(super) fn start_heartbeat(&mut self) {
        let out = self.out.clone();
        let every = HEARTBEAT_INTERVAL_SECS as i32 * 1000;
        self.heartbeat = Some(Interval::new(every, move || {
            let out = out.borrow();
            let last_received = out.last_received();
            out.send_control(CustomerMsg::Heartbeat { last_received });
        }));
    }
}
