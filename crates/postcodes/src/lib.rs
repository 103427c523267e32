//! UK postcodes: the [`Postcode`] value type, the national postcode register (loaded from OS
//! Code-Point Open by [`import_code_point`]) and [`PostcodeIndex`], an in-memory look-up view of
//! that register that follows new entries.
//!
//! This crate owns postcode *points and codes*; areas (polygons) and addresses live elsewhere,
//! and coordinate conversion is the `geography` crate's.
#![warn(missing_docs)]

mod import;
mod index;
mod postcode;
mod progress;
mod register;

pub use import::{
    ImportError, ImportOptions, ImportSummary, RejectedRow, import_code_point, maybe_gunzip, open_maybe_gzip,
};
pub use index::{IndexError, PostcodeIndex, PostcodeLocation};
pub use postcode::{Postcode, PostcodeError, PostcodeKind};
pub use progress::{NoProgress, Progress, TerminalProgress};
pub use register::{POSTCODE_REGISTER, PostcodeItem, definition, ensure_register, register_name};
