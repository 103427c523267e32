//! The address as the search view holds it: the fields a search needs and a result shows, with
//! the natural order ("2" before "10", "Flat 1" before "Flat 2") and the single-line label.
//! Parsing register items into it lives in `view`; ranking lives in `index`.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// A unique property reference number: the key of the `address` register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Uprn(pub u64);

impl std::fmt::Display for Uprn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One address: secondary addressable object (SAO: "Flat 2"), primary addressable object (PAO:
/// "12" or "Rose Cottage"), street, locality, town, postcode and point. Empty text means absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchAddress {
    /// Its UPRN.
    pub uprn: u64,
    /// SAO text, e.g. "Flat" or "Basement Flat".
    pub sao_text: String,
    /// SAO number, e.g. the 2 of "Flat 2".
    pub sao_number: Option<u32>,
    /// SAO number suffix, e.g. the "A" of "Flat 2A".
    pub sao_suffix: String,
    /// PAO text: a building name such as "Rose Cottage".
    pub pao_text: String,
    /// PAO (house) number.
    pub pao_number: Option<u32>,
    /// PAO number suffix: the "A" of "12A".
    pub pao_suffix: String,
    /// Street name.
    pub street: String,
    /// Locality (village or district within a town); may be empty.
    pub locality: String,
    /// Post town; may be empty.
    pub town: String,
    /// Postcode as written (normalised by the index).
    pub postcode: String,
    /// Easting, metres (EPSG:27700 in GB; 0 where unknown).
    pub easting: f64,
    /// Northing, metres.
    pub northing: f64,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Longitude, WGS84.
    pub lon: f64,
}

fn number_with_suffix(n: Option<u32>, suffix: &str) -> String {
    match n {
        Some(n) => format!("{n}{suffix}"),
        None => suffix.to_string(),
    }
}

impl SearchAddress {
    /// The label's lines, most specific first: "Flat 2", "12 High Street", locality, town, postcode.
    pub fn label_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let sao = [self.sao_text.clone(), number_with_suffix(self.sao_number, &self.sao_suffix)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !sao.is_empty() {
            lines.push(sao);
        }
        let number = number_with_suffix(self.pao_number, &self.pao_suffix);
        if !self.pao_text.is_empty() {
            lines.push(self.pao_text.clone());
        }
        let street = [number, self.street.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
        if !street.is_empty() {
            lines.push(street);
        }
        for part in [&self.locality, &self.town, &self.postcode] {
            if !part.is_empty() {
                lines.push(part.clone());
            }
        }
        lines
    }

    /// The label on one line, comma separated.
    pub fn single_line(&self) -> String {
        self.label_lines().join(", ")
    }

    /// The natural order within a postcode: street, then house number (2 before 10), suffix,
    /// building name, then flat number (Flat 1 before Flat 2), flat suffix and text; UPRN last so
    /// that the order is total and every node agrees on it.
    pub fn natural_cmp(&self, other: &SearchAddress) -> Ordering {
        fn num(n: Option<u32>) -> u64 {
            n.map_or(0, |n| n as u64 + 1)
        }
        self.street
            .cmp(&other.street)
            .then_with(|| self.locality.cmp(&other.locality))
            .then_with(|| self.town.cmp(&other.town))
            .then_with(|| num(self.pao_number).cmp(&num(other.pao_number)))
            .then_with(|| self.pao_suffix.cmp(&other.pao_suffix))
            .then_with(|| self.pao_text.cmp(&other.pao_text))
            .then_with(|| num(self.sao_number).cmp(&num(other.sao_number)))
            .then_with(|| self.sao_suffix.cmp(&other.sao_suffix))
            .then_with(|| self.sao_text.cmp(&other.sao_text))
            .then_with(|| self.uprn.cmp(&other.uprn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(sao: u32, pao: u32) -> SearchAddress {
        SearchAddress {
            uprn: 1,
            sao_text: "Flat".into(),
            sao_number: Some(sao),
            pao_number: Some(pao),
            street: "High Street".into(),
            town: "Exeter".into(),
            postcode: "EX4 4QJ".into(),
            ..Default::default()
        }
    }

    #[test]
    fn labels_put_the_flat_first_and_the_postcode_last() {
        assert_eq!(flat(2, 12).single_line(), "Flat 2, 12 High Street, Exeter, EX4 4QJ");
    }

    #[test]
    fn natural_order_puts_2_before_10_and_flat_1_before_flat_2() {
        assert_eq!(flat(1, 2).natural_cmp(&flat(1, 10)), Ordering::Less);
        assert_eq!(flat(1, 12).natural_cmp(&flat(2, 12)), Ordering::Less);
    }
}
