//! UK postcodes: the [`Postcode`] value type, and the national postcode register (loaded from
//! OS Code-Point Open) with an in-memory look-up view.
//!
//! This crate owns postcode *points and codes*; areas (polygons) and addresses live elsewhere.
#![warn(missing_docs)]

mod postcode;

pub use postcode::{Postcode, PostcodeError, PostcodeKind};
