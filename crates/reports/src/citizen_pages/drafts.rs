//! A citizen's answers between the steps of the journey, kept server-side in `reports_drafts`
//! (with the council's id, bound to the visitor's session by a hash of its anti-forgery token).
//! A draft is never a report: nothing is routed, queued or shown from it. Its token, made with
//! it, becomes the report's token at the final submit, which is what makes that submit happen
//! once. Drafts are kept for a day.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use store::{CouncilId, Store};

use crate::error::Result;
use crate::reports::Photo;
use crate::time_text;

/// How long a draft is kept.
const KEEP: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The answers given so far; each step fills its part.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Answers {
    /// The postcode given, as the look-up wrote it.
    pub postcode: Option<String>,
    /// The address chosen (its label), if any.
    pub address: Option<String>,
    /// Latitude and longitude of the point.
    pub lat: Option<f64>,
    /// See `lat`.
    pub lon: Option<f64>,
    /// How the place was given, in words for check answers ("Postcode ZX1 1AA", …).
    pub place: Option<String>,
    /// The category's name.
    pub category: Option<String>,
    /// Answers to the category's questions.
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<String>>,
    /// The title.
    pub title: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The photo's file name, for check answers.
    pub photo_name: Option<String>,
    /// The reporter's name.
    pub name: Option<String>,
    /// The reporter's email (a signed-in citizen's is their account's).
    pub email: Option<String>,
    /// Whether the name may be shown on the public report.
    #[serde(default)]
    pub show_name: bool,
    /// Whether the contact step was completed.
    #[serde(default)]
    pub contact_done: bool,
}

/// A stored draft.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    /// Its id (a random UUID, in the journey's paths).
    pub id: String,
    /// The answers.
    pub answers: Answers,
    /// The photo uploaded, if any.
    pub photo: Option<Photo>,
    /// The token the report will be stored under.
    pub token: String,
    /// The report, once submitted.
    pub report_id: Option<i64>,
}

/// The drafts table of a store.
pub(crate) struct Drafts<'a> {
    store: &'a Store,
}

fn session_hash(csrf_token: &str) -> String {
    format!("{:x}", Sha256::digest(format!("reports-draft:{csrf_token}").as_bytes()))
}

impl<'a> Drafts<'a> {
    pub fn new(store: &'a Store) -> Drafts<'a> {
        Drafts { store }
    }

    /// Makes a draft for this session with the first answers; forgets drafts over a day old.
    pub async fn create(&self, council: CouncilId, csrf_token: &str, answers: &Answers) -> Result<String> {
        let cutoff = time_text::format(time::OffsetDateTime::now_utc() - KEEP);
        sqlx::query("DELETE FROM reports_drafts WHERE created_at < $1")
            .bind(&cutoff)
            .execute(self.store.pool())
            .await?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = time_text::now();
        sqlx::query(
            "INSERT INTO reports_drafts (id, council_id, session_hash, answers, token, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&id)
        .bind(council.0)
        .bind(session_hash(csrf_token))
        .bind(serde_json::to_string(answers)?)
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&now)
        .execute(self.store.pool())
        .await?;
        Ok(id)
    }

    /// This session's draft of this council, if it exists and is under a day old.
    pub async fn load(&self, council: CouncilId, id: &str, csrf_token: &str) -> Result<Option<Draft>> {
        let cutoff = time_text::format(time::OffsetDateTime::now_utc() - KEEP);
        let row = sqlx::query(
            "SELECT id, answers, photo_type, photo, token, report_id FROM reports_drafts \
             WHERE id = $1 AND council_id = $2 AND session_hash = $3 AND created_at >= $4",
        )
        .bind(id)
        .bind(council.0)
        .bind(session_hash(csrf_token))
        .bind(&cutoff)
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let photo = match (row.try_get::<Option<String>, _>(2)?, row.try_get::<Option<Vec<u8>>, _>(3)?) {
            (Some(content_type), Some(bytes)) => Some(Photo { content_type, bytes }),
            _ => None,
        };
        Ok(Some(Draft {
            id: row.try_get(0)?,
            answers: serde_json::from_str(&row.try_get::<String, _>(1)?)?,
            photo,
            token: row.try_get(4)?,
            report_id: row.try_get(5)?,
        }))
    }

    /// Replaces the answers of a draft not yet submitted.
    pub async fn save(&self, council: CouncilId, draft: &Draft) -> Result<()> {
        sqlx::query(
            "UPDATE reports_drafts SET answers = $1, updated_at = $2 \
             WHERE id = $3 AND council_id = $4 AND report_id IS NULL",
        )
        .bind(serde_json::to_string(&draft.answers)?)
        .bind(time_text::now())
        .bind(&draft.id)
        .bind(council.0)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Replaces the photo (a checked one) of a draft not yet submitted.
    pub async fn save_photo(&self, council: CouncilId, id: &str, photo: &Photo) -> Result<()> {
        sqlx::query(
            "UPDATE reports_drafts SET photo_type = $1, photo = $2 \
             WHERE id = $3 AND council_id = $4 AND report_id IS NULL",
        )
        .bind(&photo.content_type)
        .bind(photo.bytes.clone())
        .bind(id)
        .bind(council.0)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Records the report the draft became, and drops the draft's copy of the photo (the
    /// report holds it now).
    pub async fn submitted(&self, council: CouncilId, id: &str, report_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE reports_drafts SET report_id = $1, updated_at = $2, photo = NULL, photo_type = NULL \
             WHERE id = $3 AND council_id = $4",
        )
        .bind(report_id)
        .bind(time_text::now())
        .bind(id)
        .bind(council.0)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }
}
