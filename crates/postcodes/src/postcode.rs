//! The [`Postcode`] value type: a UK postcode that is always well-formed and normalised.
//!
//! Parse, don't validate: [`Postcode::parse`] is the only way to get one, so any `Postcode` is a
//! real postcode *form* (whether it is live is the postcode register's business).
//!
//! Accepted forms (any case, with or without the space, extra spaces anywhere):
//! - the six geographic forms `A9 9AA`, `A99 9AA`, `AA9 9AA`, `AA99 9AA`, `A9A 9AA`, `AA9A 9AA`,
//!   with Royal Mail's letter rules (first letter never Q, V, X; second never I, J, Z; the letter
//!   in `A9A` one of ABCDEFGHJKPSTUW; in `AA9A` one of ABEHMNPRVWXY; inward letters never C, I,
//!   K, M, O, V). This covers Gibraltar's `GX11 1AA` and the BFPO geographic codes (`BF1 …`);
//! - `GIR 0AA` (the old Girobank code, still live);
//! - the overseas territories that use Royal Mail-style codes: `ASCN 1ZZ` (Ascension), `STHL 1ZZ`
//!   (St Helena), `TDCU 1ZZ` (Tristan da Cunha), `BBND 1ZZ` (British Indian Ocean Territory),
//!   `BIQQ 1ZZ` (British Antarctic Territory), `FIQQ 1ZZ` (Falklands), `SIQQ 1ZZ` (South Georgia),
//!   `PCRN 1ZZ` (Pitcairn), `TKCA 1ZZ` (Turks and Caicos);
//! - BFPO numbers, `BFPO 1` to `BFPO 9999`, kept in BFPO's own form.
//!
//! Not accepted: the territories with their own national schemes (Cayman `KY1-1001`, Bermuda
//! `HM 12`, Virgin Islands `VG1110`, Anguilla `AI-2640`, Montserrat `MSR 1110`): they are not UK
//! postcodes, and `KY1 1AA` already means Kirkcaldy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest normalised form: `BFPO 9999` (9 bytes).
const MAX: usize = 9;

/// Overseas territories' single codes, outward parts (all with inward `1ZZ`).
const OVERSEAS: [&str; 9] = ["ASCN", "STHL", "TDCU", "BBND", "BIQQ", "FIQQ", "SIQQ", "PCRN", "TKCA"];

/// A well-formed UK postcode, stored normalised (`SW1A 1AA`) in 11 bytes, so a map of every
/// postcode in the country can key on it directly.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode {
    /// Normalised text, upper case, one space between outward and inward, zero padded.
    text: [u8; MAX],
    /// Bytes used in `text`.
    len: u8,
    /// Length of the outward code (before the space).
    outward_len: u8,
}

/// Which family a postcode belongs to, because the parts mean different things in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostcodeKind {
    /// An ordinary postcode: area, district, sector, unit.
    Geographic,
    /// `GIR 0AA`.
    Girobank,
    /// An overseas territory's single code, such as `ASCN 1ZZ`.
    OverseasTerritory,
    /// A British Forces Post Office number, `BFPO 1234`.
    Bfpo,
}

/// Why some text is not a postcode; the message names the input and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a UK postcode: {reason}")]
pub struct PostcodeError {
    /// The text given, as given.
    pub input: String,
    /// The rule it broke.
    pub reason: &'static str,
}

impl Postcode {
    /// Parses any accepted form (see the module documentation) and normalises it.
    pub fn parse(input: &str) -> Result<Postcode, PostcodeError> {
        let fail = |reason| PostcodeError { input: input.to_owned(), reason };
        let mut compact = [0u8; MAX];
        let mut len = 0;
        for c in input.chars() {
            if c.is_whitespace() {
                continue;
            }
            if !c.is_ascii_alphanumeric() {
                return Err(fail("only letters, digits and spaces can appear in a postcode"));
            }
            if len == MAX - 1 {
                return Err(fail("too long (a postcode has at most 7 letters and digits, or BFPO and 4 digits)"));
            }
            compact[len] = c.to_ascii_uppercase() as u8;
            len += 1;
        }
        let s = &compact[..len];
        if s.is_empty() {
            return Err(fail("it is empty"));
        }
        if let Some(number) = s.strip_prefix(b"BFPO") {
            if number.is_empty() || number.len() > 4 || !number.iter().all(u8::is_ascii_digit) {
                return Err(fail("a BFPO number is BFPO followed by 1 to 4 digits"));
            }
            if number[0] == b'0' {
                return Err(fail("a BFPO number has no leading zero"));
            }
            return Ok(Postcode::from_parts(b"BFPO", number));
        }
        if len < 5 {
            return Err(fail("too short (a postcode has at least 5 letters and digits)"));
        }
        let (outward, inward) = s.split_at(len - 3);
        if !inward[0].is_ascii_digit() || !inward[1].is_ascii_alphabetic() || !inward[2].is_ascii_alphabetic() {
            return Err(fail("the inward code (last three characters) must be a digit and two letters"));
        }
        if outward == b"GIR" && inward == b"0AA" {
            return Ok(Postcode::from_parts(outward, inward));
        }
        if OVERSEAS.iter().any(|o| o.as_bytes() == outward) {
            if inward != b"1ZZ" {
                return Err(fail("an overseas territory's postcode ends 1ZZ"));
            }
            return Ok(Postcode::from_parts(outward, inward));
        }
        if inward[1..].iter().any(|c| b"CIKMOV".contains(c)) {
            return Err(fail("the inward code's letters are never C, I, K, M, O or V"));
        }
        check_outward(outward).map_err(fail)?;
        Ok(Postcode::from_parts(outward, inward))
    }

    /// Builds the normalised text from parts already checked.
    fn from_parts(outward: &[u8], inward: &[u8]) -> Postcode {
        let mut text = [0u8; MAX];
        text[..outward.len()].copy_from_slice(outward);
        text[outward.len()] = b' ';
        text[outward.len() + 1..outward.len() + 1 + inward.len()].copy_from_slice(inward);
        Postcode { text, len: (outward.len() + 1 + inward.len()) as u8, outward_len: outward.len() as u8 }
    }

    /// The normalised form, `SW1A 1AA`: upper case, one space.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes ever enter `text` (checked in `parse`), so this cannot fail.
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The form without the space, `SW1A1AA`, as used in URLs and some datasets.
    pub fn compact(&self) -> String {
        let mut s = String::with_capacity(MAX);
        s.push_str(self.outward());
        s.push_str(self.inward());
        s
    }

    /// The outward code (`SW1A`; `BFPO` for BFPO numbers): the part before the space.
    pub fn outward(&self) -> &str {
        &self.as_str()[..usize::from(self.outward_len)]
    }

    /// The inward code (`1AA`; the number for BFPO): the part after the space.
    pub fn inward(&self) -> &str {
        &self.as_str()[usize::from(self.outward_len) + 1..]
    }

    /// The postcode area, the leading letters (`SW`, `GIR`, `ASCN`, `BFPO`).
    pub fn area(&self) -> &str {
        let outward = self.outward();
        let letters = outward.bytes().take_while(u8::is_ascii_alphabetic).count();
        &outward[..letters]
    }

    /// The postcode district, which is the outward code (`SW1A`).
    pub fn district(&self) -> &str {
        self.outward()
    }

    /// The postcode sector, outward code and the inward digit (`SW1A 1`); for BFPO, the whole number.
    pub fn sector(&self) -> &str {
        match self.kind() {
            PostcodeKind::Bfpo => self.as_str(),
            _ => &self.as_str()[..usize::from(self.outward_len) + 2],
        }
    }

    /// Which family the postcode belongs to.
    pub fn kind(&self) -> PostcodeKind {
        match self.outward() {
            "BFPO" => PostcodeKind::Bfpo,
            "GIR" => PostcodeKind::Girobank,
            o if OVERSEAS.contains(&o) => PostcodeKind::OverseasTerritory,
            _ => PostcodeKind::Geographic,
        }
    }
}

/// Checks a geographic outward code (2 to 4 characters) against the six forms and letter rules.
fn check_outward(o: &[u8]) -> Result<(), &'static str> {
    const FORMS: &str = "the outward code must be one of A9, A99, AA9, AA99, A9A, AA9A";
    let alpha = |c: u8| c.is_ascii_alphabetic();
    let shape: String = o.iter().map(|&c| if alpha(c) { 'A' } else { '9' }).collect();
    if !matches!(shape.as_str(), "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A") {
        return Err(FORMS);
    }
    if b"QVX".contains(&o[0]) {
        return Err("a postcode never starts with Q, V or X");
    }
    if alpha(o[1]) && b"IJZ".contains(&o[1]) {
        return Err("a postcode's second letter is never I, J or Z");
    }
    match shape.as_str() {
        "A9A" if !b"ABCDEFGHJKPSTUW".contains(&o[2]) => {
            Err("in the A9A form the third character is one of ABCDEFGHJKPSTUW")
        }
        "AA9A" if !b"ABEHMNPRVWXY".contains(&o[3]) => {
            Err("in the AA9A form the fourth character is one of ABEHMNPRVWXY")
        }
        _ => Ok(()),
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Postcode({:?})", self.as_str())
    }
}

impl FromStr for Postcode {
    type Err = PostcodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Postcode::parse(s)
    }
}

impl TryFrom<&str> for Postcode {
    type Error = PostcodeError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Postcode::parse(s)
    }
}

impl AsRef<str> for Postcode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for Postcode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Postcode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Postcode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pc(s: &str) -> Postcode {
        Postcode::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn all_six_geographic_forms_parse_and_split_into_their_parts() {
        // (input, normalised, area, district, sector, inward)
        let cases = [
            ("M1 1AE", "M1 1AE", "M", "M1", "M1 1", "1AE"),
            ("B33 8TH", "B33 8TH", "B", "B33", "B33 8", "8TH"),
            ("CR2 6XH", "CR2 6XH", "CR", "CR2", "CR2 6", "6XH"),
            ("DN55 1PT", "DN55 1PT", "DN", "DN55", "DN55 1", "1PT"),
            ("W1A 0AX", "W1A 0AX", "W", "W1A", "W1A 0", "0AX"),
            ("EC1A 1BB", "EC1A 1BB", "EC", "EC1A", "EC1A 1", "1BB"),
        ];
        for (input, norm, area, district, sector, inward) in cases {
            let p = pc(input);
            assert_eq!(p.as_str(), norm);
            assert_eq!(p.area(), area);
            assert_eq!(p.district(), district);
            assert_eq!(p.outward(), district);
            assert_eq!(p.sector(), sector);
            assert_eq!(p.inward(), inward);
            assert_eq!(p.kind(), PostcodeKind::Geographic);
        }
    }

    #[test]
    fn case_and_spacing_do_not_matter() {
        for input in ["sw1a 1aa", "SW1A1AA", "  Sw1A   1aA ", "S W 1 A 1 A A", "sw1a\t1aa"] {
            assert_eq!(pc(input).as_str(), "SW1A 1AA", "{input}");
        }
        assert_eq!(pc("sw1a1aa").compact(), "SW1A1AA");
        assert_eq!(pc("sw1a1aa"), pc("SW1A 1AA"));
    }

    #[test]
    fn girobank_overseas_territories_gibraltar_and_bfpo_are_accepted() {
        assert_eq!(pc("gir0aa").as_str(), "GIR 0AA");
        assert_eq!(pc("GIR 0AA").kind(), PostcodeKind::Girobank);
        for o in OVERSEAS {
            let p = pc(&format!("{} 1zz", o.to_lowercase()));
            assert_eq!(p.as_str(), format!("{o} 1ZZ"));
            assert_eq!(p.area(), o);
            assert_eq!(p.kind(), PostcodeKind::OverseasTerritory);
        }
        assert_eq!(pc("GX111AA").as_str(), "GX11 1AA");
        let b = pc("bfpo 1234");
        assert_eq!((b.as_str(), b.area(), b.outward(), b.inward()), ("BFPO 1234", "BFPO", "BFPO", "1234"));
        assert_eq!(b.sector(), "BFPO 1234");
        assert_eq!(b.kind(), PostcodeKind::Bfpo);
        assert_eq!(pc("BFPO7").as_str(), "BFPO 7");
        assert_eq!(pc("BF1 3AD").kind(), PostcodeKind::Geographic);
    }

    #[test]
    fn malformed_text_is_rejected_with_the_rule_it_broke() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("SW1A-1AA", "only letters"),
            ("SW1A 1AAA", "inward"),
            ("SW1A1AAAA", "too long"),
            ("M1", "too short"),
            ("SW1A AAA", "inward"),
            ("SW1A 11A", "inward"),
            ("1W1A 1AA", "outward code must be"),
            ("SWAA 1AA", "outward code must be"),
            ("SW123 1AA", "outward code must be"),
            ("QA1 1AA", "never starts with Q"),
            ("AI1 1AA", "second letter"),
            ("W1I 0AX", "A9A form"),
            ("EC1C 1BB", "AA9A form"),
            ("SW1A 1CA", "never C, I, K"),
            ("ASCN 2ZZ", "1ZZ"),
            ("BFPO", "BFPO followed by"),
            ("BFPO 12345", "too long"),
            ("BFPO 1A", "BFPO followed by"),
            ("BFPO 0012", "leading zero"),
            ("KY1-1001", "only letters"),
            ("SW1A 1ÅA", "only letters"),
        ];
        for (input, reason) in cases {
            let e = Postcode::parse(input).expect_err(input);
            assert!(e.to_string().contains(reason), "{input}: {e}");
            assert_eq!(e.input, input);
        }
    }

    #[test]
    fn display_from_str_and_serde_use_the_normalised_string() {
        let p: Postcode = "ec1a1bb".parse().unwrap();
        assert_eq!(p.to_string(), "EC1A 1BB");
        assert_eq!(format!("{p:>10}"), "  EC1A 1BB");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"EC1A 1BB\"");
        let back: Postcode = serde_json::from_str("\"ec1a 1bb\"").unwrap();
        assert_eq!(back, p);
        assert!(serde_json::from_str::<Postcode>("\"nope\"").is_err());
    }

    #[test]
    fn postcodes_sort_by_their_normalised_text() {
        let mut v = [pc("SW1A 1AA"), pc("AB10 1AB"), pc("SW1A 0AA")];
        v.sort();
        assert_eq!(v.iter().map(Postcode::as_str).collect::<Vec<_>>(), ["AB10 1AB", "SW1A 0AA", "SW1A 1AA"]);
    }
}
