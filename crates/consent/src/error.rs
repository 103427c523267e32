//! The one error type of the consent brick. Refusals (no grant, expired, revoked, a field not
//! granted, …) are variants of their own so callers and the HTTP edge can tell them apart; the
//! text of a refusal is also the reason written in the access log.

use registers::RegisterError;

/// Everything a consent operation can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// No grant with that id for this citizen (or none at all): nothing may be read.
    #[error("no consent grant")]
    NoGrant,
    /// The grant belongs to another council or service than the one reading.
    #[error("the consent grant was given to another council or service")]
    GrantForAnotherService,
    /// The citizen has not agreed (the request is unanswered or was declined).
    #[error("the citizen has not agreed to this request")]
    NotGranted,
    /// The grant's expiry has passed.
    #[error("the consent grant has expired")]
    Expired,
    /// The citizen revoked the grant.
    #[error("the citizen revoked the consent grant")]
    Revoked,
    /// The grant does not cover this register.
    #[error("the consent grant does not cover the register {0:?}")]
    RegisterNotGranted(String),
    /// The grant covers the register but not this field.
    #[error("the consent grant does not cover the field {0:?}")]
    FieldNotGranted(String),
    /// No such register or record.
    #[error("not found: {0}")]
    NotFound(String),
    /// No request or grant with that id belongs to this citizen (another citizen's is never shown).
    #[error("no such consent request")]
    UnknownRequest,
    /// The request was already answered.
    #[error("this request was already answered")]
    AlreadyDecided,
    /// Only a granted grant can be revoked.
    #[error("only an active grant can be revoked")]
    NotRevocable,
    /// The request is malformed (empty purpose, unknown field, a foreign redirect, …).
    #[error("invalid consent request: {0}")]
    InvalidRequest(String),
    /// A staff role that does not read citizens' records.
    #[error("the staff role {0:?} may not read citizens' records")]
    RoleNotAllowed(String),
    /// Staff of one council reading another council's register.
    #[error("the register belongs to another council")]
    OtherCouncilsRegister,
    /// The registers brick failed.
    #[error("register error: {0}")]
    Register(#[from] RegisterError),
    /// The store failed (the access log could not be written, so nothing was returned).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The access log's group commit failed (or its writer stopped): the read's log row was not
    /// stored, so its data was not returned.
    #[error("the access log could not be written: {0}")]
    LogNotWritten(String),
    /// The store failed above single queries.
    #[error("{0}")]
    Store(#[from] store::StoreError),
    /// A stored row cannot be understood.
    #[error("stored consent data is corrupt: {0}")]
    Corrupt(String),
}

impl ConsentError {
    /// Whether this is a refusal of a read (logged as refused) rather than a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ConsentError::NoGrant
                | ConsentError::GrantForAnotherService
                | ConsentError::NotGranted
                | ConsentError::Expired
                | ConsentError::Revoked
                | ConsentError::RegisterNotGranted(_)
                | ConsentError::FieldNotGranted(_)
                | ConsentError::NotFound(_)
                | ConsentError::RoleNotAllowed(_)
                | ConsentError::OtherCouncilsRegister
        )
    }
}

/// Shorthand for results in this brick.
pub type Result<T, E = ConsentError> = std::result::Result<T, E>;
