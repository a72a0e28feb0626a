//! What the load generator says to each relay: how a customer opens a session, how an agent
//! joins it, and the frames between them. Every payload is 512 bytes and starts with a
//! [`Stamp`] (session, step, scheduled send time) read back on arrival. Ours gets the real
//! protocol (envelopes with `Create`, `Join`, sealed reliable frames, heartbeats); the Node
//! relay a one-byte type and the routing code in front of the payload (see bench/node/relay.js).

use shared_protocol::{AgentMsg, CustomerMsg, Delivery, Envelope, PageInfo, RelayMsg};

/// Size of each frame's payload (the workload).
pub const PAYLOAD_LEN: usize = 512;
/// The origin customers connect from; ours must be told to allow it.
pub const ORIGIN: &str = "http://bench.test";
/// The agent token ours is started with.
pub const TOKEN: &str = "bench-agent-token-0123456789";

/// The relay under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ours,
    Node,
}

/// Node relay frame types (byte 0), as in bench/node/relay.js.
const NODE_CREATE: u8 = 1;
const NODE_CREATED: u8 = 2;
const NODE_JOIN: u8 = 3;
const NODE_JOINED: u8 = 4;
const NODE_DATA: u8 = 5;

/// What the generator writes at the start of each payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub session: u32,
    pub step: u32,
    /// Nanoseconds since the generator's time base; the frame was due then.
    pub scheduled_ns: u64,
    /// Sent inside the measured window (not the warm-up).
    pub measured: bool,
}

const STAMP_LEN: usize = 17;

impl Stamp {
    pub fn write(&self, payload: &mut [u8]) {
        payload[0..4].copy_from_slice(&self.session.to_le_bytes());
        payload[4..8].copy_from_slice(&self.step.to_le_bytes());
        payload[8..16].copy_from_slice(&self.scheduled_ns.to_le_bytes());
        payload[16] = self.measured as u8;
    }

    pub fn read(payload: &[u8]) -> Option<Stamp> {
        let p = payload.get(..STAMP_LEN)?;
        Some(Stamp {
            session: u32::from_le_bytes(p[0..4].try_into().ok()?),
            step: u32::from_le_bytes(p[4..8].try_into().ok()?),
            scheduled_ns: u64::from_le_bytes(p[8..16].try_into().ok()?),
            measured: p[16] != 0,
        })
    }
}

/// A frame that arrived at an agent (or a customer).
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// A routed payload, with the sender's sequence number (0 on the Node relay).
    Data { seq: u64, stamp: Stamp },
    /// Something that means frames were or will be lost, or a refusal.
    Trouble(String),
    /// Anything else (notices such as `AgentJoined`).
    Other,
}

fn node_frame(kind: u8, routing: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(5 + payload.len());
    f.push(kind);
    f.extend_from_slice(&routing.to_le_bytes());
    f.extend_from_slice(payload);
    f
}

fn node_routing(frame: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(frame.get(1..5)?.try_into().ok()?))
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ours => "cobrowse-relay",
            Kind::Node => "Node ws relay",
        }
    }

    pub fn create(self) -> Vec<u8> {
        match self {
            Kind::Ours => Envelope::new(
                0,
                Delivery::Reliable,
                0,
                CustomerMsg::Create {
                    page: PageInfo {
                        url: format!("{ORIGIN}/checkout"),
                        title: "Checkout".into(),
                    },
                    user_agent: "cobrowse-bench".into(),
                    first_session: true,
                },
            )
            .encode(),
            Kind::Node => node_frame(NODE_CREATE, 0, &[]),
        }
    }

    /// The routing code in the relay's answer to [`Kind::create`]; `Err` for a refusal.
    pub fn created(self, frame: &[u8]) -> Result<Option<u32>, String> {
        match self {
            Kind::Ours => match Envelope::<RelayMsg>::decode(frame).map_err(|e| e.to_string())? {
                Envelope {
                    msg: RelayMsg::Created { routing, .. },
                    ..
                } => Ok(Some(routing)),
                Envelope {
                    msg: RelayMsg::Error { code, message },
                    ..
                } => Err(format!("{code:?}: {message}")),
                _ => Ok(None),
            },
            Kind::Node if frame.first() == Some(&NODE_CREATED) => Ok(node_routing(frame)),
            Kind::Node => Err(format!("unexpected frame type {:?}", frame.first())),
        }
    }

    pub fn join(self, routing: u32) -> Vec<u8> {
        match self {
            Kind::Ours => Envelope::new(
                0,
                Delivery::Reliable,
                0,
                AgentMsg::Join {
                    token: TOKEN.into(),
                    routing,
                },
            )
            .encode(),
            Kind::Node => node_frame(NODE_JOIN, routing, &[]),
        }
    }

    /// Whether the relay's answer to [`Kind::join`] admits the agent; `Err` for a refusal.
    pub fn joined(self, frame: &[u8]) -> Result<bool, String> {
        match self {
            Kind::Ours => match self.received(frame) {
                Received::Trouble(why) => Err(why),
                _ => Ok(matches!(
                    Envelope::<RelayMsg>::decode(frame).map(|e| e.msg),
                    Ok(RelayMsg::Joined { .. })
                )),
            },
            Kind::Node if frame.first() == Some(&NODE_JOINED) => Ok(true),
            Kind::Node => Err(format!("unexpected frame type {:?}", frame.first())),
        }
    }

    /// One customer → agent frame carrying `payload`.
    pub fn data(self, routing: u32, seq: u64, payload: &[u8]) -> Vec<u8> {
        match self {
            Kind::Ours => Envelope::new(
                routing,
                Delivery::Reliable,
                seq,
                CustomerMsg::Sealed(payload.to_vec()),
            )
            .encode(),
            Kind::Node => node_frame(NODE_DATA, routing, payload),
        }
    }

    /// The agent's heartbeat, which also lets ours drop acknowledged frames from its replay
    /// ring, as the console does every 10 s. The Node relay has neither.
    pub fn agent_heartbeat(self, last_received: u64) -> Option<Vec<u8>> {
        match self {
            Kind::Ours => Some(
                Envelope::new(
                    0,
                    Delivery::Reliable,
                    0,
                    AgentMsg::Heartbeat { last_received },
                )
                .encode(),
            ),
            Kind::Node => None,
        }
    }

    pub fn received(self, frame: &[u8]) -> Received {
        match self {
            Kind::Ours => match Envelope::<RelayMsg>::decode(frame) {
                Ok(env) => match env.msg {
                    RelayMsg::Sealed(p) => match Stamp::read(&p) {
                        Some(stamp) => Received::Data {
                            seq: env.seq,
                            stamp,
                        },
                        None => Received::Trouble("a sealed frame without a stamp".into()),
                    },
                    m @ (RelayMsg::Error { .. }
                    | RelayMsg::Gap
                    | RelayMsg::SnapshotNeeded
                    | RelayMsg::Ended { .. }
                    | RelayMsg::PeerAway) => Received::Trouble(format!("{m:?}")),
                    _ => Received::Other,
                },
                Err(e) => Received::Trouble(format!("undecodable frame: {e}")),
            },
            Kind::Node => match frame.first() {
                Some(&NODE_DATA) => match frame.get(5..).and_then(Stamp::read) {
                    Some(stamp) => Received::Data { seq: 0, stamp },
                    None => Received::Trouble("a data frame without a stamp".into()),
                },
                Some(&NODE_JOINED | &NODE_CREATED) => Received::Other,
                other => Received::Trouble(format!("frame type {other:?}")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(stamp: Stamp) -> Vec<u8> {
        let mut p = vec![0xAB; PAYLOAD_LEN];
        stamp.write(&mut p);
        p
    }

    #[test]
    fn stamps_round_trip_through_both_relays_framing() {
        let stamp = Stamp {
            session: 999,
            step: 3,
            scheduled_ns: 12_345_678_901,
            measured: true,
        };
        // What ours forwards: the sender's payload, sequence and class in a relay envelope.
        let ours = Envelope::new(42, Delivery::Reliable, 7, RelayMsg::Sealed(payload(stamp)));
        assert_eq!(
            Kind::Ours.received(&ours.encode()),
            Received::Data { seq: 7, stamp }
        );
        // The Node relay forwards the customer's frame as it is.
        let node = Kind::Node.data(42, 7, &payload(stamp));
        assert_eq!(node.len(), 5 + PAYLOAD_LEN);
        assert_eq!(Kind::Node.received(&node), Received::Data { seq: 0, stamp });
    }

    #[test]
    fn our_data_frames_are_valid_customer_envelopes() {
        let frame = Kind::Ours.data(42, 9, &[1; PAYLOAD_LEN]);
        let env = Envelope::<CustomerMsg>::decode(&frame).unwrap();
        assert_eq!(
            (env.session, env.seq, env.delivery),
            (42, 9, Delivery::Reliable)
        );
        assert_eq!(env.msg, CustomerMsg::Sealed(vec![1; PAYLOAD_LEN]));
    }

    #[test]
    fn refusals_and_losses_are_trouble() {
        let gap = Envelope::new(1, Delivery::Reliable, 0, RelayMsg::Gap).encode();
        assert!(matches!(Kind::Ours.received(&gap), Received::Trouble(_)));
        assert!(Kind::Ours.joined(&gap).is_err());
        let created = node_frame(NODE_CREATED, 4321, &[]);
        assert_eq!(Kind::Node.created(&created), Ok(Some(4321)));
        assert!(Kind::Node.created(&[9]).is_err());
    }
}
