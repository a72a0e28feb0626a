//! A side's presence in its session: leaving its page, its socket closing without an exit
//! (away, with an epoch for the grace timer), and coming back with its resume token, under
//! the session's lock so that no new frame overtakes what it missed.

use shared_protocol::RelayMsg;

use super::session::{control, Session};
use super::{Outbox, Outgoing, Phase, Side};
use crate::auth::constant_time_eq;

/// What a resuming side gets back.
pub struct Resumed {
    /// Some frames for this side were dropped from the ring.
    pub lost: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResumeError {
    #[error("the session has no such participant to resume")]
    NoSuchParticipant,
    #[error("the resume token does not match")]
    BadToken,
}

impl Session {
    /// `side` (the customer) is unloading its page: the other side is told now, and the
    /// absence that follows is a navigation, not a drop.
    pub fn leaving(&self, side: Side) {
        let mut state = self.lock();
        if let Some(peer) = Self::peer(&mut state, side) {
            peer.leaving = true;
        }
        if let Some(other) = Self::peer(&mut state, side.other()).and_then(|p| p.outbox.clone()) {
            let _ = other.try_send(control(self.routing, RelayMsg::PeerNavigating));
        }
    }

    /// `outbox`'s socket closed without an exit. If it still speaks for `side`, that side is
    /// now away; returns the away epoch for the grace timer, and whether the side said it was
    /// leaving its page (a navigation: the other side was told then, and the wait is longer).
    pub fn went_away(&self, side: Side, outbox: &Outbox) -> Option<(u64, bool)> {
        let mut state = self.lock();
        if matches!(state.phase, Phase::Ended(_)) {
            return None;
        }
        let peer = Self::peer(&mut state, side).filter(|p| p.is(outbox))?;
        peer.outbox = None;
        peer.away_epoch += 1;
        peer.away_since = crate::store::now_millis();
        let (epoch, navigating) = (peer.away_epoch, peer.leaving);
        if let (false, Some(other)) = (
            navigating,
            Self::peer(&mut state, side.other()).and_then(|p| p.outbox.clone()),
        ) {
            let _ = other.try_send(control(self.routing, RelayMsg::PeerAway));
        }
        Some((epoch, navigating))
    }

    /// Whether `side` is still away since the departure numbered `epoch`.
    pub fn still_away(&self, side: Side, epoch: u64) -> bool {
        let mut state = self.lock();
        !matches!(state.phase, Phase::Ended(_))
            && Self::peer(&mut state, side)
                .is_some_and(|p| p.outbox.is_none() && p.away_epoch == epoch)
    }

    /// Puts `outbox` in `side`'s place (closing any older socket of that side) if the token
    /// matches, then queues `Resumed` and the frames it missed, all under the session's lock so
    /// that no new frame can overtake them. After a `reloaded` resume nothing is replayed: both
    /// directions start numbering again under the keys the browsers are about to agree.
    pub fn resume(
        &self,
        side: Side,
        token: &[u8; 16],
        last_received: u64,
        reloaded: bool,
        outbox: Outbox,
    ) -> Result<Resumed, ResumeError> {
        let mut state = self.lock();
        if matches!(state.phase, Phase::Ended(_)) {
            return Err(ResumeError::NoSuchParticipant);
        }
        let other_present =
            Self::peer(&mut state, side.other()).is_some_and(|p| p.outbox.is_some());
        let peer = Self::peer(&mut state, side).ok_or(ResumeError::NoSuchParticipant)?;
        if !constant_time_eq(&peer.token_hash, &crate::cluster::token_hash(token)) {
            return Err(ResumeError::BadToken);
        }
        peer.leaving = false;
        // Taken over from another node: nothing this side sent before can be vouched for.
        let restored = std::mem::take(&mut peer.restored);
        if let Some(old) = peer.outbox.replace(outbox.clone()) {
            let _ = old.try_send(Outgoing::close(1000, "resumed on another connection"));
        }
        let lost = if reloaded {
            peer.restart();
            false
        } else {
            peer.acknowledged(last_received);
            restored || peer.lost_after(last_received)
        };
        let notice = RelayMsg::Resumed {
            // After a takeover: "resend nothing" (what the old node had is unknown; the gap
            // is announced and the agent starts again from a fresh snapshot).
            last_received: if restored && !reloaded {
                u64::MAX
            } else {
                peer.last_from
            },
            lost,
            peer_present: other_present,
        };
        let _ = outbox.try_send(control(self.routing, notice));
        if !reloaded {
            peer.replay(last_received);
        }
        if let Some(other) = Self::peer(&mut state, side.other()) {
            if reloaded {
                other.restart();
                // Only the agent answers a new page's exchange (which lifts this): a customer
                // never does, and the console never resumes as reloaded.
                other.stale_keys = side == Side::Customer;
            }
            if let Some(o) = &other.outbox {
                let notice = if reloaded {
                    RelayMsg::PeerReloaded
                } else {
                    RelayMsg::PeerBack
                };
                let _ = o.try_send(control(self.routing, notice));
            }
        }
        Ok(Resumed { lost })
    }
}
