//! The brick itself: services, keys and templates (for the CLI), authentication of bearer tokens,
//! and sending, reading and listing notifications as Notify's API v2 does.

use std::sync::Arc;

use serde_json::{Map, Value};
use sqlx::Row;
use sqlx::any::AnyRow;
use store::{CouncilId, Store};
use uuid::Uuid;

use crate::auth::{self, AuthFailure, KeyType};
use crate::cache::{ApiKey, Cache, ServiceKeys};
use crate::error::{NotifyError, Result};
use crate::limits::RateLimits;
use crate::outbox::{GroupWriter, NewRow};
use crate::template::{self, Personalisation, TemplateType};
use crate::validate;

/// How many notifications one page of `GET /v2/notifications` holds, as in Notify.
pub const PAGE_SIZE: i64 = 250;

/// Settings that differ per instance.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// The domain emails are sent from: `content.from_email` is `{service-name}@{domain}`.
    pub email_from_domain: String,
    /// The sender shown as `content.from_number` for text messages.
    pub sms_sender: String,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig { email_from_domain: "notify.localhost".to_string(), sms_sender: "Guildhall".to_string() }
    }
}

/// The notifications brick over a store whose migrations have run (see [`Notify::migrate`]).
#[derive(Clone)]
pub struct Notify {
    store: Store,
    config: NotifyConfig,
    limits: RateLimits,
    /// Wakes this process's workers as soon as a notification is committed.
    pub(crate) wake: Arc<tokio::sync::Notify>,
    /// The group-commit writer, started on the first send (see `outbox`).
    writer: Arc<std::sync::Mutex<Option<GroupWriter>>>,
    /// On SQLite, this process's writers of the outbox take turns here rather than in SQLite's
    /// busy handler, which sleeps for milliseconds between tries and so caps throughput.
    write_gate: Arc<tokio::sync::Mutex<()>>,
    /// This process's worker, when one runs: the writer inserts rows already leased to it and
    /// hands them over in memory after the commit, so the worker does not claim them (see `delivery`).
    pub(crate) hand_off: Arc<std::sync::Mutex<Option<crate::delivery::HandOff>>>,
    /// Services' keys and current templates read in the last two seconds (see `cache`).
    cache: Cache,
}

/// Who is calling: the service and key a bearer token was verified against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The Notify service.
    pub service_id: String,
    /// The council that owns the service.
    pub council_id: CouncilId,
    /// The service's name.
    pub service_name: String,
    /// The key's id.
    pub key_id: String,
    /// The key's type (a test key never delivers).
    pub key_type: KeyType,
}

/// A template version as Notify's `GET /v2/template` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// email, sms or letter.
    pub template_type: TemplateType,
    /// When the template was first made.
    pub created_at: String,
    /// When this version was made, if it is not the first.
    pub updated_at: Option<String>,
    /// The version number, from 1.
    pub version: i64,
    /// The body with `((placeholders))`.
    pub body: String,
    /// The subject (email) or heading (letter).
    pub subject: Option<String>,
}

/// A template rendered with personalisation, as `POST /v2/template/{id}/preview` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The template.
    pub template: Template,
    /// The personalised body (plain text for SMS, Markdown-like source for email and letters).
    pub body: String,
    /// The personalised subject.
    pub subject: Option<String>,
    /// The email body as HTML (emails only).
    pub html: Option<String>,
    /// SMS fragments (texts only; 0 otherwise).
    pub fragments: usize,
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The notification id.
    pub id: String,
    /// The service that sent it.
    pub service_id: String,
    /// The owning council.
    pub council_id: CouncilId,
    /// The sender's own reference.
    pub reference: Option<String>,
    /// email, sms or letter.
    pub notification_type: TemplateType,
    /// The key type it was sent with.
    pub key_type: KeyType,
    /// Email address, normalised phone number, or the address lines joined by newlines.
    pub recipient: String,
    /// The personalisation given (letters keep their address lines here).
    pub personalisation: Map<String, Value>,
    /// Stored status (created, sending, delivered, …); see [`Notification::api_status`].
    pub status: String,
    /// The template and its version.
    pub template_id: String,
    /// The template version used.
    pub template_version: i64,
    /// The rendered subject.
    pub subject: Option<String>,
    /// The rendered body.
    pub body: String,
    /// The rendered HTML (emails).
    pub html: Option<String>,
    /// SMS fragments.
    pub fragments: i64,
    /// Letter postage.
    pub postage: Option<String>,
    /// When the request was accepted.
    pub created_at: String,
    /// When a provider took it.
    pub sent_at: Option<String>,
    /// When it reached a final status.
    pub completed_at: Option<String>,
    /// Which provider sent it.
    pub provider: Option<String>,
}

impl Notification {
    /// The status as Notify reports it: letters show `accepted` until posted and `received` after.
    pub fn api_status(&self) -> &str {
        match (self.notification_type, self.status.as_str()) {
            (TemplateType::Letter, "created" | "sending") => "accepted",
            (TemplateType::Letter, "delivered") => "received",
            (_, s) => s,
        }
    }
}

/// What `POST /v2/notifications/{type}` asks for, checked against Notify's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SendRequest {
    /// email, sms or letter.
    pub notification_type: TemplateType,
    /// The template to use.
    pub template_id: Uuid,
    /// The email address or phone number (empty for letters: the address is in personalisation).
    pub recipient: String,
    /// Placeholder values.
    pub personalisation: Map<String, Value>,
    /// The sender's reference.
    pub reference: Option<String>,
}

fn validation(msg: impl Into<String>) -> NotifyError {
    NotifyError::Validation(msg.into())
}

impl SendRequest {
    /// Checks a JSON request body as Notify's schema does: required properties, no unknown ones,
    /// a UUID template id, and a valid email address or UK mobile number.
    pub fn from_json(notification_type: TemplateType, body: &Value) -> Result<SendRequest> {
        let object = body.as_object().ok_or_else(|| validation("Invalid JSON supplied in POST data"))?;
        let (recipient_field, allowed): (Option<&str>, &[&str]) = match notification_type {
            TemplateType::Email => (
                Some("email_address"),
                &[
                    "email_address",
                    "template_id",
                    "personalisation",
                    "reference",
                    "email_reply_to_id",
                    "one_click_unsubscribe_url",
                    "scheduled_for",
                ],
            ),
            TemplateType::Sms => (
                Some("phone_number"),
                &["phone_number", "template_id", "personalisation", "reference", "sms_sender_id", "scheduled_for"],
            ),
            TemplateType::Letter => (None, &["template_id", "personalisation", "reference", "postage"]),
        };
        if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(validation(format!("Additional properties are not allowed ({unknown} was unexpected)")));
        }
        let string = |field: &str| -> Result<Option<String>> {
            match object.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(validation(format!("{field} {other} is not of type string"))),
            }
        };
        let recipient = match recipient_field {
            Some(field) => {
                let value = string(field)?.ok_or_else(|| validation(format!("{field} is a required property")))?;
                let checked = match notification_type {
                    TemplateType::Email => validate::email_address(&value),
                    _ => validate::uk_mobile_number(&value),
                };
                checked.map_err(|m| validation(format!("{field} {m}")))?
            }
            None => String::new(),
        };
        let template_id = string("template_id")?.ok_or_else(|| validation("template_id is a required property"))?;
        let template_id = Uuid::parse_str(&template_id).map_err(|_| validation("template_id is not a valid UUID"))?;
        let personalisation = match object.get("personalisation") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(other) => return Err(validation(format!("personalisation {other} is not of type object"))),
        };
        if notification_type == TemplateType::Letter && personalisation.is_empty() {
            return Err(validation("personalisation is a required property"));
        }
        let reference = string("reference")?;
        if let Some(postage) = string("postage")?
            && !["first", "second", "economy", "europe", "rest-of-world"].contains(&postage.as_str())
        {
            return Err(validation("postage invalid. It must be first, second or economy."));
        }
        Ok(SendRequest { notification_type, template_id, recipient, personalisation, reference })
    }
}

/// Filters for listing notifications (Notify's query parameters).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only these types (any when empty).
    pub template_types: Vec<TemplateType>,
    /// Only these statuses as the API names them (`failed` means every failure status).
    pub statuses: Vec<String>,
    /// Only this reference.
    pub reference: Option<String>,
    /// Only notifications older than this one (the previous page's last id).
    pub older_than: Option<Uuid>,
}

/// Notify's timestamp format: `2026-11-23T12:00:00.000000Z` (UTC, microseconds).
pub fn timestamp() -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    time::OffsetDateTime::now_utc().format(&format).unwrap_or_else(|_| "1970-01-01T00:00:00.000000Z".to_string())
}

/// A timestamp `seconds` from now, for due times.
pub(crate) fn timestamp_in(seconds: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    (time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds))
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000000Z".to_string())
}

pub(crate) const NOTIFICATION_COLUMNS: &str = "id, service_id, council_id, reference, notification_type, key_type, recipient, \
     personalisation, status, template_id, template_version, subject, body, html, fragments, postage, created_at, \
     sent_at, completed_at, provider";

pub(crate) fn notification_from_row(row: &AnyRow) -> Result<Notification> {
    let type_name: String = row.try_get("notification_type")?;
    let key_type: String = row.try_get("key_type")?;
    let personalisation: String = row.try_get("personalisation")?;
    Ok(Notification {
        id: row.try_get("id")?,
        service_id: row.try_get("service_id")?,
        council_id: CouncilId(row.try_get("council_id")?),
        reference: row.try_get("reference")?,
        notification_type: TemplateType::parse(&type_name).unwrap_or(TemplateType::Email),
        key_type: KeyType::parse(&key_type).unwrap_or(KeyType::Live),
        recipient: row.try_get("recipient")?,
        personalisation: serde_json::from_str(&personalisation)?,
        status: row.try_get("status")?,
        template_id: row.try_get("template_id")?,
        template_version: row.try_get("template_version")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        html: row.try_get("html")?,
        fragments: row.try_get("fragments")?,
        postage: row.try_get("postage")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
        completed_at: row.try_get("completed_at")?,
        provider: row.try_get("provider")?,
    })
}

fn template_from_row(row: &AnyRow) -> Result<Template> {
    let type_name: String = row.try_get("template_type")?;
    Ok(Template {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        template_type: TemplateType::parse(&type_name).unwrap_or(TemplateType::Email),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
        body: row.try_get("body")?,
        subject: row.try_get("subject")?,
    })
}

/// The status a test key (or Notify's smoke-test recipients) gives instead of delivering.
pub(crate) fn simulated_status(
    key_type: KeyType,
    notification_type: TemplateType,
    recipient: &str,
) -> Option<&'static str> {
    let smoke = [
        "simulate-delivered@notifications.service.gov.uk",
        "simulate-delivered-2@notifications.service.gov.uk",
        "simulate-delivered-3@notifications.service.gov.uk",
        "447700900000",
        "447700900111",
        "447700900222",
    ];
    if smoke.contains(&recipient) {
        return Some("delivered");
    }
    if key_type != KeyType::Test {
        return None;
    }
    Some(match (notification_type, recipient) {
        (TemplateType::Email, "temp-fail@simulator.notify") | (TemplateType::Sms, "447700900003") => {
            "temporary-failure"
        }
        (TemplateType::Email, "perm-fail@simulator.notify") | (TemplateType::Sms, "447700900002") => {
            "permanent-failure"
        }
        _ => "delivered",
    })
}

/// Statuses stored for a status filter as the API names it.
fn stored_statuses(notification_types: &[TemplateType], status: &str) -> Vec<&'static str> {
    let letters_only = !notification_types.is_empty() && notification_types.iter().all(|t| *t == TemplateType::Letter);
    match status {
        "failed" => vec!["technical-failure", "temporary-failure", "permanent-failure", "validation-failed"],
        "accepted" => vec!["created", "sending"],
        "received" => vec!["delivered"],
        "created" if letters_only => vec![],
        s => [
            "created",
            "sending",
            "sent",
            "pending",
            "delivered",
            "technical-failure",
            "temporary-failure",
            "permanent-failure",
            "validation-failed",
            "cancelled",
        ]
        .into_iter()
        .filter(|known| *known == s)
        .collect(),
    }
}

impl Notify {
    /// The brick over a migrated store, with default settings.
    pub fn new(store: Store) -> Notify {
        Notify::with_config(store, NotifyConfig::default())
    }

    /// The brick with instance settings.
    pub fn with_config(store: Store, config: NotifyConfig) -> Notify {
        Notify {
            store,
            config,
            limits: RateLimits::default(),
            wake: Arc::new(tokio::sync::Notify::new()),
            writer: Arc::new(std::sync::Mutex::new(None)),
            write_gate: Arc::new(tokio::sync::Mutex::new(())),
            hand_off: Arc::new(std::sync::Mutex::new(None)),
            cache: Cache::default(),
        }
    }

    /// The same brick with other rate limits (Notify's defaults otherwise: see [`RateLimits`]).
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Notify {
        self.limits = limits;
        // The writer charges the limits, so this brick needs its own.
        self.writer = Arc::new(std::sync::Mutex::new(None));
        self
    }

    /// A copy for the writer task that does not keep the writer itself alive.
    fn clone_for_writer(&self) -> Notify {
        Notify { writer: Arc::new(std::sync::Mutex::new(None)), ..self.clone() }
    }

    /// Waits for this process's turn to write the outbox on SQLite (nothing to wait for on
    /// PostgreSQL, whose row locks let writers overlap).
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.store.backend() {
            store::Backend::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            store::Backend::Postgres => None,
        }
    }

    /// Commits notification rows through this brick's group-commit writer (one request's rows all
    /// or none), starting the writer on the current runtime if it is not running.
    pub(crate) async fn commit_rows(&self, rows: Vec<NewRow>) -> Result<()> {
        let writer = {
            let mut slot = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match slot.as_ref() {
                Some(w) if !w.is_closed() => w.clone(),
                _ => {
                    let w = GroupWriter::spawn(self.clone_for_writer());
                    *slot = Some(w.clone());
                    w
                }
            }
        };
        writer.commit(rows).await
    }

    /// The rate limits in force.
    pub fn rate_limits(&self) -> RateLimits {
        self.limits
    }

    /// Runs this brick's migrations (after the store's own).
    pub async fn migrate(store: &Store) -> Result<()> {
        store.migrate(sqlx::migrate!("./migrations/sqlite"), sqlx::migrate!("./migrations/postgres")).await?;
        Ok(())
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creates a Notify service for a council and returns its id.
    pub async fn create_service(&self, council_id: CouncilId, name: &str) -> Result<Uuid> {
        let name = name.trim();
        if name.is_empty() {
            return Err(NotifyError::InvalidArgument("a service needs a name".to_string()));
        }
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO notify_services (id, council_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.to_string())
            .bind(council_id.0)
            .bind(name)
            .bind(timestamp())
            .execute(self.store.pool())
            .await?;
        Ok(id)
    }

    pub(crate) async fn service_council(&self, service_id: Uuid) -> Result<(CouncilId, String)> {
        let row = sqlx::query("SELECT council_id, name FROM notify_services WHERE id = $1")
            .bind(service_id.to_string())
            .fetch_optional(self.store.pool())
            .await?
            .ok_or_else(|| NotifyError::UnknownService(service_id.to_string()))?;
        Ok((CouncilId(row.try_get(0)?), row.try_get(1)?))
    }

    /// Creates an API key and returns it whole, as `{name}-{service-uuid}-{secret-uuid}`; the
    /// secret is stored as it is, because HS256 tokens can only be verified with it.
    pub async fn create_key(&self, service_id: Uuid, key_type: KeyType, name: &str) -> Result<String> {
        let (council, _) = self.service_council(service_id).await?;
        let key_name: String = name.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("_");
        if key_name.is_empty() {
            return Err(NotifyError::InvalidArgument("an API key needs a name".to_string()));
        }
        let secret = Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO notify_api_keys (id, council_id, service_id, name, key_type, secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(council.0)
        .bind(service_id.to_string())
        .bind(name.trim())
        .bind(key_type.as_str())
        .bind(&secret)
        .bind(timestamp())
        .execute(self.store.pool())
        .await?;
        Ok(format!("{key_name}-{service_id}-{secret}"))
    }

    /// The caller of the council's service's oldest live key of this type and name, the key made
    /// first if there is none. The platform's own senders (report emails, the service engine) act
    /// through a key like any client, but in-process: they need its identity, not its secret, so
    /// every start and every node reuses one key instead of issuing another. Revoking it in the
    /// service's keys makes the next start issue a fresh one. Another council's service is
    /// refused as unknown, before any key is made.
    pub async fn own_key(&self, council: CouncilId, service_id: Uuid, key_type: KeyType, name: &str) -> Result<Caller> {
        let (council_id, service_name) = self.service_council(service_id).await?;
        if council_id != council {
            return Err(NotifyError::UnknownService(service_id.to_string()));
        }
        let find = || {
            sqlx::query(
                "SELECT id FROM notify_api_keys WHERE service_id = $1 AND key_type = $2 AND name = $3 \
                 AND revoked_at IS NULL ORDER BY created_at, id LIMIT 1",
            )
            .bind(service_id.to_string())
            .bind(key_type.as_str())
            .bind(name.trim())
            .fetch_optional(self.store.pool())
        };
        let key_id: String = match find().await? {
            Some(row) => row.try_get(0)?,
            None => {
                self.create_key(service_id, key_type, name).await?;
                find().await?.ok_or_else(|| NotifyError::InvalidArgument("the new key is gone".into()))?.try_get(0)?
            }
        };
        Ok(Caller { service_id: service_id.to_string(), council_id, service_name, key_id, key_type })
    }

    /// Revokes a key by the full key string; tokens signed with it are refused from now on.
    pub async fn revoke_key(&self, api_key: &str) -> Result<()> {
        let (service, secret) = auth::split_api_key(api_key)
            .ok_or_else(|| NotifyError::InvalidArgument("not a Notify API key".to_string()))?;
        let done = sqlx::query(
            "UPDATE notify_api_keys SET revoked_at = $1 WHERE service_id = $2 AND secret = $3 AND revoked_at IS NULL",
        )
        .bind(timestamp())
        .bind(service)
        .bind(secret)
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(NotifyError::InvalidArgument("no such live API key".to_string()));
        }
        self.cache.forget_service(service);
        Ok(())
    }

    /// Creates a template (version 1) and returns its id. Emails and letters need a subject; texts have none.
    pub async fn create_template(
        &self,
        service_id: Uuid,
        template_type: TemplateType,
        name: &str,
        subject: Option<&str>,
        body: &str,
    ) -> Result<Uuid> {
        let (council, _) = self.service_council(service_id).await?;
        let subject = check_template(template_type, name, subject, body)?;
        let id = Uuid::new_v4();
        let now = timestamp();
        let mut tx = self.store.pool().begin().await?;
        sqlx::query(
            "INSERT INTO notify_templates (id, council_id, service_id, template_type, name, subject, body, version, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, NULL)",
        )
        .bind(id.to_string())
        .bind(council.0)
        .bind(service_id.to_string())
        .bind(template_type.as_str())
        .bind(name.trim())
        .bind(subject.clone())
        .bind(body)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        insert_version(&mut tx, id, council, 1, name.trim(), subject, body, &now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves a new version of a template and returns its number; earlier versions stay readable.
    pub async fn update_template(
        &self,
        template_id: Uuid,
        name: &str,
        subject: Option<&str>,
        body: &str,
    ) -> Result<i64> {
        let row = sqlx::query("SELECT council_id, template_type, version FROM notify_templates WHERE id = $1")
            .bind(template_id.to_string())
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(NotifyError::NotFound)?;
        let council = CouncilId(row.try_get(0)?);
        let template_type = TemplateType::parse(&row.try_get::<String, _>(1)?).unwrap_or(TemplateType::Email);
        let version: i64 = row.try_get::<i64, _>(2)? + 1;
        let subject = check_template(template_type, name, subject, body)?;
        let now = timestamp();
        let mut tx = self.store.pool().begin().await?;
        sqlx::query(
            "UPDATE notify_templates SET name = $1, subject = $2, body = $3, version = $4, updated_at = $5 \
             WHERE id = $6 AND version = $7",
        )
        .bind(name.trim())
        .bind(subject.clone())
        .bind(body)
        .bind(version)
        .bind(&now)
        .bind(template_id.to_string())
        .bind(version - 1)
        .execute(&mut *tx)
        .await?;
        insert_version(&mut tx, template_id, council, version, name.trim(), subject, body, &now).await?;
        tx.commit().await?;
        self.cache.forget_template(template_id);
        Ok(version)
    }

    /// Verifies an `Authorization` header value exactly as Notify does and says who is calling.
    /// The service's keys come from the short cache; a token signed with none of the cached keys
    /// is checked again against the database before it is refused (the key may be new).
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Caller> {
        let token = auth::bearer_token(authorization)?;
        let parsed = auth::parse_token(token)?;
        let service_id = Uuid::parse_str(&parsed.issuer).map_err(|_| AuthFailure::BadServiceId)?.to_string();
        if let Some(cached) = self.cache.service(&service_id) {
            match verify(&parsed, &service_id, &cached) {
                Err(NotifyError::Auth(AuthFailure::KeyNotFound)) => {}
                verdict => return verdict,
            }
        }
        let service = self.service_keys(&service_id).await?;
        verify(&parsed, &service_id, &service)
    }

    /// Reads a service and its keys from the database and caches them.
    async fn service_keys(&self, service_id: &str) -> Result<Arc<ServiceKeys>> {
        let service = sqlx::query("SELECT council_id, name FROM notify_services WHERE id = $1")
            .bind(service_id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(AuthFailure::UnknownService)?;
        let rows = sqlx::query("SELECT id, key_type, secret, revoked_at FROM notify_api_keys WHERE service_id = $1")
            .bind(service_id)
            .fetch_all(self.store.pool())
            .await?;
        let mut keys = Vec::with_capacity(rows.len());
        for key in &rows {
            let key_type: String = key.try_get("key_type")?;
            keys.push(ApiKey {
                id: key.try_get("id")?,
                key_type: KeyType::parse(&key_type).unwrap_or(KeyType::Live),
                secret: key.try_get("secret")?,
                revoked: key.try_get::<Option<String>, _>("revoked_at")?.is_some(),
            });
        }
        let service = Arc::new(ServiceKeys { council_id: service.try_get(0)?, name: service.try_get(1)?, keys });
        self.cache.keep_service(service_id, service.clone());
        Ok(service)
    }

    /// The current version of a template for sending: from the short cache, else the database.
    async fn current_template(&self, service_id: &str, template_id: Uuid) -> Result<Template> {
        if let Some(t) = self.cache.template(service_id, template_id) {
            return Ok(t);
        }
        let t = self.template(service_id, template_id, None).await?;
        self.cache.keep_template(service_id, template_id, t.clone());
        Ok(t)
    }

    /// The current version of a template of the service, or a given version.
    pub async fn template(&self, service_id: &str, template_id: Uuid, version: Option<i64>) -> Result<Template> {
        let row = match version {
            None => {
                sqlx::query(
                    "SELECT id, name, template_type, created_at, updated_at, version, body, subject \
                     FROM notify_templates WHERE id = $1 AND service_id = $2",
                )
                .bind(template_id.to_string())
                .bind(service_id)
                .fetch_optional(self.store.pool())
                .await?
            }
            Some(v) => {
                sqlx::query(
                    "SELECT t.id, v.name, t.template_type, t.created_at, \
                     CASE WHEN v.version = 1 THEN NULL ELSE v.created_at END AS updated_at, v.version, v.body, \
                     v.subject FROM notify_templates t JOIN notify_template_versions v ON v.template_id = t.id \
                     WHERE t.id = $1 AND t.service_id = $2 AND v.version = $3",
                )
                .bind(template_id.to_string())
                .bind(service_id)
                .bind(v)
                .fetch_optional(self.store.pool())
                .await?
            }
        };
        template_from_row(&row.ok_or(NotifyError::NotFound)?)
    }

    /// The service's templates (current versions), optionally of one type, newest first.
    pub async fn templates(&self, service_id: &str, template_type: Option<TemplateType>) -> Result<Vec<Template>> {
        let rows = sqlx::query(
            "SELECT id, name, template_type, created_at, updated_at, version, body, subject FROM notify_templates \
             WHERE service_id = $1 AND ($2 = '' OR template_type = $2) ORDER BY created_at DESC, id",
        )
        .bind(service_id)
        .bind(template_type.map(TemplateType::as_str).unwrap_or(""))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(template_from_row).collect()
    }

    /// Renders a template with personalisation, or says which personalisation is missing.
    pub async fn preview(&self, service_id: &str, template_id: Uuid, values: &Map<String, Value>) -> Result<Preview> {
        let template = self.template(service_id, template_id, None).await?;
        render(template, values)
    }

    /// Accepts a notification: checks it, renders it and commits it before returning, so a
    /// returned notification is durable. Test keys (and Notify's simulated recipients) get their
    /// final status at once and are never handed to a provider.
    pub async fn send(&self, caller: &Caller, request: SendRequest) -> Result<Notification> {
        self.send_with_links(caller, request, "http://localhost").await
    }

    /// As [`Notify::send`], with files sent by link (`prepare_upload` values in the
    /// personalisation) served under `base` (the public origin: `{base}/d/{service}/{file}?key=…`).
    pub async fn send_with_links(&self, caller: &Caller, mut request: SendRequest, base: &str) -> Result<Notification> {
        let files = crate::files::take_files(
            &mut request.personalisation,
            request.notification_type,
            base,
            &caller.service_id,
        )?;
        let template = match self.current_template(&caller.service_id, request.template_id).await {
            Ok(t) => t,
            Err(NotifyError::NotFound) => return Err(NotifyError::BadRequest("Template not found".to_string())),
            Err(e) => return Err(e),
        };
        if template.template_type != request.notification_type {
            return Err(NotifyError::BadRequest(format!(
                "{} template is not suitable for {} notification",
                template.template_type.as_str(),
                request.notification_type.as_str()
            )));
        }
        if caller.key_type == KeyType::Team {
            if request.notification_type == TemplateType::Letter {
                return Err(NotifyError::BadRequest("Cannot send letters with a team api key".to_string()));
            }
            let smoke = simulated_status(KeyType::Live, request.notification_type, &request.recipient).is_some();
            if !smoke && !self.on_guest_list(&caller.service_id, &request.recipient).await? {
                return Err(NotifyError::BadRequest(
                    "Can\u{2019}t send to this recipient using a team-only API key".to_string(),
                ));
            }
        }
        let mut recipient = request.recipient.clone();
        let mut postage = None;
        if request.notification_type == TemplateType::Letter {
            let values = Personalisation::new(&request.personalisation);
            if values.get("address_line_1").is_none() {
                return Err(validation("personalisation address_line_1 is a required property"));
            }
            let mut lines: Vec<String> =
                (1..=7).filter_map(|n| values.get(&format!("address_line_{n}")).map(template_value)).collect();
            if let Some(postcode) = values.get("postcode") {
                lines.push(template_value(postcode));
            }
            let address = validate::PostalAddress::from_lines(lines).map_err(validation)?;
            recipient = address.lines.join("\n");
            postage = Some("second".to_string());
        }
        let preview = render(template, &request.personalisation)?;
        let id = Uuid::new_v4().to_string();
        let now = timestamp();
        let simulated = simulated_status(caller.key_type, request.notification_type, &recipient);
        let (status, sent_at, completed_at, provider) = match simulated {
            Some(s) => (s, Some(now.clone()), Some(now.clone()), Some("simulated".to_string())),
            None => ("created", None, None, None),
        };
        let personalisation = Value::Object(request.personalisation.clone()).to_string();
        // Rate limits are charged and the row inserted in the writer's transaction; it answers
        // only after the commit (and a simulated final status queues its callback in it too).
        self.commit_rows(vec![NewRow {
            id: id.clone(),
            council_id: caller.council_id,
            service_id: caller.service_id.clone(),
            key_id: caller.key_id.clone(),
            key_type: caller.key_type,
            notification_type: request.notification_type.as_str(),
            template_id: preview.template.id.clone(),
            template_version: preview.template.version,
            recipient: recipient.clone(),
            personalisation,
            reference: request.reference.clone(),
            status,
            subject: preview.subject.clone(),
            body: preview.body.clone(),
            html: preview.html.clone(),
            fragments: preview.fragments as i64,
            postage: postage.clone(),
            created_at: now.clone(),
            sent_at: sent_at.clone(),
            completed_at: completed_at.clone(),
            provider: provider.clone(),
            due_at: now.clone(),
            callback: simulated,
            pdf: None,
            files,
            job_id: None,
        }])
        .await?;
        Ok(Notification {
            id,
            service_id: caller.service_id.clone(),
            council_id: caller.council_id,
            reference: request.reference,
            notification_type: request.notification_type,
            key_type: caller.key_type,
            recipient,
            personalisation: request.personalisation,
            status: status.to_string(),
            template_id: preview.template.id,
            template_version: preview.template.version,
            subject: preview.subject,
            body: preview.body,
            html: preview.html,
            fragments: preview.fragments as i64,
            postage,
            created_at: now,
            sent_at,
            completed_at,
            provider,
        })
    }

    /// One notification of the service, whatever key sent it.
    pub async fn notification(&self, service_id: &str, id: Uuid) -> Result<Notification> {
        let row = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notify_notifications WHERE id = $1 AND service_id = $2"
        ))
        .bind(id.to_string())
        .bind(service_id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or(NotifyError::NotFound)?;
        notification_from_row(&row)
    }

    /// A page (up to [`PAGE_SIZE`]) of the service's notifications sent with the caller's key
    /// type, newest first, as `GET /v2/notifications` lists them.
    pub async fn list_notifications(&self, caller: &Caller, filter: &ListFilter) -> Result<Vec<Notification>> {
        let mut sql =
            format!("SELECT {NOTIFICATION_COLUMNS} FROM notify_notifications WHERE service_id = $1 AND key_type = $2");
        let mut args: Vec<String> = vec![caller.service_id.clone(), caller.key_type.as_str().to_string()];
        let push_in = |sql: &mut String, args: &mut Vec<String>, column: &str, values: Vec<String>| {
            let mut marks = Vec::new();
            for v in values {
                args.push(v);
                marks.push(format!("${}", args.len()));
            }
            if marks.is_empty() {
                sql.push_str(" AND 1 = 0");
            } else {
                sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
            }
        };
        if !filter.template_types.is_empty() {
            let types = filter.template_types.iter().map(|t| t.as_str().to_string()).collect();
            push_in(&mut sql, &mut args, "notification_type", types);
        }
        if !filter.statuses.is_empty() {
            let mut stored: Vec<String> = Vec::new();
            for s in &filter.statuses {
                for st in stored_statuses(&filter.template_types, s) {
                    if !stored.iter().any(|x| x == st) {
                        stored.push(st.to_string());
                    }
                }
            }
            push_in(&mut sql, &mut args, "status", stored);
        }
        if let Some(reference) = &filter.reference {
            args.push(reference.clone());
            sql.push_str(&format!(" AND reference = ${}", args.len()));
        }
        if let Some(older) = filter.older_than {
            args.push(older.to_string());
            sql.push_str(&format!(
                " AND seq < COALESCE((SELECT seq FROM notify_notifications WHERE id = ${}), 0)",
                args.len()
            ));
        }
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT {PAGE_SIZE}"));
        let mut query = sqlx::query(&sql);
        for a in &args {
            query = query.bind(a.as_str());
        }
        let rows = query.fetch_all(self.store.pool()).await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// The sender address for a service's emails: its name made into a local part, at the configured domain.
    pub fn from_email(&self, service_name: &str) -> String {
        let local: String = service_name
            .to_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(".");
        format!("{local}@{}", self.config.email_from_domain)
    }

    /// The sender shown for text messages.
    pub fn sms_sender(&self) -> &str {
        &self.config.sms_sender
    }
}

fn template_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn check_template(
    template_type: TemplateType,
    name: &str,
    subject: Option<&str>,
    body: &str,
) -> Result<Option<String>> {
    if name.trim().is_empty() {
        return Err(NotifyError::InvalidArgument("a template needs a name".to_string()));
    }
    if body.trim().is_empty() {
        return Err(NotifyError::InvalidArgument("a template needs a body".to_string()));
    }
    let subject = subject.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    match (template_type, &subject) {
        (TemplateType::Sms, Some(_)) => {
            Err(NotifyError::InvalidArgument("text message templates have no subject".to_string()))
        }
        (TemplateType::Email | TemplateType::Letter, None) => {
            Err(NotifyError::InvalidArgument(format!("{} templates need a subject", template_type.as_str())))
        }
        _ => Ok(subject),
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: Uuid,
    council: CouncilId,
    version: i64,
    name: &str,
    subject: Option<String>,
    body: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notify_template_versions (template_id, council_id, version, name, subject, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(council.0)
    .bind(version)
    .bind(name)
    .bind(subject)
    .bind(body)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Renders a template with personalisation (Notify's preview), failing on missing values.
pub(crate) fn render(template: Template, values: &Map<String, Value>) -> Result<Preview> {
    let p = Personalisation::new(values);
    let mut sources = vec![template.body.as_str()];
    if let Some(s) = &template.subject {
        sources.push(s.as_str());
    }
    let missing = template::missing_personalisation(&sources, &p);
    if !missing.is_empty() {
        return Err(NotifyError::BadRequest(format!("Missing personalisation: {}", missing.join(", "))));
    }
    let subject = template.subject.as_deref().map(|s| template::substitute(s, &p, false));
    let (body, html, fragments) = match template.template_type {
        TemplateType::Sms => {
            let body = template::substitute(&template.body, &p, false);
            let count = template::sms_fragments(&body).fragments;
            (body, None, count)
        }
        TemplateType::Email => {
            let body = template::substitute(&template.body, &p, true);
            let html = template::email_html(&body);
            (body, Some(html), 0)
        }
        TemplateType::Letter => (template::substitute(&template.body, &p, true), None, 0),
    };
    Ok(Preview { template, body, subject, html, fragments })
}

/// Checks a parsed token against a service's keys exactly as Notify does.
fn verify(parsed: &auth::UnverifiedToken, service_id: &str, service: &ServiceKeys) -> Result<Caller> {
    if service.keys.is_empty() {
        return Err(AuthFailure::NoKeys.into());
    }
    for key in &service.keys {
        if !parsed.signed_with(&key.secret) {
            continue;
        }
        if !parsed.fresh_at(auth::now_seconds()) {
            return Err(AuthFailure::Clock.into());
        }
        if key.revoked {
            return Err(AuthFailure::Revoked.into());
        }
        return Ok(Caller {
            service_id: service_id.to_string(),
            council_id: CouncilId(service.council_id),
            service_name: service.name.clone(),
            key_id: key.id.clone(),
            key_type: key.key_type,
        });
    }
    Err(AuthFailure::KeyNotFound.into())
}
