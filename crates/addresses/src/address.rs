//! The address value type: [`Uprn`], [`Usrn`], BS 7666 addressable object names ([`Aon`]), and
//! [`Address`] with its register item form, its printed label and its natural sort order.
//! Parsing files into addresses lives in `import`; storing them in `register`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::error::AddressError;

/// A Unique Property Reference Number: the key of the address register (1 to 12 decimal digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uprn(pub(crate) u64);

impl Uprn {
    /// The largest UPRN: twelve digits, as OS AddressBase allocates them.
    pub const MAX: u64 = 999_999_999_999;

    /// A UPRN from its number; zero and numbers over twelve digits are refused.
    pub fn new(n: u64) -> Result<Uprn, AddressError> {
        if n == 0 || n > Uprn::MAX {
            return Err(AddressError::invalid("address", &n.to_string(), "is not a UPRN (1 to 12 digits)"));
        }
        Ok(Uprn(n))
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromStr for Uprn {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Uprn, AddressError> {
        let n = parse_digits("address", s, 12)?;
        Uprn::new(n)
    }
}

impl fmt::Display for Uprn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A Unique Street Reference Number: the key of the street register (1 to 8 decimal digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usrn(pub(crate) u64);

impl Usrn {
    /// The largest USRN: eight digits.
    pub const MAX: u64 = 99_999_999;

    /// A USRN from its number; zero and numbers over eight digits are refused.
    pub fn new(n: u64) -> Result<Usrn, AddressError> {
        if n == 0 || n > Usrn::MAX {
            return Err(AddressError::invalid("usrn", &n.to_string(), "is not a USRN (1 to 8 digits)"));
        }
        Ok(Usrn(n))
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromStr for Usrn {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Usrn, AddressError> {
        Usrn::new(parse_digits("usrn", s, 8)?)
    }
}

impl fmt::Display for Usrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Reads 1 to `max_digits` ASCII digits (no sign, no spaces) for `field`.
pub(crate) fn parse_digits(field: &str, s: &str, max_digits: usize) -> Result<u64, AddressError> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AddressError::invalid(field, s, format!("is not a number of 1 to {max_digits} digits")));
    }
    s.parse().map_err(|_| AddressError::invalid(field, s, "is not a number"))
}

/// A BS 7666 addressable object name: the primary (the building: `12`, `12A-14`, `Rose Cottage`) or
/// secondary (within it: `Flat 2`) part of an address. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aon {
    /// A name (`Rose Cottage`, `Flat 2`, `Unit 3`).
    pub text: Option<String>,
    /// The (first) number (`12` of `12A-14`).
    pub start_number: Option<u32>,
    /// The letter after the first number (`A` of `12A`).
    pub start_suffix: Option<char>,
    /// The last number of a range (`14` of `12-14`).
    pub end_number: Option<u32>,
    /// The letter after the last number.
    pub end_suffix: Option<char>,
}

impl Aon {
    /// A plain house number.
    pub fn number(n: u32) -> Aon {
        Aon { start_number: Some(n), ..Aon::default() }
    }

    /// A house number with a letter (`12A`).
    pub fn number_suffix(n: u32, suffix: char) -> Aon {
        Aon { start_number: Some(n), start_suffix: Some(suffix), ..Aon::default() }
    }

    /// A name only (`Rose Cottage`).
    pub fn text(text: impl Into<String>) -> Aon {
        Aon { text: Some(text.into()), ..Aon::default() }
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.start_number.is_none() && self.end_number.is_none()
    }

    /// The numbers as printed: `12`, `12A`, `12-14`, `12A-12C`; `None` without a start number.
    pub fn number_range(&self) -> Option<String> {
        let start = self.start_number?;
        let mut s = start.to_string();
        s.extend(self.start_suffix);
        if let Some(end) = self.end_number {
            s.push('-');
            s.push_str(&end.to_string());
            s.extend(self.end_suffix);
        }
        Some(s)
    }

    /// Text then numbers, as printed on one line: `Flat 2`, `Rose Cottage`, `12A`.
    pub fn display(&self) -> String {
        match (&self.text, self.number_range()) {
            (Some(t), Some(r)) => format!("{t} {r}"),
            (Some(t), None) => t.clone(),
            (None, Some(r)) => r,
            (None, None) => String::new(),
        }
    }

    /// Checks the BS 7666 rules: a suffix needs its number, an end needs a start; `prefix` names the
    /// fields (`pao` or `sao`) in the error.
    fn check(&self, prefix: &str) -> Result<(), AddressError> {
        let field = |f: &str| format!("{prefix}-{f}");
        let text = |c: Option<char>| c.map(String::from).unwrap_or_default();
        if self.start_suffix.is_some() && self.start_number.is_none() {
            let v = text(self.start_suffix);
            return Err(AddressError::invalid(&field("start-suffix"), &v, "is given without a start number"));
        }
        if let (Some(end), None) = (self.end_number, self.start_number) {
            let v = end.to_string();
            return Err(AddressError::invalid(&field("end-number"), &v, "is given without a start number"));
        }
        if self.end_suffix.is_some() && self.end_number.is_none() {
            let v = text(self.end_suffix);
            return Err(AddressError::invalid(&field("end-suffix"), &v, "is given without an end number"));
        }
        if self.text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(AddressError::invalid(&field("text"), "", "is blank"));
        }
        Ok(())
    }

    /// The sort key of this part: numbered before named, then number, suffix, range end, text.
    fn key(&self) -> AonKey {
        AonKey {
            unnumbered: self.start_number.is_none(),
            start: self.start_number.unwrap_or(0),
            start_suffix: self.start_suffix.map(|c| c.to_uppercase().next().unwrap_or(c)),
            end: self.end_number,
            end_suffix: self.end_suffix.map(|c| c.to_uppercase().next().unwrap_or(c)),
            text: natural_chunks(self.text.as_deref().unwrap_or("")),
        }
    }
}

/// One address in the national address register, in AddressBase (BS 7666) terms. Coordinates are
/// British National Grid (EPSG:27700) metres and WGS84 degrees; the postcode is a string because the
/// register is not UK-only at the data layer (GB importers check it as a GB postcode).
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    /// The key.
    pub uprn: Uprn,
    /// The street the address is on, in the street register.
    pub usrn: Option<Usrn>,
    /// The secondary addressable object (`Flat 2`).
    pub sao: Aon,
    /// The primary addressable object (`12`, `Rose Cottage`).
    pub pao: Aon,
    /// The street name.
    pub street: Option<String>,
    /// The locality (village, suburb, estate) within the town.
    pub locality: Option<String>,
    /// The post town.
    pub town: Option<String>,
    /// The postcode as printed (`SW1A 1AA`, `101` in Iceland).
    pub postcode: Option<String>,
    /// British National Grid easting, metres.
    pub easting: Option<f64>,
    /// British National Grid northing, metres.
    pub northing: Option<f64>,
    /// WGS84 latitude, degrees.
    pub latitude: Option<f64>,
    /// WGS84 longitude, degrees.
    pub longitude: Option<f64>,
    /// When the address came into being (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub start_date: Option<String>,
    /// When it ceased to exist, if it has.
    pub end_date: Option<String>,
}

/// The register fields, in the order items list them (`address` is the key).
pub(crate) const FIELDS: [&str; 22] = [
    "address",
    "usrn",
    "sao-text",
    "sao-start-number",
    "sao-start-suffix",
    "sao-end-number",
    "sao-end-suffix",
    "pao-text",
    "pao-start-number",
    "pao-start-suffix",
    "pao-end-number",
    "pao-end-suffix",
    "street",
    "locality",
    "town",
    "postcode",
    "easting",
    "northing",
    "latitude",
    "longitude",
    "start-date",
    "end-date",
];

impl Address {
    /// An address with only its UPRN; set the other fields with struct update syntax.
    pub fn new(uprn: Uprn) -> Address {
        Address {
            uprn,
            usrn: None,
            sao: Aon::default(),
            pao: Aon::default(),
            street: None,
            locality: None,
            town: None,
            postcode: None,
            easting: None,
            northing: None,
            latitude: None,
            longitude: None,
            start_date: None,
            end_date: None,
        }
    }

    /// The register key: the UPRN in decimal.
    pub fn key(&self) -> String {
        self.uprn.to_string()
    }

    /// The address register item: every value a string, empty fields left out.
    pub fn to_item(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_string(), Value::String(v));
            }
        };
        put("address", Some(self.uprn.to_string()));
        put("usrn", self.usrn.map(|u| u.to_string()));
        for (prefix, aon) in [("sao", &self.sao), ("pao", &self.pao)] {
            put(&format!("{prefix}-text"), aon.text.clone());
            put(&format!("{prefix}-start-number"), aon.start_number.map(|n| n.to_string()));
            put(&format!("{prefix}-start-suffix"), aon.start_suffix.map(String::from));
            put(&format!("{prefix}-end-number"), aon.end_number.map(|n| n.to_string()));
            put(&format!("{prefix}-end-suffix"), aon.end_suffix.map(String::from));
        }
        put("street", self.street.clone());
        put("locality", self.locality.clone());
        put("town", self.town.clone());
        put("postcode", self.postcode.clone());
        put("easting", self.easting.map(format_coordinate));
        put("northing", self.northing.map(format_coordinate));
        put("latitude", self.latitude.map(format_coordinate));
        put("longitude", self.longitude.map(format_coordinate));
        put("start-date", self.start_date.clone());
        put("end-date", self.end_date.clone());
        Value::Object(m)
    }

    /// Reads an address register item; every value is checked and the error names its field.
    /// Fields this version does not know are ignored, so older code can read newer items.
    pub fn from_item(item: &Value) -> Result<Address, AddressError> {
        let Value::Object(map) = item else {
            return Err(AddressError::NotAnItem(item.to_string()));
        };
        let mut fields: [Option<&str>; FIELDS.len()] = [None; FIELDS.len()];
        for (k, v) in map {
            let Some(i) = FIELDS.iter().position(|f| f == k) else { continue };
            let Value::String(s) = v else {
                return Err(AddressError::invalid(k, &v.to_string(), "must be a string"));
            };
            if !s.is_empty() {
                fields[i] = Some(s.as_str());
            }
        }
        Address::from_fields(|name| FIELDS.iter().position(|f| *f == name).and_then(|i| fields[i]))
    }

    /// Builds and checks an address from field values looked up by register field name (empty =
    /// absent). Importers use this with their own column mapping.
    pub(crate) fn from_fields<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Address, AddressError> {
        let text = |f: &str| -> Result<Option<String>, AddressError> {
            match get(f).map(str::trim) {
                None | Some("") => Ok(None),
                Some(s) if s.contains(['\n', '\r']) => Err(AddressError::invalid(f, s, "must be on one line")),
                Some(s) => Ok(Some(s.to_string())),
            }
        };
        let number = |f: &str| -> Result<Option<u32>, AddressError> {
            get(f).map(str::trim).filter(|s| !s.is_empty()).map(|s| parse_digits(f, s, 9).map(|n| n as u32)).transpose()
        };
        let suffix = |f: &str| -> Result<Option<char>, AddressError> {
            match get(f).map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => {
                    let mut chars = s.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) if c.is_alphabetic() => Ok(Some(c)),
                        _ => Err(AddressError::invalid(f, s, "is not a single letter")),
                    }
                }
            }
        };
        let aon = |prefix: &str| -> Result<Aon, AddressError> {
            let aon = Aon {
                text: text(&format!("{prefix}-text"))?,
                start_number: number(&format!("{prefix}-start-number"))?,
                start_suffix: suffix(&format!("{prefix}-start-suffix"))?,
                end_number: number(&format!("{prefix}-end-number"))?,
                end_suffix: suffix(&format!("{prefix}-end-suffix"))?,
            };
            aon.check(prefix)?;
            Ok(aon)
        };
        let coordinate = |f: &str, min: f64, max: f64| -> Result<Option<f64>, AddressError> {
            match get(f).map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => match s.parse::<f64>() {
                    Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(Some(v)),
                    _ => Err(AddressError::invalid(f, s, format!("is not a number from {min} to {max}"))),
                },
            }
        };
        let date = |f: &str| -> Result<Option<String>, AddressError> {
            match get(f).map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) if is_date(s) => Ok(Some(s.to_string())),
                Some(s) => Err(AddressError::invalid(f, s, "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")),
            }
        };
        let uprn = get("address").map(str::trim).filter(|s| !s.is_empty());
        let uprn: Uprn = uprn.ok_or_else(|| AddressError::MissingField("address".into()))?.parse()?;
        let usrn = get("usrn").map(str::trim).filter(|s| !s.is_empty()).map(str::parse::<Usrn>).transpose()?;
        let address = Address {
            uprn,
            usrn,
            sao: aon("sao")?,
            pao: aon("pao")?,
            street: text("street")?,
            locality: text("locality")?,
            town: text("town")?,
            postcode: text("postcode")?,
            easting: coordinate("easting", -1_000_000.0, 2_000_000.0)?,
            northing: coordinate("northing", -1_000_000.0, 2_000_000.0)?,
            latitude: coordinate("latitude", -90.0, 90.0)?,
            longitude: coordinate("longitude", -180.0, 180.0)?,
            start_date: date("start-date")?,
            end_date: date("end-date")?,
        };
        if address.pao.is_empty() && address.street.is_none() {
            return Err(AddressError::MissingField("pao-text".into()));
        }
        Ok(address)
    }

    /// The address as a label prints it, one line per element, as Royal Mail and AddressBase
    /// present it: `Flat 2`, `Tower House`, `12 High Street`, locality, town, postcode. A secondary
    /// number alone is printed before the building name (`2 Tower House`).
    pub fn label_lines(&self) -> Vec<String> {
        let mut lines = Vec::with_capacity(6);
        let pao_range = self.pao.number_range();
        let mut pao_text = self.pao.text.clone();
        if !self.sao.is_empty() {
            match (&self.sao.text, &pao_text) {
                (None, Some(t)) if pao_range.is_none() => pao_text = Some(format!("{} {t}", self.sao.display())),
                _ => lines.push(self.sao.display()),
            }
        }
        match (pao_text, pao_range, &self.street) {
            (t, Some(r), Some(s)) => {
                lines.extend(t);
                lines.push(format!("{r} {s}"));
            }
            (t, None, Some(s)) => {
                lines.extend(t);
                lines.push(s.clone());
            }
            (Some(t), Some(r), None) => lines.push(format!("{t} {r}")),
            (t, r, None) => lines.extend(t.or(r)),
        }
        if let Some(l) = &self.locality
            && Some(l) != self.town.as_ref()
        {
            lines.push(l.clone());
        }
        lines.extend(self.town.clone());
        lines.extend(self.postcode.clone());
        lines
    }

    /// The label on one line, elements separated by commas.
    pub fn single_line(&self) -> String {
        self.label_lines().join(", ")
    }

    /// The key that sorts addresses as a person reads them: by street (then locality and town),
    /// then building number, letter, range and name, then flat, with numbers compared as numbers
    /// (2 < 10, 2A < 2B < 3, Flat 1 < Flat 2 < Flat 10). The UPRN breaks remaining ties.
    pub fn natural_key(&self) -> NaturalKey {
        let chunks = |s: &Option<String>| natural_chunks(s.as_deref().unwrap_or(""));
        NaturalKey {
            street: chunks(&self.street),
            locality: chunks(&self.locality),
            town: chunks(&self.town),
            pao: self.pao.key(),
            sao: self.sao.key(),
            uprn: self.uprn.get(),
        }
    }
}

/// Prints a coordinate in its shortest exact decimal form (`394235`, `64.54124221`).
fn format_coordinate(v: f64) -> String {
    format!("{v}")
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with plausible month and day.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let two = |i: usize| (b[i] - b'0') as u32 * 10 + (b[i + 1] - b'0') as u32;
    match b.len() {
        4 => digits(0..4),
        7 => digits(0..4) && b[4] == b'-' && digits(5..7) && (1..=12).contains(&two(5)),
        10 => {
            digits(0..4)
                && b[4] == b'-'
                && digits(5..7)
                && b[7] == b'-'
                && digits(8..10)
                && (1..=12).contains(&two(5))
                && (1..=31).contains(&two(8))
        }
        _ => false,
    }
}

/// The sort key [`Address::natural_key`] gives; compare keys, not strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NaturalKey {
    street: Vec<Chunk>,
    locality: Vec<Chunk>,
    town: Vec<Chunk>,
    pao: AonKey,
    sao: AonKey,
    uprn: u64,
}

/// The sort key of one addressable object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct AonKey {
    unnumbered: bool,
    start: u32,
    start_suffix: Option<char>,
    end: Option<u32>,
    end_suffix: Option<char>,
    text: Vec<Chunk>,
}

/// A run of digits (compared as a number) or of other characters (compared case-blind).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chunk {
    Num(u64),
    Text(String),
}

impl Ord for Chunk {
    fn cmp(&self, other: &Chunk) -> Ordering {
        match (self, other) {
            (Chunk::Num(a), Chunk::Num(b)) => a.cmp(b),
            (Chunk::Num(_), Chunk::Text(_)) => Ordering::Less,
            (Chunk::Text(_), Chunk::Num(_)) => Ordering::Greater,
            (Chunk::Text(a), Chunk::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Chunk {
    fn partial_cmp(&self, other: &Chunk) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Splits text into number and text runs, lower-cased, trimmed of surrounding spaces.
fn natural_chunks(s: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for c in s.trim().chars() {
        if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            if !text.is_empty() {
                out.push(Chunk::Text(std::mem::take(&mut text)));
            }
            num = Some(num.unwrap_or(0).saturating_mul(10).saturating_add(d as u64));
        } else {
            if let Some(n) = num.take() {
                out.push(Chunk::Num(n));
            }
            text.extend(c.to_lowercase());
        }
    }
    if let Some(n) = num {
        out.push(Chunk::Num(n));
    }
    if !text.is_empty() {
        out.push(Chunk::Text(text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn on(street: &str, pao: Aon, sao: Aon, uprn: u64) -> Address {
        Address {
            street: Some(street.into()),
            town: Some("Exampleton".into()),
            pao,
            sao,
            ..Address::new(Uprn::new(uprn).unwrap())
        }
    }

    fn sorted_labels(mut v: Vec<Address>) -> Vec<String> {
        v.sort_by_key(Address::natural_key);
        v.iter().map(|a| a.label_lines()[..a.label_lines().len() - 1].join(" / ")).collect()
    }

    #[test]
    fn house_numbers_sort_as_numbers_and_letters_between_them() {
        let v = vec![
            on("High Street", Aon::number(10), Aon::default(), 1),
            on("High Street", Aon::number(3), Aon::default(), 2),
            on("High Street", Aon::number_suffix(2, 'B'), Aon::default(), 3),
            on("High Street", Aon::number(2), Aon::default(), 4),
            on("High Street", Aon::number_suffix(2, 'A'), Aon::default(), 5),
            on("High Street", Aon::text("Rose Cottage"), Aon::default(), 6),
        ];
        assert_eq!(
            sorted_labels(v),
            vec![
                "2 High Street",
                "2A High Street",
                "2B High Street",
                "3 High Street",
                "10 High Street",
                "Rose Cottage / High Street"
            ]
        );
    }

    #[test]
    fn flats_sort_by_number_within_their_building_whether_numbered_or_named() {
        let house = || Aon::text("Tower House");
        let v = vec![
            on("Mill Lane", house(), Aon::text("Flat 10"), 1),
            on("Mill Lane", house(), Aon::text("Flat 2"), 2),
            on("Mill Lane", house(), Aon::text("Flat 1"), 3),
            on("Mill Lane", Aon::number(4), Aon { text: Some("Flat".into()), ..Aon::number(10) }, 4),
            on("Mill Lane", Aon::number(4), Aon { text: Some("Flat".into()), ..Aon::number(9) }, 5),
            on("Abbey Road", Aon::number(99), Aon::default(), 6),
        ];
        assert_eq!(
            sorted_labels(v),
            vec![
                "99 Abbey Road",
                "Flat 9 / 4 Mill Lane",
                "Flat 10 / 4 Mill Lane",
                "Flat 1 / Tower House / Mill Lane",
                "Flat 2 / Tower House / Mill Lane",
                "Flat 10 / Tower House / Mill Lane",
            ]
        );
    }

    #[test]
    fn a_label_prints_flat_building_number_street_locality_town_and_postcode() {
        let a = Address {
            sao: Aon::text("Flat 2"),
            pao: Aon { text: Some("Tower House".into()), ..Aon::number(12) },
            street: Some("High Street".into()),
            locality: Some("Old Town".into()),
            town: Some("Exampleton".into()),
            postcode: Some("XM1 2AB".into()),
            ..Address::new(Uprn::new(100).unwrap())
        };
        assert_eq!(a.label_lines(), ["Flat 2", "Tower House", "12 High Street", "Old Town", "Exampleton", "XM1 2AB"]);
        assert_eq!(a.single_line(), "Flat 2, Tower House, 12 High Street, Old Town, Exampleton, XM1 2AB");
        let ranged = Address {
            pao: Aon { end_number: Some(14), end_suffix: Some('B'), ..Aon::number_suffix(12, 'A') },
            street: Some("Quay Street".into()),
            town: Some("Stonebridge".into()),
            locality: Some("Stonebridge".into()),
            ..Address::new(Uprn::new(101).unwrap())
        };
        assert_eq!(ranged.single_line(), "12A-14B Quay Street, Stonebridge");
        let numbered_flat =
            Address { sao: Aon::number(3), ..on("Mill Lane", Aon::text("Tower House"), Aon::default(), 7) };
        assert_eq!(numbered_flat.single_line(), "3 Tower House, Mill Lane, Exampleton");
    }

    #[test]
    fn an_item_round_trips_with_empty_fields_left_out() {
        let a = Address {
            usrn: Some(Usrn::new(47100001).unwrap()),
            sao: Aon::text("Flat 2"),
            pao: Aon::number_suffix(12, 'A'),
            street: Some("High Street".into()),
            town: Some("Exampleton".into()),
            postcode: Some("XM1 2AB".into()),
            easting: Some(394235.0),
            northing: Some(806529.5),
            latitude: Some(57.14),
            longitude: Some(-2.0975),
            start_date: Some("1850".into()),
            ..Address::new(Uprn::new(100023336956).unwrap())
        };
        let item = a.to_item();
        assert_eq!(
            item,
            json!({"address":"100023336956","usrn":"47100001","sao-text":"Flat 2","pao-start-number":"12",
                   "pao-start-suffix":"A","street":"High Street","town":"Exampleton","postcode":"XM1 2AB",
                   "easting":"394235","northing":"806529.5","latitude":"57.14","longitude":"-2.0975","start-date":"1850"})
        );
        assert_eq!(Address::from_item(&item).unwrap(), a);
    }

    #[test]
    fn a_bad_item_is_refused_naming_its_field() {
        let bad = |item: Value| Address::from_item(&item).unwrap_err().field().map(str::to_string);
        assert_eq!(bad(json!({"street":"High Street"})), Some("address".into()));
        assert_eq!(bad(json!({"address":"0","street":"x"})), Some("address".into()));
        assert_eq!(bad(json!({"address":"1234567890123","street":"x"})), Some("address".into()));
        assert_eq!(bad(json!({"address":"1","street":"x","pao-start-number":"12b"})), Some("pao-start-number".into()));
        assert_eq!(bad(json!({"address":"1","street":"x","pao-start-suffix":"A"})), Some("pao-start-suffix".into()));
        assert_eq!(
            bad(json!({"address":"1","street":"x","sao-start-suffix":"AB","sao-start-number":"1"})),
            Some("sao-start-suffix".into())
        );
        assert_eq!(bad(json!({"address":"1","street":"x","latitude":"91"})), Some("latitude".into()));
        assert_eq!(bad(json!({"address":"1","street":"x","start-date":"2020-13"})), Some("start-date".into()));
        assert_eq!(bad(json!({"address":"1","street":"x","usrn":12})), Some("usrn".into()));
        assert_eq!(bad(json!({"address":"1"})), Some("pao-text".into()));
    }
}
