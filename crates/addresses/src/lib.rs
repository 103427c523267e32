//! Addresses: the national `address` register (keyed by UPRN) and the `street` register (keyed by
//! USRN), with the [`Address`] and [`Street`] value types every other brick reads them through.
//!
//! This crate defines the registers' schemas, imports real data into them (OS AddressBase Plus-shaped
//! CSV, OS Open USRN-shaped streets, Iceland's national address register), generates national-scale
//! synthetic data anchored on real postcodes, and builds the Exampleshire demo dataset. Searching
//! addresses is another crate's job (`address-search`), which replays the register.
#![warn(missing_docs)]

mod address;
mod csv_out;
mod error;
mod exampleshire;
mod generate;
mod iceland;
mod import;
mod input;
mod names;
mod register;
mod street;

pub use address::{Address, Aon, NaturalKey, Uprn, Usrn};
pub use csv_out::{ADDRESSBASE_COLUMNS, write_addressbase_csv};
pub use error::AddressError;
pub use exampleshire::exampleshire;
pub use generate::{DEFAULT_CODEPOINT, Generator, PostcodePoint, read_codepoint, write_csv};
pub use import::{
    AddressFormat, ImportOptions, ImportSummary, MAX_REPORTED, Rejection, import_addresses, import_streets,
};
pub use register::{ADDRESS_REGISTER, STREET_REGISTER, ensure_address_register, ensure_street_register};
pub use street::Street;

/// Checks and normalises a GB postcode (`sw1a1aa` → `SW1A 1AA`), naming the `postcode` field on error.
pub(crate) fn gb_postcode(s: &str) -> Result<String, AddressError> {
    postcodes::Postcode::parse(s)
        .map(|p| p.as_str().to_string())
        .map_err(|e| AddressError::invalid("postcode", s, format!("is not a UK postcode: {}", e.reason)))
}
