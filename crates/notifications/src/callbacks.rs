//! Delivery-status callbacks as Notify sends them: when a notification reaches a final status,
//! a row goes into the callback outbox (in the same transaction as the status where the worker
//! records it), and workers POST Notify's callback JSON to the service's URL with its bearer
//! token, retrying with doubling back-off until the receiver answers 2xx or attempts run out.
//! At-least-once: a receiver de-duplicates by notification `id` and `status`.

use serde_json::json;
use sqlx::Row;
use store::Backend;
use uuid::Uuid;

use crate::delivery::WorkerConfig;
use crate::error::{NotifyError, Result};
use crate::notify::{Notify, timestamp, timestamp_in};

/// Where a service's delivery-status callbacks go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryStatusCallback {
    /// The receiver's URL (`https://…`; plain `http://` is accepted for local receivers).
    pub url: String,
    /// Sent as `Authorization: Bearer …`; at least 10 characters, as Notify requires.
    pub bearer_token: String,
}

/// Statuses that end a notification's life and so are worth a callback.
pub(crate) const FINAL_STATUSES: &[&str] =
    &["delivered", "permanent-failure", "temporary-failure", "technical-failure"];

impl Notify {
    /// Sets (or replaces) the service's delivery-status callback.
    pub async fn set_delivery_status_callback(
        &self,
        service_id: Uuid,
        callback: &DeliveryStatusCallback,
    ) -> Result<()> {
        let (council, _) = self.service_council(service_id).await?;
        let url = callback.url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(NotifyError::InvalidArgument("the callback URL must start with https://".to_string()));
        }
        if callback.bearer_token.chars().count() < 10 {
            return Err(NotifyError::InvalidArgument("the bearer token must be at least 10 characters".to_string()));
        }
        let mut tx = self.store().pool().begin().await?;
        sqlx::query("DELETE FROM notify_callback_settings WHERE service_id = $1")
            .bind(service_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO notify_callback_settings (service_id, council_id, url, bearer_token, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(service_id.to_string())
        .bind(council.0)
        .bind(url)
        .bind(&callback.bearer_token)
        .bind(timestamp())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The service's delivery-status callback, if it has one.
    pub async fn delivery_status_callback(&self, service_id: Uuid) -> Result<Option<DeliveryStatusCallback>> {
        let row = sqlx::query("SELECT url, bearer_token FROM notify_callback_settings WHERE service_id = $1")
            .bind(service_id.to_string())
            .fetch_optional(self.store().pool())
            .await?;
        Ok(match row {
            Some(r) => Some(DeliveryStatusCallback { url: r.try_get(0)?, bearer_token: r.try_get(1)? }),
            None => None,
        })
    }

    /// Queues a callback for a notification's final status if its service has a callback URL.
    pub(crate) async fn queue_callback<'e, E>(executor: E, notification_id: &str, status: &str) -> Result<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        if !FINAL_STATUSES.contains(&status) {
            return Ok(());
        }
        let now = timestamp();
        sqlx::query(
            "INSERT INTO notify_callbacks (council_id, service_id, notification_id, status, due_at, created_at) \
             SELECT s.council_id, s.service_id, $1, $2, $3, $3 FROM notify_callback_settings s \
             JOIN notify_notifications n ON n.service_id = s.service_id WHERE n.id = $1",
        )
        .bind(notification_id)
        .bind(status)
        .bind(&now)
        .execute(executor)
        .await?;
        Ok(())
    }

    /// Claims due callbacks (a lease, as for notifications), POSTs each and records the result;
    /// returns how many were claimed. The worker calls this after each delivery batch.
    pub async fn deliver_callbacks(&self, client: &reqwest::Client, config: &WorkerConfig) -> Result<usize> {
        let lock = match self.store().backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let turn = self.write_turn().await;
        let rows = sqlx::query(&format!(
            "UPDATE notify_callbacks SET attempts = attempts + 1, due_at = $1 WHERE seq IN (SELECT seq FROM \
             notify_callbacks WHERE delivered_at IS NULL AND failed_at IS NULL AND due_at <= $2 ORDER BY seq \
             LIMIT $3{lock}) RETURNING seq, service_id, notification_id, attempts"
        ))
        .bind(timestamp_in(config.lease.as_secs() as i64))
        .bind(timestamp())
        .bind(config.batch)
        .fetch_all(self.store().pool())
        .await?;
        drop(turn);
        let claimed = rows.len();
        for row in rows {
            let seq: i64 = row.try_get("seq")?;
            let service_id: String = row.try_get("service_id")?;
            let notification_id: String = row.try_get("notification_id")?;
            let attempts: i64 = row.try_get("attempts")?;
            let outcome = self.post_callback(client, &service_id, &notification_id).await;
            let pool = self.store().pool();
            let _turn = self.write_turn().await;
            match outcome {
                Ok(()) => {
                    sqlx::query("UPDATE notify_callbacks SET delivered_at = $1 WHERE seq = $2")
                        .bind(timestamp())
                        .bind(seq)
                        .execute(pool)
                        .await?;
                }
                Err(reason) => {
                    tracing::warn!(notification = %notification_id, attempts, reason = %reason, "status callback failed");
                    if attempts >= config.max_attempts {
                        sqlx::query("UPDATE notify_callbacks SET failed_at = $1, last_error = $2 WHERE seq = $3")
                            .bind(timestamp())
                            .bind(&reason)
                            .bind(seq)
                            .execute(pool)
                            .await?;
                    } else {
                        let backoff = config.retry_after.as_secs_f64() * 2f64.powi((attempts - 1).clamp(0, 20) as i32);
                        sqlx::query("UPDATE notify_callbacks SET due_at = $1, last_error = $2 WHERE seq = $3")
                            .bind(timestamp_in(backoff.ceil() as i64))
                            .bind(&reason)
                            .bind(seq)
                            .execute(pool)
                            .await?;
                    }
                }
            }
        }
        Ok(claimed)
    }

    async fn post_callback(
        &self,
        client: &reqwest::Client,
        service_id: &str,
        notification_id: &str,
    ) -> std::result::Result<(), String> {
        let service = Uuid::parse_str(service_id).map_err(|e| e.to_string())?;
        let Some(callback) = self.delivery_status_callback(service).await.map_err(|e| e.to_string())? else {
            return Ok(()); // the service removed its callback: nothing to tell
        };
        let id = Uuid::parse_str(notification_id).map_err(|e| e.to_string())?;
        let n = self.notification(service_id, id).await.map_err(|e| e.to_string())?;
        let body = json!({
            "id": n.id,
            "reference": n.reference,
            "to": n.recipient,
            "status": n.api_status(),
            "created_at": n.created_at,
            "completed_at": n.completed_at,
            "sent_at": n.sent_at,
            "notification_type": n.notification_type.as_str(),
            "template_id": n.template_id,
            "template_version": n.template_version,
        });
        let response = client
            .post(&callback.url)
            .bearer_auth(&callback.bearer_token)
            .json(&body)
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered {}", response.status()))
        }
    }
}
