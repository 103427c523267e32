//! Notify's rate limits, counted in the database so that every `guildhall serve` node sharing it
//! sees the same counts: a token bucket per API key (3,000 requests a minute by default, Notify's
//! `RateLimitError`) and a daily allowance per service for live and team keys (Notify's
//! `TooManyRequestsError`). Test keys count towards the bucket but not the daily allowance, as in Notify.

use sqlx::Row;

use crate::auth::KeyType;
use crate::error::{NotifyError, Result};
use crate::notify::{Caller, Notify};

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

fn key_type_label(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Live => "LIVE",
        KeyType::Team => "TEAM",
        KeyType::Test => "TEST",
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Notify {
    /// Takes one token from the caller's key bucket and, for live and team keys, one notification
    /// from the service's daily allowance; refuses with Notify's 429 errors when either is spent.
    /// One atomic statement each, so concurrent nodes never overspend.
    pub async fn charge_rate_limits(&self, caller: &Caller) -> Result<()> {
        let limits = self.rate_limits();
        if let Some(per_minute) = limits.per_key_per_minute {
            let capacity = f64::from(per_minute);
            let per_ms = capacity / 60_000.0;
            // Refill by the elapsed time (never negative if nodes' clocks differ), cap at the
            // bucket size, then take a token only if one is there.
            let refilled = "(CASE WHEN notify_rate_buckets.tokens + \
                 (CASE WHEN $4 > notify_rate_buckets.updated_ms THEN $4 - notify_rate_buckets.updated_ms ELSE 0 END) * $5 \
                 > $6 THEN $6 ELSE notify_rate_buckets.tokens + \
                 (CASE WHEN $4 > notify_rate_buckets.updated_ms THEN $4 - notify_rate_buckets.updated_ms ELSE 0 END) * $5 END)";
            let sql = format!(
                "INSERT INTO notify_rate_buckets (key_id, council_id, tokens, updated_ms) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key_id) DO UPDATE SET tokens = {refilled} - 1, \
                 updated_ms = CASE WHEN $4 > notify_rate_buckets.updated_ms THEN $4 ELSE notify_rate_buckets.updated_ms END \
                 WHERE {refilled} >= 1 RETURNING tokens"
            );
            let taken = sqlx::query(&sql)
                .bind(&caller.key_id)
                .bind(caller.council_id.0)
                .bind(capacity - 1.0)
                .bind(now_ms())
                .bind(per_ms)
                .bind(capacity)
                .fetch_optional(self.store().pool())
                .await?;
            if taken.is_none() {
                return Err(NotifyError::RateLimit(format!(
                    "Exceeded rate limit for key type {} of {per_minute} requests per 60 seconds",
                    key_type_label(caller.key_type)
                )));
            }
        }
        if let Some(daily) = limits.daily_per_service
            && caller.key_type != KeyType::Test
        {
            let counted = sqlx::query(
                "INSERT INTO notify_daily_counts (service_id, day, council_id, sent) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (service_id, day) DO UPDATE SET sent = notify_daily_counts.sent + 1 \
                 WHERE notify_daily_counts.sent < $4 RETURNING sent",
            )
            .bind(&caller.service_id)
            .bind(today())
            .bind(caller.council_id.0)
            .bind(daily)
            .fetch_optional(self.store().pool())
            .await?;
            let within = match counted {
                Some(row) => row.try_get::<i64, _>(0)? <= daily,
                None => false,
            };
            if !within {
                return Err(NotifyError::TooManyRequests(format!("Exceeded send limits ({daily}) for today")));
            }
        }
        Ok(())
    }
}
