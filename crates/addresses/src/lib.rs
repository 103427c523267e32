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
mod generate;
mod input;
mod names;
mod register;
mod street;

pub use address::{Address, Aon, NaturalKey, Uprn, Usrn};
pub use csv_out::{ADDRESSBASE_COLUMNS, write_addressbase_csv};
pub use error::AddressError;
pub use generate::{DEFAULT_CODEPOINT, Generator, PostcodePoint, read_codepoint, write_csv};
pub use register::{ADDRESS_REGISTER, STREET_REGISTER, ensure_address_register, ensure_street_register};
pub use street::Street;
