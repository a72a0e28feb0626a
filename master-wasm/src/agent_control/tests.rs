//! Tests of the mode and consent state machine: the customer's yes, denials and their interval, consent kept across pages, either side going back to pointer mode.

use super::*;

const YES: [u8; 16] = [7; 16];
const EVERY_30S: f64 = DEFAULT_REQUEST_INTERVAL_MS;

#[test]
fn write_mode_needs_the_customers_yes() {
    let mut c = Control::default();
    assert_eq!(c.permits_actions(), Err(Refusal::PointerMode));
    assert_eq!(c.request(true, EVERY_30S, 0.0), Step::Ask);
    assert_eq!(
        c.request(true, EVERY_30S, 1.0),
        Step::Nothing,
        "one question at a time"
    );
    assert_eq!(
        c.permits_actions(),
        Err(Refusal::PointerMode),
        "asking is not yes"
    );
    assert_eq!(
        c.answer(true, YES, 2.0),
        Step::Tell {
            changed: true,
            cause: ModeCause::Approved
        }
    );
    assert_eq!(c.permits_actions(), Ok(()));
    assert_eq!(c.consent(), Some(YES));
    assert_eq!(
        c.answer(true, YES, 3.0),
        Step::Nothing,
        "no answer without a question"
    );
}

#[test]
fn after_a_denial_requests_wait_the_interval_and_each_is_told() {
    let mut c = Control::default();
    c.request(true, EVERY_30S, 0.0);
    c.answer(false, YES, 1_000.0);
    let too_soon = Step::Tell {
        changed: false,
        cause: ModeCause::TooSoon,
    };
    assert_eq!(c.request(true, EVERY_30S, 1_001.0), too_soon);
    assert_eq!(c.request(true, EVERY_30S, 30_999.0), too_soon);
    assert!(!c.asking, "the customer is not asked again");
    assert_eq!(c.request(true, EVERY_30S, 31_000.0), Step::Ask);
    assert_eq!(c.consent(), None, "a denial keeps no consent");
}

#[test]
fn a_new_page_resumes_write_mode_only_on_the_consent_it_kept() {
    // Nothing kept (or a page script's invention the console never got): pointer mode.
    let mut c = Control::new(None);
    assert_eq!(c.resume(&YES), Err(Refusal::PointerMode));
    let mut c = Control::new(Some(YES));
    assert_eq!(
        c.mode,
        Mode::Pointer,
        "no write mode before the console shows it"
    );
    assert_eq!(c.resume(&[8; 16]), Err(Refusal::PointerMode));
    assert_eq!(c.mode, Mode::Pointer);
    assert_eq!(
        c.resume(&YES),
        Ok(Step::Tell {
            changed: false,
            cause: ModeCause::Current
        })
    );
    assert_eq!(c.permits_actions(), Ok(()));
    // Stopped: the consent is gone, on this page and the next.
    c.stop(ModeCause::CustomerStopped);
    assert_eq!(c.consent(), None);
    assert_eq!(c.resume(&YES), Err(Refusal::PointerMode));
}

#[test]
fn a_denied_or_disallowed_request_stays_in_pointer_mode() {
    let mut c = Control::default();
    c.request(true, EVERY_30S, 0.0);
    assert_eq!(
        c.answer(false, YES, 1.0),
        Step::Tell {
            changed: false,
            cause: ModeCause::Denied
        }
    );
    assert_eq!(c.mode, Mode::Pointer);
    assert_eq!(
        c.request(false, EVERY_30S, 2.0),
        Step::Tell {
            changed: false,
            cause: ModeCause::NotAllowed
        }
    );
    assert!(!c.asking);
}

#[test]
fn either_side_goes_back_to_pointer_mode() {
    let mut c = Control::new(Some(YES));
    c.resume(&YES).unwrap();
    assert_eq!(
        c.stop(ModeCause::CustomerStopped),
        Step::Tell {
            changed: true,
            cause: ModeCause::CustomerStopped
        }
    );
    assert_eq!(c.stop(ModeCause::AgentStopped), Step::Nothing);
    c.request(true, EVERY_30S, 0.0);
    assert_eq!(
        c.stop(ModeCause::AgentStopped),
        Step::Tell {
            changed: false,
            cause: ModeCause::AgentStopped
        },
        "a withdrawn question is told"
    );
    assert_eq!(
        c.answer(true, YES, 1.0),
        Step::Nothing,
        "a late yes to a withdrawn question"
    );
    assert_eq!(c.mode, Mode::Pointer);
}
