//! Passkeys (WebAuthn): the credentials a citizen has added, for the account page and for
//! signing in without an emailed code.

use sqlx::Row;

use crate::{CitizenId, Identity, Result};

/// A passkey as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PasskeySummary {
    /// The row id.
    pub id: String,
    /// A name to tell passkeys apart.
    pub name: String,
    /// When it was added (RFC 3339).
    pub created_at: String,
    /// When it last signed in, if ever.
    pub last_used_at: Option<String>,
}

impl Identity {
    /// The passkeys of a citizen, oldest first.
    pub async fn passkeys_of(&self, citizen: &CitizenId) -> Result<Vec<PasskeySummary>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at FROM identity_passkeys WHERE citizen_id = $1 ORDER BY created_at, id",
        )
        .bind(&citizen.0)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PasskeySummary {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    last_used_at: r.try_get(3)?,
                })
            })
            .collect()
    }
}
