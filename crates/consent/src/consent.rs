//! The consent brick's operations: requests, the citizen's answer, revocation, and THE read
//! function every service uses to read a register record about a citizen ([`Consent::read`]),
//! with its staff counterpart ([`Consent::read_as_staff`]). Both write the access log in a
//! transaction that commits before any data is handed back; no HTTP lives here.

use std::collections::BTreeMap;
use std::sync::Arc;

use registers::{Owner, RegisterError, Registers};
use sqlx::Row;
use store::group_commit::{LazyWriter, Tx, Write, WriteError, WriteFuture};
use store::{CouncilId, Store};
use time::OffsetDateTime;

use crate::clock::{Clock, SystemClock};
use crate::error::{ConsentError, Result};
use crate::model::{
    AccessLogEntry, Actor, ConsentRequest, ConsentedRead, Grant, GrantId, GrantState, Outcome, RegisterRef, RequestId,
    Scope, Service, StaffRead, StoredScope,
};

/// The longest a grant may last: long enough for a yearly permit with room to spare.
pub const MAX_DURATION: time::Duration = time::Duration::days(3 * 366);
/// The longest purpose, in characters: a sentence or two, not a privacy policy.
pub const MAX_PURPOSE: usize = 500;

const GRANT_COLUMNS: &str = "id, council_id, service_slug, service_name, citizen_id, scopes, purpose, \
     duration_seconds, return_to, state, requested_at, decided_at, expires_at, revoked_at";

const LOG_COLUMNS: &str = "id, council_id, citizen_id, grant_id, service_slug, service_name, actor_kind, actor_id, \
     actor_role, register_council_id, register_name, record_key, fields, purpose, outcome, reason, at";

/// The consent brick: grants and the access log over one store, reading records through the
/// registers brick's public API.
#[derive(Debug, Clone)]
pub struct Consent {
    store: Store,
    registers: Registers,
    clock: Arc<dyn Clock>,
    /// The group-commit writer of allowed reads' log rows, started on the first read (see
    /// [`OwnedLogRow`]'s [`Write`] and `store::group_commit`).
    writer: LazyWriter,
}

/// One access-log row about to be written.
struct LogRow<'a> {
    council_id: CouncilId,
    citizen: &'a str,
    grant_id: Option<&'a GrantId>,
    actor: Actor,
    register: &'a RegisterRef,
    key: &'a str,
    fields: &'a [String],
    purpose: String,
    at: OffsetDateTime,
}

impl Consent {
    /// Runs this brick's migrations (after the store's own).
    pub async fn migrate(store: &Store) -> Result<()> {
        store.migrate(sqlx::migrate!("./migrations/sqlite"), sqlx::migrate!("./migrations/postgres")).await?;
        Ok(())
    }

    /// The brick over a migrated store, reading records through `registers`, on the system clock.
    pub fn new(store: Store, registers: Registers) -> Consent {
        Consent { store, registers, clock: Arc::new(SystemClock), writer: LazyWriter::new("access log") }
    }

    /// The same brick on another clock (tests move a [`crate::ManualClock`] past an expiry).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Consent {
        self.clock = clock;
        self
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Now, by this brick's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Logs an allowed read in the access log's group commit if its grant is still live, and
    /// returns the log row's id (None when the grant is no longer live) once that is committed.
    async fn log_allowed(&self, row: OwnedLogRow) -> Result<Option<i64>> {
        self.writer.get(&self.store).write(row).await.map_err(|e| match e {
            WriteError::Statement(e) => e,
            WriteError::Batch(message) => ConsentError::LogNotWritten(message),
        })
    }

    /// A service asks a citizen for consent; the citizen answers on the request page
    /// (`/{council}/consent/{id}`). Every scope must name an existing register that is national
    /// or the service's council's own, and fields that register defines.
    pub async fn request(&self, request: &ConsentRequest) -> Result<RequestId> {
        self.validate(request).await?;
        let id = GrantId::generate();
        let scopes: Vec<StoredScope> = request
            .scopes
            .iter()
            .map(|s| StoredScope {
                owner: s.register.owner_code(),
                register: s.register.name.as_str().to_string(),
                fields: s.fields.clone(),
            })
            .collect();
        let scopes = serde_json::to_string(&scopes).map_err(|e| ConsentError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO consent_grants (id, council_id, service_slug, service_name, citizen_id, scopes, purpose, \
             duration_seconds, return_to, state, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.as_str())
        .bind(request.service.council_id.0)
        .bind(request.service.slug.as_str())
        .bind(request.service.name.trim())
        .bind(request.citizen.as_str())
        .bind(scopes)
        .bind(request.purpose.trim())
        .bind(request.duration.whole_seconds())
        .bind(request.return_to.as_str())
        .bind(GrantState::Requested.code())
        .bind(self.now().unix_timestamp())
        .execute(self.store.pool())
        .await?;
        Ok(id)
    }

    async fn validate(&self, request: &ConsentRequest) -> Result<()> {
        let invalid = |m: &str| Err(ConsentError::InvalidRequest(m.to_string()));
        let purpose = request.purpose.trim();
        if purpose.is_empty() {
            return invalid("say why the service needs the data");
        }
        if purpose.chars().count() > MAX_PURPOSE {
            return invalid("the purpose must be 500 characters or fewer");
        }
        if request.citizen.trim().is_empty() {
            return invalid("the citizen's account id is empty");
        }
        if request.service.slug.trim().is_empty() || request.service.name.trim().is_empty() {
            return invalid("the service needs a slug and a name");
        }
        if request.duration <= time::Duration::ZERO || request.duration > MAX_DURATION {
            return invalid("the grant must last between one second and three years");
        }
        if !is_local_path(&request.return_to) {
            return invalid("return_to must be a path on this site, starting with a single /");
        }
        if request.scopes.is_empty() {
            return invalid("ask for at least one register");
        }
        for scope in &request.scopes {
            if let Owner::Council(owner) = scope.register.owner
                && owner != request.service.council_id
            {
                return invalid(&format!("register {} belongs to another council", scope.register.name));
            }
            if scope.fields.is_empty() {
                return invalid(&format!("ask for at least one field of register {}", scope.register.name));
            }
            let info =
                self.registers.find(scope.register.owner, &scope.register.name).await?.ok_or_else(|| {
                    ConsentError::InvalidRequest(format!("no register named {}", scope.register.name))
                })?;
            let schema = self.registers.schema(&info).await?;
            for field in &scope.fields {
                if schema.field(field).is_none() {
                    return invalid(&format!("register {} has no field {field:?}", scope.register.name));
                }
            }
        }
        Ok(())
    }

    /// A request or grant, if it is this citizen's; another citizen's is [`ConsentError::UnknownRequest`].
    pub async fn grant(&self, id: &GrantId, citizen: &str) -> Result<Grant> {
        match self.load(id).await? {
            Some(grant) if grant.citizen == citizen => Ok(grant),
            _ => Err(ConsentError::UnknownRequest),
        }
    }

    /// The citizen agrees (the grant runs for the requested duration from now) or declines.
    pub async fn decide(&self, request: &RequestId, citizen: &str, agree: bool) -> Result<Grant> {
        let grant = self.grant(request, citizen).await?;
        if grant.state != GrantState::Requested {
            return Err(ConsentError::AlreadyDecided);
        }
        let now = self.now();
        let (state, expires_at) = if agree {
            (GrantState::Granted, Some((now + grant.duration).unix_timestamp()))
        } else {
            (GrantState::Declined, None)
        };
        let done = sqlx::query(
            "UPDATE consent_grants SET state = $1, decided_at = $2, expires_at = $3 \
             WHERE id = $4 AND citizen_id = $5 AND state = $6",
        )
        .bind(state.code())
        .bind(now.unix_timestamp())
        .bind(expires_at)
        .bind(request.as_str())
        .bind(citizen)
        .bind(GrantState::Requested.code())
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(ConsentError::AlreadyDecided);
        }
        self.grant(request, citizen).await
    }

    /// The citizen withdraws a grant: the next read through it is refused.
    pub async fn revoke(&self, grant: &GrantId, citizen: &str) -> Result<Grant> {
        let done = sqlx::query(
            "UPDATE consent_grants SET state = $1, revoked_at = $2 WHERE id = $3 AND citizen_id = $4 AND state = $5",
        )
        .bind(GrantState::Revoked.code())
        .bind(self.now().unix_timestamp())
        .bind(grant.as_str())
        .bind(citizen)
        .bind(GrantState::Granted.code())
        .execute(self.store.pool())
        .await?;
        let found = self.grant(grant, citizen).await?;
        if done.rows_affected() == 0 {
            return Err(ConsentError::NotRevocable);
        }
        Ok(found)
    }

    /// Every request and grant of a citizen, across councils, newest first.
    pub async fn grants_of(&self, citizen: &str) -> Result<Vec<Grant>> {
        let rows = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM consent_grants WHERE citizen_id = $1 ORDER BY requested_at DESC, id"
        ))
        .bind(citizen)
        .fetch_all(self.store.pool())
        .await?;
        let now = self.now();
        rows.iter().map(|r| grant_from_row(r, now)).collect()
    }

    /// The newest `limit` reads of a citizen's data, allowed and refused, by any council.
    pub async fn access_log_of(&self, citizen: &str, limit: u32) -> Result<Vec<AccessLogEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {LOG_COLUMNS} FROM consent_access_log WHERE citizen_id = $1 ORDER BY at DESC, id DESC LIMIT $2"
        ))
        .bind(citizen)
        .bind(i64::from(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(log_from_row).collect()
    }

    /// THE read: `reader` reads `fields` of the record `key` of `register` about `citizen`
    /// under grant `grant_id`. The grant must be this citizen's, given to this council and
    /// service, granted, not revoked, not expired (checked now, never cached), and cover the
    /// register and every field. Refusals are logged as refused with their reason; an allowed
    /// read is logged in a transaction that commits before the fields are returned, and if that
    /// fails nothing is returned.
    pub async fn read(
        &self,
        reader: &Service,
        grant_id: &GrantId,
        citizen: &str,
        register: &RegisterRef,
        key: &str,
        fields: &[&str],
    ) -> Result<ConsentedRead> {
        let grant = self.load(grant_id).await?;
        self.read_under(reader, grant, citizen, register, key, fields).await
    }

    /// [`Consent::read`] for a caller that has just chosen the grant from the citizen's list
    /// ([`Consent::grants_of`]) in the same request, saving the query that would load it again.
    /// Nothing is weakened: the grant is checked as `read` checks the one it loads, and the log
    /// writer checks once more, as it commits the read, that the grant is still live (a grant
    /// revoked in between refuses the read). `None` (no grant covers the read) is refused and
    /// logged as refused.
    pub async fn read_with_grant(
        &self,
        reader: &Service,
        grant: Option<&Grant>,
        citizen: &str,
        register: &RegisterRef,
        key: &str,
        fields: &[&str],
    ) -> Result<ConsentedRead> {
        self.read_under(reader, grant.cloned(), citizen, register, key, fields).await
    }

    /// The read under `grant` (loaded by the caller, None when there is none).
    async fn read_under(
        &self,
        reader: &Service,
        grant: Option<Grant>,
        citizen: &str,
        register: &RegisterRef,
        key: &str,
        fields: &[&str],
    ) -> Result<ConsentedRead> {
        let now = self.now();
        let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        let grant = grant.filter(|g| g.citizen == citizen);
        let row = LogRow {
            council_id: reader.council_id,
            citizen,
            grant_id: grant.as_ref().map(|g| &g.id),
            actor: Actor::Service { slug: reader.slug.clone(), name: reader.name.clone() },
            register,
            key,
            fields: &fields,
            purpose: grant.as_ref().map(|g| g.purpose.clone()).unwrap_or_default(),
            at: now,
        };
        // Only a grant that passes the check is read under (no grant at all is `NoGrant`).
        let grant_id = match (check(grant.as_ref(), reader, register, &fields), &grant) {
            (Ok(()), Some(live)) => &live.id,
            (Err(refusal), _) => return self.refuse(&row, refusal).await,
            (Ok(()), None) => return self.refuse(&row, ConsentError::NoGrant).await,
        };
        let record = match self.fetch(register, key, &fields).await {
            Ok(record) => record,
            Err(error) if error.is_refusal() => return self.refuse(&row, error).await,
            Err(error) => return Err(error),
        };

        // The grant is checked again and the read logged in the log writer's group commit, which
        // answers only once the row is durable (see `store::group_commit`).
        let owned = OwnedLogRow {
            council_id: row.council_id,
            citizen: citizen.to_string(),
            grant_id: grant_id.clone(),
            service_slug: reader.slug.clone(),
            actor: row.actor.clone(),
            register: register.clone(),
            key: key.to_string(),
            fields: fields.clone(),
            purpose: row.purpose.clone(),
            at: now,
        };
        let Some(log_id) = self.log_allowed(owned).await? else {
            let grant = self.load(grant_id).await?.filter(|g| g.citizen == citizen);
            let refusal = check(grant.as_ref(), reader, register, &fields).err().unwrap_or(ConsentError::Revoked);
            return self.refuse(&row, refusal).await;
        };
        Ok(ConsentedRead {
            register: register.clone(),
            key: key.to_string(),
            entry_number: record.0,
            fields: record.1,
            log_id,
        })
    }

    /// A member of staff (caseworker or register custodian) reads a record about a citizen for
    /// their council's work: no grant is needed, but only national registers and their own
    /// council's can be read, and the read is logged exactly like a service's (actor = staff).
    pub async fn read_as_staff(&self, read: &StaffRead) -> Result<ConsentedRead> {
        if read.purpose.trim().is_empty() {
            return Err(ConsentError::InvalidRequest("say why you are reading the record".into()));
        }
        if read.fields.is_empty() {
            return Err(ConsentError::InvalidRequest("ask for at least one field".into()));
        }
        let row = LogRow {
            council_id: read.council_id,
            citizen: &read.citizen,
            grant_id: None,
            actor: Actor::Staff { id: read.staff_id.clone(), role: read.role },
            register: &read.register,
            key: &read.key,
            fields: &read.fields,
            purpose: read.purpose.trim().to_string(),
            at: self.now(),
        };
        if let Owner::Council(owner) = read.register.owner
            && owner != read.council_id
        {
            return self.refuse(&row, ConsentError::OtherCouncilsRegister).await;
        }
        let record = match self.fetch(&read.register, &read.key, &read.fields).await {
            Ok(record) => record,
            Err(error) if error.is_refusal() => return self.refuse(&row, error).await,
            Err(error) => return Err(error),
        };
        let mut tx = self.store.pool().begin().await?;
        let log_id = insert_log(&mut tx, &row, Outcome::Allowed, None).await?;
        tx.commit().await?;
        Ok(ConsentedRead {
            register: read.register.clone(),
            key: read.key.clone(),
            entry_number: record.0,
            fields: record.1,
            log_id,
        })
    }

    /// Writes a refused row and returns the refusal (or the store's error if the row could not be written).
    async fn refuse<T>(&self, row: &LogRow<'_>, refusal: ConsentError) -> Result<T> {
        let mut tx = self.store.pool().begin().await?;
        insert_log(&mut tx, row, Outcome::Refused, Some(&refusal.to_string())).await?;
        tx.commit().await?;
        tracing::info!(reason = %refusal, register = %row.register.name, "consented read refused");
        Err(refusal)
    }

    /// The record's entry number and the asked-for fields it has, through the registers API.
    async fn fetch(
        &self,
        register: &RegisterRef,
        key: &str,
        fields: &[String],
    ) -> Result<(u64, BTreeMap<String, serde_json::Value>)> {
        let record = match self.registers.record_by_name(register.owner, &register.name, key).await {
            Ok(record) => record,
            Err(RegisterError::UnknownRegister(_)) => {
                return Err(ConsentError::NotFound(format!("no register named {}", register.name)));
            }
            Err(RegisterError::UnknownRecord(_)) => {
                return Err(ConsentError::NotFound(format!("no record {key:?} in register {}", register.name)));
            }
            Err(error) => return Err(error.into()),
        };
        let mut out = BTreeMap::new();
        for item in &record.items {
            if let serde_json::Value::Object(map) = item.value() {
                for field in fields {
                    if let Some(value) = map.get(field)
                        && !out.contains_key(field)
                    {
                        out.insert(field.clone(), value.clone());
                    }
                }
            }
        }
        Ok((record.entry.number, out))
    }

    async fn load(&self, id: &GrantId) -> Result<Option<Grant>> {
        let row = sqlx::query(&format!("SELECT {GRANT_COLUMNS} FROM consent_grants WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(self.store.pool())
            .await?;
        let now = self.now();
        row.map(|r| grant_from_row(&r, now)).transpose()
    }
}

/// An allowed read's log row, owned so it can wait in the log writer's queue, with what the
/// grant is checked against once more as it is written.
struct OwnedLogRow {
    council_id: CouncilId,
    citizen: String,
    grant_id: GrantId,
    service_slug: String,
    actor: Actor,
    register: RegisterRef,
    key: String,
    fields: Vec<String>,
    purpose: String,
    at: OffsetDateTime,
}

/// An allowed read's statements in the access log's group commit: run in arrival order with
/// the other reads of its batch, exactly the statements of [`allow`], answered after the commit.
impl Write for OwnedLogRow {
    type Output = Option<i64>;
    type Error = ConsentError;

    fn run<'a>(&'a self, tx: &'a mut Tx) -> WriteFuture<'a, Option<i64>, ConsentError> {
        Box::pin(allow(tx, self))
    }
}

/// Inside `tx`: marks the grant read if it is still live for this citizen, council and service,
/// and only then writes the allowed read's log row; returns its id, or None (nothing written)
/// when the grant is no longer live. Writing first takes the grant's row (PostgreSQL) or the
/// database (SQLite) for the rest of the transaction, so a revocation either commits before
/// this check or waits for the log.
async fn allow(tx: &mut Tx, row: &OwnedLogRow) -> Result<Option<i64>> {
    let live = sqlx::query(
        "UPDATE consent_grants SET last_read_at = $1 WHERE id = $2 AND citizen_id = $3 AND council_id = $4 \
         AND service_slug = $5 AND state = $6 AND expires_at > $1",
    )
    .bind(row.at.unix_timestamp())
    .bind(row.grant_id.as_str())
    .bind(row.citizen.as_str())
    .bind(row.council_id.0)
    .bind(row.service_slug.as_str())
    .bind(GrantState::Granted.code())
    .execute(&mut **tx)
    .await?;
    if live.rows_affected() == 0 {
        return Ok(None);
    }
    let log = LogRow {
        council_id: row.council_id,
        citizen: &row.citizen,
        grant_id: Some(&row.grant_id),
        actor: row.actor.clone(),
        register: &row.register,
        key: &row.key,
        fields: &row.fields,
        purpose: row.purpose.clone(),
        at: row.at,
    };
    Ok(Some(insert_log(tx, &log, Outcome::Allowed, None).await?))
}

/// Whether a grant (already known to be the citizen's) lets `reader` read `fields` of `register` now.
fn check(grant: Option<&Grant>, reader: &Service, register: &RegisterRef, fields: &[String]) -> Result<()> {
    let grant = grant.ok_or(ConsentError::NoGrant)?;
    if grant.service.council_id != reader.council_id || grant.service.slug != reader.slug {
        return Err(ConsentError::GrantForAnotherService);
    }
    match grant.state {
        GrantState::Granted => {}
        GrantState::Requested | GrantState::Declined => return Err(ConsentError::NotGranted),
        GrantState::Revoked => return Err(ConsentError::Revoked),
        GrantState::Expired => return Err(ConsentError::Expired),
    }
    let scope = grant
        .scope_for(register)
        .ok_or_else(|| ConsentError::RegisterNotGranted(register.name.as_str().to_string()))?;
    if fields.is_empty() {
        return Err(ConsentError::FieldNotGranted(String::new()));
    }
    if let Some(field) = fields.iter().find(|f| !scope.fields.contains(f)) {
        return Err(ConsentError::FieldNotGranted(field.clone()));
    }
    Ok(())
}

/// Whether `path` is a path on this site: one leading `/`, no scheme or host, no backslash.
pub(crate) fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control())
        && path.len() <= 2000
}

async fn insert_log(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    row: &LogRow<'_>,
    outcome: Outcome,
    reason: Option<&str>,
) -> Result<i64> {
    let (kind, actor_id, role, service_slug, service_name) = match &row.actor {
        Actor::Service { slug, name } => ("service", slug.clone(), None, Some(slug.clone()), Some(name.clone())),
        Actor::Staff { id, role } => ("staff", id.clone(), Some(role.code().to_string()), None, None),
    };
    let fields = serde_json::to_string(row.fields).map_err(|e| ConsentError::Corrupt(e.to_string()))?;
    let outcome = match outcome {
        Outcome::Allowed => "allowed",
        Outcome::Refused => "refused",
    };
    let inserted = sqlx::query(
        "INSERT INTO consent_access_log (council_id, citizen_id, grant_id, service_slug, service_name, actor_kind, \
         actor_id, actor_role, register_council_id, register_name, record_key, fields, purpose, outcome, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(row.council_id.0)
    .bind(row.citizen)
    .bind(row.grant_id.map(|g| g.as_str().to_string()))
    .bind(service_slug)
    .bind(service_name)
    .bind(kind)
    .bind(actor_id)
    .bind(role)
    .bind(row.register.owner_code())
    .bind(row.register.name.as_str())
    .bind(row.key)
    .bind(fields)
    .bind(row.purpose.as_str())
    .bind(outcome)
    .bind(reason)
    .bind(row.at.unix_timestamp())
    .fetch_one(&mut **tx)
    .await?;
    Ok(inserted.try_get(0)?)
}

fn timestamp(seconds: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|e| ConsentError::Corrupt(e.to_string()))
}

fn grant_from_row(row: &sqlx::any::AnyRow, now: OffsetDateTime) -> Result<Grant> {
    let scopes: Vec<StoredScope> = serde_json::from_str(&row.try_get::<String, _>(5)?)
        .map_err(|e| ConsentError::Corrupt(format!("scopes: {e}")))?;
    let scopes = scopes
        .into_iter()
        .map(|s| Ok(Scope { register: RegisterRef::from_code(s.owner, &s.register)?, fields: s.fields }))
        .collect::<Result<Vec<_>>>()?;
    let expires_at = row.try_get::<Option<i64>, _>(12)?.map(timestamp).transpose()?;
    let mut state = GrantState::parse(&row.try_get::<String, _>(9)?)?;
    if state == GrantState::Granted && expires_at.is_none_or(|e| e <= now) {
        state = GrantState::Expired;
    }
    Ok(Grant {
        id: GrantId(row.try_get(0)?),
        service: Service { council_id: CouncilId(row.try_get(1)?), slug: row.try_get(2)?, name: row.try_get(3)? },
        citizen: row.try_get(4)?,
        scopes,
        purpose: row.try_get(6)?,
        duration: time::Duration::seconds(row.try_get(7)?),
        return_to: row.try_get(8)?,
        state,
        requested_at: timestamp(row.try_get(10)?)?,
        decided_at: row.try_get::<Option<i64>, _>(11)?.map(timestamp).transpose()?,
        expires_at,
        revoked_at: row.try_get::<Option<i64>, _>(13)?.map(timestamp).transpose()?,
    })
}

fn log_from_row(row: &sqlx::any::AnyRow) -> Result<AccessLogEntry> {
    let kind: String = row.try_get(6)?;
    let actor = if kind == "staff" {
        let role: Option<String> = row.try_get(8)?;
        Actor::Staff { id: row.try_get(7)?, role: crate::model::StaffRole::parse(role.as_deref().unwrap_or_default())? }
    } else {
        Actor::Service {
            slug: row.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
            name: row.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
        }
    };
    let fields: Vec<String> = serde_json::from_str(&row.try_get::<String, _>(12)?)
        .map_err(|e| ConsentError::Corrupt(format!("fields: {e}")))?;
    let outcome = match row.try_get::<String, _>(14)?.as_str() {
        "allowed" => Outcome::Allowed,
        _ => Outcome::Refused,
    };
    Ok(AccessLogEntry {
        id: row.try_get(0)?,
        council_id: CouncilId(row.try_get(1)?),
        citizen: row.try_get(2)?,
        grant_id: row.try_get::<Option<String>, _>(3)?.map(GrantId),
        actor,
        register: RegisterRef::from_code(row.try_get(9)?, &row.try_get::<String, _>(10)?)?,
        key: row.try_get(11)?,
        fields,
        purpose: row.try_get(13)?,
        outcome,
        reason: row.try_get(15)?,
        at: timestamp(row.try_get(16)?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_returned_to() {
        assert!(is_local_path("/exampleshire/parking/apply?step=2"));
        for bad in ["https://evil.example/", "//evil.example/", "/\\evil.example", "parking", "", "/a\nb"] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}
