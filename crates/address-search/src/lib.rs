//! The address search view: "find my address" by postcode, by UPRN, and by free-text
//! autocomplete that tolerates typos and ranks sensibly, at national scale.
//!
//! [`Index`] is the compact in-memory index (see its module for the layout and ranking);
//! [`AddressView`] builds one by replaying the `address` register and follows new entries; the
//! `http` feature serves it. Like every Guildhall view it is never a second truth: it is rebuilt
//! from the register whenever a process starts, and the same replay gives the same answers on
//! every node.
#![warn(missing_docs)]

mod address;
#[cfg(feature = "http")]
pub mod api;
mod dict;
mod index;
pub mod normalise;
mod view;

pub use address::{SearchAddress, Uprn};
pub use index::{Hit, Index, IndexBuilder};
pub use normalise::{Postcode, PostcodeError};
pub use view::{AddressView, ViewError};
