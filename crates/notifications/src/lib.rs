//! Notifications for Guildhall, wire-compatible with GOV.UK Notify's API v2, so that Notify's
//! official clients work unchanged against a self-hosted instance.
//!
//! A Notify *service* belongs to a council and has API keys (live, team, test) and versioned
//! templates (email, SMS, letter). Sending commits a notification row first (the durable outbox)
//! and returns; workers claim rows and hand them to provider chains that fail over and record
//! which provider sent. Test keys never deliver: their notifications get Notify's simulated
//! statuses. The `http` feature adds the Notify-shaped HTTP API.
#![warn(missing_docs)]

#[cfg(feature = "http")]
pub mod api;
pub mod auth;
mod bulk;
mod cache;
mod callbacks;
pub mod delivery;
#[cfg(feature = "pages")]
mod downloads;
mod error;
mod files;
mod http_providers;
mod inbound;
mod limits;
mod notify;
mod outbox;
#[cfg(feature = "pages")]
pub mod pages;
mod precompiled;
#[cfg(feature = "http")]
pub mod receipts;
#[cfg(feature = "smtp")]
pub mod smtp;
mod staff;
mod team;
pub mod template;
pub mod testing;
pub mod validate;

pub use auth::KeyType;
pub use bulk::{BulkRequest, Job, MAX_BULK_ROWS, parse_csv};
pub use callbacks::DeliveryStatusCallback;
pub use delivery::{
    EmailProvider, LetterProvider, Outgoing, ProviderError, Providers, SandboxMessage, SandboxProvider, SendOutcome,
    SmsProvider, Worker, WorkerConfig,
};
pub use error::{NotifyError, Result};
pub use files::{DownloadFile, MAX_FILE_BYTES};
pub use http_providers::{FiretextSms, PrintApiLetters, Receipt};
pub use inbound::ReceivedText;
pub use limits::RateLimits;
pub use notify::{
    Caller, ListFilter, Notification, Notify, NotifyConfig, PAGE_SIZE, Preview, SendRequest, Template, timestamp,
};
pub use precompiled::{MAX_PDF_BYTES, PRECOMPILED_TEMPLATE_ID, PrecompiledLetter};
#[cfg(feature = "smtp")]
pub use smtp::SmtpProvider;
pub use staff::ServiceSummary;
pub use template::TemplateType;
