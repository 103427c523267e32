//! The `body` register: each body's definition (areas, clerk or team, categories, rules) kept
//! per council with every earlier version, and the Open311 API keys each body issues.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use sqlx::Row;
use store::{CouncilId, Store};

use crate::error::{ReportError, Result};
use crate::model::Body;
use crate::reports::Reports;
use crate::time_text;

fn key_hash(key: &str) -> String {
    hex_string(&Sha256::digest(key.as_bytes()))
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Reports {
    /// Records a body's definition for a council (a new version when it exists), after checking
    /// it whole; returns the version number. A body id belongs to one council for good.
    pub async fn put_body(&self, council: CouncilId, body: &Body) -> Result<i64> {
        body.check()?;
        let definition = serde_json::to_string(body)?;
        let now = time_text::now();
        let mut tx = self.store().pool().begin().await?;
        let held = sqlx::query("SELECT council_id, version FROM reports_bodies WHERE id = $1")
            .bind(&body.id)
            .fetch_optional(&mut *tx)
            .await?;
        let version = match held {
            Some(row) => {
                let owner: i64 = row.try_get(0)?;
                if owner != council.0 {
                    return Err(ReportError::InvalidBody {
                        body: body.id.clone(),
                        reason: "the id is another council's body".into(),
                    });
                }
                let version = row.try_get::<i64, _>(1)? + 1;
                sqlx::query(
                    "UPDATE reports_bodies SET name = $1, definition = $2, version = $3, updated_at = $4 \
                     WHERE id = $5 AND council_id = $6",
                )
                .bind(&body.name)
                .bind(&definition)
                .bind(version)
                .bind(&now)
                .bind(&body.id)
                .bind(council.0)
                .execute(&mut *tx)
                .await?;
                version
            }
            None => {
                sqlx::query(
                    "INSERT INTO reports_bodies (id, council_id, name, definition, version, updated_at) \
                     VALUES ($1, $2, $3, $4, 1, $5)",
                )
                .bind(&body.id)
                .bind(council.0)
                .bind(&body.name)
                .bind(&definition)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                1
            }
        };
        sqlx::query(
            "INSERT INTO reports_body_history (body_id, council_id, version, definition, recorded_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&body.id)
        .bind(council.0)
        .bind(version)
        .bind(&definition)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// A council's bodies, by id.
    pub async fn bodies(&self, council: CouncilId) -> Result<Vec<Body>> {
        let rows = sqlx::query("SELECT definition FROM reports_bodies WHERE council_id = $1 ORDER BY id")
            .bind(council.0)
            .fetch_all(self.store().pool())
            .await?;
        rows.iter().map(|r| Ok(serde_json::from_str(&r.try_get::<String, _>(0)?)?)).collect()
    }

    /// A council's bodies for routing: parsed once and kept until the council's bodies change.
    /// The stamp (count, version sum, latest change) is read on every call, so a body recorded
    /// on another node is seen at once.
    pub(crate) async fn bodies_for_routing(&self, council: CouncilId) -> Result<Arc<Vec<Body>>> {
        let row = sqlx::query(
            "SELECT COUNT(*), CAST(COALESCE(SUM(version), 0) AS BIGINT), COALESCE(MAX(updated_at), '') \
             FROM reports_bodies WHERE council_id = $1",
        )
        .bind(council.0)
        .fetch_one(self.store().pool())
        .await?;
        let stamp =
            format!("{}/{}/{}", row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?, row.try_get::<String, _>(2)?);
        if let Ok(cache) = self.cache.read()
            && let Some((held, bodies)) = cache.get(&council.0)
            && *held == stamp
        {
            return Ok(bodies.clone());
        }
        let bodies = Arc::new(self.bodies(council).await?);
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(council.0, (stamp, bodies.clone()));
        }
        Ok(bodies)
    }

    /// A body by id (its Open311 jurisdiction), with the council it belongs to.
    pub async fn body(&self, id: &str) -> Result<(CouncilId, Body)> {
        let row = sqlx::query("SELECT council_id, definition FROM reports_bodies WHERE id = $1")
            .bind(id)
            .fetch_optional(self.store().pool())
            .await?
            .ok_or_else(|| ReportError::UnknownBody(id.to_string()))?;
        Ok((CouncilId(row.try_get(0)?), serde_json::from_str(&row.try_get::<String, _>(1)?)?))
    }

    /// The ids of every body on the instance (to default the Open311 jurisdiction when there is one).
    pub async fn body_ids(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM reports_bodies ORDER BY id").fetch_all(self.store().pool()).await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Issues an Open311 API key for one of a council's bodies and returns it; only its hash is kept.
    pub async fn create_api_key(&self, council: CouncilId, body_id: &str, name: &str) -> Result<String> {
        let (owner, _) = self.body(body_id).await?;
        if owner != council {
            return Err(ReportError::UnknownBody(body_id.to_string()));
        }
        let key = hex_string(&rand::random::<[u8; 24]>());
        sqlx::query(
            "INSERT INTO reports_api_keys (key_hash, council_id, body_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(key_hash(&key))
        .bind(council.0)
        .bind(body_id)
        .bind(name)
        .bind(time_text::now())
        .execute(self.store().pool())
        .await?;
        Ok(key)
    }

    /// Checks an API key against a body: it must be one that body issued.
    pub async fn check_api_key(&self, body_id: &str, key: Option<&str>) -> Result<()> {
        let key = key.filter(|k| !k.is_empty()).ok_or(ReportError::BadApiKey)?;
        let found = sqlx::query("SELECT body_id FROM reports_api_keys WHERE key_hash = $1 AND body_id = $2")
            .bind(key_hash(key))
            .bind(body_id)
            .fetch_optional(self.store().pool())
            .await?;
        found.map(|_| ()).ok_or(ReportError::BadApiKey)
    }
}

/// Whether the council has any body reports can go to, read without a reports brick: the
/// council's start page offers "Report a problem" only where a report could be sent.
pub async fn offers_reports(store: &Store, council: CouncilId) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) FROM reports_bodies WHERE council_id = $1")
        .bind(council.0)
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}
