//! The one error type of the registers brick; the HTTP edge maps each variant to a status once.

use crate::rsf::LineError;
use crate::schema::SchemaError;

/// Everything a register operation can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// No such register for this owner.
    #[error("no register named {0:?}")]
    UnknownRegister(String),
    /// A register of that name already exists for this owner.
    #[error("a register named {0:?} already exists")]
    DuplicateRegister(String),
    /// A register name is not lower-case letters, digits and hyphens.
    #[error("invalid register name {0:?}: use 1-100 lower-case letters, digits and hyphens")]
    InvalidName(String),
    /// No record for that key.
    #[error("no record with key {0:?}")]
    UnknownRecord(String),
    /// No entry with that number.
    #[error("no entry number {number}: the register has {size} entries")]
    UnknownEntry {
        /// The number asked for.
        number: u64,
        /// How many there are.
        size: u64,
    },
    /// No item with that hash in this register.
    #[error("no item {0} in this register")]
    UnknownItem(String),
    /// A proof or root was asked for beyond the register's size, or with sizes out of order.
    #[error("{0}")]
    BadProofRequest(String),
    /// An entry or item given to append is malformed.
    #[error("{0}")]
    InvalidEntry(String),
    /// An item does not fit the register's fields.
    #[error("{0}")]
    Schema(#[from] SchemaError),
    /// A line of an RSF file is malformed, fails an assertion, or does not fit the register; nothing was imported.
    #[error("{0}; nothing was imported")]
    Rsf(LineError),
    /// The API key is missing, unknown or for another register.
    #[error("a valid custodian API key for register {0:?} is required")]
    Unauthorised(String),
    /// Reading the input failed.
    #[error("reading input: {0}")]
    Io(#[from] std::io::Error),
    /// The store failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The store failed at a level above single queries.
    #[error("{0}")]
    Store(#[from] store::StoreError),
    /// A background task of this brick failed (a bug, not bad input).
    #[error("internal error: {0}")]
    Internal(String),
    /// Stored data does not hash to what it should: the register was altered outside Guildhall.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<crate::rsf::ReadError> for RegisterError {
    fn from(e: crate::rsf::ReadError) -> Self {
        match e {
            crate::rsf::ReadError::Io(e) => RegisterError::Io(e),
            crate::rsf::ReadError::Line(l) => RegisterError::Rsf(l),
        }
    }
}

/// Shorthand for results in this brick.
pub type Result<T, E = RegisterError> = std::result::Result<T, E>;
