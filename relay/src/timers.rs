//! The session timers: the inactivity timeout of a session nobody has joined, and the grace
//! period of a side whose connection dropped. Both follow the session's phase, so they never act
//! on a session that moved on.

use std::sync::Arc;

use shared_protocol::EndReason;
use tracing::Instrument;

use crate::sessions::{Outbox, Phase, Session, Side};
use crate::state::AppState;

/// The socket of `side` closed without an exit: the session waits `disconnect_grace` for it
/// (`navigation_grace` when it said it was leaving its page).
pub fn went_away(state: &AppState, session: &Arc<Session>, side: Side, tx: &Outbox) {
    let Some((epoch, navigating)) = session.went_away(side, tx) else {
        return;
    };
    let grace = if navigating {
        tracing::info!(parent: &session.span, ?side, "left the page; waiting for the next one");
        state.config.navigation_grace
    } else {
        tracing::info!(parent: &session.span, ?side, "connection lost; waiting for a resume");
        state.config.disconnect_grace
    };
    await_return(state, session, side, epoch, grace);
}

/// Ends the session if `side`, away since departure `epoch`, is still away after `grace`.
pub fn await_return(
    state: &AppState,
    session: &Arc<Session>,
    side: Side,
    epoch: u64,
    grace: std::time::Duration,
) {
    let (state, session) = (state.clone(), session.clone());
    let span = session.span.clone();
    tokio::spawn(
        async move {
            tokio::time::sleep(grace).await;
            if session.still_away(side, epoch) {
                state.end(&session, EndReason::Disconnect);
            }
        }
        .instrument(span),
    );
}

/// Timers of a session rebuilt with both sides away (taken over from another node, or kept
/// across a restart): each side has `grace(side)` to come back, and a session without an
/// agent waits for one as a new one does.
pub fn watch_restored(
    state: &AppState,
    session: &Arc<Session>,
    grace: impl Fn(Side) -> std::time::Duration,
) {
    for (side, epoch) in session.away_sides() {
        await_return(state, session, side, epoch, grace(side));
    }
    if session.phase() == crate::sessions::Phase::Waiting {
        spawn_inactivity_timer(state.clone(), session.clone());
    }
}

/// Ends the session once it has waited `inactivity_timeout` for an agent. Each new waiting
/// period (a session goes back to waiting after a failed verification) gets the full timeout.
pub fn spawn_inactivity_timer(state: AppState, session: Arc<Session>) {
    let timeout = state.config.inactivity_timeout;
    let span = session.span.clone();
    tokio::spawn(
        async move {
            let mut phases = session.phases();
            loop {
                let phase = *phases.borrow_and_update();
                match phase {
                    Phase::Ended(_) => break,
                    Phase::Active => {
                        if phases.changed().await.is_err() {
                            break;
                        }
                    }
                    Phase::Waiting => tokio::select! {
                        _ = tokio::time::sleep(timeout) => {
                            if session.phase() == Phase::Waiting {
                                state.end(&session, EndReason::Inactivity);
                            }
                            break;
                        }
                        changed = phases.changed() => if changed.is_err() { break },
                    },
                }
            }
        }
        .instrument(span),
    );
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::mpsc;
    use tokio::time::sleep;

    use super::*;
    use crate::config::Config;
    use crate::sessions::{Outgoing, QUEUE_LEN};
    use crate::store::SqliteStore;

    fn state(adjust: impl FnOnce(&mut Config)) -> AppState {
        let mut config = Config::default();
        adjust(&mut config);
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        crate::build_state(
            config,
            "127.0.0.1:1".parse().unwrap(),
            None,
            store,
            None,
            None,
        )
        .0
    }

    fn outbox() -> (Outbox, mpsc::Receiver<Outgoing>) {
        mpsc::channel(QUEUE_LEN)
    }

    fn ended_with(rx: &mut mpsc::Receiver<Outgoing>) -> Option<EndReason> {
        while let Ok(o) = rx.try_recv() {
            if let Outgoing::Frame(f) = o {
                let env =
                    shared_protocol::Envelope::<shared_protocol::RelayMsg>::decode(&f).ok()?;
                if let shared_protocol::RelayMsg::Ended { reason } = env.msg {
                    return Some(reason);
                }
            }
        }
        None
    }

    #[tokio::test(start_paused = true)]
    async fn a_session_nobody_joins_ends_at_the_inactivity_timeout() {
        let state = state(|_| {});
        let (c, mut crx) = outbox();
        let s = state.registry.create(c).unwrap();
        spawn_inactivity_timer(state.clone(), s.clone());
        sleep(Duration::from_secs(599)).await;
        assert_eq!(s.phase(), Phase::Waiting, "the default is 600 s");
        sleep(Duration::from_secs(2)).await;
        assert_eq!(s.phase(), Phase::Ended(EndReason::Inactivity));
        assert_eq!(ended_with(&mut crx), Some(EndReason::Inactivity));
        assert!(
            state.registry.get(s.routing).is_none(),
            "its code is free again"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn joining_stops_the_inactivity_timer() {
        let state = state(|_| {});
        let (c, _crx) = outbox();
        let s = state.registry.create(c).unwrap();
        spawn_inactivity_timer(state.clone(), s.clone());
        sleep(Duration::from_secs(300)).await;
        let (a, _arx) = outbox();
        state.registry.join(s.routing, "agent", a).unwrap();
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(s.phase(), Phase::Active);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_verification_gives_a_new_full_waiting_period() {
        let state = state(|c| c.inactivity_timeout = Duration::from_secs(600));
        let (c, _crx) = outbox();
        let s = state.registry.create(c).unwrap();
        spawn_inactivity_timer(state.clone(), s.clone());
        sleep(Duration::from_secs(500)).await;
        let (a, _arx) = outbox();
        state.registry.join(s.routing, "agent", a).unwrap();
        sleep(Duration::from_secs(50)).await;
        s.verification_failed();
        assert_eq!(s.phase(), Phase::Waiting);
        sleep(Duration::from_secs(599)).await;
        assert_eq!(
            s.phase(),
            Phase::Waiting,
            "600 s from the failure, not from the start"
        );
        sleep(Duration::from_secs(2)).await;
        assert_eq!(s.phase(), Phase::Ended(EndReason::Inactivity));
    }

    /// A joined session whose agent connection just dropped.
    fn dropped_agent(state: &AppState) -> (Arc<Session>, Outbox, mpsc::Receiver<Outgoing>) {
        let (c, crx) = outbox();
        let s = state.registry.create(c).unwrap();
        let (a, _arx) = outbox();
        state.registry.join(s.routing, "agent", a.clone()).unwrap();
        went_away(state, &s, Side::Agent, &a);
        (s, a, crx)
    }

    #[tokio::test(start_paused = true)]
    async fn a_side_that_does_not_come_back_in_the_grace_period_ends_the_session() {
        let state = state(|c| c.disconnect_grace = Duration::from_secs(30));
        let (s, _a, mut crx) = dropped_agent(&state);
        sleep(Duration::from_secs(29)).await;
        assert_eq!(s.phase(), Phase::Active);
        sleep(Duration::from_secs(2)).await;
        assert_eq!(s.phase(), Phase::Ended(EndReason::Disconnect));
        assert_eq!(ended_with(&mut crx), Some(EndReason::Disconnect));
    }

    #[tokio::test(start_paused = true)]
    async fn a_side_back_in_time_keeps_the_session_and_a_second_drop_gets_its_own_period() {
        let state = state(|c| c.disconnect_grace = Duration::from_secs(30));
        let (s, _old, _crx) = dropped_agent(&state);
        sleep(Duration::from_secs(20)).await;
        let token = s.agent_resume_token().unwrap();
        let (back, _brx) = outbox();
        s.resume(Side::Agent, &token, 0, false, back.clone())
            .unwrap();
        sleep(Duration::from_secs(5)).await;
        went_away(&state, &s, Side::Agent, &back);
        // The first drop's timer fires at 30 s: it must not end the session for the second.
        sleep(Duration::from_secs(10)).await;
        assert_eq!(s.phase(), Phase::Active);
        sleep(Duration::from_secs(21)).await;
        assert_eq!(s.phase(), Phase::Ended(EndReason::Disconnect));
    }

    #[tokio::test(start_paused = true)]
    async fn a_customer_who_left_its_page_gets_the_navigation_grace() {
        let state = state(|c| {
            c.disconnect_grace = Duration::from_secs(30);
            c.navigation_grace = Duration::from_secs(300);
        });
        let (c, _crx) = outbox();
        let s = state.registry.create(c.clone()).unwrap();
        let (a, mut arx) = outbox();
        state.registry.join(s.routing, "agent", a).unwrap();
        s.leaving(Side::Customer);
        went_away(&state, &s, Side::Customer, &c);
        let told: Vec<String> = std::iter::from_fn(|| arx.try_recv().ok())
            .map(|o| format!("{o:?}"))
            .collect();
        assert_eq!(told.len(), 1, "one notice, not PeerAway too: {told:?}");
        sleep(Duration::from_secs(299)).await;
        assert_eq!(s.phase(), Phase::Active, "still waiting for the next page");
        sleep(Duration::from_secs(2)).await;
        assert_eq!(s.phase(), Phase::Ended(EndReason::Disconnect));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stale_socket_closing_after_a_resume_changes_nothing() {
        let state = state(|c| c.disconnect_grace = Duration::from_secs(30));
        let (c, _crx) = outbox();
        let s = state.registry.create(c.clone()).unwrap();
        let token = s.customer_resume_token();
        let (fresh, _frx) = outbox();
        s.resume(Side::Customer, &token, 0, false, fresh).unwrap();
        // The old socket's loop ends after the resume took its place.
        went_away(&state, &s, Side::Customer, &c);
        sleep(Duration::from_secs(120)).await;
        assert_eq!(s.phase(), Phase::Waiting);
    }
}
