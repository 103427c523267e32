//! What a council's staff see of their notifications: the council's services and each one's
//! recent notifications (every key type), and one notification by id. Every query is bounded
//! by the council, so one council's staff never reach another's rows.

use sqlx::Row;
use store::CouncilId;
use uuid::Uuid;

use crate::error::{NotifyError, Result};
use crate::notify::{NOTIFICATION_COLUMNS, Notification, Notify, notification_from_row};

/// A Notify service as the staff page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSummary {
    /// The service id (the `iss` of its tokens).
    pub id: String,
    /// Its name.
    pub name: String,
}

impl Notify {
    /// The council's Notify services, by name.
    pub async fn services(&self, council_id: CouncilId) -> Result<Vec<ServiceSummary>> {
        let rows = sqlx::query("SELECT id, name FROM notify_services WHERE council_id = $1 ORDER BY name, id")
            .bind(council_id.0)
            .fetch_all(self.store().pool())
            .await?;
        rows.iter().map(|r| Ok(ServiceSummary { id: r.try_get(0)?, name: r.try_get(1)? })).collect()
    }

    /// Up to `limit` of a council service's most recent notifications, whatever key sent them.
    pub async fn recent_notifications(
        &self,
        council_id: CouncilId,
        service_id: &str,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notify_notifications WHERE council_id = $1 AND service_id = $2 \
             ORDER BY seq DESC LIMIT $3"
        ))
        .bind(council_id.0)
        .bind(service_id)
        .bind(limit)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// One notification of any of the council's services.
    pub async fn council_notification(&self, council_id: CouncilId, id: Uuid) -> Result<Notification> {
        let row = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notify_notifications WHERE council_id = $1 AND id = $2"
        ))
        .bind(council_id.0)
        .bind(id.to_string())
        .fetch_optional(self.store().pool())
        .await?
        .ok_or(NotifyError::NotFound)?;
        notification_from_row(&row)
    }
}
