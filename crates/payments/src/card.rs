//! Card numbers as the hosted page receives them. A [`CardNumber`] is always digits that pass
//! the Luhn check, never prints itself (Debug and Display show only the last four digits) and
//! cannot be serialised, so it cannot end up in a log line or a database row by accident.

use std::fmt;

/// The card schemes the brand is recognised for, by their number ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardBrand {
    /// Visa (4…).
    Visa,
    /// Mastercard (51-55, 2221-2720).
    Mastercard,
    /// American Express (34, 37).
    Amex,
    /// Maestro (50, 56-69).
    Maestro,
    /// Anything else that passes Luhn.
    Unknown,
}

impl CardBrand {
    /// The brand as Pay shows it in `card_details.card_brand`.
    pub fn label(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::Amex => "American Express",
            CardBrand::Maestro => "Maestro",
            CardBrand::Unknown => "Unknown",
        }
    }
}

/// A card number that passed the Luhn check. Never stored, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

impl CardNumber {
    /// Parses what a citizen typed: spaces and hyphens are ignored; 12-19 digits passing Luhn.
    pub fn parse(input: &str) -> Option<CardNumber> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        luhn(&digits).then_some(CardNumber(digits))
    }

    /// The digits, for handing to a card provider only.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The last four digits, which may be stored and shown.
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The scheme, from the number's leading digits.
    pub fn brand(&self) -> CardBrand {
        let two: u32 = self.0[..2].parse().unwrap_or(0);
        let four: u32 = self.0[..4].parse().unwrap_or(0);
        match () {
            _ if self.0.starts_with('4') => CardBrand::Visa,
            _ if (51..=55).contains(&two) || (2221..=2720).contains(&four) => CardBrand::Mastercard,
            _ if two == 34 || two == 37 => CardBrand::Amex,
            _ if two == 50 || (56..=69).contains(&two) => CardBrand::Maestro,
            _ => CardBrand::Unknown,
        }
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(****{})", self.last_four())
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "****{}", self.last_four())
    }
}

/// The Luhn (mod 10) check every card number passes.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_pays_test_cards_and_refuses_a_changed_digit() {
        for n in ["4444333322221111", "4000000000000002", "4000000000000069", "4000000000000119", "5101180000000007"] {
            assert!(CardNumber::parse(n).is_some(), "{n}");
        }
        assert!(CardNumber::parse("4444333322221112").is_none());
        assert!(CardNumber::parse("4444 3333 2222 1111").is_some());
        assert!(CardNumber::parse("abcd").is_none());
    }

    #[test]
    fn a_card_number_never_prints_more_than_its_last_four_digits() {
        let n = CardNumber::parse("4444333322221111").expect("valid");
        assert_eq!(format!("{n:?} {n}"), "CardNumber(****1111) ****1111");
        assert_eq!(n.brand(), CardBrand::Visa);
        assert_eq!(CardNumber::parse("5101180000000007").map(|c| c.brand()), Some(CardBrand::Mastercard));
    }
}
