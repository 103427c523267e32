//! Vehicle registration numbers (VRMs) of Great Britain: the four formats DVLA has issued —
//! current (`AB12 CDE`, since September 2001), prefix (`A123 BCD`, 1983–2001), suffix
//! (`ABC 123D`, 1963–1983) and dateless (`ABC 123`, `1234 AB`, before 1963, and Northern
//! Ireland's) — parsed once into [`Registration`], which can only hold a well-formed number.

use std::fmt;
use std::str::FromStr;

/// Letters a current-format memory tag may start with (the DVLA regions; no I, J, Q, T, U, X, Z).
const REGION_LETTERS: &str = "ABCDEFGHKLMNOPRSVWY";
/// Letters the year letter of prefix and suffix plates uses (never I, O, Q, U or Z).
const YEAR_LETTERS: &str = "ABCDEFGHJKLMNPRSTVWXY";

/// Which scheme a registration number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationFormat {
    /// Two letters (memory tag), two digits (age identifier), three letters: `AB12 CDE`.
    Current,
    /// Year letter, 1–3 digits, three letters: `A123 BCD`.
    Prefix,
    /// Three letters, 1–3 digits, year letter: `ABC 123D`.
    Suffix,
    /// 1–3 letters and 1–4 digits in either order, no year: `ABC 123`, `1234 AB`.
    Dateless,
}

/// A well-formed registration number, held without spaces in capitals (`AB12CDE`), the form the
/// `vehicle` register keys by and DVLA's Vehicle Enquiry Service takes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Registration(String);

/// Why a registration number was refused; the message is fit to show to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a UK registration number: {reason}")]
pub struct RegistrationError {
    /// What was given.
    pub input: String,
    /// What is wrong with it, in plain words.
    pub reason: String,
}

impl Registration {
    /// Parses a registration number as people type it: any case, spaces and hyphens ignored.
    pub fn parse(input: &str) -> Result<Registration, RegistrationError> {
        let refuse = |reason: &str| RegistrationError { input: input.to_string(), reason: reason.to_string() };
        let compact: String =
            input.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if compact.is_empty() {
            return Err(refuse("it is empty"));
        }
        if !compact.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(refuse("use only letters and numbers"));
        }
        if compact.len() > 7 {
            return Err(refuse("it has more than 7 letters and numbers"));
        }
        if compact.starts_with('Q') {
            return Err(refuse("Q plates are temporary and not issued to a keeper"));
        }
        classify(&compact).map_err(|reason| refuse(&reason))?;
        Ok(Registration(compact))
    }

    /// The number without spaces (`AB12CDE`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which scheme the number belongs to.
    pub fn format(&self) -> RegistrationFormat {
        // Only well-formed numbers are ever held, so this cannot fail.
        classify(&self.0).unwrap_or(RegistrationFormat::Dateless)
    }

    /// The number as printed on a plate, with its one space (`AB12 CDE`, `A123 BCD`, `ABC 123D`).
    pub fn display(&self) -> String {
        let s = &self.0;
        let split = match self.format() {
            RegistrationFormat::Current => 4,
            RegistrationFormat::Prefix => s.len() - 3,
            RegistrationFormat::Suffix => 3,
            RegistrationFormat::Dateless => {
                let first_is_digit = s.as_bytes()[0].is_ascii_digit();
                s.bytes().position(|b| b.is_ascii_digit() != first_is_digit).unwrap_or(s.len())
            }
        };
        format!("{} {}", &s[..split], &s[split..])
    }
}

impl FromStr for Registration {
    type Err = RegistrationError;

    fn from_str(s: &str) -> Result<Registration, RegistrationError> {
        Registration::parse(s)
    }
}

impl fmt::Display for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits `s` into runs of letters and digits: `AB12CDE` → [`AB`, `12`, `CDE`].
fn runs(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = s.as_bytes();
    for i in 1..=b.len() {
        if i == b.len() || b[i].is_ascii_digit() != b[i - 1].is_ascii_digit() {
            out.push(&s[start..i]);
            start = i;
        }
    }
    out
}

fn is_letters(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_uppercase())
}

/// A number of 1 to `max` digits without a leading zero.
fn is_serial(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// Which format a compact, upper-case number is in, or why it fits none.
fn classify(s: &str) -> Result<RegistrationFormat, String> {
    let parts = runs(s);
    match parts.as_slice() {
        [tag, age, serial] if tag.len() == 2 && age.len() == 2 && serial.len() == 3 && is_letters(tag) => {
            current(tag, age, serial).map(|()| RegistrationFormat::Current)
        }
        [year, number, serial] if year.len() == 1 && is_letters(year) && is_letters(serial) && serial.len() == 3 => {
            if !YEAR_LETTERS.contains(*year) {
                return Err(format!("a prefix plate cannot start with the letter {year}"));
            }
            if !is_serial(number, 3) {
                return Err("a prefix plate has a number from 1 to 999 after its first letter".into());
            }
            no_i_or_q(serial, "the last three letters")?;
            Ok(RegistrationFormat::Prefix)
        }
        [serial, number, year] if serial.len() == 3 && year.len() == 1 && is_letters(serial) => {
            if !YEAR_LETTERS.contains(*year) {
                return Err(format!("a suffix plate cannot end with the letter {year}"));
            }
            if !is_serial(number, 3) {
                return Err("a suffix plate has a number from 1 to 999 before its last letter".into());
            }
            no_i_or_q(serial, "the first three letters")?;
            Ok(RegistrationFormat::Suffix)
        }
        [a, b] => {
            let (letters, digits) = if is_letters(a) { (a, b) } else { (b, a) };
            if letters.len() > 3 || !is_serial(digits, 4) {
                return Err("a dateless plate has 1 to 3 letters and a number from 1 to 9999".into());
            }
            Ok(RegistrationFormat::Dateless)
        }
        _ => Err("it does not match any UK format (like AB12 CDE, A123 BCD, ABC 123D or ABC 123)".into()),
    }
}

/// The rules of a current-format number: memory tag, age identifier, random letters.
fn current(tag: &str, age: &str, serial: &str) -> Result<(), String> {
    let first = tag.chars().next().unwrap_or('?');
    if !REGION_LETTERS.contains(first) {
        return Err(format!("no region's memory tag starts with {first}"));
    }
    if tag.contains(['I', 'Q', 'Z']) {
        return Err("the first two letters never include I, Q or Z".into());
    }
    if !is_letters(serial) {
        return Err("the last three characters must be letters".into());
    }
    no_i_or_q(serial, "the last three letters")?;
    let age: u32 = age.parse().map_err(|_| "the age identifier must be two digits".to_string())?;
    if matches!(age, 0 | 1 | 50) {
        return Err(format!("{age:02} is not an age identifier (they began with 51 in September 2001)"));
    }
    Ok(())
}

fn no_i_or_q(letters: &str, which: &str) -> Result<(), String> {
    if letters.contains(['I', 'Q']) { Err(format!("{which} never include I or Q")) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses_ignoring_case_spaces_and_hyphens() {
        let cases = [
            ("ab12 cde", "AB12CDE", "AB12 CDE", RegistrationFormat::Current),
            ("LB07-SEO", "LB07SEO", "LB07 SEO", RegistrationFormat::Current),
            ("A123 BCD", "A123BCD", "A123 BCD", RegistrationFormat::Prefix),
            ("P7 XYZ", "P7XYZ", "P7 XYZ", RegistrationFormat::Prefix),
            ("ABC 123D", "ABC123D", "ABC 123D", RegistrationFormat::Suffix),
            ("ABC 1D", "ABC1D", "ABC 1D", RegistrationFormat::Suffix),
            ("ABC 123", "ABC123", "ABC 123", RegistrationFormat::Dateless),
            ("1234 AB", "1234AB", "1234 AB", RegistrationFormat::Dateless),
            ("A 1", "A1", "A 1", RegistrationFormat::Dateless),
            ("AIZ 1234", "AIZ1234", "AIZ 1234", RegistrationFormat::Dateless),
        ];
        for (input, compact, shown, format) in cases {
            let r = Registration::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(r.as_str(), compact);
            assert_eq!(r.display(), shown);
            assert_eq!(r.format(), format, "{input}");
            assert_eq!(Registration::parse(&r.display()).unwrap(), r);
        }
    }

    #[test]
    fn malformed_numbers_are_refused_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("AB12 CD£", "only letters and numbers"),
            ("AB12 CDEF", "more than 7"),
            ("Q123 ABC", "Q plates"),
            ("IB12 CDE", "memory tag"),
            ("AZ12 CDE", "I, Q or Z"),
            ("AB12 CIE", "I or Q"),
            ("AB01 CDE", "age identifier"),
            ("AB50 CDE", "age identifier"),
            ("AB1C DEF", "does not match"),
            ("I123 ABC", "cannot start"),
            ("A012 BCD", "1 to 999"),
            ("ABC 123O", "cannot end"),
            ("ABCD 12", "1 to 3 letters"),
            ("AB 012345", "more than 7"),
            ("AB 0123", "9999"),
            ("1A2B", "does not match"),
        ];
        for (input, reason) in cases {
            let e = Registration::parse(input).expect_err(input);
            assert!(e.reason.contains(reason), "{input}: {e}");
            assert!(e.to_string().contains("is not a UK registration number"));
        }
    }
}
