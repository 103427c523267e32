//! Recipient checks with Notify's messages: email addresses, UK mobile numbers (normalised to
//! `447…`), and postal addresses for letters (3 to 7 lines, the last a UK postcode or a country).

/// Checks an email address the way Notify does; the error is Notify's message.
pub fn email_address(address: &str) -> Result<String, &'static str> {
    const INVALID: &str = "Not a valid email address";
    let address = address.trim();
    if address.chars().count() > 320 || address.contains("..") {
        return Err(INVALID);
    }
    let (local, host) = address.rsplit_once('@').ok_or(INVALID)?;
    let local_ok =
        !local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    if !local_ok || host.contains('@') {
        return Err(INVALID);
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || host.len() > 253 {
        return Err(INVALID);
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return Err(INVALID);
        }
    }
    let tld = labels.last().copied().unwrap_or_default();
    if tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(INVALID);
    }
    Ok(address.to_string())
}

/// Checks a UK mobile number and normalises it to `447…` (twelve digits); the error is Notify's message.
pub fn uk_mobile_number(number: &str) -> Result<String, &'static str> {
    let stripped: String = number.chars().filter(|c| !(c.is_whitespace() || "()-+.".contains(*c))).collect();
    if stripped.chars().any(|c| !c.is_ascii_digit()) {
        return Err("Must not contain letters or symbols");
    }
    let national = if let Some(rest) = stripped.strip_prefix("44") {
        rest.strip_prefix('0').unwrap_or(rest)
    } else if let Some(rest) = stripped.strip_prefix("0") {
        rest
    } else {
        stripped.as_str()
    };
    if !national.starts_with('7') {
        return Err("Not a UK mobile number");
    }
    match national.len() {
        n if n > 10 => Err("Too many digits"),
        n if n < 10 => Err("Not enough digits"),
        _ => Ok(format!("44{national}")),
    }
}

/// Whether `s` looks like a UK postcode (outward code, space optional, inward code).
pub fn is_uk_postcode(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return false;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward: Vec<char> = inward.chars().collect();
    let outward_ok = outward.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && outward.chars().all(|c| c.is_ascii_alphanumeric())
        && outward.chars().any(|c| c.is_ascii_digit());
    outward_ok && inward[0].is_ascii_digit() && inward[1].is_ascii_alphabetic() && inward[2].is_ascii_alphabetic()
}

/// A postal address from a letter's personalisation (`address_line_1` … `address_line_7`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    /// The non-empty lines in order; the last is the postcode or country.
    pub lines: Vec<String>,
}

impl PostalAddress {
    /// Checks the lines as Notify does: at least 3, at most 7, last a UK postcode or another country.
    pub fn from_lines(lines: Vec<String>) -> Result<PostalAddress, &'static str> {
        let lines: Vec<String> = lines.into_iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
        if lines.len() < 3 {
            return Err("Address must be at least 3 lines");
        }
        if lines.len() > 7 {
            return Err("Address must be no more than 7 lines");
        }
        let last = lines.last().map(String::as_str).unwrap_or_default();
        let is_country = last.chars().all(|c| c.is_alphabetic() || c == ' ') && last.chars().count() >= 4;
        if !is_uk_postcode(last) && !is_country {
            return Err("Last line of address must be a real UK postcode or another country");
        }
        Ok(PostalAddress { lines })
    }

    /// The postcode (the last line) when it is a UK postcode, normalised as `AB1 2CD`.
    pub fn postcode(&self) -> Option<String> {
        let last = self.lines.last()?;
        is_uk_postcode(last).then(|| {
            let compact: String = last.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
            let (o, i) = compact.split_at(compact.len() - 3);
            format!("{o} {i}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_like_notify() {
        assert!(email_address("someone@example.gov.uk").is_ok());
        for bad in ["plainaddress", "a@b", "a..b@example.com", "a b@example.com", "a@-x.com", "a@x.1"] {
            assert_eq!(email_address(bad), Err("Not a valid email address"), "{bad}");
        }
    }

    #[test]
    fn uk_mobiles_normalise_to_447_and_get_notifys_messages_otherwise() {
        assert_eq!(uk_mobile_number("07700 900 123").as_deref(), Ok("447700900123"));
        assert_eq!(uk_mobile_number("+44 (0)7700 900123").as_deref(), Ok("447700900123"));
        assert_eq!(uk_mobile_number("0770090012"), Err("Not enough digits"));
        assert_eq!(uk_mobile_number("077009001234"), Err("Too many digits"));
        assert_eq!(uk_mobile_number("0770090012a"), Err("Must not contain letters or symbols"));
        assert_eq!(uk_mobile_number("02079460000"), Err("Not a UK mobile number"));
    }

    #[test]
    fn letters_need_three_to_seven_lines_ending_in_a_postcode_or_country() {
        let ok = PostalAddress::from_lines(vec!["A Person".into(), "1 High St".into(), "sw1a1aa".into()]).expect("ok");
        assert_eq!(ok.postcode().as_deref(), Some("SW1A 1AA"));
        assert_eq!(
            PostalAddress::from_lines(vec!["A".into(), "SW1A 1AA".into()]),
            Err("Address must be at least 3 lines")
        );
        assert!(PostalAddress::from_lines(vec!["A".into(), "B".into(), "12345".into()]).is_err());
        assert!(PostalAddress::from_lines(vec!["A".into(), "B".into(), "France".into()]).is_ok());
    }
}
