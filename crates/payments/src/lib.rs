//! The payments brick: GOV.UK Pay's API v1 for every council of an instance.
//!
//! - [`Payments`] holds the domain rules: API keys, payments and their states, captures,
//!   refunds that never exceed what was captured, expiry after 90 minutes, the ledger and
//!   webhooks. It knows nothing of HTTP.
//! - [`api::router`] speaks Pay's API v1 (`/v1/payments`, `/v1/refunds`) with its shapes,
//!   error codes and `Idempotency-Key` semantics.
//! - [`pages::router`] serves the hosted card pages in the council's GOV.UK layout.
//! - [`CardProvider`] is the seam to card processors: [`Sandbox`] behaves like Pay's test
//!   cards, [`StripeProvider`] talks to a Stripe-shaped HTTP API.
#![warn(missing_docs)]

pub mod api;
pub mod card;
mod error;
pub mod keys;
pub mod ledger;
mod model;
pub mod pages;
mod payments;
pub mod provider;
mod settlement_page;
mod validate;
pub mod webhooks;
pub mod words;

pub use card::{CardBrand, CardNumber};
pub use error::PayError;
pub use keys::KeyType;
pub use model::{
    BillingAddress, Caller, Clock, EXPIRY_MINUTES, FailureCode, Payment, PaymentEvent, PaymentState, Refund,
    RefundStatus,
};
pub use payments::{CardSubmission, CreatePayment, PaymentSearch, Payments, RefundSearch, SearchPage, SubmitOutcome};
pub use provider::{Authorisation, CardProvider, ProviderError, Sandbox, StripeProvider, THREE_DS_CARD};
pub use validate::FieldError;
