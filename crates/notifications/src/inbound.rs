//! Text messages residents send to a service's number, read back with Notify's
//! `GET /v2/received-text-messages` (newest first, 250 a page, `older_than` for the next).
//! An inbound SMS provider (or the sandbox, or a test) records them with [`Notify::receive_text`].

use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::error::{NotifyError, Result};
use crate::notify::{Notify, PAGE_SIZE, timestamp};
use crate::validate;

/// A text message a resident sent to a service, as Notify's API returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedText {
    /// Its id.
    pub id: String,
    /// The service it was sent to.
    pub service_id: String,
    /// The resident's number, international format without `+` (`447700900123`).
    pub user_number: String,
    /// The number or sender it was sent to.
    pub notify_number: String,
    /// The message.
    pub content: String,
    /// When it arrived (Notify's date format).
    pub created_at: String,
}

fn received_from_row(row: &AnyRow) -> Result<ReceivedText> {
    Ok(ReceivedText {
        id: row.try_get("id")?,
        service_id: row.try_get("service_id")?,
        user_number: row.try_get("user_number")?,
        notify_number: row.try_get("notify_number")?,
        content: row.try_get("content")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Notify {
    /// Records a text message a resident sent to the service (what an inbound SMS provider
    /// calls); the number is checked and normalised as Notify stores it.
    pub async fn receive_text(&self, service_id: Uuid, user_number: &str, content: &str) -> Result<Uuid> {
        let (council, _) = self.service_council(service_id).await?;
        let number = validate::uk_mobile_number(user_number)
            .map_err(|e| NotifyError::InvalidArgument(format!("user_number {e}")))?;
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO notify_received_texts (id, council_id, service_id, user_number, notify_number, content, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(council.0)
        .bind(service_id.to_string())
        .bind(number)
        .bind(self.sms_sender())
        .bind(content)
        .bind(timestamp())
        .execute(self.store().pool())
        .await?;
        Ok(id)
    }

    /// A page of the service's received texts, newest first, older than the given one if any.
    pub async fn received_texts(&self, service_id: &str, older_than: Option<Uuid>) -> Result<Vec<ReceivedText>> {
        let rows = sqlx::query(&format!(
            "SELECT id, service_id, user_number, notify_number, content, created_at FROM notify_received_texts \
             WHERE service_id = $1 AND ($2 = '' OR seq < COALESCE((SELECT seq FROM notify_received_texts \
             WHERE id = $2 AND service_id = $1), 0)) ORDER BY seq DESC LIMIT {PAGE_SIZE}"
        ))
        .bind(service_id)
        .bind(older_than.map(|u| u.to_string()).unwrap_or_default())
        .fetch_all(self.store().pool())
        .await?;
        rows.iter().map(received_from_row).collect()
    }
}
