//! The engine's typed errors; the HTTP edge maps each to a status and a message once.

use crate::answers::FieldError;
use crate::definition::DefinitionError;
use crate::ports::PortError;

/// What can go wrong running a service.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A definition did not check; every error has its line.
    #[error("the definition has {} error(s): {}", .0.len(), .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    InvalidDefinition(Vec<DefinitionError>),
    /// No such service at this council.
    #[error("no service {0:?} at this council")]
    UnknownService(String),
    /// No such application for this citizen at this council (or it belongs to someone else).
    #[error("no such application")]
    UnknownApplication,
    /// No such case at this council.
    #[error("no such case")]
    UnknownCase,
    /// The page is not part of this application's flow (a tampered or stale form).
    #[error("the page {0:?} is not one this application asks")]
    PageNotInFlow(String),
    /// An answer is wrong; the page shows the message.
    #[error("{}", .0.message)]
    Answer(FieldError),
    /// Questions still to answer before submitting.
    #[error("answer every question before submitting: {}", .0.join(", "))]
    Unanswered(Vec<String>),
    /// The application was already submitted; answers can no longer change.
    #[error("this application has already been sent")]
    AlreadySubmitted,
    /// The fee has not been paid.
    #[error("the fee has not been paid")]
    FeeUnpaid,
    /// A register check needs the citizen's consent first.
    #[error("consent is needed to read the {0} register")]
    ConsentNeeded(String),
    /// The case is not in a state that allows this (e.g. deciding a case already decided).
    #[error("the case is {0}, so this cannot be done")]
    WrongState(String),
    /// A reason is required (refusing, or approving against failed checks).
    #[error("give a reason")]
    ReasonRequired,
    /// Another brick failed.
    #[error("{0}")]
    Port(#[from] PortError),
    /// A stored row could not be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The group commit this write was part of failed (or the engine's writer stopped): nothing
    /// of it was stored, and the caller may try again.
    #[error("the write was not stored: {0}")]
    BatchFailed(String),
    /// The store failed (migrations).
    #[error("{0}")]
    Store(#[from] store::StoreError),
}

impl From<store::group_commit::WriteError> for ServiceError {
    /// A write's own failed statement is a database error; a failed batch (or a stopped writer)
    /// is [`ServiceError::BatchFailed`], which the caller may retry.
    fn from(e: store::group_commit::WriteError) -> Self {
        match e {
            store::group_commit::WriteError::Statement(e) => ServiceError::Database(e),
            store::group_commit::WriteError::Batch(m) => ServiceError::BatchFailed(m),
        }
    }
}

/// The engine's result.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
