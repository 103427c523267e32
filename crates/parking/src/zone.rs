//! A parking zone as a council's `parking-zone` register holds it: a code (the key), a name, the
//! streets (USRNs) and/or areas (GSS codes of the `area` register) it covers, and the rules that
//! price its residents' permits.

use std::fmt;

use addresses::Usrn;
use serde_json::Value;
use time::Date;

use crate::error::{ParkingError, Result};
use crate::item::{Fields, ItemBuilder, format_date};
use crate::schema::ZONE_REGISTER;

/// A zone code: 1 to 12 capital letters, digits and hyphens, starting with a letter or digit (`A`, `CPZ-N1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZoneCode(String);

impl ZoneCode {
    /// Parses a code (upper-casing it); the error says what is wrong.
    pub fn parse(s: &str) -> std::result::Result<ZoneCode, String> {
        let s = s.trim().to_ascii_uppercase();
        let ok = (1..=12).contains(&s.len())
            && !s.starts_with('-')
            && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(ZoneCode(s))
        } else {
            Err(format!("{s:?} is not a zone code (1 to 12 letters, digits and hyphens)"))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ZoneCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a zone prices a residents' permit (amounts in pence, for one year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceRules {
    /// The first permit at an address.
    pub first_permit: u32,
    /// Each further permit at the same address.
    pub further_permit: u32,
    /// A zero-emission vehicle's permit, when the zone prices it differently.
    pub zero_emission: Option<u32>,
    /// Most permits one address may hold at once.
    pub per_address: u32,
}

/// One record of a council's `parking-zone` register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// The key.
    pub code: ZoneCode,
    /// The name residents know it by.
    pub name: String,
    /// Streets wholly in the zone.
    pub streets: Vec<Usrn>,
    /// Areas (keys of the `area` register) wholly in the zone, for zones drawn by ward or parish.
    pub areas: Vec<String>,
    /// The price rules.
    pub prices: PriceRules,
    /// When the zone began.
    pub start_date: Option<Date>,
    /// When it was withdrawn, if it was: a withdrawn zone covers nothing.
    pub end_date: Option<Date>,
}

impl Zone {
    /// The register key.
    pub fn key(&self) -> String {
        self.code.to_string()
    }

    /// The price in pence of a permit for a vehicle, given the permits the address holds now;
    /// refused when the address already holds as many as the zone allows.
    pub fn price(&self, zero_emission: bool, held: u32) -> Result<u32> {
        if held >= self.prices.per_address {
            return Err(ParkingError::PermitLimit { zone: self.key(), allowed: self.prices.per_address, held });
        }
        Ok(match (zero_emission, self.prices.zero_emission) {
            (true, Some(p)) => p,
            _ if held == 0 => self.prices.first_permit,
            _ => self.prices.further_permit,
        })
    }

    /// The register item.
    pub fn to_item(&self) -> Value {
        ItemBuilder::default()
            .text("parking-zone", self.key())
            .text("name", &self.name)
            .list("streets", self.streets.iter().map(Usrn::to_string))
            .list("areas", self.areas.iter().cloned())
            .text("first-permit-price", self.prices.first_permit.to_string())
            .text("further-permit-price", self.prices.further_permit.to_string())
            .maybe("zero-emission-price", self.prices.zero_emission.map(|p| p.to_string()))
            .text("permits-per-address", self.prices.per_address.to_string())
            .maybe("start-date", self.start_date.map(format_date))
            .maybe("end-date", self.end_date.map(format_date))
            .build()
    }

    /// Reads a register item; the error names the field at fault.
    pub fn from_item(item: &Value) -> Result<Zone> {
        let f = Fields::of(ZONE_REGISTER, item)?;
        let streets = f
            .list("streets")?
            .into_iter()
            .map(|s| s.parse().map_err(|_| f.invalid("streets", format!("{s:?} is not a USRN"))))
            .collect::<Result<Vec<Usrn>>>()?;
        let areas: Vec<String> = f.list("areas")?.into_iter().map(str::to_string).collect();
        if streets.is_empty() && areas.is_empty() {
            return Err(f.invalid("streets", "a zone must cover at least one street or area"));
        }
        let price = |field: &str| f.number(field)?.ok_or_else(|| f.invalid(field, "is missing"));
        let per_address = price("permits-per-address")?;
        if per_address == 0 {
            return Err(f.invalid("permits-per-address", "must be at least 1"));
        }
        Ok(Zone {
            code: ZoneCode::parse(f.required("parking-zone")?).map_err(|p| f.invalid("parking-zone", p))?,
            name: f.required("name")?.to_string(),
            streets,
            areas,
            prices: PriceRules {
                first_permit: price("first-permit-price")?,
                further_permit: price("further-permit-price")?,
                zero_emission: f.number("zero-emission-price")?,
                per_address,
            },
            start_date: f.date("start-date")?,
            end_date: f.date("end-date")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone {
            code: ZoneCode::parse("a").unwrap(),
            name: "Town Centre".into(),
            streets: vec![Usrn::new(47100001).unwrap()],
            areas: vec![],
            prices: PriceRules { first_permit: 5000, further_permit: 9000, zero_emission: Some(1000), per_address: 2 },
            start_date: None,
            end_date: None,
        }
    }

    #[test]
    fn permits_are_priced_by_the_zone_rules_up_to_the_limit() {
        let z = zone();
        assert_eq!(z.price(false, 0).unwrap(), 5000);
        assert_eq!(z.price(false, 1).unwrap(), 9000);
        assert_eq!(z.price(true, 1).unwrap(), 1000);
        assert!(matches!(z.price(false, 2), Err(ParkingError::PermitLimit { allowed: 2, held: 2, .. })));
    }

    #[test]
    fn a_zone_item_round_trips_and_a_zone_covering_nothing_is_refused() {
        let z = zone();
        assert_eq!(Zone::from_item(&z.to_item()).unwrap(), z);
        let mut item = z.to_item();
        item.as_object_mut().unwrap().remove("streets");
        assert!(Zone::from_item(&item).unwrap_err().to_string().contains("at least one street or area"));
    }
}
