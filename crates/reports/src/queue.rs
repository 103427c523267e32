//! The sending queue: jobs written in the report's own transaction, claimed by workers on any
//! node (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer), retried with back-off,
//! and marked failed with the reason when retrying cannot help or the attempts run out.
//! Open311 forwarding POSTs the request; an answer with a token is polled at `tokens/{token}`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::{Any, Row, Transaction};
use store::{Backend, CouncilId};

use crate::error::Result;
use crate::mailer::{Email, Mailer, SendFailure};
use crate::model::Route;
use crate::reports::{NewReport, Report, Reports, Status};
use crate::routing::Selection;
use crate::rules::Answers;
use crate::time_text;

/// What workers send with.
#[derive(Clone)]
pub struct Senders {
    /// Email (usually [`crate::NotifyMailer`]).
    pub mailer: Arc<dyn Mailer>,
    /// HTTP for Open311 forwarding.
    pub http: reqwest::Client,
}

/// How workers pace themselves.
#[derive(Debug, Clone)]
pub struct SendConfig {
    /// Jobs claimed at once.
    pub batch: i64,
    /// Attempts before a job is marked failed.
    pub max_attempts: i64,
    /// The first retry's delay; it doubles each attempt, up to an hour.
    pub backoff: Duration,
    /// How long a claimed job is held before another worker may take it (a crashed worker's job).
    pub lease: Duration,
    /// How often an idle worker looks for due jobs.
    pub poll: Duration,
    /// How long after a token answer to ask for the request's id.
    pub token_poll: Duration,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            batch: 20,
            max_attempts: 8,
            backoff: Duration::from_secs(30),
            lease: Duration::from_secs(120),
            poll: Duration::from_secs(5),
            token_poll: Duration::from_secs(60),
        }
    }
}

fn report_text(id: i64, report: &NewReport, answers: &Answers, s: &Selection) -> String {
    let mut lines = vec![
        format!("A problem has been reported to {} ({}).", s.body.name, s.body.contact.name),
        String::new(),
        format!("Report: {id}"),
        format!("Category: {}", s.category.name),
        format!("Location: {:.6}, {:.6} (latitude, longitude)", report.location.lat, report.location.lon),
    ];
    if let Some(a) = &report.address {
        lines.push(format!("Address: {a}"));
    }
    for (code, values) in answers {
        lines.push(format!("{code}: {}", values.join(", ")));
    }
    lines.push(String::new());
    lines.push(report.description.clone());
    lines.push(String::new());
    let r = &report.reporter;
    let who = [r.name.as_deref(), r.email.as_deref(), r.phone.as_deref()];
    let who: Vec<&str> = who.into_iter().flatten().collect();
    if !who.is_empty() {
        lines.push(format!("Reported by: {}", who.join(", ")));
    }
    lines.join("\n")
}

fn open311_form(report: &NewReport, answers: &Answers, route: &Route) -> Vec<(String, String)> {
    let Route::Open311 { service_code, api_key, jurisdiction_id, .. } = route else { return Vec::new() };
    let mut form = vec![
        ("api_key".to_string(), api_key.clone()),
        ("service_code".to_string(), service_code.clone()),
        ("lat".to_string(), report.location.lat.to_string()),
        ("long".to_string(), report.location.lon.to_string()),
        ("description".to_string(), report.description.clone()),
    ];
    if let Some(j) = jurisdiction_id {
        form.push(("jurisdiction_id".into(), j.clone()));
    }
    if let Some(a) = &report.address {
        form.push(("address_string".into(), a.clone()));
    }
    let r = &report.reporter;
    if let Some(e) = &r.email {
        form.push(("email".into(), e.clone()));
    }
    if let Some(p) = &r.phone {
        form.push(("phone".into(), p.clone()));
    }
    if let Some(name) = &r.name {
        let (first, last) = name.rsplit_once(' ').unwrap_or((name.as_str(), ""));
        form.push(("first_name".into(), first.to_string()));
        form.push(("last_name".into(), last.to_string()));
    }
    for (code, values) in answers {
        let key = if values.len() > 1 { format!("attribute[{code}][]") } else { format!("attribute[{code}]") };
        for v in values {
            form.push((key.clone(), v.clone()));
        }
    }
    form
}

async fn insert_job(
    tx: &mut Transaction<'_, Any>,
    council: CouncilId,
    report_id: i64,
    body_id: &str,
    kind: &str,
    payload: Value,
    key: String,
) -> Result<()> {
    let now = time_text::now();
    sqlx::query(
        "INSERT INTO reports_jobs (council_id, report_id, body_id, kind, payload, state, attempts, due_at, \
         idempotency_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $6, $6) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(council.0)
    .bind(report_id)
    .bind(body_id)
    .bind(kind)
    .bind(payload.to_string())
    .bind(&now)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues sending a new report to one selected body, inside the report's transaction.
pub(crate) async fn enqueue_forward(
    tx: &mut Transaction<'_, Any>,
    council: CouncilId,
    id: i64,
    report: &NewReport,
    answers: &Answers,
    s: &Selection,
) -> Result<()> {
    enqueue_forward_as(tx, council, id, report, answers, s, format!("report:{id}:{}", s.body.id)).await
}

/// As [`enqueue_forward`] with the job's idempotency key given (a reassigned report is sent again
/// to a body under a key of its own).
pub(crate) async fn enqueue_forward_as(
    tx: &mut Transaction<'_, Any>,
    council: CouncilId,
    id: i64,
    report: &NewReport,
    answers: &Answers,
    s: &Selection,
    key: String,
) -> Result<()> {
    match &s.category.route {
        Route::Guildhall => Ok(()),
        Route::Email { to } => {
            let subject = format!("Problem report {id}: {}", s.category.name);
            let payload = json!({"to": to, "subject": subject, "body": report_text(id, report, answers, s)});
            insert_job(tx, council, id, &s.body.id, "email", payload, key).await
        }
        route @ Route::Open311 { endpoint, jurisdiction_id, api_key, .. } => {
            let payload = json!({
                "endpoint": endpoint.trim_end_matches('/'),
                "api_key": api_key,
                "jurisdiction_id": jurisdiction_id,
                "form": open311_form(report, answers, route),
            });
            insert_job(tx, council, id, &s.body.id, "open311", payload, key).await
        }
    }
}

/// Queues telling the reporter about a public update, inside the update's transaction.
pub(crate) async fn enqueue_reporter_email(
    tx: &mut Transaction<'_, Any>,
    council: CouncilId,
    report: &Report,
    update_id: i64,
    to: &str,
    status: Status,
    description: &str,
) -> Result<()> {
    let subject = format!("Your report {}: {}", report.id, status.as_str().replace('_', " "));
    let body = format!(
        "There is an update on your report {} ({}).\n\nStatus: {}\n\n{}",
        report.id,
        report.category,
        status.as_str().replace('_', " "),
        description
    );
    let payload = json!({"to": to, "subject": subject, "body": body});
    let body_id = report.destinations.first().map(|d| d.body_id.clone()).unwrap_or_default();
    insert_job(tx, council, report.id, &body_id, "reporter_email", payload, format!("update:{update_id}")).await
}

/// A running worker; stop it with [`Worker::stop`].
pub struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Asks the worker to stop after its current batch and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

struct Job {
    id: i64,
    council: CouncilId,
    report_id: i64,
    body_id: String,
    kind: String,
    payload: Value,
    attempts: i64,
}

enum Outcome {
    Sent(Option<String>),
    PollToken(String),
    Failed(SendFailure),
}

impl Reports {
    /// Starts a worker that sends due jobs until stopped, waking at once when a report is stored.
    pub fn spawn_worker(&self, senders: Senders, config: SendConfig) -> Worker {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let reports = self.clone();
        let task = tokio::spawn(async move {
            loop {
                if *stopped.borrow() {
                    break;
                }
                let woken = reports.wake.notified();
                let claimed = match reports.send_due(&senders, &config).await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "sending reports failed");
                        0
                    }
                };
                if claimed > 0 {
                    continue;
                }
                tokio::select! {
                    _ = woken => {}
                    _ = tokio::time::sleep(config.poll) => {}
                    _ = stopped.changed() => {}
                }
            }
        });
        Worker { stop, task }
    }

    /// Claims up to `config.batch` due jobs, sends each and records the outcome; returns how
    /// many were claimed. Workers call it in a loop; tests may call it directly.
    pub async fn send_due(&self, senders: &Senders, config: &SendConfig) -> Result<usize> {
        let lock = match self.store().backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE reports_jobs SET state = 'running', attempts = attempts + 1, due_at = $1 \
             WHERE id IN (SELECT id FROM reports_jobs WHERE due_at <= $2 AND state IN ('queued', 'running') \
             ORDER BY id LIMIT $3{lock}) \
             RETURNING id, council_id, report_id, body_id, kind, payload, attempts"
        );
        let rows = sqlx::query(&sql)
            .bind(time_text::after(config.lease))
            .bind(time_text::now())
            .bind(config.batch)
            .fetch_all(self.store().pool())
            .await?;
        let claimed = rows.len();
        for row in rows {
            let job = Job {
                id: row.try_get(0)?,
                council: CouncilId(row.try_get(1)?),
                report_id: row.try_get(2)?,
                body_id: row.try_get(3)?,
                kind: row.try_get(4)?,
                payload: serde_json::from_str(&row.try_get::<String, _>(5)?)?,
                attempts: row.try_get(6)?,
            };
            let outcome = run(senders, &job).await;
            self.record(&job, outcome, config).await?;
        }
        Ok(claimed)
    }

    async fn record(&self, job: &Job, outcome: Outcome, config: &SendConfig) -> Result<()> {
        let now = time_text::now();
        let pool = self.store().pool();
        let mut tx = pool.begin().await?;
        let forward = job.kind != "reporter_email";
        match outcome {
            Outcome::Sent(external) => {
                sqlx::query("UPDATE reports_jobs SET state = 'done', last_error = NULL, updated_at = $1 WHERE id = $2")
                    .bind(&now)
                    .bind(job.id)
                    .execute(&mut *tx)
                    .await?;
                if forward {
                    sqlx::query(
                        "UPDATE reports_destinations SET state = 'sent', external_id = COALESCE($1, external_id), \
                         failure = NULL, sent_at = COALESCE(sent_at, $2) \
                         WHERE report_id = $3 AND body_id = $4 AND council_id = $5",
                    )
                    .bind(external)
                    .bind(&now)
                    .bind(job.report_id)
                    .bind(&job.body_id)
                    .bind(job.council.0)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            Outcome::PollToken(token) => {
                let mut payload = job.payload.clone();
                payload["token"] = Value::String(token);
                sqlx::query(
                    "UPDATE reports_jobs SET kind = 'open311_token', payload = $1, state = 'queued', attempts = 0, \
                     due_at = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(payload.to_string())
                .bind(time_text::after(config.token_poll))
                .bind(&now)
                .bind(job.id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE reports_destinations SET state = 'sent', sent_at = $1 \
                     WHERE report_id = $2 AND body_id = $3 AND council_id = $4",
                )
                .bind(&now)
                .bind(job.report_id)
                .bind(&job.body_id)
                .bind(job.council.0)
                .execute(&mut *tx)
                .await?;
            }
            Outcome::Failed(failure) => {
                let give_up = failure.permanent || job.attempts >= config.max_attempts;
                let reason = if give_up && !failure.permanent {
                    format!("gave up after {} attempts: {}", job.attempts, failure.reason)
                } else {
                    failure.reason.clone()
                };
                tracing::warn!(job = job.id, report = job.report_id, body = %job.body_id, %reason, give_up, "sending a report failed");
                let delay = config.backoff.saturating_mul(1 << (job.attempts - 1).clamp(0, 16));
                let delay = delay.min(Duration::from_secs(3600));
                sqlx::query(
                    "UPDATE reports_jobs SET state = $1, last_error = $2, due_at = $3, updated_at = $4 WHERE id = $5",
                )
                .bind(if give_up { "failed" } else { "queued" })
                .bind(&reason)
                .bind(time_text::after(delay))
                .bind(&now)
                .bind(job.id)
                .execute(&mut *tx)
                .await?;
                if forward {
                    let state = if give_up { "failed" } else { "retrying" };
                    sqlx::query(
                        "UPDATE reports_destinations SET state = CASE WHEN state = 'sent' THEN state ELSE $1 END, \
                         failure = $2 WHERE report_id = $3 AND body_id = $4 AND council_id = $5",
                    )
                    .bind(state)
                    .bind(&reason)
                    .bind(job.report_id)
                    .bind(&job.body_id)
                    .bind(job.council.0)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn run(senders: &Senders, job: &Job) -> Outcome {
    let text = |k: &str| job.payload.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    match job.kind.as_str() {
        "email" | "reporter_email" => {
            let email = Email {
                to: text("to"),
                subject: text("subject"),
                body: text("body"),
                reference: format!("reports-job-{}", job.id),
            };
            match senders.mailer.send(job.council, &email).await {
                Ok(id) => Outcome::Sent(Some(id)),
                Err(f) => Outcome::Failed(f),
            }
        }
        "open311" => post_request(senders, job).await,
        "open311_token" => poll_token(senders, job).await,
        other => Outcome::Failed(SendFailure { permanent: true, reason: format!("unknown job kind {other:?}") }),
    }
}

fn transient(reason: String) -> Outcome {
    Outcome::Failed(SendFailure { permanent: false, reason })
}

/// Reads an Open311 error list's first description, or the body's start.
fn error_text(status: reqwest::StatusCode, body: &str) -> String {
    let described = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get(0).and_then(|e| e.get("description")).and_then(Value::as_str).map(str::to_string));
    format!("the Open311 endpoint answered {status}: {}", described.unwrap_or_else(|| body.chars().take(200).collect()))
}

async fn post_request(senders: &Senders, job: &Job) -> Outcome {
    let endpoint = job.payload.get("endpoint").and_then(Value::as_str).unwrap_or_default();
    let form: Vec<(String, String)> = serde_json::from_value(job.payload["form"].clone()).unwrap_or_default();
    let sent = senders
        .http
        .post(format!("{endpoint}/requests.json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_encode(&form))
        .timeout(Duration::from_secs(30))
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => return transient(format!("could not reach the Open311 endpoint: {e}")),
    };
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        let permanent = status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429;
        return Outcome::Failed(SendFailure { permanent, reason: error_text(status, &body) });
    }
    let first = serde_json::from_str::<Value>(&body).ok().and_then(|v| v.get(0).cloned());
    let field = |f: &str| {
        first.as_ref().and_then(|v| v.get(f)).and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    match (field("service_request_id"), field("token")) {
        (Some(id), _) => Outcome::Sent(Some(id)),
        (None, Some(token)) => Outcome::PollToken(token),
        (None, None) => transient(format!("the Open311 endpoint's answer had neither an id nor a token: {body}")),
    }
}

async fn poll_token(senders: &Senders, job: &Job) -> Outcome {
    let text = |k: &str| job.payload.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let mut query = vec![("api_key".to_string(), text("api_key"))];
    if let Some(j) = job.payload.get("jurisdiction_id").and_then(Value::as_str) {
        query.push(("jurisdiction_id".into(), j.to_string()));
    }
    let url = format!("{}/tokens/{}.json?{}", text("endpoint"), form_encode_path(&text("token")), form_encode(&query));
    let response = match senders.http.get(url).timeout(Duration::from_secs(30)).send().await {
        Ok(r) => r,
        Err(e) => return transient(format!("could not reach the Open311 endpoint: {e}")),
    };
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return transient(error_text(status, &body));
    }
    let id = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
        v.get(0).and_then(|r| r.get("service_request_id")).and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    });
    match id {
        Some(id) => Outcome::Sent(Some(id)),
        None => transient("the Open311 endpoint has not given the request an id yet".into()),
    }
}

/// `application/x-www-form-urlencoded`, as the GeoReport spec asks for POSTs.
pub(crate) fn form_encode(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

fn form_encode_path(s: &str) -> String {
    encode(s).replace('+', "%20")
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
