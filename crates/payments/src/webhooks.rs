//! Webhooks to the council's services: when a payment finishes or a refund is decided, a
//! message is queued (a row in `pay_webhook_deliveries`) for every webhook of the council, in
//! the same transaction as the change it reports, and
//! delivered at least once by [`Payments::deliver_due_webhooks`], signed with
//! `Pay-Signature: hex(HMAC-SHA256(secret, body))`. A failed delivery is retried 1 minute,
//! 5 minutes, 1 hour, 1 day and 2 days later, then given up. Receivers de-duplicate on
//! `webhook_message_id`.

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use sqlx::{Any, Row, Transaction};
use store::CouncilId;

use crate::error::Result;
use crate::model::{Payment, RefundStatus, format_timestamp, new_id, new_token};
use crate::payments::Payments;

/// Seconds after each failed attempt before the next one.
pub const RETRY_SCHEDULE: [i64; 5] = [60, 300, 3_600, 86_400, 172_800];

/// The `Pay-Signature` of a body: hex HMAC-SHA256 with the webhook's secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn enqueue(
    tx: &mut Transaction<'_, Any>,
    council_id: CouncilId,
    body: serde_json::Value,
    now: &str,
) -> Result<()> {
    let hooks = sqlx::query("SELECT id FROM pay_webhooks WHERE council_id = $1")
        .bind(council_id.0)
        .fetch_all(&mut **tx)
        .await?;
    for hook in hooks {
        let id: i64 = hook.try_get(0)?;
        sqlx::query("INSERT INTO pay_webhook_deliveries (council_id, webhook_id, body, next_attempt_at) VALUES ($1, $2, $3, $4)")
            .bind(council_id.0)
            .bind(id)
            .bind(body.to_string())
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Queues the message for a payment that has just finished, inside the transaction that
/// finished it: the state change and its webhook commit together or not at all.
pub(crate) async fn enqueue_payment(tx: &mut Transaction<'_, Any>, payment: &Payment, now: &str) -> Result<()> {
    let event_type = match payment.state {
        crate::PaymentState::Success => "card_payment_succeeded",
        crate::PaymentState::Capturable => "card_payment_captured",
        _ => "card_payment_failed",
    };
    let body = json!({
        "webhook_message_id": new_id(),
        "created_date": now,
        "resource_id": payment.id,
        "api_version": 1,
        "resource_type": "payment",
        "event_type": event_type,
        "resource": crate::api::payment_summary(payment),
    });
    enqueue(tx, payment.council_id, body, now).await
}

/// Queues the message for a decided refund, inside the transaction that records the decision.
pub(crate) async fn enqueue_refund(
    tx: &mut Transaction<'_, Any>,
    council_id: CouncilId,
    payment_id: &str,
    refund_id: &str,
    status: RefundStatus,
    now: &str,
) -> Result<()> {
    let body = json!({
        "webhook_message_id": new_id(),
        "created_date": now,
        "resource_id": refund_id,
        "api_version": 1,
        "resource_type": "refund",
        "event_type": if status == RefundStatus::Success { "card_payment_refunded" } else { "card_payment_refund_failed" },
        "resource": {"refund_id": refund_id, "payment_id": payment_id, "status": status.as_str()},
    });
    enqueue(tx, council_id, body, now).await
}

impl Payments {
    /// Adds a webhook for the council's services and returns its signing secret.
    pub async fn add_webhook(&self, council_id: CouncilId, url: &str) -> Result<String> {
        let secret = new_token();
        sqlx::query("INSERT INTO pay_webhooks (council_id, url, secret) VALUES ($1, $2, $3)")
            .bind(council_id.0)
            .bind(url)
            .bind(&secret)
            .execute(self.store().pool())
            .await?;
        Ok(secret)
    }

    /// Delivers every message that is due (run it every few seconds from a worker); returns
    /// how many were delivered now. Each attempt first pushes the message's next attempt
    /// forward, so two nodes running this at once do not both send it.
    pub async fn deliver_due_webhooks(&self) -> Result<usize> {
        let now = self.clock().timestamp();
        let due = sqlx::query(
            "SELECT d.id, d.council_id, d.body, d.attempts, w.url, w.secret, d.next_attempt_at FROM pay_webhook_deliveries d \
             JOIN pay_webhooks w ON w.id = d.webhook_id AND w.council_id = d.council_id \
             WHERE d.delivered_at IS NULL AND d.attempts <= $1 AND d.next_attempt_at <= $2 ORDER BY d.id LIMIT 100",
        )
        .bind(RETRY_SCHEDULE.len() as i64)
        .bind(&now)
        .fetch_all(self.store().pool())
        .await?;
        let mut delivered = 0;
        for row in due {
            let id: i64 = row.try_get(0)?;
            let council_id: i64 = row.try_get(1)?;
            let body: String = row.try_get(2)?;
            let attempts: i64 = row.try_get(3)?;
            let url: String = row.try_get(4)?;
            let secret: String = row.try_get(5)?;
            let was: String = row.try_get(6)?;
            let wait = RETRY_SCHEDULE.get(attempts as usize).copied().unwrap_or(i64::MAX / 4_000_000_000);
            let next = format_timestamp(self.clock().now() + time::Duration::seconds(wait));
            let claimed = sqlx::query(
                "UPDATE pay_webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1 \
                 WHERE id = $2 AND council_id = $3 AND next_attempt_at = $4 AND delivered_at IS NULL",
            )
            .bind(&next)
            .bind(id)
            .bind(council_id)
            .bind(&was)
            .execute(self.store().pool())
            .await?
            .rows_affected()
                == 1;
            if !claimed {
                continue;
            }
            let result = self
                .http()
                .post(&url)
                .header("content-type", "application/json")
                .header("Pay-Signature", signature(&secret, body.as_bytes()))
                .body(body)
                .send()
                .await;
            let error = match result {
                Ok(r) if r.status().is_success() => None,
                Ok(r) => Some(format!("answered {}", r.status())),
                Err(e) => Some(e.without_url().to_string()),
            };
            match error {
                None => {
                    delivered += 1;
                    sqlx::query(
                        "UPDATE pay_webhook_deliveries SET delivered_at = $1 WHERE id = $2 AND council_id = $3",
                    )
                    .bind(self.clock().timestamp())
                    .bind(id)
                    .bind(council_id)
                    .execute(self.store().pool())
                    .await?;
                }
                Some(e) => {
                    tracing::warn!(delivery = id, error = %e, "webhook delivery failed; will retry");
                    sqlx::query("UPDATE pay_webhook_deliveries SET last_error = $1 WHERE id = $2 AND council_id = $3")
                        .bind(e)
                        .bind(id)
                        .bind(council_id)
                        .execute(self.store().pool())
                        .await?;
                }
            }
        }
        Ok(delivered)
    }
}
