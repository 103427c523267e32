//! Team keys as Notify has them: a team key sends only to the service's team and guest list
//! (and Notify's smoke-test recipients), and never sends letters. The guest list holds
//! normalised recipients, so `Resident@Example.org` and `resident@example.org` are one entry.

use sqlx::Row;
use uuid::Uuid;

use crate::error::{NotifyError, Result};
use crate::notify::{Notify, timestamp};
use crate::validate;

/// A recipient as the guest list stores it: email addresses in lower case, numbers as `447…`.
pub(crate) fn normalise_recipient(recipient: &str) -> std::result::Result<String, &'static str> {
    if recipient.contains('@') {
        validate::email_address(recipient).map(|e| e.to_lowercase())
    } else {
        validate::uk_mobile_number(recipient)
    }
}

impl Notify {
    /// Lets the service's team keys send to this email address or mobile number (a team member
    /// or someone on the guest list).
    pub async fn add_to_guest_list(&self, service_id: Uuid, recipient: &str) -> Result<()> {
        let (council, _) = self.service_council(service_id).await?;
        let recipient = normalise_recipient(recipient)
            .map_err(|e| NotifyError::InvalidArgument(format!("guest list recipient {recipient:?}: {e}")))?;
        sqlx::query(
            "INSERT INTO notify_guest_list (service_id, council_id, recipient, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (service_id, recipient) DO NOTHING",
        )
        .bind(service_id.to_string())
        .bind(council.0)
        .bind(&recipient)
        .bind(timestamp())
        .execute(self.store().pool())
        .await?;
        Ok(())
    }

    /// The service's guest list, sorted.
    pub async fn guest_list(&self, service_id: Uuid) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT recipient FROM notify_guest_list WHERE service_id = $1 ORDER BY recipient")
            .bind(service_id.to_string())
            .fetch_all(self.store().pool())
            .await?;
        rows.iter().map(|r| r.try_get(0).map_err(NotifyError::from)).collect()
    }

    /// Whether a team key of the service may send to this (already validated) recipient.
    pub(crate) async fn on_guest_list(&self, service_id: &str, recipient: &str) -> Result<bool> {
        let Ok(recipient) = normalise_recipient(recipient) else { return Ok(false) };
        let found = sqlx::query("SELECT 1 FROM notify_guest_list WHERE service_id = $1 AND recipient = $2")
            .bind(service_id)
            .bind(recipient)
            .fetch_optional(self.store().pool())
            .await?;
        Ok(found.is_some())
    }
}
