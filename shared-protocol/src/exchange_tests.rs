//! Both sides' exchanges against each other, natively: matching and mismatching codes, stale
//! and hostile messages, page loads that re-key, and any order of delivery.

use proptest::prelude::*;

use super::*;
use crate::{Delivery, MAX_VERIFY_FAILURES};

const SESSION: [u8; 16] = [5; 16];

struct Pair {
    customer: Keys,
    agent: Keys,
    customer_secret: u16,
    agent_secret: u16,
}

impl Pair {
    fn new(customer_secret: u16, agent_secret: u16) -> Self {
        Self {
            customer: Keys::new(Role::Customer, KeyGuard::default()),
            agent: Keys::new(Role::Agent, KeyGuard::default()),
            customer_secret,
            agent_secret,
        }
    }

    fn deliver_to_agent(&mut self, key: KeyExchange) -> Step {
        self.agent.on_key(self.agent_secret, SESSION, key)
    }

    fn deliver_to_customer(&mut self, key: KeyExchange) -> Step {
        self.customer.on_key(self.customer_secret, SESSION, key)
    }

    /// The rest of an exchange once the agent answered with `answer`, delivered in order: the
    /// customer derives, checks the agent's confirmation and confirms back; both verified.
    fn complete(&mut self, answer: Step) {
        let [spake, agent_confirm] = <[KeyExchange; 2]>::try_from(answer.send).unwrap();
        assert_eq!(self.deliver_to_customer(spake).outcome, Outcome::Pending);
        let mut verified = self.deliver_to_customer(agent_confirm);
        assert_eq!(verified.outcome, Outcome::Verified);
        let confirm = verified.send.remove(0);
        assert_eq!(self.deliver_to_agent(confirm).outcome, Outcome::Verified);
    }

    /// A whole exchange, every message delivered once in order: both sides' last outcomes.
    fn run(&mut self, exchange: u64) -> (Outcome, Outcome) {
        let start = self.customer.start(self.customer_secret, SESSION, exchange);
        if start.outcome != Outcome::Pending {
            return (start.outcome, Outcome::Ignored);
        }
        let answer = self.deliver_to_agent(start.send[0].clone());
        let [spake, agent_confirm] = <[KeyExchange; 2]>::try_from(answer.send).unwrap();
        let derived = self.deliver_to_customer(spake);
        assert_eq!(
            derived,
            Step::just(Outcome::Pending),
            "nothing sent before checking"
        );
        let mut customer_done = self.deliver_to_customer(agent_confirm);
        match customer_done.send.pop() {
            Some(confirm) => {
                let agent_done = self.deliver_to_agent(confirm);
                (customer_done.outcome, agent_done.outcome)
            }
            // The customer's browser tells the relay, which removes the agent: the console
            // learns it from the relay, not from its own keys.
            None => (customer_done.outcome, Outcome::Pending),
        }
    }
}

fn channels_work(a: &mut Keys, b: &mut Keys) {
    let sealed = a
        .channel()
        .unwrap()
        .sealer
        .seal(1, Delivery::Reliable, 1, b"page");
    let opened = b
        .channel_mut()
        .unwrap()
        .opener
        .open(1, Delivery::Reliable, 1, &sealed);
    assert_eq!(opened.unwrap(), b"page");
}

#[test]
fn the_same_code_verifies_both_sides_and_their_channel_works() {
    let mut p = Pair::new(1234, 1234);
    assert_eq!(p.run(1), (Outcome::Verified, Outcome::Verified));
    channels_work(&mut p.customer, &mut p.agent);
    channels_work(&mut p.agent, &mut p.customer);
    assert_eq!(p.customer.guard().failures(), 0);
    // A page load: a new exchange, proven by the first one's rekey key, verifies again.
    assert_eq!(p.run(2), (Outcome::Verified, Outcome::Verified));
    channels_work(&mut p.customer, &mut p.agent);
}

#[test]
fn another_code_fails_counts_and_ends_the_session_at_the_limit() {
    let mut p = Pair::new(1234, 4321);
    for round in 1..=MAX_VERIFY_FAILURES {
        let expected = if round == MAX_VERIFY_FAILURES {
            Outcome::Exhausted
        } else {
            Outcome::Failed
        };
        assert_eq!(
            p.run(round as u64),
            (expected, Outcome::Pending),
            "round {round}"
        );
        assert!(p.customer.is_idle());
        assert_eq!(p.agent.guard().failures(), round, "the agent counts too");
        p.agent.reset();
    }
    let after = p.customer.start(1234, SESSION, 99);
    assert_eq!(after, Step::just(Outcome::Exhausted), "no guess more");
}

#[test]
fn stale_and_hostile_messages_change_nothing() {
    let mut p = Pair::new(1234, 1234);
    // Nothing under way: the customer never answers an exchange it did not start.
    let forged = KeyExchange::Spake {
        exchange: 7,
        message: vec![1; 33],
        proof: vec![],
    };
    assert_eq!(
        p.deliver_to_customer(forged.clone()).outcome,
        Outcome::Ignored
    );
    let start = p.customer.start(1234, SESSION, 1);
    let answer = p.deliver_to_agent(start.send[0].clone());
    // A confirmation of another exchange, and the agent's message again under another id.
    let stale = KeyExchange::Confirm {
        exchange: 9,
        mac: vec![0; 32],
    };
    assert_eq!(p.deliver_to_customer(stale).outcome, Outcome::Ignored);
    assert_eq!(p.deliver_to_customer(forged).outcome, Outcome::Ignored);
    // The real exchange still completes.
    p.complete(answer);
    // Once verified, an exchange without the rekey proof (the relay posing as a reloaded
    // page) is refused before the agent gives a guess away; its channel stays.
    let mut impostor = Keys::new(Role::Customer, KeyGuard::default());
    let fake = impostor.start(1234, SESSION, 3).send.remove(0);
    assert_eq!(p.deliver_to_agent(fake), Step::just(Outcome::Failed));
    channels_work(&mut p.customer, &mut p.agent);
}

/// One delivery of a message between the two sides.
#[derive(Debug, Clone)]
enum Event {
    /// The customer starts a new exchange (a page load).
    Start,
    /// The `n`-th message in flight is delivered (and stays in flight if `again`).
    Deliver { n: usize, again: bool },
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let event = prop_oneof![
        1 => Just(Event::Start),
        4 => (0usize..6, any::<bool>()).prop_map(|(n, again)| Event::Deliver { n, again }),
    ];
    proptest::collection::vec(event, 1..40)
}

/// A clean exchange after whatever came before verifies both sides and their channel works,
/// whatever page loads and losses came first: in particular a page load between the customer's
/// confirmation and the agent's receipt of it (the agent is left pending; the next exchange's
/// proof confirms it).
fn clean_exchange(p: &mut Pair, exchange: u64) -> Result<(), TestCaseError> {
    let start = p.customer.start(1234, SESSION, exchange);
    let answer = p.deliver_to_agent(start.send[0].clone());
    prop_assert_eq!(answer.outcome, Outcome::Pending, "the agent admits it");
    let [spake, agent_confirm] = <[KeyExchange; 2]>::try_from(answer.send).unwrap();
    prop_assert_eq!(p.deliver_to_customer(spake).outcome, Outcome::Pending);
    let mut customer = p.deliver_to_customer(agent_confirm);
    prop_assert_eq!(customer.outcome, Outcome::Verified);
    let agent = p.deliver_to_agent(customer.send.remove(0)).outcome;
    prop_assert_eq!(agent, Outcome::Verified);
    channels_work(&mut p.customer, &mut p.agent);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Page loads and messages delivered in any order, dropped or twice (a relay may do all
    /// of it): nothing panics, a side gives away at most one guess per exchange it confirmed
    /// in or refused, and a clean exchange afterwards verifies both sides, whose channel then
    /// works.
    #[test]
    fn any_order_of_rekeys_and_deliveries_is_safe(events in events()) {
        let mut p = Pair::new(1234, 1234);
        let mut exchange = 0;
        let (mut customer_confirms, mut agent_confirms) = (0u8, 0u8);
        // (to the agent?, message)
        let mut in_flight: Vec<(bool, KeyExchange)> = Vec::new();
        for event in events {
            let (to_agent, step, spake) = match event {
                Event::Start => {
                    exchange += 1;
                    (false, p.customer.start(1234, SESSION, exchange), false)
                }
                Event::Deliver { n, again } => {
                    if in_flight.is_empty() {
                        continue;
                    }
                    let n = n % in_flight.len();
                    let (to_agent, key) = match again {
                        true => in_flight[n].clone(),
                        false => in_flight.remove(n),
                    };
                    let spake = matches!(key, KeyExchange::Spake { .. });
                    let step = match to_agent {
                        true => p.deliver_to_agent(key),
                        false => p.deliver_to_customer(key),
                    };
                    (to_agent, step, spake)
                }
            };
            // The agent gives a guess away with each confirmation it sends; the customer with
            // each answer it takes up (it confirms back only to a checked one); a refused
            // exchange counts on either side.
            let refused = step.send.is_empty()
                && matches!(step.outcome, Outcome::Failed | Outcome::Exhausted);
            match to_agent {
                true => {
                    let confirms = step
                        .send
                        .iter()
                        .filter(|k| matches!(k, KeyExchange::Confirm { .. }))
                        .count();
                    agent_confirms += (confirms + usize::from(refused)) as u8;
                }
                false => customer_confirms += u8::from(spake && step.outcome != Outcome::Ignored),
            }
            // What the agent sends goes to the customer and back.
            in_flight.extend(step.send.into_iter().map(|k| (!to_agent, k)));
        }
        prop_assert!(p.customer.guard().failures() <= customer_confirms);
        prop_assert!(p.agent.guard().failures() <= agent_confirms);
        if !p.customer.guard().exhausted() && !p.agent.guard().exhausted() {
            prop_assert!(clean_exchange(&mut p, exchange + 1).is_ok());
        }
    }
}

#[test]
fn a_page_load_before_the_agent_has_the_customers_confirmation_keys_again() {
    let mut p = Pair::new(1234, 1234);
    let start = p.customer.start(1234, SESSION, 1);
    let answer = p.deliver_to_agent(start.send[0].clone());
    let [spake, agent_confirm] = <[KeyExchange; 2]>::try_from(answer.send).unwrap();
    p.deliver_to_customer(spake);
    let verified = p.deliver_to_customer(agent_confirm);
    assert_eq!(verified.outcome, Outcome::Verified);
    // The page unloads with the customer's confirmation still on its way (lost); the next
    // page starts over from what the first one saved.
    let (failures, rekey) = p.customer.guard().saved();
    assert_eq!((failures, rekey.is_some()), (0, true), "saved verified");
    p.customer = Keys::new(Role::Customer, KeyGuard::restore(failures, rekey));
    p.agent.reset();
    assert_eq!(p.run(2), (Outcome::Verified, Outcome::Verified));
    assert_eq!(
        p.agent.guard().failures(),
        0,
        "the first exchange confirmed too"
    );
    channels_work(&mut p.customer, &mut p.agent);
}

#[test]
fn a_replayed_exchange_is_answered_once_and_costs_nothing() {
    let mut p = Pair::new(1234, 1234);
    assert_eq!(p.run(1), (Outcome::Verified, Outcome::Verified));
    // A page load, whose message (proven with the rekey key) the relay delivers twice.
    let start = p.customer.start(1234, SESSION, 2);
    let answer = p.deliver_to_agent(start.send[0].clone());
    assert_eq!(answer.outcome, Outcome::Pending);
    let failures = p.agent.guard().failures();
    assert_eq!(
        p.deliver_to_agent(start.send[0].clone()),
        Step::just(Outcome::Ignored)
    );
    assert_eq!(
        p.agent.guard().failures(),
        failures,
        "the replay cost nothing"
    );
    // The first answer still confirms, on both sides.
    p.complete(answer);
    channels_work(&mut p.customer, &mut p.agent);
}
