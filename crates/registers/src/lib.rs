//! Registers: canonical, append-only, verifiable lists of record.
//!
//! A register is a log of entries; each entry points at items (canonical JSON addressed by
//! SHA-256); a record is the newest entry for a key. The user log is a Merkle tree exactly as
//! RFC 9162 §2.1, with the hash of every complete subtree stored so that roots and proofs cost
//! O(log n). Registers import and export RSF byte-compatibly with GOV.UK Registers v1, and the
//! instance signs checkpoints. Use [`Registers`] as a library; the `http` feature adds the
//! openregister-shaped HTTP API.
#![warn(missing_docs)]

mod append;
pub mod canonical;
pub mod checkpoint;
pub mod entry;
mod error;
pub mod merkle;
mod read;
mod register;
pub mod rsf;
mod rsf_io;
pub mod schema;
mod sql;
pub mod testing;
mod verify;
mod view;
mod writer;

#[cfg(feature = "http")]
pub mod api;

pub use append::{AppendReceipt, NewEntry};
pub use canonical::{Item, ItemHash};
pub use checkpoint::{Checkpoint, CheckpointSigner, verify_checkpoint};
pub use entry::{Entry, Log};
pub use error::{RegisterError, Result};
pub use read::Record;
pub use register::{Owner, RegisterInfo, RegisterName, Registers};
pub use rsf_io::ImportReport;
pub use verify::{Alteration, VerifyReport, verify_rsf};
