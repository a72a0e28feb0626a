//! Round trips and hostile input for every decoder of the protocol.

use proptest::prelude::*;
use shared_protocol::agent_control::*;
use shared_protocol::page::*;
use shared_protocol::page_state::*;
use shared_protocol::payload::{decode_payload, encode_payload};
use shared_protocol::*;

fn customer(seq: u64, msg: CustomerMsg) -> Envelope<CustomerMsg> {
    Envelope::new(42, Delivery::Reliable, seq, msg)
}

#[test]
fn control_messages_round_trip() {
    let msgs = vec![
        customer(
            1,
            CustomerMsg::Create {
                page: PageInfo {
                    url: "https://bank.example/".into(),
                    title: "Home".into(),
                },
                user_agent: "UA".into(),
                first_session: true,
            },
        ),
        customer(2, CustomerMsg::Sealed(vec![1, 2, 3])),
        customer(3, CustomerMsg::Exit),
    ];
    for m in msgs {
        let bytes = m.encode();
        assert_eq!(Envelope::<CustomerMsg>::decode(&bytes).unwrap(), m);
    }
    let r = Envelope::new(
        7,
        Delivery::Reliable,
        9,
        RelayMsg::Ended {
            reason: EndReason::AgentBusy,
        },
    );
    assert_eq!(Envelope::<RelayMsg>::decode(&r.encode()).unwrap(), r);
}

#[test]
fn empty_truncated_and_trailing_frames_are_typed_errors() {
    assert_eq!(
        Envelope::<CustomerMsg>::decode(&[]),
        Err(DecodeError::Empty)
    );
    let bytes = customer(5, CustomerMsg::Sealed(vec![9; 100])).encode();
    for cut in 1..bytes.len() {
        assert!(Envelope::<CustomerMsg>::decode(&bytes[..cut]).is_err());
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Envelope::<CustomerMsg>::decode(&longer),
        Err(DecodeError::TrailingBytes(1))
    );
}

#[test]
fn another_version_is_refused_by_name() {
    let mut m = customer(1, CustomerMsg::Exit);
    m.version = PROTOCOL_VERSION + 1;
    let bytes = postcard::to_allocvec(&m).unwrap();
    assert_eq!(
        Envelope::<CustomerMsg>::decode(&bytes),
        Err(DecodeError::UnsupportedVersion {
            got: PROTOCOL_VERSION + 1,
            supported: PROTOCOL_VERSION
        })
    );
}

#[test]
fn a_frame_for_another_endpoint_is_refused() {
    let bytes = customer(1, CustomerMsg::Exit).encode();
    assert_eq!(
        Envelope::<AgentMsg>::decode(&bytes),
        Err(DecodeError::WrongRole {
            got: Role::Customer,
            expected: Role::Agent
        })
    );
}

#[test]
fn an_unknown_kind_is_named() {
    // This version, role Customer, session 0, Reliable, seq 1, message kind 200.
    let bytes = [PROTOCOL_VERSION as u8, 0, 0, 0, 1, 200, 1];
    assert_eq!(
        Envelope::<CustomerMsg>::decode(&bytes),
        Err(DecodeError::UnknownKind)
    );
}

#[test]
fn oversized_frames_are_refused_before_decoding() {
    let big = vec![1u8; MAX_FRAME_LEN + 1];
    assert!(matches!(
        Envelope::<CustomerMsg>::decode(&big),
        Err(DecodeError::Oversized { .. })
    ));
}

#[test]
fn page_snapshot_round_trips() {
    let snap = CustomerPageMsg::Snapshot(Snapshot {
        epoch: 1,
        url: "http://a/".into(),
        title: "t".into(),
        viewport: Viewport {
            width: 800,
            height: 600,
        },
        nodes: vec![
            NodeAdd {
                id: 1,
                parent: DOCUMENT,
                data: NodeData::Element {
                    tag: "html".into(),
                    ns: Namespace::Html,
                    attrs: vec![("lang".into(), "en".into())],
                },
            },
            NodeAdd {
                id: 2,
                parent: 1,
                data: NodeData::Text("hello".into()),
            },
            NodeAdd {
                id: 3,
                parent: 1,
                data: NodeData::ShadowRoot,
            },
            NodeAdd {
                id: 4,
                parent: 1,
                data: NodeData::Document {
                    base_url: "https://shop.example/frame.html".into(),
                    standards: true,
                },
            },
        ],
        state: PageState {
            form: vec![FormValue {
                id: 2,
                value: "x".into(),
                checked: false,
            }],
            scrolls: vec![ScrollPos {
                id: DOCUMENT,
                x: 0,
                y: 120,
            }],
            state_css: Some("a[data-cobrowse-hover] { color: red; }".into()),
            focus: Some(Some(2)),
            sheets: vec![SheetBody::new(vec![".a { color: red; }".into()])],
            styles: vec![SheetUse {
                id: 2,
                sheet: sheet_hash(&[".a { color: red; }".into()]),
            }],
            adopted: vec![Adopted {
                id: DOCUMENT,
                sheets: vec![7],
            }],
            layers: Some(vec![Layer {
                id: 2,
                kind: LayerKind::Modal,
            }]),
            media: vec![MediaState {
                id: 2,
                paused: false,
                time_ms: 1500,
                rate_milli: 1250,
                muted: true,
                volume: 40,
            }],
            canvases: vec![CanvasFrame {
                id: 2,
                image: "data:image/webp;base64,AAAA".into(),
            }],
            unshown: vec![Unshown {
                id: 2,
                what: Unshowable::CrossOriginFrame {
                    origin: "https://pay.example".into(),
                },
            }],
            active: None,
        },
    });
    let bytes = encode_payload(&snap);
    assert_eq!(decode_payload::<CustomerPageMsg>(&bytes).unwrap(), snap);
}

#[test]
fn snapshot_parts_round_trip_compressed() {
    // A large part, as a big page's slice is: deflated on the way.
    let part = CustomerPageMsg::SnapshotNodes(SnapshotNodes {
        epoch: 3,
        nodes: (1..2000)
            .map(|id| NodeAdd {
                id,
                parent: id - 1,
                data: NodeData::Text(format!("row {id}")),
            })
            .collect(),
    });
    let bytes = encode_payload(&part);
    let plain = postcard::to_allocvec(&part).unwrap().len();
    assert!(bytes.len() < plain / 2, "{} of {plain} bytes", bytes.len());
    assert_eq!(decode_payload::<CustomerPageMsg>(&bytes).unwrap(), part);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Envelope::<CustomerMsg>::decode(&bytes);
        let _ = Envelope::<AgentMsg>::decode(&bytes);
        let _ = Envelope::<RelayMsg>::decode(&bytes);
        let _ = decode_payload::<CustomerPageMsg>(&bytes);
        let _ = decode_payload::<AgentPageMsg>(&bytes);
    }

    #[test]
    fn sealed_frames_round_trip(session in any::<u32>(), seq in any::<u64>(),
                                payload in proptest::collection::vec(any::<u8>(), 0..512)) {
        let m = Envelope::new(session, Delivery::Ephemeral, seq, AgentMsg::Sealed(payload));
        prop_assert_eq!(Envelope::<AgentMsg>::decode(&m.encode()).unwrap(), m);
    }

    #[test]
    fn mutation_batches_round_trip(text in ".{0,40}", id in any::<u32>(), before in any::<Option<u32>>()) {
        let batch = CustomerPageMsg::Mutations(MutationBatch {
            epoch: 3,
            removes: vec![id],
            adds: vec![SubtreeAdd { before, nodes: vec![NodeAdd { id, parent: 1, data: NodeData::Text(text.clone()) }] }],
            attrs: vec![AttrChange { id, name: "class".into(), value: None }],
            texts: vec![TextChange { id, text: text.clone() }],
            viewport: Some(Viewport { width: 390, height: 844 }),
            state: PageState {
                form: vec![],
                scrolls: vec![ScrollPos { id, x: 1, y: -1 }],
                sheets: vec![SheetBody::new(vec![text.clone()])],
                styles: vec![SheetUse { id, sheet: sheet_hash(std::slice::from_ref(&text)) }],
                adopted: vec![],
                state_css: Some("a[data-cobrowse-hover] { color: red }".into()),
                focus: Some(None),
                active: Some(Some(id)),
                layers: Some(vec![Layer { id, kind: LayerKind::Popover }]),
                media: vec![],
                canvases: vec![],
                unshown: vec![Unshown { id, what: Unshowable::ClosedShadowRoot }],
            },
        });
        prop_assert_eq!(decode_payload::<CustomerPageMsg>(&encode_payload(&batch)).unwrap(), batch);
    }
}

#[test]
fn sheet_hashes_tell_contents_apart() {
    let one = sheet_hash(&["a{}b{}".into()]);
    let two = sheet_hash(&["a{}".into(), "b{}".into()]);
    assert_ne!(one, two, "rules cannot run together");
    assert_eq!(one, SheetBody::new(vec!["a{}b{}".into()]).hash);
    assert_ne!(sheet_hash(&[]), sheet_hash(&["".into()]));
}

proptest! {
    #[test]
    fn agent_actions_round_trip(value in ".{0,40}", target in any::<Option<u32>>(), x in any::<i32>()) {
        let kinds = [
            ActionKind::Click { x, y: -x },
            ActionKind::Type { value: value.clone() },
            ActionKind::Select { selected: vec![0, 2] },
            ActionKind::Scroll { dx: x, dy: 0 },
            ActionKind::Key(Key::ShiftTab),
        ];
        for kind in kinds {
            let msg = AgentPageMsg::Act(AgentAction { epoch: 2, target, kind });
            prop_assert_eq!(decode_payload::<AgentPageMsg>(&encode_payload(&msg)).unwrap(), msg);
        }
        let nav = AgentPageMsg::Navigate(Navigate::To(value.clone()));
        prop_assert_eq!(decode_payload::<AgentPageMsg>(&encode_payload(&nav)).unwrap(), nav);
    }
}

#[test]
fn modes_and_refusals_round_trip() {
    let mode = CustomerPageMsg::Mode {
        mode: Mode::Write,
        cause: ModeCause::Approved,
    };
    assert_eq!(
        decode_payload::<CustomerPageMsg>(&encode_payload(&mode)).unwrap(),
        mode
    );
    let mut counts = RefusedCounts::default();
    counts.add(Refusal::PointerMode);
    for msg in [CustomerMsg::Mode(Mode::Write), CustomerMsg::Refused(counts)] {
        let env = Envelope::new(7, Delivery::Reliable, 1, msg);
        assert_eq!(Envelope::<CustomerMsg>::decode(&env.encode()).unwrap(), env);
    }
}

#[test]
fn relay_messages_are_named_by_their_variant_for_the_logs() {
    for msg in [
        RelayMsg::Joined {
            session_id: [0; 16],
            resume_token: [0; 16],
        },
        RelayMsg::Gap,
        RelayMsg::PeerBack,
        RelayMsg::VerificationFailed { attempts_left: 2 },
        RelayMsg::Sealed(vec![1]),
        RelayMsg::Error {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        },
        RelayMsg::Node("n1".into()),
    ] {
        let debug = format!("{msg:?}");
        let variant = debug.split([' ', '(']).next().unwrap();
        assert_eq!(msg.name(), variant, "{debug}");
    }
}

/// Byte fields (`Sealed`, the key exchange's) go through serde as bytes, which postcard copies
/// at once instead of visiting byte by byte; on the wire they are what a sequence of `u8` was
/// (varint length, then the bytes), so peers of either build read each other.
#[test]
fn byte_fields_are_encoded_as_a_sequence_of_bytes_was() {
    let payload: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(
        postcard::to_allocvec(&payload).unwrap(),
        postcard::to_allocvec(&serde_bytes::Bytes::new(&payload)).unwrap()
    );
    let frame = Envelope::new(
        7,
        Delivery::Reliable,
        1,
        CustomerMsg::Sealed(payload.clone()),
    )
    .encode();
    let seq_encoded = postcard::to_allocvec(&payload).unwrap();
    assert!(
        frame.ends_with(&seq_encoded),
        "the payload as a sequence was"
    );
    let back = Envelope::<CustomerMsg>::decode(&frame).unwrap();
    assert_eq!(back.msg, CustomerMsg::Sealed(payload));
}
