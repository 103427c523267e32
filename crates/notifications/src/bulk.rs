//! Bulk send, beyond Notify's public API: one request with many recipients
//! (`POST /v2/notifications/bulk`, in the shape GC Notify gives it: `name`, `template_id`, and
//! `rows` with a header row first or the same as `csv`). Every row is checked first (recipient,
//! personalisation, team-key guest list); any bad row refuses the whole request with one error per
//! row and stores nothing. A good request is stored as a job, charged against the daily limit, and
//! the workers turn it into notifications a chunk at a time; `GET /v2/notifications/bulk/{id}`
//! and the staff page show its progress (rows accepted, sending, delivered, failed).

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use sqlx::Row;
use store::{Backend, CouncilId};
use uuid::Uuid;

use crate::auth::KeyType;
use crate::error::{NotifyError, Result};
use crate::notify::{Caller, Notify, render, simulated_status, timestamp};
use crate::outbox::NewRow;
use crate::template::TemplateType;
use crate::validate;

/// Most rows one bulk send may hold.
pub const MAX_BULK_ROWS: usize = 50_000;

/// Rows turned into notifications per transaction by a worker.
const CHUNK: usize = 500;

fn validation(msg: impl Into<String>) -> NotifyError {
    NotifyError::Validation(msg.into())
}

/// A bulk send request, parsed (rows not yet checked against the template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRequest {
    /// A name for the job, shown on the staff page.
    pub name: String,
    /// The email or SMS template.
    pub template_id: Uuid,
    /// A reference put on every notification of the job.
    pub reference: Option<String>,
    /// The header row, then one row per recipient.
    pub rows: Vec<Vec<String>>,
}

/// A bulk-send job and how far it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The job id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The template used.
    pub template_id: String,
    /// pending, in progress or finished.
    pub status: String,
    /// Recipients in the job.
    pub rows_total: i64,
    /// Recipients turned into notifications so far.
    pub rows_processed: i64,
    /// Notifications of the job by stored status.
    pub statuses: HashMap<String, i64>,
    /// When the job was accepted.
    pub created_at: String,
    /// When its last row became a notification.
    pub finished_at: Option<String>,
}

impl Job {
    /// Notifications handed to a provider and not yet final.
    pub fn sending(&self) -> i64 {
        self.count(&["sending", "pending", "sent"])
    }

    /// Notifications delivered.
    pub fn delivered(&self) -> i64 {
        self.count(&["delivered"])
    }

    /// Notifications that failed, whatever the failure.
    pub fn failed(&self) -> i64 {
        self.count(&["technical-failure", "temporary-failure", "permanent-failure", "validation-failed"])
    }

    fn count(&self, statuses: &[&str]) -> i64 {
        statuses.iter().map(|s| self.statuses.get(*s).copied().unwrap_or(0)).sum()
    }

    /// The job as `GET /v2/notifications/bulk/{id}` shows it.
    pub fn to_json(&self) -> Value {
        json!({"data": {
            "id": self.id, "name": self.name, "template": self.template_id, "job_status": self.status,
            "notification_count": self.rows_total, "rows_processed": self.rows_processed,
            "progress": {"accepted": self.rows_processed, "sending": self.sending(), "delivered": self.delivered(),
                         "failed": self.failed()},
            "created_at": self.created_at, "processing_finished": self.finished_at,
        }})
    }
}

/// Splits CSV text into rows (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !r.iter().all(|f| f.trim().is_empty()));
    rows
}

impl BulkRequest {
    /// Checks the request body's shape.
    pub fn from_json(body: &Value) -> Result<BulkRequest> {
        let object = body.as_object().ok_or_else(|| validation("Invalid JSON supplied in POST data"))?;
        let allowed = ["name", "template_id", "reference", "rows", "csv", "scheduled_for", "reply_to_id"];
        if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(validation(format!("Additional properties are not allowed ({unknown} was unexpected)")));
        }
        let text = |field: &str| match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(validation(format!("{field} {other} is not of type string"))),
        };
        let name = text("name")?.ok_or_else(|| validation("name is a required property"))?;
        let template_id = text("template_id")?.ok_or_else(|| validation("template_id is a required property"))?;
        let template_id = Uuid::parse_str(&template_id).map_err(|_| validation("template_id is not a valid UUID"))?;
        if text("scheduled_for")?.is_some() {
            return Err(NotifyError::BadRequest("Scheduled bulk sends are not supported".to_string()));
        }
        let rows = match (object.get("rows"), text("csv")?) {
            (Some(Value::Array(rows)), None) => rows
                .iter()
                .map(|r| match r {
                    Value::Array(cells) => Ok(cells
                        .iter()
                        .map(|c| match c {
                            Value::String(s) => s.clone(),
                            Value::Null => String::new(),
                            other => other.to_string(),
                        })
                        .collect()),
                    other => Err(validation(format!("rows {other} is not of type array"))),
                })
                .collect::<Result<Vec<Vec<String>>>>()?,
            (None | Some(Value::Null), Some(csv)) => parse_csv(&csv),
            (None | Some(Value::Null), None) | (Some(_), Some(_)) => {
                return Err(NotifyError::BadRequest("You should specify either rows or csv".to_string()));
            }
            (Some(other), None) => return Err(validation(format!("rows {other} is not of type array"))),
        };
        if rows.len() < 2 {
            return Err(NotifyError::BadRequest("Your file is missing some rows".to_string()));
        }
        if rows.len() - 1 > MAX_BULK_ROWS {
            return Err(NotifyError::BadRequest(format!(
                "Too many rows. Maximum number of rows allowed is {MAX_BULK_ROWS}"
            )));
        }
        Ok(BulkRequest { name, template_id, reference: text("reference")?, rows })
    }
}

fn column_key(header: &str) -> String {
    header.chars().filter(|c| !(c.is_whitespace() || *c == '_' || *c == '-')).collect::<String>().to_lowercase()
}

impl Notify {
    /// Checks every row of a bulk send and stores it as a job (nothing is stored if any row is
    /// bad: the error lists each bad row). The workers then send it; see [`Notify::job`].
    pub async fn create_bulk_job(&self, caller: &Caller, request: BulkRequest) -> Result<Job> {
        let template = match self.template(&caller.service_id, request.template_id, None).await {
            Ok(t) => t,
            Err(NotifyError::NotFound) => return Err(NotifyError::BadRequest("Template not found".to_string())),
            Err(e) => return Err(e),
        };
        let kind = template.template_type;
        let recipient_column = match kind {
            TemplateType::Email => "emailaddress",
            TemplateType::Sms => "phonenumber",
            TemplateType::Letter => {
                return Err(NotifyError::BadRequest("Bulk send is for email and text message templates".to_string()));
            }
        };
        let header: Vec<String> = request.rows[0].iter().map(|h| column_key(h)).collect();
        let Some(at) = header.iter().position(|h| h == recipient_column) else {
            let wanted = if kind == TemplateType::Email { "email address" } else { "phone number" };
            return Err(NotifyError::BadRequest(format!("Missing column headers: {wanted}")));
        };
        let mut checked = Vec::with_capacity(request.rows.len() - 1);
        let mut errors = Vec::new();
        for (i, row) in request.rows[1..].iter().enumerate() {
            let number = i + 1;
            let raw = row.get(at).map(String::as_str).unwrap_or_default();
            let recipient = match kind {
                TemplateType::Email => validate::email_address(raw),
                _ => validate::uk_mobile_number(raw),
            };
            let recipient = match recipient {
                Ok(r) => r,
                Err(m) => {
                    errors.push(format!("Row {number} - {}: {m}", request.rows[0][at].trim()));
                    continue;
                }
            };
            let mut values = Map::new();
            for (c, name) in request.rows[0].iter().enumerate() {
                // An empty or missing cell is missing personalisation, as in Notify's spreadsheets.
                match row.get(c) {
                    Some(cell) if c != at && !cell.trim().is_empty() => {
                        values.insert(name.trim().to_string(), Value::String(cell.clone()));
                    }
                    _ => {}
                }
            }
            if let Err(e) = render(template.clone(), &values) {
                errors.push(format!("Row {number} - {e}"));
                continue;
            }
            if caller.key_type == KeyType::Team
                && simulated_status(KeyType::Live, kind, &recipient).is_none()
                && !self.on_guest_list(&caller.service_id, &recipient).await?
            {
                errors.push(format!("Row {number} - Can\u{2019}t send to this recipient using a team-only API key"));
                continue;
            }
            checked.push(json!({"to": recipient, "personalisation": values}));
        }
        if !errors.is_empty() {
            return Err(NotifyError::Rows(errors));
        }
        let id = Uuid::new_v4().to_string();
        let now = timestamp();
        let total = checked.len() as i64;
        let stored = json!({"template_version": template.version, "rows": checked}).to_string();
        let turn = self.write_turn().await;
        let mut tx = self.store().pool().begin().await?;
        if caller.key_type != KeyType::Test
            && !crate::outbox::charge_daily_rows(&mut tx, self.rate_limits(), caller, total).await?
        {
            let daily = self.rate_limits().daily_per_service.unwrap_or_default();
            return Err(NotifyError::TooManyRequests(format!("Exceeded send limits ({daily}) for today")));
        }
        sqlx::query(
            "INSERT INTO notify_jobs (id, council_id, service_id, template_id, api_key_id, key_type, name, reference, \
             rows_json, rows_total, rows_processed, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 'pending', $11)",
        )
        .bind(&id)
        .bind(caller.council_id.0)
        .bind(&caller.service_id)
        .bind(&template.id)
        .bind(&caller.key_id)
        .bind(caller.key_type.as_str())
        .bind(request.name.trim())
        .bind(request.reference.clone())
        .bind(&stored)
        .bind(total)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        drop(turn);
        self.wake.notify_waiters();
        self.job(&caller.service_id, &id).await
    }

    /// One of the service's jobs with its progress.
    pub async fn job(&self, service_id: &str, id: &str) -> Result<Job> {
        let row = sqlx::query(
            "SELECT id, name, template_id, status, rows_total, rows_processed, created_at, finished_at \
             FROM notify_jobs WHERE id = $1 AND service_id = $2",
        )
        .bind(id)
        .bind(service_id)
        .fetch_optional(self.store().pool())
        .await?
        .ok_or(NotifyError::NotFound)?;
        self.job_from_row(&row).await
    }

    /// A council service's most recent jobs, newest first (for the staff page).
    pub async fn recent_jobs(&self, council: CouncilId, service_id: &str, limit: i64) -> Result<Vec<Job>> {
        let rows = sqlx::query(
            "SELECT id, name, template_id, status, rows_total, rows_processed, created_at, finished_at \
             FROM notify_jobs WHERE council_id = $1 AND service_id = $2 ORDER BY created_at DESC, id LIMIT $3",
        )
        .bind(council.0)
        .bind(service_id)
        .bind(limit)
        .fetch_all(self.store().pool())
        .await?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in &rows {
            jobs.push(self.job_from_row(row).await?);
        }
        Ok(jobs)
    }

    async fn job_from_row(&self, row: &sqlx::any::AnyRow) -> Result<Job> {
        let id: String = row.try_get("id")?;
        let counts = sqlx::query("SELECT status, COUNT(*) FROM notify_notifications WHERE job_id = $1 GROUP BY status")
            .bind(&id)
            .fetch_all(self.store().pool())
            .await?;
        let mut statuses = HashMap::new();
        for c in &counts {
            statuses.insert(c.try_get::<String, _>(0)?, c.try_get::<i64, _>(1)?);
        }
        Ok(Job {
            id,
            name: row.try_get("name")?,
            template_id: row.try_get("template_id")?,
            status: row.try_get("status")?,
            rows_total: row.try_get("rows_total")?,
            rows_processed: row.try_get("rows_processed")?,
            statuses,
            created_at: row.try_get("created_at")?,
            finished_at: row.try_get("finished_at")?,
        })
    }

    /// Turns the next chunk of the oldest unfinished job into notifications, in one transaction
    /// with the job's progress (so a chunk is never made twice); returns how many were made.
    pub async fn process_jobs(&self) -> Result<usize> {
        let lock = match self.store().backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let _turn = self.write_turn().await;
        let mut tx = self.store().pool().begin().await?;
        let Some(job) = sqlx::query(&format!(
            "SELECT id, council_id, service_id, template_id, api_key_id, key_type, reference, rows_json, \
             rows_processed FROM notify_jobs WHERE status <> 'finished' ORDER BY created_at, id LIMIT 1{lock}"
        ))
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(0);
        };
        let job_id: String = job.try_get("id")?;
        let service_id: String = job.try_get("service_id")?;
        let key_type = KeyType::parse(&job.try_get::<String, _>("key_type")?).unwrap_or(KeyType::Live);
        let stored: Value = serde_json::from_str(&job.try_get::<String, _>("rows_json")?)?;
        let version = stored["template_version"].as_i64().unwrap_or(1);
        let rows = stored["rows"].as_array().cloned().unwrap_or_default();
        let done = job.try_get::<i64, _>("rows_processed")? as usize;
        let template_id = Uuid::parse_str(&job.try_get::<String, _>("template_id")?)
            .map_err(|e| NotifyError::InvalidArgument(e.to_string()))?;
        let template = self.template(&service_id, template_id, Some(version)).await?;
        let now = timestamp();
        let mut made = Vec::new();
        for row in rows.iter().skip(done).take(CHUNK) {
            let recipient = row["to"].as_str().unwrap_or_default().to_string();
            let values = row["personalisation"].as_object().cloned().unwrap_or_default();
            let preview = render(template.clone(), &values)?;
            let simulated = simulated_status(key_type, template.template_type, &recipient);
            let (status, ended, provider) = match simulated {
                Some(s) => (s, Some(now.clone()), Some("simulated".to_string())),
                None => ("created", None, None),
            };
            made.push(NewRow {
                id: Uuid::new_v4().to_string(),
                council_id: CouncilId(job.try_get("council_id")?),
                service_id: service_id.clone(),
                key_id: job.try_get("api_key_id")?,
                key_type,
                notification_type: template.template_type.as_str(),
                template_id: template.id.clone(),
                template_version: template.version,
                recipient,
                personalisation: Value::Object(values).to_string(),
                reference: job.try_get("reference")?,
                status,
                subject: preview.subject,
                body: preview.body,
                html: preview.html,
                fragments: preview.fragments as i64,
                postage: None,
                created_at: now.clone(),
                sent_at: ended.clone(),
                completed_at: ended,
                provider,
                due_at: now.clone(),
                callback: simulated,
                pdf: None,
                files: Vec::new(),
                job_id: Some(job_id.clone()),
            });
        }
        let refs: Vec<&NewRow> = made.iter().collect();
        crate::outbox::write_rows(&mut tx, self.store().backend(), &refs, None).await?;
        let processed = (done + made.len()) as i64;
        let finished = done + made.len() >= rows.len();
        sqlx::query(
            "UPDATE notify_jobs SET rows_processed = $1, status = $2, finished_at = $3 WHERE id = $4 AND rows_processed = $5",
        )
        .bind(processed)
        .bind(if finished { "finished" } else { "in progress" })
        .bind(if finished { Some(now.clone()) } else { None })
        .bind(&job_id)
        .bind(done as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(made.len().max(usize::from(finished)))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn csv_fields_may_be_quoted_with_commas_quotes_and_newlines() {
        let rows =
            parse_csv("email address,name\r\na@example.org,\"Smith, \"\"Jo\"\"\"\n\nb@example.org,\"two\nlines\"");
        assert_eq!(
            rows,
            vec![
                vec!["email address".to_string(), "name".to_string()],
                vec!["a@example.org".to_string(), "Smith, \"Jo\"".to_string()],
                vec!["b@example.org".to_string(), "two\nlines".to_string()],
            ]
        );
    }
}
