//! A residents' parking permit as a council's `parking-permit` register holds it: the permit
//! number (the key), zone, vehicle, address, validity, status, price and the application it was
//! issued for.

use std::fmt;

use addresses::Uprn;
use serde_json::Value;
use sha2::{Digest, Sha256};
use store::CouncilId;
use time::Date;

use crate::error::Result;
use crate::item::{Fields, ItemBuilder, format_date};
use crate::registration::Registration;
use crate::schema::PERMIT_REGISTER;
use crate::zone::ZoneCode;

/// Characters of a permit number after `PP-` (Crockford's base 32, easy to read out on the phone).
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A permit number: `PP-` then 10 characters, derived from the council and the application
/// reference so that issuing again for the same application names the same permit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PermitNumber(String);

impl PermitNumber {
    /// The number of the permit for an application of a council.
    pub fn for_application(council: CouncilId, application: &str) -> PermitNumber {
        let digest = Sha256::new()
            .chain_update(b"parking-permit")
            .chain_update(council.0.to_be_bytes())
            .chain_update(application.as_bytes())
            .finalize();
        let mut bits = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default());
        let mut s = String::from("PP-");
        for _ in 0..10 {
            s.push(ALPHABET[(bits & 31) as usize] as char);
            bits >>= 5;
        }
        PermitNumber(s)
    }

    /// Parses a permit number as printed.
    pub fn parse(s: &str) -> std::result::Result<PermitNumber, String> {
        let body = s.strip_prefix("PP-").unwrap_or("");
        if body.len() == 10 && body.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(PermitNumber(s.to_string()))
        } else {
            Err(format!("{s:?} is not a permit number (PP- and 10 letters and digits)"))
        }
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PermitNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a permit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermitStatus {
    /// Issued and not cancelled (it may still have run out: see [`Permit::is_valid_on`]).
    Active,
    /// Cancelled before it ran out.
    Cancelled,
}

impl PermitStatus {
    /// The register's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            PermitStatus::Active => "active",
            PermitStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Option<PermitStatus> {
        [PermitStatus::Active, PermitStatus::Cancelled].into_iter().find(|p| p.as_str() == s)
    }
}

/// One record of a council's `parking-permit` register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    /// The key.
    pub number: PermitNumber,
    /// The zone it lets the vehicle park in.
    pub zone: ZoneCode,
    /// The vehicle.
    pub vehicle: Registration,
    /// The resident's address.
    pub address: Uprn,
    /// First day it is valid.
    pub valid_from: Date,
    /// Last day it is valid.
    pub valid_to: Date,
    /// Whether it stands.
    pub status: PermitStatus,
    /// What was charged, pence.
    pub price: u32,
    /// The reference of the application it was issued for (the service engine's case).
    pub application: String,
}

impl Permit {
    /// The register key.
    pub fn key(&self) -> String {
        self.number.to_string()
    }

    /// Whether the permit lets its vehicle park on `day`.
    pub fn is_valid_on(&self, day: Date) -> bool {
        self.status == PermitStatus::Active && self.valid_from <= day && day <= self.valid_to
    }

    /// The register item.
    pub fn to_item(&self) -> Value {
        ItemBuilder::default()
            .text("parking-permit", self.key())
            .text("zone", self.zone.to_string())
            .text("vehicle", self.vehicle.to_string())
            .text("address", self.address.to_string())
            .text("start-date", format_date(self.valid_from))
            .text("end-date", format_date(self.valid_to))
            .text("status", self.status.as_str())
            .text("price", self.price.to_string())
            .text("application", &self.application)
            .build()
    }

    /// Reads a register item; the error names the field at fault.
    pub fn from_item(item: &Value) -> Result<Permit> {
        let f = Fields::of(PERMIT_REGISTER, item)?;
        let address = f.required("address")?;
        let status = f.required("status")?;
        Ok(Permit {
            number: PermitNumber::parse(f.required("parking-permit")?).map_err(|p| f.invalid("parking-permit", p))?,
            zone: ZoneCode::parse(f.required("zone")?).map_err(|p| f.invalid("zone", p))?,
            vehicle: Registration::parse(f.required("vehicle")?)?,
            address: address.parse().map_err(|_| f.invalid("address", format!("{address:?} is not a UPRN")))?,
            valid_from: f.date("start-date")?.ok_or_else(|| f.invalid("start-date", "is missing"))?,
            valid_to: f.date("end-date")?.ok_or_else(|| f.invalid("end-date", "is missing"))?,
            status: PermitStatus::parse(status)
                .ok_or_else(|| f.invalid("status", format!("{status:?} is not active or cancelled")))?,
            price: f.number("price")?.ok_or_else(|| f.invalid("price", "is missing"))?,
            application: f.required("application")?.to_string(),
        })
    }
}
