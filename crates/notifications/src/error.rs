//! The brick's errors. Those a caller of the API can cause carry Notify's error type and message,
//! so the HTTP layer only has to put them into Notify's `{"status_code", "errors"}` body.

use crate::auth::AuthFailure;

/// Result with a [`NotifyError`].
pub type Result<T> = std::result::Result<T, NotifyError>;

/// What can go wrong in the notifications brick.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The bearer token was refused (Notify's `AuthError`).
    #[error("{0}")]
    Auth(#[from] AuthFailure),
    /// A request Notify answers with `BadRequestError` (400), such as missing personalisation.
    #[error("{0}")]
    BadRequest(String),
    /// A request that fails Notify's schema checks (`ValidationError`, 400), such as a bad email address.
    #[error("{0}")]
    Validation(String),
    /// No such notification or template for this service (`NoResultFound`, 404).
    #[error("No result found")]
    NotFound,
    /// Rows of a bulk send that failed their checks, one message each ("Row 3 - …"); nothing was stored.
    #[error("{} rows have errors: {}", .0.len(), .0.join("; "))]
    Rows(Vec<String>),
    /// The key's token bucket is empty (Notify's `RateLimitError`, 429).
    #[error("{0}")]
    RateLimit(String),
    /// The service has sent its daily allowance (Notify's `TooManyRequestsError`, 429).
    #[error("{0}")]
    TooManyRequests(String),
    /// A service id given to the library (for example by the CLI) that names no service.
    #[error("no notify service with id {0}")]
    UnknownService(String),
    /// Bad arguments given to the library (for example by the CLI), naming what is wrong.
    #[error("{0}")]
    InvalidArgument(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The group-commit writer task is not running (its runtime shut down).
    #[error("the notification writer has stopped")]
    WriterStopped,
    /// The transaction a request's notification was batched into failed; nothing of it was stored.
    #[error("committing the batch failed: {0}")]
    BatchFailed(String),
    /// Stored JSON could not be read back.
    #[error("stored JSON is corrupt: {0}")]
    Json(#[from] serde_json::Error),
}

impl NotifyError {
    /// The HTTP status and Notify error type for this error; 500 for the store's own failures.
    pub fn notify_kind(&self) -> (u16, &'static str) {
        match self {
            NotifyError::Auth(a) => (a.status(), "AuthError"),
            NotifyError::BadRequest(_) | NotifyError::Rows(_) => (400, "BadRequestError"),
            NotifyError::Validation(_) | NotifyError::InvalidArgument(_) => (400, "ValidationError"),
            NotifyError::NotFound | NotifyError::UnknownService(_) => (404, "NoResultFound"),
            NotifyError::RateLimit(_) => (429, "RateLimitError"),
            NotifyError::TooManyRequests(_) => (429, "TooManyRequestsError"),
            NotifyError::Store(_)
            | NotifyError::Database(_)
            | NotifyError::Json(_)
            | NotifyError::WriterStopped
            | NotifyError::BatchFailed(_) => (500, "Exception"),
        }
    }
}
