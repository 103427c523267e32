//! Rate limits on sign-in attempts, counted as rows in the database so that every node of an
//! instance sees the same counts. A bucket names what is counted (`code-request:email:…`,
//! `wrong-code:ip:…`); a limit is a number of events in the configured window.

use sqlx::Row;

use crate::secret::now_unix;
use crate::{Identity, IdentityError, Result};

impl Identity {
    /// Refuses with [`IdentityError::RateLimited`] if `bucket` already holds `limit` events in
    /// the window; otherwise does nothing.
    pub(crate) async fn check_rate(&self, bucket: &str, limit: i64) -> Result<()> {
        let window = self.config().rate_limits.window.as_secs() as i64;
        let now = now_unix();
        let row = sqlx::query("SELECT COUNT(*), MIN(at) FROM identity_rate_events WHERE bucket = $1 AND at > $2")
            .bind(bucket)
            .bind(now - window)
            .fetch_one(self.store().pool())
            .await?;
        let count: i64 = row.try_get(0)?;
        if count >= limit {
            let oldest: Option<i64> = row.try_get(1)?;
            let retry_after_secs = oldest.map(|t| (t + window - now).max(1)).unwrap_or(window);
            return Err(IdentityError::RateLimited { retry_after_secs });
        }
        Ok(())
    }

    /// Counts one event in `bucket`, forgetting the bucket's events older than the window.
    pub(crate) async fn record_rate(&self, bucket: &str) -> Result<()> {
        let window = self.config().rate_limits.window.as_secs() as i64;
        let now = now_unix();
        sqlx::query("DELETE FROM identity_rate_events WHERE bucket = $1 AND at <= $2")
            .bind(bucket)
            .bind(now - window)
            .execute(self.store().pool())
            .await?;
        sqlx::query("INSERT INTO identity_rate_events (id, bucket, at) VALUES ($1, $2, $3)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(bucket)
            .bind(now)
            .execute(self.store().pool())
            .await?;
        Ok(())
    }
}
