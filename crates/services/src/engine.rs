//! The engine: stored definitions per council (versioned), applications saved page by page,
//! and submission — checks, eligibility, decision and the case — exactly once. Case work
//! after submission lives in `cases.rs`, delivery of notifications and outputs in `outbox.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::Rng;
use serde_json::{Map, Value, json};
use sqlx::Row;
use store::group_commit::{LazyWriter, Tx, Write, WriteError, WriteFuture};
use store::{CouncilId, Store, now_timestamp};
use time::Date;

use crate::answers::{self, FormInput};
use crate::cases::{CaseState, CaseSummary};
use crate::definition::{Moment, QuestionKind, ServiceDefinition};
use crate::error::{Result, ServiceError};
use crate::eval::{Scope, eval, holds};
use crate::flow::{self, Next};
use crate::outbox;
use crate::ports::{
    Address, AddressBook, FeeCollector, Notifier, OutputSink, PaymentRequest, PaymentStart, PaymentState, PortError,
    RecordRequest, RecordSource,
};

/// The other bricks the engine works through.
#[derive(Clone)]
pub struct Ports {
    /// Register reads under consent.
    pub records: Arc<dyn RecordSource>,
    /// Addresses by postcode.
    pub addresses: Arc<dyn AddressBook>,
    /// Fees.
    pub fees: Arc<dyn FeeCollector>,
    /// Notifications.
    pub notifier: Arc<dyn Notifier>,
    /// Register appends and webhooks.
    pub outputs: Arc<dyn OutputSink>,
}

/// The service engine over one store; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) store: Store,
    pub(crate) ports: Ports,
    cache: Arc<Mutex<HashMap<i64, StoredDefinition>>>,
    today: Option<Date>,
    /// The group-commit writer, started on the first write (see `store::group_commit`).
    writer: LazyWriter,
}

/// One published version of a council's service.
#[derive(Debug, Clone)]
pub struct StoredDefinition {
    /// Row id: what an application pins.
    pub id: i64,
    /// The council it is published for.
    pub council: CouncilId,
    /// The service slug.
    pub slug: String,
    /// 1, 2, … per council and slug.
    pub version: i64,
    /// The definition itself.
    pub definition: Arc<ServiceDefinition>,
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ApplicationState {
    /// Being answered; can be left and resumed.
    Draft,
    /// Sent: a case exists.
    Submitted,
}

/// A citizen's application: the version it started on and its answers so far.
#[derive(Debug, Clone)]
pub struct Application {
    /// Its id (random; appears in the citizen's addresses).
    pub id: String,
    /// The council.
    pub council: CouncilId,
    /// Whose it is.
    pub citizen: String,
    /// The definition version it keeps to the end.
    pub definition: StoredDefinition,
    /// Draft or submitted.
    pub state: ApplicationState,
    /// Answers by question id (including those of pages now hidden, which do not count).
    pub answers: Map<String, Value>,
    /// The fee payment, once started.
    pub payment_id: Option<String>,
}

/// The result of submitting.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The case (new, or the one an earlier submission made).
    pub case: CaseSummary,
    /// True when this submission was a replay and no new case was made.
    pub replayed: bool,
}

/// Evidence from one register check, as stored on the case.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckEvidence {
    /// The check's id.
    pub check: String,
    /// The register read.
    pub register: String,
    /// The key looked up.
    pub key: String,
    /// The entry number read, when a record was found.
    pub entry_number: Option<u64>,
    /// The consent access-log row of the read.
    pub access_log_id: Option<i64>,
    /// The fields read.
    pub fields: Map<String, Value>,
    /// Whether the check passed.
    pub passed: bool,
}

impl Engine {
    /// Runs the engine's migrations (after the store's own).
    pub async fn migrate(store: &Store) -> Result<()> {
        store.migrate(sqlx::migrate!("./migrations/sqlite"), sqlx::migrate!("./migrations/postgres")).await?;
        Ok(())
    }

    /// The engine over a migrated store and the bricks it works through.
    pub fn new(store: Store, ports: Ports) -> Engine {
        Engine { store, ports, cache: Arc::default(), today: None, writer: LazyWriter::new("engine") }
    }

    /// Fixes "today" for date rules (tests); otherwise it is the UTC date.
    pub fn with_today(mut self, today: Date) -> Engine {
        self.today = Some(today);
        self
    }

    /// Runs `write` through this engine's group-commit writer (starting it on the current runtime
    /// if it is not running) and returns once the batch it was in has committed.
    pub(crate) async fn write<W: Write<Error = sqlx::Error>>(
        &self,
        write: W,
    ) -> std::result::Result<W::Output, WriteError> {
        self.writer.get(&self.store).write(write).await
    }

    /// Today, as date rules see it.
    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(|| time::OffsetDateTime::now_utc().date())
    }

    /// Checks and stores a new version of a council's service; applications already started
    /// keep their version.
    pub async fn publish(&self, council: CouncilId, text: &str) -> Result<StoredDefinition> {
        let definition = crate::check(text).map_err(ServiceError::InvalidDefinition)?;
        let row = sqlx::query(
            "INSERT INTO service_definitions (council_id, slug, version, name, source, created_at) \
             SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5 FROM service_definitions \
             WHERE council_id = $1 AND slug = $2 RETURNING id, version",
        )
        .bind(council.0)
        .bind(&definition.id)
        .bind(&definition.name)
        .bind(text)
        .bind(now_timestamp())
        .fetch_one(self.store.pool())
        .await?;
        let (id, version): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        let definition = Arc::new(definition);
        let stored = StoredDefinition { id, council, slug: definition.id.clone(), version, definition };
        self.cache.lock().map_err(|_| ServiceError::Corrupt("cache poisoned".into()))?.insert(id, stored.clone());
        Ok(stored)
    }

    /// A stored version by id, read and parsed once and then cached (a stored version never
    /// changes); a version of another council's is as missing as an unknown one.
    async fn definition_by_id(&self, council: CouncilId, id: i64) -> Result<StoredDefinition> {
        let cached = self.cache.lock().map_err(|_| ServiceError::Corrupt("cache poisoned".into()))?.get(&id).cloned();
        if let Some(stored) = cached.filter(|d| d.council == council) {
            return Ok(stored);
        }
        let row =
            sqlx::query("SELECT slug, version, source FROM service_definitions WHERE id = $1 AND council_id = $2")
                .bind(id)
                .bind(council.0)
                .fetch_optional(self.store.pool())
                .await?
                .ok_or_else(|| ServiceError::Corrupt(format!("definition {id} is missing")))?;
        let source: String = row.try_get(2)?;
        let definition = Arc::new(crate::check(&source).map_err(ServiceError::InvalidDefinition)?);
        let stored = StoredDefinition { id, council, slug: row.try_get(0)?, version: row.try_get(1)?, definition };
        self.cache.lock().map_err(|_| ServiceError::Corrupt("cache poisoned".into()))?.insert(id, stored.clone());
        Ok(stored)
    }

    /// The newest version of a council's service.
    pub async fn current(&self, council: CouncilId, slug: &str) -> Result<StoredDefinition> {
        let row = sqlx::query(
            "SELECT id FROM service_definitions WHERE council_id = $1 AND slug = $2 ORDER BY version DESC LIMIT 1",
        )
        .bind(council.0)
        .bind(slug)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(|| ServiceError::UnknownService(slug.to_string()))?;
        self.definition_by_id(council, row.try_get(0)?).await
    }

    /// The newest version of each of a council's services, by name.
    pub async fn services(&self, council: CouncilId) -> Result<Vec<StoredDefinition>> {
        let rows = sqlx::query(
            "SELECT MAX(id) FROM service_definitions WHERE council_id = $1 GROUP BY slug ORDER BY MAX(name)",
        )
        .bind(council.0)
        .fetch_all(self.store.pool())
        .await?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.definition_by_id(council, r.try_get(0)?).await?);
        }
        Ok(out)
    }

    /// Starts an application on the service's newest version.
    pub async fn start(&self, council: CouncilId, slug: &str, citizen: &str) -> Result<Application> {
        let definition = self.current(council, slug).await?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.write(StartWrite {
            id: id.clone(),
            council,
            definition_id: definition.id,
            slug: slug.to_string(),
            citizen: citizen.to_string(),
            now: now_timestamp(),
        })
        .await?;
        Ok(Application {
            id,
            council,
            citizen: citizen.to_string(),
            definition,
            state: ApplicationState::Draft,
            answers: Map::new(),
            payment_id: None,
        })
    }

    /// A citizen's application at a council; someone else's is as unknown as a missing one.
    pub async fn application(&self, council: CouncilId, id: &str, citizen: &str) -> Result<Application> {
        let row = sqlx::query(
            "SELECT definition_id, state, answers, payment_id FROM service_applications \
             WHERE id = $1 AND council_id = $2 AND citizen = $3",
        )
        .bind(id)
        .bind(council.0)
        .bind(citizen)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or(ServiceError::UnknownApplication)?;
        let definition = self.definition_by_id(council, row.try_get(0)?).await?;
        let state = match row.try_get::<String, _>(1)?.as_str() {
            "draft" => ApplicationState::Draft,
            _ => ApplicationState::Submitted,
        };
        let answers =
            serde_json::from_str(&row.try_get::<String, _>(2)?).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
        Ok(Application {
            id: id.to_string(),
            council,
            citizen: citizen.to_string(),
            definition,
            state,
            answers,
            payment_id: row.try_get(3)?,
        })
    }

    /// Addresses offered for a postcode (an address question's second step).
    pub async fn addresses(&self, council: CouncilId, postcode: &str) -> Result<Vec<Address>> {
        match answers::normalise_postcode(postcode) {
            Some(pc) => Ok(self.ports.addresses.in_postcode(council, &pc).await?),
            None => Ok(Vec::new()),
        }
    }

    /// Where an application goes next.
    pub fn next(&self, app: &Application) -> Next {
        flow::next(&app.definition.definition, &app.answers, self.today())
    }

    /// Saves one page's answer (replacing an earlier one) and says where to go next. A page not
    /// in the application's current flow is refused, as is any change once submitted.
    pub async fn answer(
        &self,
        council: CouncilId,
        id: &str,
        citizen: &str,
        page: &str,
        input: &FormInput,
    ) -> Result<Next> {
        let mut app = self.application(council, id, citizen).await?;
        if app.state != ApplicationState::Draft {
            return Err(ServiceError::AlreadySubmitted);
        }
        let definition = app.definition.definition.clone();
        let today = self.today();
        let question = flow::reachable(&definition, &app.answers, today)
            .into_iter()
            .find(|q| q.id == page)
            .ok_or_else(|| ServiceError::PageNotInFlow(page.to_string()))?;
        let offered = if question.kind == QuestionKind::Address {
            let posted = input.get(&format!("{page}-postcode")).and_then(|v| v.first()).cloned().unwrap_or_default();
            self.addresses(council, &posted).await?
        } else {
            Vec::new()
        };
        let effective = flow::effective(&definition, &app.answers, today);
        let value = answers::read_answer(question, input, &offered, &effective, today).map_err(ServiceError::Answer)?;
        app.answers.insert(page.to_string(), value);
        let updated = self
            .write(AnswerWrite {
                answers: Value::Object(app.answers.clone()).to_string(),
                now: now_timestamp(),
                id: id.to_string(),
                council,
                citizen: citizen.to_string(),
            })
            .await?;
        if updated == 0 {
            return Err(ServiceError::AlreadySubmitted);
        }
        Ok(flow::next(&definition, &app.answers, today))
    }

    /// The fee for the application's answers: amount in pence and what it is for.
    pub fn fee(&self, app: &Application) -> Result<Option<(i64, String)>> {
        let d = &app.definition.definition;
        let Some(fee) = &d.fee else { return Ok(None) };
        let answers = flow::effective(d, &app.answers, self.today());
        let empty = Map::new();
        let scope =
            Scope { answers: &answers, record: None, checks: &empty, case: None, value: None, today: self.today() };
        for amount in &fee.amounts {
            if amount.when.as_ref().is_none_or(|w| holds(&w.expr, &scope)) {
                let pence = eval(&amount.pence.expr, &scope)
                    .ok()
                    .and_then(|v| v.as_f64())
                    .ok_or_else(|| ServiceError::Corrupt(format!("the fee {} is not a number", amount.pence.source)))?;
                return Ok(Some((pence.round() as i64, fee.description.clone())));
            }
        }
        Ok(None)
    }

    /// Starts (or resumes) paying the fee; one live payment per application.
    pub async fn start_payment(
        &self,
        council: CouncilId,
        id: &str,
        citizen: &str,
        return_url: &str,
    ) -> Result<PaymentStart> {
        let app = self.application(council, id, citizen).await?;
        if app.state != ApplicationState::Draft {
            return Err(ServiceError::AlreadySubmitted);
        }
        let unanswered = self.unanswered(&app);
        if !unanswered.is_empty() {
            return Err(ServiceError::Unanswered(unanswered));
        }
        let Some((pence, description)) = self.fee(&app)?.filter(|(p, _)| *p > 0) else {
            return Err(ServiceError::WrongState("free".into()));
        };
        let attempt = match &app.payment_id {
            Some(p) => match self.ports.fees.state(council, p).await? {
                PaymentState::Paid(_) => return Err(ServiceError::WrongState("paid".into())),
                PaymentState::Pending => 0,
                PaymentState::Failed => 1 + rand::thread_rng().gen_range(0..1_000_000),
            },
            None => 0,
        };
        let key = if attempt == 0 { app.id.clone() } else { format!("{}-{attempt}", app.id) };
        let request =
            PaymentRequest { council, application: key, pence, description, return_url: return_url.to_string() };
        let started = self.ports.fees.start(&request).await?;
        sqlx::query(
            "UPDATE service_applications SET payment_id = $1 WHERE id = $2 AND council_id = $3 AND state = 'draft'",
        )
        .bind(&started.payment_id)
        .bind(id)
        .bind(council.0)
        .execute(self.store.pool())
        .await?;
        Ok(started)
    }

    /// The fee still to pay, in pence: None when the service is free for these answers or the
    /// application's payment has been made.
    pub async fn fee_due(&self, app: &Application) -> Result<Option<i64>> {
        let Some((pence, _)) = self.fee(app)?.filter(|(p, _)| *p > 0) else { return Ok(None) };
        let paid = match &app.payment_id {
            Some(p) => self.ports.fees.state(app.council, p).await?,
            None => PaymentState::Pending,
        };
        Ok(if matches!(paid, PaymentState::Paid(amount) if amount >= pence) { None } else { Some(pence) })
    }

    /// Where the application's payment stands, if one was started.
    pub async fn payment_state(&self, app: &Application) -> Result<Option<PaymentState>> {
        match &app.payment_id {
            Some(p) => Ok(Some(self.ports.fees.state(app.council, p).await?)),
            None => Ok(None),
        }
    }

    /// Shown, required pages still without an answer.
    pub fn unanswered(&self, app: &Application) -> Vec<String> {
        flow::visible(&app.definition.definition, &app.answers, self.today())
            .into_iter()
            .filter(|q| q.required && !app.answers.contains_key(&q.id))
            .map(|q| q.id.clone())
            .collect()
    }

    /// Submits: checks the answers and fee, reads the registers, decides, and records the case
    /// with its history, exactly once — a replayed or concurrent submission returns the same case.
    pub async fn submit(&self, council: CouncilId, id: &str, citizen: &str) -> Result<Submission> {
        let app = self.application(council, id, citizen).await?;
        if app.state == ApplicationState::Submitted {
            return Ok(Submission { case: self.case_of_application(council, id).await?, replayed: true });
        }
        let unanswered = self.unanswered(&app);
        if !unanswered.is_empty() {
            return Err(ServiceError::Unanswered(unanswered));
        }
        let d = app.definition.definition.clone();
        let today = self.today();
        let answers = flow::effective(&d, &app.answers, today);
        let fee = self.fee(&app)?.filter(|(p, _)| *p > 0);
        if let Some((pence, _)) = &fee {
            let paid = match &app.payment_id {
                Some(p) => self.ports.fees.state(council, p).await?,
                None => PaymentState::Pending,
            };
            if !matches!(paid, PaymentState::Paid(amount) if amount >= *pence) {
                return Err(ServiceError::FeeUnpaid);
            }
        }
        let (evidence, checks, mut reasons) = self.run_checks(&app, &d, &answers, today).await?;
        let scope = Scope { answers: &answers, record: None, checks: &checks, case: None, value: None, today };
        for rule in &d.eligibility {
            if !holds(&rule.rule.expr, &scope) && !reasons.contains(&rule.reason) {
                reasons.push(rule.reason.clone());
            }
        }
        let state = if d.decision.auto_approve && reasons.is_empty() { CaseState::Approved } else { CaseState::Queued };
        let mut last = None;
        for _ in 0..3 {
            let reference = reference_for(&d.id);
            match self
                .record_case(&app, &reference, state, &reasons, &answers, &evidence, &checks, fee.as_ref().map(|f| f.0))
                .await
            {
                Ok(Some((case, claimed))) => {
                    self.deliver_claimed(claimed).await;
                    return Ok(Submission { case, replayed: false });
                }
                Ok(None) => {
                    return Ok(Submission { case: self.case_of_application(council, id).await?, replayed: true });
                }
                Err(WriteError::Statement(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                    // Either the reference collided (try another) or a concurrent submit won.
                    if let Ok(case) = self.case_of_application(council, id).await {
                        return Ok(Submission { case, replayed: true });
                    }
                    last = Some(ServiceError::Database(sqlx::Error::Database(e)));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.unwrap_or(ServiceError::Corrupt("no reference could be made".into())))
    }

    async fn run_checks(
        &self,
        app: &Application,
        d: &ServiceDefinition,
        answers: &Map<String, Value>,
        today: Date,
    ) -> Result<(Vec<CheckEvidence>, Map<String, Value>, Vec<String>)> {
        let mut evidence = Vec::new();
        let mut checks = Map::new();
        let mut reasons = Vec::new();
        for c in &d.checks {
            let scope = Scope { answers, record: None, checks: &checks, case: None, value: None, today };
            let key = match eval(&c.key.expr, &scope) {
                Ok(Value::String(s)) => s,
                Ok(Value::Null) | Err(_) => String::new(),
                Ok(other) => other.to_string(),
            };
            let read = if key.is_empty() {
                None
            } else {
                let request = RecordRequest {
                    council: app.council,
                    service: d.id.clone(),
                    service_name: d.name.clone(),
                    citizen: app.citizen.clone(),
                    register: c.register.clone(),
                    owner: c.owner,
                    key: key.clone(),
                    by: c.by.clone(),
                    fields: c.fields.clone(),
                    purpose: c.consent.clone(),
                };
                match self.ports.records.read(&request).await {
                    Ok(r) => r,
                    Err(PortError::NoConsent { register }) => return Err(ServiceError::ConsentNeeded(register)),
                    Err(e) => return Err(e.into()),
                }
            };
            let fields = read.as_ref().map(|r| r.fields.clone()).unwrap_or_default();
            let record = Value::Object(fields.clone());
            let passed = read.is_some()
                && c.rule.as_ref().is_none_or(|rule| {
                    let scope =
                        Scope { answers, record: Some(&record), checks: &checks, case: None, value: None, today };
                    holds(&rule.expr, &scope)
                });
            if !passed {
                reasons.push(c.reason.clone());
            }
            checks.insert(c.id.clone(), record);
            evidence.push(CheckEvidence {
                check: c.id.clone(),
                register: c.register.clone(),
                key,
                entry_number: read.as_ref().map(|r| r.entry_number),
                access_log_id: read.as_ref().and_then(|r| r.access_log_id),
                fields,
                passed,
            });
        }
        Ok((evidence, checks, reasons))
    }

    /// Writes the case, its first events and its outbox rows in one transaction (the group
    /// commit's) and returns the case as written (no read back) with the outbox rows to
    /// deliver; None when the application had already been submitted (nothing written).
    #[allow(clippy::too_many_arguments)]
    async fn record_case(
        &self,
        app: &Application,
        reference: &str,
        state: CaseState,
        reasons: &[String],
        answers: &Map<String, Value>,
        evidence: &[CheckEvidence],
        checks: &Map<String, Value>,
        fee: Option<i64>,
    ) -> std::result::Result<Option<(CaseSummary, Vec<outbox::Claimed>)>, WriteError> {
        let now = now_timestamp();
        let write = CaseWrite {
            application: app.id.clone(),
            council: app.council,
            definition: app.definition.clone(),
            citizen: app.citizen.clone(),
            payment_id: app.payment_id.clone(),
            reference: reference.to_string(),
            state,
            reasons: reasons.to_vec(),
            answers: answers.clone(),
            evidence: evidence.to_vec(),
            checks: checks.clone(),
            fee,
            now: now.clone(),
            today: self.today(),
        };
        let Some((case_id, claimed)) = self.write(write).await? else { return Ok(None) };
        let case = CaseSummary {
            id: case_id,
            council: app.council,
            reference: reference.to_string(),
            service: app.definition.slug.clone(),
            citizen: app.citizen.clone(),
            state,
            reasons: reasons.to_vec(),
            assigned_to: None,
            created_at: now,
            application_id: app.id.clone(),
        };
        Ok(Some((case, claimed)))
    }

    pub(crate) async fn definition_for_case(&self, council: CouncilId, definition_id: i64) -> Result<StoredDefinition> {
        self.definition_by_id(council, definition_id).await
    }
}

/// A new application's row (see [`Engine::start`]).
struct StartWrite {
    id: String,
    council: CouncilId,
    definition_id: i64,
    slug: String,
    citizen: String,
    now: String,
}

impl Write for StartWrite {
    type Output = ();
    type Error = sqlx::Error;

    fn run<'a>(&'a self, tx: &'a mut Tx) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO service_applications (id, council_id, definition_id, service_slug, citizen, state, \
                 answers, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'draft', '{}', $6, $6)",
            )
            .bind(&self.id)
            .bind(self.council.0)
            .bind(self.definition_id)
            .bind(&self.slug)
            .bind(&self.citizen)
            .bind(&self.now)
            .execute(&mut **tx)
            .await?;
            Ok(())
        })
    }
}

/// A draft's answers replaced (see [`Engine::answer`]); returns the rows changed, 0 once submitted.
struct AnswerWrite {
    answers: String,
    now: String,
    id: String,
    council: CouncilId,
    citizen: String,
}

impl Write for AnswerWrite {
    type Output = u64;
    type Error = sqlx::Error;

    fn run<'a>(&'a self, tx: &'a mut Tx) -> WriteFuture<'a, u64> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE service_applications SET answers = $1, updated_at = $2 \
                 WHERE id = $3 AND council_id = $4 AND citizen = $5 AND state = 'draft'",
            )
            .bind(&self.answers)
            .bind(&self.now)
            .bind(&self.id)
            .bind(self.council.0)
            .bind(&self.citizen)
            .execute(&mut **tx)
            .await?;
            Ok(done.rows_affected())
        })
    }
}

/// A submission's case: the application claimed (only a draft is), the case, its first events
/// and its outbox rows. Returns the case id and the claimed outbox rows, or None (nothing
/// written) when the application was no longer a draft.
struct CaseWrite {
    application: String,
    council: CouncilId,
    definition: StoredDefinition,
    citizen: String,
    payment_id: Option<String>,
    reference: String,
    state: CaseState,
    reasons: Vec<String>,
    answers: Map<String, Value>,
    evidence: Vec<CheckEvidence>,
    checks: Map<String, Value>,
    fee: Option<i64>,
    now: String,
    today: Date,
}

impl Write for CaseWrite {
    type Output = Option<(i64, Vec<outbox::Claimed>)>;
    type Error = sqlx::Error;

    fn run<'a>(&'a self, tx: &'a mut Tx) -> WriteFuture<'a, Self::Output> {
        Box::pin(async move {
            let council = self.council;
            let claimed = sqlx::query(
                "UPDATE service_applications SET state = 'submitted', updated_at = $1 \
                 WHERE id = $2 AND council_id = $3 AND state = 'draft'",
            )
            .bind(&self.now)
            .bind(&self.application)
            .bind(council.0)
            .execute(&mut **tx)
            .await?;
            if claimed.rows_affected() == 0 {
                return Ok(None);
            }
            let evidence_json = serde_json::to_string(&self.evidence).unwrap_or_else(|_| "[]".into());
            let row = sqlx::query(
                "INSERT INTO service_cases (council_id, application_id, definition_id, service_slug, reference, \
                 citizen, state, reasons, answers, evidence, fee_pence, payment_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
            )
            .bind(council.0)
            .bind(&self.application)
            .bind(self.definition.id)
            .bind(&self.definition.slug)
            .bind(&self.reference)
            .bind(&self.citizen)
            .bind(self.state.as_str())
            .bind(json!(self.reasons).to_string())
            .bind(Value::Object(self.answers.clone()).to_string())
            .bind(&evidence_json)
            .bind(self.fee)
            .bind(&self.payment_id)
            .bind(&self.now)
            .fetch_one(&mut **tx)
            .await?;
            let case_id: i64 = row.try_get(0)?;
            let actor = format!("citizen:{}", self.citizen);
            let submitted = json!({"answers": self.answers, "definition_version": self.definition.version,
                                   "fee_pence": self.fee, "payment_id": self.payment_id});
            let decided = match self.state {
                CaseState::Approved => json!({"state": "approved", "by": "automatic: every check and rule holds"}),
                _ => json!({"state": "queued", "reasons": self.reasons}),
            };
            // The history: submitted, each register check's evidence, the decision.
            let mut history = vec![(actor.as_str(), "submitted", submitted)];
            history.extend(self.evidence.iter().map(|e| ("engine", "register-check", json!(e))));
            history.push(("engine", "decision", decided));
            crate::cases::events(tx, council, case_id, &history).await?;
            let ctx = outbox::CaseContext {
                council,
                case_id,
                reference: self.reference.clone(),
                citizen: self.citizen.clone(),
                definition: &self.definition.definition,
                answers: &self.answers,
                checks: &self.checks,
                reasons: &self.reasons,
                decision_reason: None,
                fee: self.fee,
                today: self.today,
            };
            let mut claimed = outbox::enqueue(tx, &ctx, Moment::Submitted).await?;
            let moment = if self.state == CaseState::Approved { Moment::Approved } else { Moment::Queued };
            claimed.extend(outbox::enqueue(tx, &ctx, moment).await?);
            Ok(Some((case_id, claimed)))
        })
    }
}

/// A case reference: the service's initials and 8 characters of Crockford's base 32
/// (`PP-7K3M-9Q2X`), easy to read aloud; uniqueness per council is enforced by the table.
fn reference_for(slug: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let initials: String =
        slug.split(['-', '_']).filter_map(|w| w.chars().next()).map(|c| c.to_ascii_uppercase()).take(3).collect();
    let mut rng = rand::thread_rng();
    let mut code = String::new();
    for i in 0..8 {
        if i == 4 {
            code.push('-');
        }
        code.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    format!("{initials}-{code}")
}

/// The slug and name of the newest version of each service a council has published, read
/// without an engine: the council's start page lists them, and needs no ports to do so.
pub async fn published(store: &Store, council: CouncilId) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT d.slug, d.name FROM service_definitions d \
         WHERE d.council_id = $1 AND d.version = \
           (SELECT MAX(n.version) FROM service_definitions n WHERE n.council_id = d.council_id AND n.slug = d.slug) \
         ORDER BY d.name",
    )
    .bind(council.0)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn references_read_aloud_easily() {
        let r = super::reference_for("parking-permit");
        assert!(r.starts_with("PP-") && r.len() == 12, "{r}");
        assert!(!r.contains(['I', 'L', 'O', 'U']));
    }
}
