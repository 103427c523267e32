//! A registered keeper as the national `keeper` register holds it: an opaque keeper reference
//! (the key), the UPRN of the address the vehicles are kept at, the vehicles, and — once the
//! keeper has been matched to a citizen account — that citizen's identifier.
//!
//! The key is a reference, never a name, a UPRN or a driving licence number: keys appear in
//! entry lists, proofs and RSF exports, so a key must say nothing about a person. A keeper who
//! moves keeps their reference and gets a new entry with the new address.

use std::fmt;

use addresses::Uprn;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::item::{Fields, ItemBuilder};
use crate::registration::Registration;
use crate::schema::KEEPER_REGISTER;

/// Characters of a keeper reference after its `K` (Crockford's base 32: no I, L, O or U).
const REFERENCE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A keeper reference: `K` then 8 to 16 characters of Crockford's base 32 (`K7Q2M9XH4TNB`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeeperRef(String);

impl KeeperRef {
    /// Parses a reference; the error says what is wrong.
    pub fn parse(s: &str) -> std::result::Result<KeeperRef, String> {
        let body = s.strip_prefix('K').ok_or_else(|| format!("{s:?} is not a keeper reference (it starts with K)"))?;
        if !(8..=16).contains(&body.len()) || !body.bytes().all(|b| REFERENCE_ALPHABET.contains(&b)) {
            return Err(format!("{s:?} is not a keeper reference (K and 8 to 16 of 0-9 and A-Z without I, L, O, U)"));
        }
        Ok(KeeperRef(s.to_string()))
    }

    /// A reference derived from `seed` and `n`: the same inputs always give the same reference,
    /// different ones differ with overwhelming likelihood (60 bits).
    pub fn derive(seed: u64, n: u64) -> KeeperRef {
        let digest = Sha256::new()
            .chain_update(b"keeper")
            .chain_update(seed.to_be_bytes())
            .chain_update(n.to_be_bytes())
            .finalize();
        let mut bits = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default());
        let mut s = String::from("K");
        for _ in 0..12 {
            s.push(REFERENCE_ALPHABET[(bits & 31) as usize] as char);
            bits >>= 5;
        }
        KeeperRef(s)
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeeperRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One record of the `keeper` register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keeper {
    /// The key.
    pub reference: KeeperRef,
    /// Where the keeper keeps their vehicles: a UPRN of the `address` register.
    pub address: Uprn,
    /// The vehicles they keep, keys of the `vehicle` register.
    pub vehicles: Vec<Registration>,
    /// The identity brick's identifier of the citizen this keeper is, when matched.
    pub citizen: Option<String>,
}

impl Keeper {
    /// The register key.
    pub fn key(&self) -> String {
        self.reference.to_string()
    }

    /// The register item.
    pub fn to_item(&self) -> Value {
        ItemBuilder::default()
            .text("keeper", self.key())
            .text("address", self.address.to_string())
            .list("vehicles", self.vehicles.iter().map(Registration::to_string))
            .maybe("citizen", self.citizen.clone())
            .build()
    }

    /// Reads a register item; the error names the field at fault.
    pub fn from_item(item: &Value) -> Result<Keeper> {
        let f = Fields::of(KEEPER_REGISTER, item)?;
        let address = f.required("address")?;
        Ok(Keeper {
            reference: KeeperRef::parse(f.required("keeper")?).map_err(|p| f.invalid("keeper", p))?,
            address: address.parse().map_err(|_| f.invalid("address", format!("{address:?} is not a UPRN")))?,
            vehicles: f
                .list("vehicles")?
                .into_iter()
                .map(Registration::parse)
                .collect::<std::result::Result<_, _>>()?,
            citizen: f.optional("citizen")?.map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_references_parse_and_differ() {
        let a = KeeperRef::derive(1, 1);
        assert_eq!(KeeperRef::parse(a.as_str()).unwrap(), a);
        assert_eq!(KeeperRef::derive(1, 1), a);
        assert_ne!(KeeperRef::derive(1, 2), a);
        assert_ne!(KeeperRef::derive(2, 1), a);
        for bad in ["", "X12345678", "K1234567", "K12345678I", "k12345678"] {
            assert!(KeeperRef::parse(bad).is_err(), "{bad}");
        }
    }
}
