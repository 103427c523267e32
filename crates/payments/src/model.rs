//! The domain's nouns: payments and their states, refunds, events, the caller an API key
//! stands for, and the clock (which tests move forward to expire payments).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use rand::Rng;
use serde::{Deserialize, Serialize};
use store::CouncilId;
use time::OffsetDateTime;

use crate::keys::KeyType;

/// A payment not finished this many minutes after it was created fails with P0020.
pub const EXPIRY_MINUTES: i64 = 90;

/// Who is calling the API: the council the key belongs to and whether it is a test key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The council whose payments the key reaches (and only those).
    pub council_id: CouncilId,
    /// Test keys see test payments (sandbox provider); live keys see live ones.
    pub key_type: KeyType,
}

/// Pay's payment states, in the order a payment moves through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentState {
    /// Created by the service; the citizen has not opened `next_url` yet.
    Created,
    /// The citizen opened the card page.
    Started,
    /// The card was authorised; waiting for the citizen to confirm.
    Submitted,
    /// Confirmed with `delayed_capture`: waiting for the service to capture.
    Capturable,
    /// Money taken.
    Success,
    /// Declined, expired, or cancelled by the citizen.
    Failed,
    /// Cancelled by the service.
    Cancelled,
    /// The card provider failed.
    Error,
}

impl PaymentState {
    /// The state's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Created => "created",
            PaymentState::Started => "started",
            PaymentState::Submitted => "submitted",
            PaymentState::Capturable => "capturable",
            PaymentState::Success => "success",
            PaymentState::Failed => "failed",
            PaymentState::Cancelled => "cancelled",
            PaymentState::Error => "error",
        }
    }

    /// Parses a state name.
    pub fn parse(s: &str) -> Option<PaymentState> {
        Some(match s {
            "created" => PaymentState::Created,
            "started" => PaymentState::Started,
            "submitted" => PaymentState::Submitted,
            "capturable" => PaymentState::Capturable,
            "success" => PaymentState::Success,
            "failed" => PaymentState::Failed,
            "cancelled" => PaymentState::Cancelled,
            "error" => PaymentState::Error,
            _ => return None,
        })
    }

    /// Whether nothing more can happen to the payment (Pay's `finished`).
    pub fn finished(self) -> bool {
        matches!(self, PaymentState::Success | PaymentState::Failed | PaymentState::Cancelled | PaymentState::Error)
    }

    /// Whether it can still expire or be cancelled (the citizen has not finished).
    pub fn in_progress(self) -> bool {
        matches!(self, PaymentState::Created | PaymentState::Started | PaymentState::Submitted)
    }
}

/// Pay's failure codes, carried in `state.code` with `state.message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCode {
    /// P0010: the card was declined.
    Rejected,
    /// P0020: not finished within 90 minutes.
    Expired,
    /// P0030: the citizen cancelled.
    CancelledByUser,
    /// P0040: the service cancelled.
    CancelledByService,
    /// P0050: the card provider failed.
    ProviderError,
}

impl FailureCode {
    /// The code (`P0010` …).
    pub fn code(self) -> &'static str {
        match self {
            FailureCode::Rejected => "P0010",
            FailureCode::Expired => "P0020",
            FailureCode::CancelledByUser => "P0030",
            FailureCode::CancelledByService => "P0040",
            FailureCode::ProviderError => "P0050",
        }
    }

    /// Pay's message for it.
    pub fn message(self) -> &'static str {
        match self {
            FailureCode::Rejected => "Payment method rejected",
            FailureCode::Expired => "Payment expired",
            FailureCode::CancelledByUser => "Payment was cancelled by the user",
            FailureCode::CancelledByService => "Payment was cancelled by the service",
            FailureCode::ProviderError => "Payment provider returned an error",
        }
    }

    /// The failure with this code.
    pub fn parse(code: &str) -> Option<FailureCode> {
        Some(match code {
            "P0010" => FailureCode::Rejected,
            "P0020" => FailureCode::Expired,
            "P0030" => FailureCode::CancelledByUser,
            "P0040" => FailureCode::CancelledByService,
            "P0050" => FailureCode::ProviderError,
            _ => return None,
        })
    }
}

/// The billing address the citizen typed (or the service prefilled). A part not given is left
/// out of the JSON, not null: Pay's `Address` has every part as a string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddress {
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// Postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// Town or city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A payment as stored: what the service asked for, where it is, and the card summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// Pay-style id (26 lower-case letters and digits).
    pub id: String,
    /// The council it belongs to.
    pub council_id: CouncilId,
    /// Test or live.
    pub key_type: KeyType,
    /// In pence.
    pub amount: i64,
    /// The service's reference (not unique).
    pub reference: String,
    /// What the citizen is paying for.
    pub description: String,
    /// Where the citizen goes when the journey ends.
    pub return_url: String,
    /// The citizen's email, if the service gave it.
    pub email: Option<String>,
    /// `en` or `cy`.
    pub language: String,
    /// Whether the service captures the payment itself.
    pub delayed_capture: bool,
    /// The service's metadata (fund and cost centre for the ledger).
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// Prefilled cardholder details.
    pub prefilled: Option<serde_json::Value>,
    /// Where it is.
    pub state: PaymentState,
    /// Why it failed, if it did.
    pub failure: Option<FailureCode>,
    /// Brand of the card used (never the number).
    pub card_brand: Option<String>,
    /// Last four digits of the card used.
    pub last_digits: Option<String>,
    /// `MM/YY`.
    pub expiry_date: Option<String>,
    /// The name on the card.
    pub cardholder_name: Option<String>,
    /// The billing address given.
    pub billing_address: Option<BillingAddress>,
    /// Which provider processes it (`sandbox`, `stripe`).
    pub provider: String,
    /// The provider's id for it.
    pub provider_id: Option<String>,
    /// Whether the `next_url` is still unused.
    pub next_url_token: Option<String>,
    /// Captured so far, in pence.
    pub captured_amount: i64,
    /// Refunded so far, in pence.
    pub refunded_amount: i64,
    /// When it was created (`YYYY-MM-DDThh:mm:ss.sssZ`).
    pub created_at: String,
    /// The card's issuer asked for a 3-D Secure challenge that the citizen has not answered
    /// yet (the payment stays `started`, as Pay shows it, until they do).
    pub challenge_pending: bool,
    /// Where that challenge happens when it is the bank's own page (a provider's redirect), so
    /// a citizen who reloads the card page is sent back there; None for the hosted `/3ds` step.
    pub challenge_url: Option<String>,
}

impl Payment {
    /// What may still be refunded.
    pub fn refund_available(&self) -> i64 {
        if self.state == PaymentState::Success { self.captured_amount - self.refunded_amount } else { 0 }
    }

    /// Pay's `refund_summary.status`.
    pub fn refund_status(&self) -> &'static str {
        match self.state {
            PaymentState::Success if self.refund_available() > 0 => "available",
            PaymentState::Success => "full",
            s if s.finished() => "unavailable",
            _ => "pending",
        }
    }
}

/// One state change of a payment (`/events`).
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentEvent {
    /// The state entered.
    pub state: PaymentState,
    /// The failure code, when it entered a failed state.
    pub failure: Option<FailureCode>,
    /// When.
    pub updated: String,
}

/// Pay's refund statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    /// Sent to the provider.
    Submitted,
    /// Refunded.
    Success,
    /// The provider refused it.
    Error,
}

impl RefundStatus {
    /// The status on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Submitted => "submitted",
            RefundStatus::Success => "success",
            RefundStatus::Error => "error",
        }
    }

    /// Parses a status.
    pub fn parse(s: &str) -> RefundStatus {
        match s {
            "success" => RefundStatus::Success,
            "error" => RefundStatus::Error,
            _ => RefundStatus::Submitted,
        }
    }
}

/// A refund of (part of) a payment.
#[derive(Debug, Clone, PartialEq)]
pub struct Refund {
    /// Pay-style id.
    pub id: String,
    /// The payment refunded.
    pub payment_id: String,
    /// In pence.
    pub amount: i64,
    /// Where it is.
    pub status: RefundStatus,
    /// When it was asked for.
    pub created_at: String,
}

/// The time as the brick sees it: the system clock plus an offset that tests move forward
/// (to expire a payment without waiting 90 minutes). Cheap to clone; clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    /// Now.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.offset_seconds.load(Ordering::SeqCst))
    }

    /// Moves the clock forward (tests, demos).
    pub fn advance(&self, by: time::Duration) {
        self.offset_seconds.fetch_add(by.whole_seconds(), Ordering::SeqCst);
    }

    /// Now as Pay writes dates.
    pub fn timestamp(&self) -> String {
        format_timestamp(self.now())
    }
}

/// `YYYY-MM-DDThh:mm:ss.sssZ` in UTC: Pay's format, and sortable as text.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(&format).unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// Parses `YYYY-MM-DDThh:mm:ssZ` or with milliseconds, as search parameters give dates.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A fresh Pay-style id: 26 lower-case letters and digits.
pub fn new_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..26).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A fresh unguessable token for links (43 URL-safe characters).
pub fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
