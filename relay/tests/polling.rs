//! A customer whose proxy refuses WebSockets: the same session over HTTP long polling, with an
//! agent on a WebSocket. Bad requests get clear errors and hurt nothing.

mod common;

use common::*;
use shared_protocol::*;

/// A long-polling client, speaking the relay's records.
struct Poller {
    http: reqwest::Client,
    base: String,
    id: String,
}

impl Poller {
    async fn open(r: &Relay, role: &str, origin: &str) -> Result<Poller, u16> {
        let http = reqwest::Client::new();
        let res = http
            .post(r.url(&format!("/poll/{role}")))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        if res.status() != 200 {
            return Err(res.status().as_u16());
        }
        let id = res.text().await.unwrap();
        Ok(Poller {
            http,
            base: r.url("/poll"),
            id,
        })
    }

    async fn send<M: Direction>(&self, seq: u64, msg: M) -> u16 {
        let frame = Envelope::new(0, Delivery::Reliable, seq, msg).encode();
        let mut body = vec![0];
        body.extend_from_slice(&(frame.len() as u32).to_be_bytes());
        body.extend_from_slice(&frame);
        self.raw(body).await
    }

    async fn raw(&self, body: Vec<u8>) -> u16 {
        let res = self
            .http
            .post(&self.base)
            .header("x-cobrowse-poll", &self.id);
        res.body(body).send().await.unwrap().status().as_u16()
    }

    /// The next records (waiting for at least one): messages decoded, or the close's code.
    async fn poll(&self) -> Vec<Result<RelayMsg, u16>> {
        self.poll_or_gone().await.expect("the connection is open")
    }

    /// [`Poller::poll`], or `None` once the connection is gone (404).
    async fn poll_or_gone(&self) -> Option<Vec<Result<RelayMsg, u16>>> {
        loop {
            let res = self
                .http
                .get(&self.base)
                .header("x-cobrowse-poll", &self.id);
            let res = res.send().await.unwrap();
            if res.status() == 404 {
                return None;
            }
            assert!(
                res.status() == 200 || res.status() == 204,
                "{}",
                res.status()
            );
            let body = res.bytes().await.unwrap();
            let mut out = Vec::new();
            let mut at = 0;
            while at < body.len() {
                let len = u32::from_be_bytes(body[at + 1..at + 5].try_into().unwrap()) as usize;
                let data = &body[at + 5..at + 5 + len];
                out.push(match body[at] {
                    0 => Ok(Envelope::<RelayMsg>::decode(data).unwrap().msg),
                    _ => Err(u16::from_be_bytes([data[0], data[1]])),
                });
                at += 5 + len;
            }
            if !out.is_empty() {
                return Some(out);
            }
        }
    }

    /// Polls until `wanted` arrives; what came before it.
    async fn until(&self, wanted: &Result<RelayMsg, u16>) -> Vec<Result<RelayMsg, u16>> {
        let mut before = Vec::new();
        loop {
            for got in self.poll().await {
                if &got == wanted {
                    return before;
                }
                before.push(got);
            }
        }
    }
}

#[tokio::test]
async fn a_customer_behind_a_proxy_co_browses_over_long_polling() {
    let r = relay().await;
    let c = Poller::open(&r, "customer", ORIGIN).await.unwrap();
    let create = CustomerMsg::Create {
        page: page(),
        user_agent: String::new(),
        first_session: true,
    };
    assert_eq!(c.send(0, create).await, 204);
    let first = c.poll().await;
    let Some(Ok(RelayMsg::Created { routing, .. })) = first.first().cloned() else {
        panic!("Created first: {first:?}")
    };
    let mut a = agent(&r).await;
    join_request(&mut a, TOKEN, routing).await;
    let RelayMsg::Joined { .. } = msg(&mut a).await else {
        panic!("Joined")
    };
    c.until(&Ok(RelayMsg::AgentJoined)).await;
    // Both ways, in order.
    for seq in 1..=3 {
        assert_eq!(c.send(seq, CustomerMsg::Sealed(vec![seq as u8])).await, 204);
    }
    for seq in 1..=3u8 {
        assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![seq]));
    }
    send(&mut a, 1, AgentMsg::Sealed(vec![9])).await;
    send(&mut a, 2, AgentMsg::Sealed(vec![10])).await;
    let mut down = Vec::new();
    while down.len() < 2 {
        down.extend(
            c.poll()
                .await
                .into_iter()
                .filter(|m| matches!(m, Ok(RelayMsg::Sealed(_)))),
        );
    }
    assert_eq!(
        down,
        vec![
            Ok(RelayMsg::Sealed(vec![9])),
            Ok(RelayMsg::Sealed(vec![10]))
        ]
    );
    // The customer ends it: the agent hears, the customer's connection closes.
    assert_eq!(c.send(4, CustomerMsg::Exit).await, 204);
    let ended = RelayMsg::Ended {
        reason: EndReason::CustomerExit,
    };
    assert_eq!(msg(&mut a).await, ended);
    let mut last = Vec::new();
    while let Some(records) = c.poll_or_gone().await {
        last.extend(records);
    }
    let end = last.iter().position(|m| m == &Ok(ended.clone()));
    let close = last.iter().position(|m| m.is_err());
    assert!(
        end.is_some() && end < close,
        "Ended, then the close: {last:?}"
    );
    r.shut_down().await;
}

#[tokio::test]
async fn bad_polling_requests_get_clear_errors() {
    let r = relay().await;
    assert_eq!(
        Poller::open(&r, "customer", "https://evil.test")
            .await
            .err(),
        Some(403),
        "the customer's origin is checked as for a WebSocket"
    );
    let c = Poller::open(&r, "customer", ORIGIN).await.unwrap();
    assert_eq!(
        c.raw(vec![0, 0, 0, 0, 9, 1]).await,
        400,
        "a record cut short"
    );
    assert_eq!(c.raw(vec![1, 0, 0, 0, 0]).await, 400, "a close sent up");
    let stranger = Poller {
        id: "00".repeat(16),
        ..Poller::open(&r, "agent", ORIGIN).await.unwrap()
    };
    assert_eq!(stranger.raw(Vec::new()).await, 404, "an unknown id");
    let no_header = reqwest::Client::new()
        .get(r.url("/poll"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_header.status(), 400);
    // The connection that got the bad records still works.
    let create = CustomerMsg::Create {
        page: page(),
        user_agent: String::new(),
        first_session: true,
    };
    assert_eq!(c.send(0, create).await, 204);
    assert!(matches!(
        c.poll().await.first(),
        Some(Ok(RelayMsg::Created { .. }))
    ));
    r.shut_down().await;
}
