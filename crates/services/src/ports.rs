//! The traits through which the engine reaches other bricks: register reads under consent,
//! address look-up, fees, notifications and outputs. The binary implements them over
//! `consent`, `addresses`, `payments`, `notifications` and `registers`; `testing.rs` has
//! implementations over a real registers store for the engine's own tests.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value};
use store::CouncilId;

use crate::definition::{Recipient, RegisterOwner};

/// A boxed future, so the traits stay object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why another brick could not do what the engine asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// The citizen has not given (or has revoked) consent to read this register.
    #[error("no consent to read the {register} register")]
    NoConsent {
        /// The register.
        register: String,
    },
    /// The brick failed; the engine retries later or reports it.
    #[error("{0}")]
    Failed(String),
}

/// A register read a check asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRequest {
    /// The council running the service.
    pub council: CouncilId,
    /// The service's slug and name, as the access log shows them.
    pub service: String,
    /// The service's name.
    pub service_name: String,
    /// The citizen the read is about.
    pub citizen: String,
    /// The register.
    pub register: String,
    /// National or the council's.
    pub owner: RegisterOwner,
    /// The key (or, with `by`, the value the field must hold).
    pub key: String,
    /// Look up by this field instead of by key.
    pub by: Option<String>,
    /// The fields wanted.
    pub fields: Vec<String>,
    /// The purpose consented to; None for registers without personal data.
    pub purpose: Option<String>,
}

/// A record as read, with what proves which version was read.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRead {
    /// The record's key.
    pub key: String,
    /// The entry number read.
    pub entry_number: u64,
    /// The fields read.
    pub fields: Map<String, Value>,
    /// The access-log row written for the read, when it was under consent.
    pub access_log_id: Option<i64>,
}

/// Reads register records for checks (in the binary: `consent::Consent::read`).
pub trait RecordSource: Send + Sync {
    /// The record, None when there is none for the key.
    fn read<'a>(&'a self, request: &'a RecordRequest) -> BoxFuture<'a, Result<Option<RecordRead>, PortError>>;
}

/// One address, as the postcode-then-choose-address question offers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Address {
    /// Unique Property Reference Number.
    pub uprn: String,
    /// Unique Street Reference Number of its street.
    pub usrn: String,
    /// One line, as shown in the list.
    pub text: String,
    /// Its postcode, normalised (`ZX1 1AA`).
    pub postcode: String,
}

/// Addresses in a postcode (in the binary: the addresses brick).
pub trait AddressBook: Send + Sync {
    /// Every address in the postcode, in natural order.
    fn in_postcode<'a>(
        &'a self,
        council: CouncilId,
        postcode: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Address>, PortError>>;
}

/// A payment to start for an application's fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The council taking it.
    pub council: CouncilId,
    /// The application (also the idempotency key: one payment per application).
    pub application: String,
    /// Amount in pence.
    pub pence: i64,
    /// What it is for.
    pub description: String,
    /// Where the payment pages send the citizen back to.
    pub return_url: String,
}

/// A started payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStart {
    /// The payments platform's id.
    pub payment_id: String,
    /// Where to send the citizen to pay.
    pub next_url: String,
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    /// Not finished.
    Pending,
    /// Paid this many pence.
    Paid(i64),
    /// Failed, cancelled or expired: a new one may be started.
    Failed,
}

/// Takes fees (in the binary: the payments brick).
pub trait FeeCollector: Send + Sync {
    /// Starts a payment.
    fn start<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentStart, PortError>>;
    /// Where a payment stands.
    fn state<'a>(&'a self, council: CouncilId, payment_id: &'a str) -> BoxFuture<'a, Result<PaymentState, PortError>>;
}

/// A notification to send.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRequest {
    /// The council sending it.
    pub council: CouncilId,
    /// To the citizen or the council.
    pub to: Recipient,
    /// The citizen the case is about.
    pub citizen: String,
    /// The citizen's email address, when the service asked for one.
    pub email: Option<String>,
    /// The template reference.
    pub template: String,
    /// Values for the template (reference, service, reasons, answers).
    pub personalisation: Map<String, Value>,
    /// Sent at most once per key.
    pub idempotency_key: String,
}

/// Sends notifications (in the binary: the notifications brick).
pub trait Notifier: Send + Sync {
    /// Sends (or enqueues) it; returns the notification id.
    fn send<'a>(&'a self, request: &'a NotificationRequest) -> BoxFuture<'a, Result<String, PortError>>;
}

/// An entry to append to a register.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterOutput {
    /// The council.
    pub council: CouncilId,
    /// The register.
    pub register: String,
    /// National or the council's.
    pub owner: RegisterOwner,
    /// The entry key.
    pub key: String,
    /// The item.
    pub item: Map<String, Value>,
    /// Appended at most once per key.
    pub idempotency_key: String,
}

/// What an append produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutputReceipt {
    /// The entry number given.
    pub entry_number: u64,
    /// A link where the entry (and its proof) can be read.
    pub link: String,
}

/// A webhook call.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookOutput {
    /// The council.
    pub council: CouncilId,
    /// Where.
    pub url: String,
    /// The JSON body.
    pub body: Value,
    /// Sent as `Idempotency-Key`.
    pub idempotency_key: String,
}

/// Carries outputs out (in the binary: registers and an HTTP client).
pub trait OutputSink: Send + Sync {
    /// Appends an entry.
    fn append<'a>(&'a self, output: &'a RegisterOutput) -> BoxFuture<'a, Result<OutputReceipt, PortError>>;
    /// Calls a webhook; returns the status.
    fn webhook<'a>(&'a self, output: &'a WebhookOutput) -> BoxFuture<'a, Result<u16, PortError>>;
}

/// One register read a service's checks make under consent, as the citizen is asked to agree to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRead {
    /// The register.
    pub register: String,
    /// National or the council's.
    pub owner: RegisterOwner,
    /// The fields the check reads (and the only ones to grant).
    pub fields: Vec<String>,
    /// Why, in the service's words.
    pub purpose: String,
}

/// What a service asks consent for before it submits an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentAsk {
    /// The council running the service.
    pub council: CouncilId,
    /// The service's slug.
    pub service: String,
    /// The service's name, as the consent page shows it.
    pub service_name: String,
    /// The citizen asked.
    pub citizen: String,
    /// Every read the checks will make under consent.
    pub reads: Vec<ConsentRead>,
    /// Where the consent page sends the citizen back to, agreed or not (a path on this site).
    pub return_to: String,
}

/// Asks a citizen for consent before the checks read registers about them (in the binary:
/// the consent brick's request page). The pages ask it; the engine itself only reads.
pub trait ConsentPrompt: Send + Sync {
    /// Ok(None) when the citizen has live consent for every read; Ok(Some(url)) where to send
    /// them to agree (their answer returns them to `request.return_to`).
    fn ask<'a>(&'a self, request: &'a ConsentAsk) -> BoxFuture<'a, Result<Option<String>, PortError>>;
}
