//! The one error type of the parking brick; the HTTP edge of whoever serves it maps each variant
//! to a status once (bad input 4xx, store failures 5xx).

use crate::registration::RegistrationError;

/// Everything the parking registers can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum ParkingError {
    /// A registration number is not in any UK format.
    #[error("{0}")]
    Registration(#[from] RegistrationError),
    /// A value given for a field is malformed; names the register and field.
    #[error("{register} register, field {field:?}: {problem}")]
    InvalidField {
        /// The register the value is for.
        register: &'static str,
        /// The field at fault.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No address with this UPRN in the address register.
    #[error("no address with UPRN {0} in the address register")]
    UnknownAddress(String),
    /// The address is in no parking zone of the council.
    #[error("the address with UPRN {0} is not in any of the council's parking zones")]
    NoZone(String),
    /// The zone named is not one of the council's current zones.
    #[error("no current parking zone {0:?}")]
    UnknownZone(String),
    /// The address already holds as many permits as its zone allows.
    #[error("zone {zone} allows {allowed} permits per address and this address holds {held}")]
    PermitLimit {
        /// The zone.
        zone: String,
        /// Its limit.
        allowed: u32,
        /// Permits the address holds now.
        held: u32,
    },
    /// Another request is issuing the permit for this application right now; ask again shortly.
    #[error("the permit for application {0:?} is being issued by another request; try again in a moment")]
    IssueInProgress(String),
    /// A permit number derived from this application is held by another application.
    #[error("permit number {number} already belongs to application {other:?}")]
    PermitNumberTaken {
        /// The number.
        number: String,
        /// The application that holds it.
        other: String,
    },
    /// Generated data would overwrite a record already in a national register.
    #[error("the {register} register already holds key {key:?}; choose another seed")]
    KeyExists {
        /// Which register.
        register: &'static str,
        /// The key.
        key: String,
    },
    /// A register refused or failed.
    #[error("{0}")]
    Register(#[from] registers::RegisterError),
    /// The address brick refused or failed.
    #[error("{0}")]
    Address(#[from] addresses::AddressError),
    /// The area view refused or failed.
    #[error("{0}")]
    Area(#[from] areas::AreaError),
    /// The store failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl ParkingError {
    /// Whether the caller's input is at fault (a 4xx), rather than the system (a 5xx).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ParkingError::Register(_) | ParkingError::Database(_) | ParkingError::Area(_))
    }
}

/// Shorthand for results in this brick.
pub type Result<T, E = ParkingError> = std::result::Result<T, E>;
