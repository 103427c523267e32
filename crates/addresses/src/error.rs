//! The one error type of the addresses crate: bad values (naming the field), register failures and
//! input failures. Row-level rejections during an import are reported, not raised: see `import`.

use registers::RegisterError;

/// Everything reading, building or storing an address or street can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    /// A required field is missing or empty.
    #[error("field {0:?} is required")]
    MissingField(String),
    /// A field holds a value it cannot hold; `reason` says what was expected.
    #[error("field {field:?}: {value:?} {reason}")]
    InvalidField {
        /// The field (register field name or CSV column).
        field: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An item is not a JSON object of string values.
    #[error("an address item must be a JSON object of strings: {0}")]
    NotAnItem(String),
    /// The register refused or failed.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being read or written.
        context: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The input file is not usable at all (no header, wrong columns, unreadable CSV, too many bad
    /// rows); nothing was imported.
    #[error("{0}; nothing was imported")]
    BadFile(String),
}

impl AddressError {
    /// An invalid-field error, for brevity at call sites.
    pub(crate) fn invalid(field: &str, value: &str, reason: impl Into<String>) -> AddressError {
        AddressError::InvalidField { field: field.to_string(), value: value.to_string(), reason: reason.into() }
    }

    /// The field an error is about, when it is about one (for import reports).
    pub fn field(&self) -> Option<&str> {
        match self {
            AddressError::MissingField(f) => Some(f),
            AddressError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }
}
