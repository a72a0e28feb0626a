//! The 9-digit join code the customer reads to the agent, shown as `123 456 789`.
//!
//! The first [`ROUTING_DIGITS`] digits are the routing part: the relay allocates it, unique among
//! live sessions, and uses it to find the session. The last [`SECRET_DIGITS`] digits are the
//! secret part: made in the customer's browser, never sent to the relay, and used by the two
//! browsers to agree on keys.

use core::fmt;

pub const ROUTING_DIGITS: u32 = 5;
pub const SECRET_DIGITS: u32 = 4;
/// Exclusive upper bound of the routing part.
pub const ROUTING_SPACE: u32 = 10u32.pow(ROUTING_DIGITS);
/// Exclusive upper bound of the secret part.
pub const SECRET_SPACE: u16 = 10u16.pow(SECRET_DIGITS);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JoinCode {
    pub routing: u32,
    pub secret: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a join code has 9 digits; this one has {0}")]
    WrongLength(usize),
    #[error("a join code has only digits (spaces and dashes are ignored)")]
    NotDigits,
}

impl JoinCode {
    /// Builds a code from its parts; `None` when a part is out of range.
    pub fn new(routing: u32, secret: u16) -> Option<Self> {
        (routing < ROUTING_SPACE && secret < SECRET_SPACE).then_some(Self { routing, secret })
    }

    /// Parses what an agent typed: 9 digits, with any spaces or dashes between them.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let mut digits = [0u32; 9];
        let mut n = 0usize;
        for c in input.chars() {
            match c {
                ' ' | '-' | '\u{a0}' => continue,
                '0'..='9' => {
                    if n < digits.len() {
                        digits[n] = c as u32 - '0' as u32;
                    }
                    n += 1;
                }
                _ => return Err(CodeError::NotDigits),
            }
        }
        if n != digits.len() {
            return Err(CodeError::WrongLength(n));
        }
        let value = |range: &[u32]| range.iter().fold(0u32, |acc, d| acc * 10 + d);
        let split = ROUTING_DIGITS as usize;
        Ok(Self {
            routing: value(&digits[..split]),
            secret: value(&digits[split..]) as u16,
        })
    }

    /// The 9 digits without separators.
    pub fn digits(&self) -> String {
        format!("{:05}{:04}", self.routing, self.secret)
    }
}

/// Shown as three groups of three digits: `123 456 789`.
impl fmt::Display for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{} {} {}", &d[0..3], &d[3..6], &d[6..9])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_in_groups_of_three_and_parses_back() {
        let code = JoinCode::new(1234, 56).unwrap();
        assert_eq!(code.to_string(), "012 340 056");
        assert_eq!(JoinCode::parse("012 340 056").unwrap(), code);
        assert_eq!(JoinCode::parse("012-340-056").unwrap(), code);
        assert_eq!(JoinCode::parse("012340056").unwrap(), code);
    }

    #[test]
    fn rejects_wrong_input_with_a_reason() {
        assert_eq!(JoinCode::parse("12345678"), Err(CodeError::WrongLength(8)));
        assert_eq!(
            JoinCode::parse("1234567890"),
            Err(CodeError::WrongLength(10))
        );
        assert_eq!(JoinCode::parse("12345678x"), Err(CodeError::NotDigits));
        assert_eq!(JoinCode::parse(""), Err(CodeError::WrongLength(0)));
    }

    #[test]
    fn parts_out_of_range_are_refused() {
        assert!(JoinCode::new(ROUTING_SPACE, 0).is_none());
        assert!(JoinCode::new(0, SECRET_SPACE).is_none());
        assert!(JoinCode::new(ROUTING_SPACE - 1, SECRET_SPACE - 1).is_some());
    }

    proptest::proptest! {
        #[test]
        fn every_code_round_trips(routing in 0..ROUTING_SPACE, secret in 0..SECRET_SPACE) {
            let code = JoinCode::new(routing, secret).unwrap();
            proptest::prop_assert_eq!(JoinCode::parse(&code.to_string()).unwrap(), code);
        }
    }
}
