//! Compression before sealing as a length oracle (CRIME): a relay that sees frame lengths and
//! can put text of its choice on the customer's page beside a secret the agent may see (an
//! IBAN, a name) guesses the secret's next character; a right guess repeats more of the
//! secret, so the deflated payload can come out shorter. This measures, over every digit of a
//! secret, how often the right guess is the single shortest payload, as a relay would see it.

use shared_protocol::payload::{encode_payload, PAD_TO};

const SECRET: &str = "FR7630006000011234567890189";

/// A page as the customer module would capture it: markup and texts around the secret, and
/// the attacker's text (a reflected search term, a chat line) with `filler` bytes before it.
fn page(attacker: &str, filler: usize) -> Vec<String> {
    let mut texts: Vec<String> = (0..40)
        .map(|i| {
            format!(
                "<li class=\"movement\">Card payment {i} — {} EUR</li>",
                17 * i % 97
            )
        })
        .collect();
    texts.insert(12, format!("Account holder Jeanne Martin, IBAN {SECRET}"));
    texts.push(format!(
        "You searched for: {}IBAN {attacker}",
        "~".repeat(filler)
    ));
    texts
}

/// For each position of the secret past its first 8 characters, the relay's guesses of the
/// next digit (the prefix known); true where the right one is the single shortest payload.
fn right_guess_stands_out(filler: usize) -> Vec<bool> {
    (8..SECRET.len())
        .map(|known| {
            let prefix = &SECRET[..known];
            let right = SECRET.as_bytes()[known] as char;
            let len =
                |guess: char| encode_payload(&page(&format!("{prefix}{guess}"), filler)).len();
            let right_len = len(right);
            ('0'..='9')
                .filter(|&g| g != right)
                .all(|wrong| len(wrong) > right_len)
        })
        .collect()
}

#[test]
fn a_single_guess_per_digit_tells_the_relay_nothing() {
    let hits = right_guess_stands_out(0);
    let found = hits.iter().filter(|&&h| h).count();
    eprintln!(
        "right guess is the single shortest payload at {found} of {} positions ({PAD_TO}-byte buckets)",
        hits.len()
    );
    assert!(
        found * 10 <= hits.len(),
        "the payload length tells the relay the next digit at {found} of {} positions",
        hits.len()
    );
}

/// What is left: an attacker that moves its text across a bucket edge, one filler byte at a
/// time, finds the edge where the right guess falls into the smaller bucket. Reported, not
/// judged: it costs ~PAD_TO times the page loads per character.
#[test]
fn an_attacker_sliding_across_bucket_edges_pays_per_byte() {
    let mut found_at = Vec::new();
    for filler in 0..PAD_TO {
        let hits = right_guess_stands_out(filler);
        if hits[0] {
            found_at.push(filler);
        }
    }
    eprintln!(
        "sliding the attacker's text: the first unknown digit stands out at {} of {PAD_TO} offsets",
        found_at.len()
    );
    assert!(found_at.len() < PAD_TO / 4);
}
