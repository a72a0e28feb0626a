//! The last line of defence: text that looks like a payment card number (Luhn-valid), a US
//! social security number or a bearer token is masked on its way out even when no rule asked
//! for it, and counted so the integrator learns what the site forgot to mark.
//!
//! Hand-written scanners rather than a regex engine: this runs on every text and attribute
//! that leaves the page, and a regex crate would double the customer bundle.

use std::cell::Cell;
use std::rc::Rc;

use shared_protocol::AutoMaskedCounts;

use super::masking::BULLET;

/// What the last line of defence masked in one session, for the relay's metrics: the session
/// owns it, every [`super::Policy`] built for the session counts into a clone of it, and the
/// session takes the counts after each flush.
#[derive(Debug, Clone, Default)]
pub struct AutoMaskedTally(Rc<Cell<AutoMaskedCounts>>);

impl AutoMaskedTally {
    pub fn add(&self, found: AutoMaskedCounts) {
        let mut all = self.0.get();
        all.card_numbers += found.card_numbers;
        all.ssns += found.ssns;
        all.bearer_tokens += found.bearer_tokens;
        self.0.set(all);
    }

    /// What was counted since the last call.
    pub fn take(&self) -> AutoMaskedCounts {
        self.0.replace(AutoMaskedCounts::default())
    }
}

/// Card numbers have 13 to 19 digits.
const CARD_DIGITS: std::ops::RangeInclusive<usize> = 13..=19;
/// Shorter "tokens" after `Bearer ` are words, not credentials.
const MIN_TOKEN_LEN: usize = 16;

/// `text` with everything that looks secret masked, and what was found; `None` (no copy) when
/// nothing was, which is nearly always.
pub fn scrub(text: &str) -> Option<(String, AutoMaskedCounts)> {
    if !worth_scanning(text) {
        return None;
    }
    let mut chars: Vec<char> = text.chars().collect();
    let found = AutoMaskedCounts {
        card_numbers: mask_card_numbers(&mut chars),
        ssns: mask_ssns(&mut chars),
        bearer_tokens: mask_tokens(&mut chars),
    };
    (!found.is_zero()).then(|| (chars.into_iter().collect(), found))
}

/// A quick look that rules out nearly all text: a card or SSN needs 9+ digits; a token needs
/// `bearer` or a JWT's `eyJ`.
fn worth_scanning(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    digits >= 9 || text.contains("eyJ") || contains_ignore_case(text, "bearer")
}

fn contains_ignore_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// Runs of 13–19 digits, single spaces or dashes allowed between them, that pass the Luhn
/// check and are not part of a longer number.
fn mask_card_numbers(chars: &mut [char]) -> u32 {
    let mut count = 0;
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && continues_number(chars, i - 1, -1)) {
            i += 1;
            continue;
        }
        // The digit run from i, with positions of its digits.
        let mut digits = Vec::new();
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits.push(j);
                j += 1;
            } else if matches!(chars[j], ' ' | '-')
                && j + 1 < chars.len()
                && chars[j + 1].is_ascii_digit()
                && chars[j - 1].is_ascii_digit()
            {
                j += 1;
            } else {
                break;
            }
        }
        let followed_by_number = j < chars.len() && continues_number(chars, j, 1);
        if CARD_DIGITS.contains(&digits.len()) && !followed_by_number && luhn(chars, &digits) {
            for &d in &digits {
                chars[d] = BULLET;
            }
            count += 1;
        }
        i = j.max(i + 1);
    }
    count
}

/// Whether `chars[at]`, next to a digit run, makes that run part of a longer number: a digit,
/// or a decimal or thousands separator with a digit beyond it (`step` points away from the run).
fn continues_number(chars: &[char], at: usize, step: isize) -> bool {
    let c = chars[at];
    if c.is_ascii_digit() {
        return true;
    }
    let beyond = at.checked_add_signed(step).and_then(|b| chars.get(b));
    matches!(c, '.' | ',') && beyond.is_some_and(|b| b.is_ascii_digit())
}

fn luhn(chars: &[char], digits: &[usize]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &at)| {
            let d = chars[at].to_digit(10).unwrap_or(0);
            if k % 2 == 1 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// `ddd-dd-dddd`, not inside a longer run of digits and dashes.
fn mask_ssns(chars: &mut [char]) -> u32 {
    const SHAPE: &[bool] = &[
        true, true, true, false, true, true, false, true, true, true, true,
    ];
    let mut count = 0;
    let mut i = 0;
    while i + SHAPE.len() <= chars.len() {
        let fits = SHAPE.iter().enumerate().all(|(k, &digit)| {
            let c = chars[i + k];
            if digit {
                c.is_ascii_digit()
            } else {
                c == '-'
            }
        });
        let edge = |c: Option<&char>| c.is_none_or(|c| !c.is_ascii_digit() && *c != '-');
        if fits && edge(i.checked_sub(1).and_then(|p| chars.get(p))) && edge(chars.get(i + 11)) {
            for (k, &digit) in SHAPE.iter().enumerate() {
                if digit {
                    chars[i + k] = BULLET;
                }
            }
            count += 1;
            i += SHAPE.len();
        } else {
            i += 1;
        }
    }
    count
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=')
}

/// `Bearer <token>` (any case) and JSON Web Tokens (`eyJ….….…`) anywhere.
fn mask_tokens(chars: &mut [char]) -> u32 {
    let mut count = 0;
    let mut i = 0;
    while i < chars.len() {
        let after_bearer = starts_with_ignore_case(&chars[i..], "bearer")
            && chars.get(i + 6).is_some_and(|c| c.is_whitespace())
            && (i == 0 || !chars[i - 1].is_alphanumeric());
        let (start, is_candidate) = if after_bearer {
            let mut s = i + 6;
            while chars.get(s).is_some_and(|c| c.is_whitespace()) {
                s += 1;
            }
            (s, true)
        } else {
            let jwt = chars[i..].starts_with(&['e', 'y', 'J'])
                && (i == 0
                    || !(chars[i - 1].is_ascii_alphanumeric() || "-_.".contains(chars[i - 1])));
            (i, jwt)
        };
        if !is_candidate {
            i += 1;
            continue;
        }
        let mut end = start;
        while end < chars.len() && is_token_char(chars[end]) {
            end += 1;
        }
        let token = &chars[start..end];
        let dots = token.iter().filter(|c| **c == '.').count();
        let qualifies = token.len() >= MIN_TOKEN_LEN && (after_bearer || dots == 2);
        if qualifies {
            for c in &mut chars[start..end] {
                *c = BULLET;
            }
            count += 1;
            i = end;
        } else {
            i += 1;
        }
    }
    count
}

fn starts_with_ignore_case(chars: &[char], word: &str) -> bool {
    chars.len() >= word.len()
        && chars
            .iter()
            .zip(word.chars())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        scrub(text).map_or_else(|| text.to_string(), |(t, _)| t)
    }

    #[test]
    fn luhn_valid_card_numbers_are_masked_however_grouped() {
        assert_eq!(
            masked("card 4111111111111111 ok"),
            "card •••••••••••••••• ok"
        );
        assert_eq!(masked("4111 1111 1111 1111"), "•••• •••• •••• ••••");
        assert_eq!(masked("5500-0000-0000-0004."), "••••-••••-••••-••••.");
        let (_, found) = scrub("a 4111111111111111 b 378282246310005").unwrap();
        assert_eq!(found.card_numbers, 2);
    }

    #[test]
    fn numbers_that_are_not_cards_stay() {
        // Fails the Luhn check.
        assert_eq!(masked("order 4111111111111112"), "order 4111111111111112");
        // Too short, too long, or part of a decimal number.
        assert_eq!(masked("123456789012"), "123456789012");
        assert_eq!(masked("41111111111111110000000"), "41111111111111110000000");
        assert_eq!(masked("1.4111111111111111"), "1.4111111111111111");
        assert!(scrub("Total: 1,234.56 for 3 items on 2026-11-21").is_none());
    }

    #[test]
    fn ssns_are_masked_only_in_their_exact_shape() {
        assert_eq!(masked("SSN: 078-05-1120."), "SSN: •••-••-••••.");
        assert_eq!(masked("tel 1-078-05-1120"), "tel 1-078-05-1120");
        assert_eq!(masked("0780-05-1120"), "0780-05-1120");
        assert_eq!(scrub("078-05-1120 and 123-45-6789").unwrap().1.ssns, 2);
    }

    #[test]
    fn bearer_tokens_and_jwts_are_masked() {
        assert_eq!(
            masked("Authorization: Bearer abcDEF0123456789xyz"),
            "Authorization: Bearer •••••••••••••••••••"
        );
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZw";
        let (text, found) = scrub(&format!("token={jwt}")).unwrap();
        assert!(!text.contains("eyJ"), "{text}");
        assert_eq!(found.bearer_tokens, 1);
        // Ordinary words stay.
        assert!(scrub("the bearer of good news").is_none());
        assert!(scrub("Bearer short").is_none());
    }

    #[test]
    fn text_without_digits_or_tokens_is_not_copied() {
        assert!(scrub("Hello, world").is_none());
        assert!(scrub("").is_none());
        assert!(scrub("日本語のテキスト 12345").is_none());
    }
}
