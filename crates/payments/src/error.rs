//! The brick's errors. Each says what went wrong in the domain's words; the HTTP module maps
//! them to Pay's status codes, error codes and `{field, code, description}` bodies.

use crate::validate::FieldError;

/// Which API operation a missing payment was asked for: Pay gives each its own error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `GET /v1/payments/{id}`.
    Get,
    /// `GET /v1/payments/{id}/events`.
    Events,
    /// `POST /v1/payments/{id}/cancel`.
    Cancel,
    /// `POST /v1/payments/{id}/capture`.
    Capture,
    /// `POST /v1/payments/{id}/refunds`.
    Refund,
    /// `GET /v1/payments/{id}/refunds`.
    Refunds,
    /// `GET /v1/payments/{id}/refunds/{refund_id}`.
    GetRefund,
}

/// What can go wrong in the payments brick.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// No API key, or one that is not ours, revoked, or fails its checksum.
    #[error("API key missing or invalid")]
    Unauthorized,
    /// The request body was not JSON.
    #[error("Unable to parse JSON")]
    BadJson,
    /// A field was missing or invalid.
    #[error("{0}")]
    Field(FieldError),
    /// The same `Idempotency-Key` was sent before with a different body.
    #[error("The Idempotency-Key you sent was already used to create a different payment")]
    IdempotencyConflict,
    /// No payment with that id for this council and key type.
    #[error("Not found")]
    PaymentNotFound(Operation),
    /// No refund with that id on that payment.
    #[error("Not found")]
    RefundNotFound,
    /// The payment is finished, so it cannot be cancelled.
    #[error("Cancellation of payment failed")]
    CannotCancel,
    /// The payment is not waiting for capture.
    #[error("Capture of payment failed")]
    CannotCapture,
    /// Refund asked for more than is left, or the payment is not refundable.
    #[error("The payment is not available for refund. Payment refund status: {0}")]
    RefundNotAvailable(String),
    /// `refund_amount_available` did not match what is left to refund.
    #[error("Refund amount available mismatch.")]
    RefundAmountMismatch,
    /// The card processor failed.
    #[error("payment provider error: {0}")]
    Provider(#[from] crate::provider::ProviderError),
    /// The hosted-page link was used already, expired, or never existed.
    #[error("this payment link has already been used or has expired")]
    LinkUsed,
    /// An unknown council.
    #[error("no council with slug {0:?}")]
    UnknownCouncil(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The store failed (migrations, councils).
    #[error("store error: {0}")]
    Store(#[from] store::StoreError),
}

/// Results of the brick.
pub type Result<T> = std::result::Result<T, PayError>;
