//! Notify's rate limits, counted in the database so that every `guildhall serve` node sharing it
//! sees the same counts: a token bucket per API key (3,000 requests a minute by default, Notify's
//! `RateLimitError`) and a daily allowance per service for live and team keys (Notify's
//! `TooManyRequestsError`). Test keys count towards the bucket but not the daily allowance, as in Notify.
//! The charging itself happens in the group-commit writer (`outbox`), in the transaction that
//! stores the notifications, so a refused request stores nothing and an accepted one is counted.

use crate::auth::KeyType;

/// How much a key and a service may send. Notify's defaults are 3,000 requests a minute per key
/// and 250,000 notifications a day per live service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// Bucket size and refill per minute for each API key; `None` switches the bucket off.
    pub per_key_per_minute: Option<u32>,
    /// Notifications a service may send in a UTC day with live and team keys; `None` switches it off.
    pub daily_per_service: Option<i64>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { per_key_per_minute: Some(3000), daily_per_service: Some(250_000) }
    }
}

impl RateLimits {
    /// No limits at all (benchmarks, or an instance with its own front-door limiting).
    pub fn unlimited() -> Self {
        RateLimits { per_key_per_minute: None, daily_per_service: None }
    }
}

pub(crate) fn key_type_label(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Live => "LIVE",
        KeyType::Team => "TEAM",
        KeyType::Test => "TEST",
    }
}

pub(crate) fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
