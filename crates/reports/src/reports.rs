//! The reports store: a report is written whole (report, photo, where it went, the sending jobs)
//! in one transaction or not at all; read back publicly without personal details; listed per
//! body with Open311's filters; updated by staff with public updates.

use std::sync::Arc;

use sqlx::Row;
use sqlx::any::AnyRow;
use store::{CouncilId, Store};

use crate::error::{ReportError, Result};
use crate::model::{BodyContact, Route};
use crate::queue;
use crate::routing::{AreaLookup, Located, Location, Selection, check_answers};
use crate::rules::Answers;
use crate::time_text;

/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
const MAX_DESCRIPTION: usize = 5000;
/// The longest title accepted, in characters.
pub const MAX_TITLE: usize = 120;

/// Per council: the stamp the bodies were read at, and the bodies.
pub(crate) type BodyCache = std::collections::HashMap<i64, (String, Arc<Vec<crate::model::Body>>)>;

/// The brick over a migrated store and the area view it routes with. Cheap to clone.
#[derive(Clone)]
pub struct Reports {
    store: Store,
    areas: Arc<dyn AreaLookup>,
    pub(crate) wake: Arc<tokio::sync::Notify>,
    /// Each council's bodies as last read, with the stamp they were read at (see `bodies_for_routing`).
    pub(crate) cache: Arc<std::sync::RwLock<BodyCache>>,
}

/// Where a report stands. Open311 shows `open` for the first two and `closed` for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Reported, not yet looked at.
    Open,
    /// Someone is on it.
    InProgress,
    /// Put right.
    Fixed,
    /// Closed without a fix (duplicate, not ours, …).
    Closed,
}

impl Status {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Fixed => "fixed",
            Status::Closed => "closed",
        }
    }

    /// Parses a stored or submitted word.
    pub fn parse(text: &str) -> Result<Status> {
        match text.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Status::Open),
            "in_progress" | "in progress" => Ok(Status::InProgress),
            "fixed" => Ok(Status::Fixed),
            "closed" => Ok(Status::Closed),
            other => Err(ReportError::InvalidStatus(other.to_string())),
        }
    }

    /// Open311's two statuses.
    pub fn open311(self) -> &'static str {
        match self {
            Status::Open | Status::InProgress => "open",
            Status::Fixed | Status::Closed => "closed",
        }
    }
}

/// Who reported it. Never shown publicly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reporter {
    /// Their name.
    pub name: Option<String>,
    /// Their email address (updates are sent to it).
    pub email: Option<String>,
    /// Their phone number.
    pub phone: Option<String>,
    /// Their Guildhall account, when signed in (or Open311's `account_id`).
    pub account_id: Option<String>,
}

/// A photo of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Photo {
    /// Checks size and kind (by the bytes, not the name).
    pub fn check(&self) -> Result<()> {
        if self.bytes.len() > MAX_PHOTO_BYTES {
            return Err(ReportError::PhotoTooLarge { size: self.bytes.len(), limit: MAX_PHOTO_BYTES });
        }
        let kind = if self.bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if self.bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if self.bytes.len() > 12 && &self.bytes[0..4] == b"RIFF" && &self.bytes[8..12] == b"WEBP" {
            "image/webp"
        } else {
            return Err(ReportError::BadPhoto);
        };
        if kind != self.content_type {
            return Err(ReportError::BadPhoto);
        }
        Ok(())
    }
}

/// A report as submitted, before routing.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// Where.
    pub location: Location,
    /// The category name (citizen journey) or service code (Open311, see `submit_to_service`).
    pub category: String,
    /// What is wrong, as typed (stored as text; pages escape it).
    pub description: String,
    /// Answers to the category's questions.
    pub answers: Answers,
    /// A street address or description of the place, if given.
    pub address: Option<String>,
    /// Who.
    pub reporter: Reporter,
    /// A photo.
    pub photo: Option<Photo>,
    /// Where it came from: `web`, `open311`.
    pub source: String,
}

/// What the citizen pages add to a report: a title, and whether the reporter's name may be
/// shown on the public page (Open311 has neither).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WebExtras {
    /// A short title.
    pub title: Option<String>,
    /// Whether the name is shown publicly.
    pub show_name: bool,
}

/// One body a stored report goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The body.
    pub body_id: String,
    /// The body's service code.
    pub service_code: String,
    /// email, open311 or guildhall.
    pub route: String,
    /// queued, sent, failed or held (handled inside Guildhall).
    pub state: String,
    /// The id the other system gave it (Open311), or the notification id (email).
    pub external_id: Option<String>,
    /// Why sending failed, for staff.
    pub failure: Option<String>,
    /// When it was sent.
    pub sent_at: Option<String>,
}

/// What a citizen is told after submitting: the report and who it went to.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// The report's id (Open311 `service_request_id`).
    pub id: i64,
    /// The report's token (Open311 `token`).
    pub token: String,
    /// Each body it went to, with its clerk or team.
    pub sent_to: Vec<(String, String, BodyContact)>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Its id.
    pub id: i64,
    /// Its council.
    pub council_id: CouncilId,
    /// The category name.
    pub category: String,
    /// Its title, if one was given.
    pub title: Option<String>,
    /// What is wrong.
    pub description: String,
    /// Where.
    pub location: Location,
    /// The address given.
    pub address: Option<String>,
    /// The checked answers.
    pub answers: Answers,
    /// Where it stands.
    pub status: Status,
    /// Who reported it (staff only: see [`Report::public`]).
    pub reporter: Reporter,
    /// Where it came from.
    pub source: String,
    /// Its Open311 token.
    pub token: String,
    /// When it was made.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// The bodies it went to.
    pub destinations: Vec<Destination>,
    /// Whether it has a photo.
    pub has_photo: bool,
    /// Whether the reporter agreed to their name being shown publicly.
    pub show_name: bool,
}

impl Report {
    /// The report as the public sees it: personal details removed (the name kept only when
    /// the reporter agreed to show it).
    pub fn public(&self) -> Report {
        let name = if self.show_name { self.reporter.name.clone() } else { None };
        Report { reporter: Reporter { name, ..Reporter::default() }, ..self.clone() }
    }
}

/// A public update on a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// Its id (Open311 `update_id`).
    pub id: i64,
    /// The report.
    pub report_id: i64,
    /// The body that posted it.
    pub body_id: Option<String>,
    /// The status it set.
    pub status: String,
    /// Its text.
    pub description: String,
    /// When.
    pub created_at: String,
}

/// A report that could not be sent to a body, for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedSend {
    /// The report.
    pub report_id: i64,
    /// The body it should have reached.
    pub body_id: String,
    /// email or open311.
    pub route: String,
    /// Why.
    pub reason: String,
}

/// Filters for listing a body's reports (Open311's `GET requests`).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only these ids (overrides the other filters, as in Open311).
    pub ids: Vec<i64>,
    /// Only these service codes.
    pub service_codes: Vec<String>,
    /// Only these Open311 statuses (`open`, `closed`).
    pub open311_statuses: Vec<String>,
    /// Made at or after (stored form).
    pub start: Option<String>,
    /// Made at or before (stored form).
    pub end: Option<String>,
    /// At most this many, newest first.
    pub limit: i64,
}

fn check_text(value: &str, what: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ReportError::InvalidField(format!("{what} is required")));
    }
    if value.chars().count() > max {
        return Err(ReportError::InvalidField(format!("{what} must be {max} characters or fewer")));
    }
    Ok(value.to_string())
}

fn optional(value: &Option<String>, what: &str, max: usize) -> Result<Option<String>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => check_text(v, what, max).map(Some),
    }
}

impl Reports {
    /// The brick over a store (run [`Reports::migrate`] first) and an area look-up.
    pub fn new(store: Store, areas: Arc<dyn AreaLookup>) -> Reports {
        Reports { store, areas, wake: Arc::new(tokio::sync::Notify::new()), cache: Arc::default() }
    }

    /// Creates or updates this brick's tables.
    pub async fn migrate(store: &Store) -> std::result::Result<(), store::StoreError> {
        store.migrate(sqlx::migrate!("./migrations/sqlite"), sqlx::migrate!("./migrations/postgres")).await
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The bodies of a council covering a point; refuses a point none covers.
    pub async fn locate(&self, council: CouncilId, location: Location) -> Result<Located> {
        let bodies = self.bodies_for_routing(council).await?;
        Located::find(self.areas.as_ref(), &bodies, location).await
    }

    /// Routes and stores a citizen's report: the category by name, sent to exactly the bodies the
    /// rules select. Nothing is stored if anything is wrong.
    pub async fn submit(&self, council: CouncilId, report: NewReport) -> Result<Submitted> {
        let report = checked(report)?;
        let located = self.locate(council, report.location).await?;
        let (selections, answers) = located.select(&report.category, &report.answers)?;
        let token = uuid::Uuid::new_v4().to_string();
        self.store_report(council, report, answers, selections, &token, &WebExtras::default()).await
    }

    /// [`Reports::submit`] from the citizen pages, under the token their draft chose in advance:
    /// the token is unique, so submitting one draft twice, even at once, stores one report; the
    /// second call answers with the first's id ([`Submitted::sent_to`] empty then).
    pub(crate) async fn submit_draft(
        &self,
        council: CouncilId,
        report: NewReport,
        extras: &WebExtras,
        token: &str,
    ) -> Result<Submitted> {
        if let Some(id) = self.existing_token(council, token).await? {
            return Ok(Submitted { id, token: token.to_string(), sent_to: Vec::new() });
        }
        let report = checked(report)?;
        let extras = WebExtras { title: optional(&extras.title, "The title", MAX_TITLE)?, show_name: extras.show_name };
        let located = self.locate(council, report.location).await?;
        let (selections, answers) = located.select(&report.category, &report.answers)?;
        match self.store_report(council, report, answers, selections, token, &extras).await {
            Ok(submitted) => Ok(submitted),
            Err(e) => match self.existing_token(council, token).await? {
                Some(id) => Ok(Submitted { id, token: token.to_string(), sent_to: Vec::new() }),
                None => Err(e),
            },
        }
    }

    async fn existing_token(&self, council: CouncilId, token: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM reports_reports WHERE token = $1 AND council_id = $2")
            .bind(token)
            .bind(council.0)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// Stores a report an Open311 client sent to one body's service code: the client chose the
    /// body, so only its coverage of the point and its questions are checked.
    pub async fn submit_to_service(&self, body_id: &str, service_code: &str, report: NewReport) -> Result<Submitted> {
        let (council, body) = self.body(body_id).await?;
        let category = body
            .category(service_code)
            .cloned()
            .ok_or_else(|| ReportError::UnknownCategory(service_code.to_string()))?;
        let mut report = checked(report)?;
        report.category = category.name.clone();
        let answers = check_answers(&category.attributes, &report.answers)?;
        let areas = self.areas.areas_at(report.location.lon, report.location.lat).await;
        let mut keys: Vec<&String> = areas.iter().map(|(k, _)| k).filter(|k| body.areas.contains(k)).collect();
        keys.sort();
        let area = keys.first().map(|k| (*k).clone()).ok_or_else(|| ReportError::OutsideBody(body.name.clone()))?;
        let selection = Selection { body, category, area };
        let token = uuid::Uuid::new_v4().to_string();
        self.store_report(council, report, answers, vec![selection], &token, &WebExtras::default()).await
    }

    async fn store_report(
        &self,
        council: CouncilId,
        report: NewReport,
        answers: Answers,
        selections: Vec<Selection>,
        token: &str,
        extras: &WebExtras,
    ) -> Result<Submitted> {
        let now = time_text::now();
        let token = token.to_string();
        let mut tx = self.store.pool().begin().await?;
        let row = sqlx::query(
            "INSERT INTO reports_reports (council_id, category, description, lat, lon, address, attributes, status, \
             reporter_name, reporter_email, reporter_phone, account_id, source, token, created_at, updated_at, title, \
             show_name) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $11, $12, $13, $14, $14, $15, $16) \
             RETURNING id",
        )
        .bind(council.0)
        .bind(&report.category)
        .bind(&report.description)
        .bind(report.location.lat)
        .bind(report.location.lon)
        .bind(report.address.clone())
        .bind(serde_json::to_string(&answers)?)
        .bind(report.reporter.name.clone())
        .bind(report.reporter.email.clone())
        .bind(report.reporter.phone.clone())
        .bind(report.reporter.account_id.clone())
        .bind(&report.source)
        .bind(&token)
        .bind(&now)
        .bind(extras.title.clone())
        .bind(i64::from(extras.show_name))
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        if let Some(photo) = &report.photo {
            sqlx::query(
                "INSERT INTO reports_photos (report_id, council_id, content_type, bytes) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(council.0)
            .bind(&photo.content_type)
            .bind(photo.bytes.clone())
            .execute(&mut *tx)
            .await?;
        }
        // The body reads the title, when there is one, above the description.
        let forwarded = match &extras.title {
            Some(title) => NewReport { description: format!("{title}\n\n{}", report.description), ..report.clone() },
            None => report.clone(),
        };
        let mut sent_to = Vec::new();
        for s in &selections {
            let state = if s.category.route == Route::Guildhall { "held" } else { "queued" };
            sqlx::query(
                "INSERT INTO reports_destinations (report_id, council_id, body_id, service_code, route, state) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(council.0)
            .bind(&s.body.id)
            .bind(&s.category.code)
            .bind(s.category.route.kind())
            .bind(state)
            .execute(&mut *tx)
            .await?;
            queue::enqueue_forward(&mut tx, council, id, &forwarded, &answers, s).await?;
            sent_to.push((s.body.id.clone(), s.body.name.clone(), s.body.contact.clone()));
        }
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(Submitted { id, token, sent_to })
    }

    /// A report of this council (or of any council when `None`: Open311 checks the body instead).
    pub async fn report(&self, council: Option<CouncilId>, id: i64) -> Result<Report> {
        let row = sqlx::query(&format!("{REPORT_COLUMNS} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or_else(|| ReportError::NotFound(id.to_string()))?;
        let report = self.report_from_row(&row).await?;
        match council {
            Some(c) if c != report.council_id => Err(ReportError::NotFound(id.to_string())),
            _ => Ok(report),
        }
    }

    /// The report id a token stands for.
    pub async fn report_id_for_token(&self, token: &str) -> Result<i64> {
        let row = sqlx::query("SELECT id FROM reports_reports WHERE token = $1")
            .bind(token)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or_else(|| ReportError::UnknownToken(token.to_string()))?;
        Ok(row.try_get(0)?)
    }

    /// The photo of a report of this council.
    pub async fn photo(&self, council: CouncilId, id: i64) -> Result<Photo> {
        let row =
            sqlx::query("SELECT content_type, bytes FROM reports_photos WHERE report_id = $1 AND council_id = $2")
                .bind(id)
                .bind(council.0)
                .fetch_optional(self.store.pool())
                .await?
                .ok_or_else(|| ReportError::NotFound(id.to_string()))?;
        Ok(Photo { content_type: row.try_get(0)?, bytes: row.try_get(1)? })
    }

    /// A body's reports (those sent to it), newest first, filtered as Open311's `GET requests`.
    pub async fn list_for_body(&self, council: CouncilId, body_id: &str, filter: &ListFilter) -> Result<Vec<Report>> {
        let mut sql = format!(
            "{REPORT_COLUMNS} JOIN reports_destinations d ON d.report_id = r.id \
             WHERE r.council_id = $1 AND d.council_id = $1 AND d.body_id = $2"
        );
        let mut binds: Vec<String> = Vec::new();
        let mut next = |sql: &mut String, clause: &str, value: String| {
            binds.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len() + 2)));
        };
        if !filter.ids.is_empty() {
            let list: Vec<String> = filter.ids.iter().map(|i| i.to_string()).collect();
            sql.push_str(&format!(" AND r.id IN ({})", list.join(", ")));
        } else {
            if !filter.service_codes.is_empty() {
                sql.push_str(" AND (");
                for (i, code) in filter.service_codes.iter().enumerate() {
                    next(&mut sql, if i == 0 { "d.service_code = ?" } else { " OR d.service_code = ?" }, code.clone());
                }
                sql.push(')');
            }
            let want_open = filter.open311_statuses.iter().any(|s| s == "open");
            let want_closed = filter.open311_statuses.iter().any(|s| s == "closed");
            if want_open != want_closed {
                sql.push_str(if want_open {
                    " AND r.status IN ('open', 'in_progress')"
                } else {
                    " AND r.status IN ('fixed', 'closed')"
                });
            }
            if let Some(start) = &filter.start {
                next(&mut sql, " AND r.created_at >= ?", start.clone());
            }
            if let Some(end) = &filter.end {
                next(&mut sql, " AND r.created_at <= ?", end.clone());
            }
        }
        sql.push_str(&format!(" ORDER BY r.id DESC LIMIT {}", filter.limit.clamp(1, 1000)));
        let mut query = sqlx::query(&sql).bind(council.0).bind(body_id);
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.store.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.report_from_row(row).await?);
        }
        Ok(out)
    }

    /// Records a public update (status and text) from a body's staff or system; queues an email
    /// to the reporter when they gave an address. Returns the update id.
    pub async fn add_update(
        &self,
        council: CouncilId,
        id: i64,
        body_id: Option<&str>,
        status: Status,
        description: &str,
        author: &str,
    ) -> Result<i64> {
        let report = self.report(Some(council), id).await?;
        if let Some(b) = body_id
            && !report.destinations.iter().any(|d| d.body_id == b)
        {
            return Err(ReportError::NotFound(id.to_string()));
        }
        let description = check_text(description, "The update", MAX_DESCRIPTION)?;
        let now = time_text::now();
        let mut tx = self.store.pool().begin().await?;
        let row = sqlx::query(
            "INSERT INTO reports_updates (report_id, council_id, body_id, status, description, author, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(id)
        .bind(council.0)
        .bind(body_id.map(str::to_string))
        .bind(status.as_str())
        .bind(&description)
        .bind(author)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let update_id: i64 = row.try_get(0)?;
        sqlx::query("UPDATE reports_reports SET status = $1, updated_at = $2 WHERE id = $3 AND council_id = $4")
            .bind(status.as_str())
            .bind(&now)
            .bind(id)
            .bind(council.0)
            .execute(&mut *tx)
            .await?;
        if let Some(email) = &report.reporter.email {
            queue::enqueue_reporter_email(&mut tx, council, &report, update_id, email, status, &description).await?;
        }
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(update_id)
    }

    /// A report's public updates, oldest first.
    pub async fn updates(&self, council: CouncilId, id: i64) -> Result<Vec<Update>> {
        let rows = sqlx::query(
            "SELECT id, report_id, body_id, status, description, created_at FROM reports_updates \
             WHERE report_id = $1 AND council_id = $2 ORDER BY id",
        )
        .bind(id)
        .bind(council.0)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(update_from_row).collect()
    }

    /// Updates on a body's reports made between two times (the `servicerequestupdates` extension).
    pub async fn updates_for_body(
        &self,
        council: CouncilId,
        body_id: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<Update>> {
        let rows = sqlx::query(
            "SELECT u.id, u.report_id, u.body_id, u.status, u.description, u.created_at FROM reports_updates u \
             JOIN reports_destinations d ON d.report_id = u.report_id AND d.body_id = $2 \
             WHERE u.council_id = $1 AND d.council_id = $1 AND u.created_at >= $3 AND u.created_at <= $4 \
             ORDER BY u.id LIMIT 1000",
        )
        .bind(council.0)
        .bind(body_id)
        .bind(start)
        .bind(end)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(update_from_row).collect()
    }

    /// Reports of this council that could not be sent, with the reason, for staff.
    pub async fn failed_sends(&self, council: CouncilId) -> Result<Vec<FailedSend>> {
        let rows = sqlx::query(
            "SELECT report_id, body_id, route, failure FROM reports_destinations \
             WHERE council_id = $1 AND state = 'failed' ORDER BY report_id",
        )
        .bind(council.0)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FailedSend {
                    report_id: r.try_get(0)?,
                    body_id: r.try_get(1)?,
                    route: r.try_get(2)?,
                    reason: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                })
            })
            .collect()
    }

    pub(crate) async fn report_from_row(&self, row: &AnyRow) -> Result<Report> {
        let id: i64 = row.try_get("id")?;
        let council_id = CouncilId(row.try_get("council_id")?);
        let dest_rows = sqlx::query(
            "SELECT body_id, service_code, route, state, external_id, failure, sent_at FROM reports_destinations \
             WHERE report_id = $1 AND council_id = $2 ORDER BY body_id",
        )
        .bind(id)
        .bind(council_id.0)
        .fetch_all(self.store.pool())
        .await?;
        let destinations = dest_rows
            .iter()
            .map(|d| {
                Ok(Destination {
                    body_id: d.try_get(0)?,
                    service_code: d.try_get(1)?,
                    route: d.try_get(2)?,
                    state: d.try_get(3)?,
                    external_id: d.try_get(4)?,
                    failure: d.try_get(5)?,
                    sent_at: d.try_get(6)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Report {
            id,
            council_id,
            category: row.try_get("category")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            location: Location { lat: row.try_get("lat")?, lon: row.try_get("lon")? },
            address: row.try_get("address")?,
            answers: serde_json::from_str(&row.try_get::<String, _>("attributes")?)?,
            status: Status::parse(&row.try_get::<String, _>("status")?)?,
            reporter: Reporter {
                name: row.try_get("reporter_name")?,
                email: row.try_get("reporter_email")?,
                phone: row.try_get("reporter_phone")?,
                account_id: row.try_get("account_id")?,
            },
            source: row.try_get("source")?,
            token: row.try_get("token")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            destinations,
            has_photo: row.try_get::<i64, _>("has_photo")? > 0,
            show_name: row.try_get::<i64, _>("show_name")? != 0,
        })
    }
}

pub(crate) const REPORT_COLUMNS: &str = "SELECT r.id, r.council_id, r.category, r.description, r.lat, r.lon, r.address, \
     r.attributes, r.status, r.reporter_name, r.reporter_email, r.reporter_phone, r.account_id, r.source, r.token, \
     r.created_at, r.updated_at, r.title, r.show_name, (SELECT COUNT(*) FROM reports_photos p WHERE p.report_id = r.id) AS has_photo \
     FROM reports_reports r";

fn update_from_row(r: &AnyRow) -> Result<Update> {
    Ok(Update {
        id: r.try_get(0)?,
        report_id: r.try_get(1)?,
        body_id: r.try_get(2)?,
        status: r.try_get(3)?,
        description: r.try_get(4)?,
        created_at: r.try_get(5)?,
    })
}

/// Checks the parts of a report that do not depend on routing.
fn checked(mut report: NewReport) -> Result<NewReport> {
    report.description = check_text(&report.description, "A description of the problem", MAX_DESCRIPTION)?;
    report.address = optional(&report.address, "The address", 500)?;
    report.reporter.name = optional(&report.reporter.name, "Your name", 200)?;
    report.reporter.phone = optional(&report.reporter.phone, "Your phone number", 40)?;
    report.reporter.account_id = optional(&report.reporter.account_id, "The account id", 200)?;
    report.reporter.email = optional(&report.reporter.email, "Your email address", 320)?;
    if let Some(email) = &report.reporter.email {
        let ok = email.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !email.contains(' '));
        if !ok {
            return Err(ReportError::InvalidField(format!("{email:?} is not an email address")));
        }
    }
    if let Some(photo) = &report.photo {
        photo.check()?;
    }
    Ok(report)
}
