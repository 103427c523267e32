//! The brick's service: API keys, creating and reading payments, their state changes (with
//! an event for each), captures, refunds, searches and the hosted page's steps. Every query
//! filters by the caller's council (and key type), so one council never sees another's rows.

use std::sync::Arc;

use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use store::{CouncilId, Store};

use crate::error::{Operation, PayError, Result};
use crate::keys::{self, KeyType};
use crate::model::{
    BillingAddress, Caller, Clock, EXPIRY_MINUTES, FailureCode, Payment, PaymentEvent, PaymentState, Refund,
    RefundStatus, format_timestamp, new_id, new_token, parse_timestamp,
};
use crate::provider::{Authorisation, CardAuthorisation, CardProvider, ProviderError, Sandbox};
use crate::validate::FieldError;
use crate::{ledger, webhooks};

/// What a service asks for in `POST /v1/payments`, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatePayment {
    /// In pence, 1 to 10,000,000.
    pub amount: i64,
    /// The service's reference.
    pub reference: String,
    /// What the citizen pays for.
    pub description: String,
    /// Where the citizen returns.
    pub return_url: String,
    /// The citizen's email.
    pub email: Option<String>,
    /// `en` or `cy`.
    pub language: String,
    /// Whether the service captures later.
    pub delayed_capture: bool,
    /// Up to 10 key-value pairs (fund and cost centre for the ledger).
    pub metadata: Option<Map<String, Value>>,
    /// `prefilled_cardholder_details`.
    pub prefilled: Option<Value>,
}

/// Filters of `GET /v1/payments`.
#[derive(Debug, Clone, Default)]
pub struct PaymentSearch {
    /// Exact reference.
    pub reference: Option<String>,
    /// Exact email.
    pub email: Option<String>,
    /// State name.
    pub state: Option<PaymentState>,
    /// Card brand as shown (`Visa`).
    pub card_brand: Option<String>,
    /// Last four digits.
    pub last_digits_card_number: Option<String>,
    /// Name on the card (substring).
    pub cardholder_name: Option<String>,
    /// Created at or after (Pay timestamp).
    pub from_date: Option<String>,
    /// Created before.
    pub to_date: Option<String>,
    /// 1-based page.
    pub page: i64,
    /// Results per page (1-500).
    pub display_size: i64,
}

/// Filters of `GET /v1/refunds`.
#[derive(Debug, Clone, Default)]
pub struct RefundSearch {
    /// Created at or after.
    pub from_date: Option<String>,
    /// Created before.
    pub to_date: Option<String>,
    /// 1-based page.
    pub page: i64,
    /// Results per page (1-500).
    pub display_size: i64,
}

/// One page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage<T> {
    /// Matches on every page.
    pub total: i64,
    /// This page (1-based).
    pub page: i64,
    /// Results per page.
    pub display_size: i64,
    /// This page's results.
    pub results: Vec<T>,
}

impl<T> SearchPage<T> {
    /// The last page number (1 when there are no results).
    pub fn last_page(&self) -> i64 {
        ((self.total + self.display_size - 1) / self.display_size).max(1)
    }
}

/// What the citizen typed on the card page, parsed.
#[derive(Debug, Clone)]
pub struct CardSubmission {
    /// The card (never stored).
    pub number: crate::card::CardNumber,
    /// 1-12.
    pub expiry_month: u32,
    /// Four digits.
    pub expiry_year: u32,
    /// Security code (never stored).
    pub cvc: String,
    /// Name on the card.
    pub cardholder_name: String,
    /// Billing address.
    pub billing_address: BillingAddress,
    /// Email for the receipt.
    pub email: Option<String>,
    /// The absolute URL of the hosted page's `/3ds/return`, where a bank's 3-D Secure page sends
    /// the citizen back (None where no provider redirects).
    pub challenge_return_url: Option<String>,
}

/// What of the card may be kept: never the number or the security code.
struct CardSummary {
    brand: String,
    last_four: String,
    expiry: String,
    cardholder_name: String,
    billing_address: String,
    email: Option<String>,
}

/// What happened when the card was submitted.
#[derive(Debug, Clone, PartialEq)]
pub enum SubmitOutcome {
    /// Authorised: show the confirm page.
    Authorised,
    /// Declined: show the message on the card form and let the citizen try again.
    Declined(String),
    /// The card's issuer wants a 3-D Secure challenge answered before it decides: send the
    /// citizen to the bank's page at this URL, or (None) show the hosted page's own step.
    ChallengeRequired(Option<String>),
    /// The citizen failed the issuer's challenge: the payment is `failed` (P0010).
    ChallengeFailed,
    /// The provider failed: the payment is in `error` (P0050).
    ProviderError,
    /// The payment is no longer waiting for card details (expired, cancelled, paid).
    NotInProgress(PaymentState),
}

const COLUMNS: &str = "id, council_id, key_type, amount, reference, description, return_url, email, language, \
    delayed_capture, metadata, prefilled, state, failure_code, card_brand, last_digits, expiry_date, cardholder_name, \
    billing_address, provider, provider_id, next_url_token, captured_amount, refunded_amount, created_at, challenge";

fn payment_from_row(row: &AnyRow) -> Result<Payment> {
    let challenge: Option<String> = row.try_get("challenge")?;
    let key_type: String = row.try_get("key_type")?;
    let state: String = row.try_get("state")?;
    let metadata: Option<String> = row.try_get("metadata")?;
    let prefilled: Option<String> = row.try_get("prefilled")?;
    let billing: Option<String> = row.try_get("billing_address")?;
    let failure: Option<String> = row.try_get("failure_code")?;
    Ok(Payment {
        id: row.try_get("id")?,
        council_id: CouncilId(row.try_get("council_id")?),
        key_type: KeyType::parse(&key_type).unwrap_or(KeyType::Test),
        amount: row.try_get("amount")?,
        reference: row.try_get("reference")?,
        description: row.try_get("description")?,
        return_url: row.try_get("return_url")?,
        email: row.try_get("email")?,
        language: row.try_get("language")?,
        delayed_capture: row.try_get::<i64, _>("delayed_capture")? != 0,
        metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
        prefilled: prefilled.and_then(|p| serde_json::from_str(&p).ok()),
        state: PaymentState::parse(&state).unwrap_or(PaymentState::Error),
        failure: failure.as_deref().and_then(FailureCode::parse),
        card_brand: row.try_get("card_brand")?,
        last_digits: row.try_get("last_digits")?,
        expiry_date: row.try_get("expiry_date")?,
        cardholder_name: row.try_get("cardholder_name")?,
        billing_address: billing.and_then(|b| serde_json::from_str(&b).ok()),
        provider: row.try_get("provider")?,
        provider_id: row.try_get("provider_id")?,
        next_url_token: row.try_get("next_url_token")?,
        captured_amount: row.try_get("captured_amount")?,
        refunded_amount: row.try_get("refunded_amount")?,
        created_at: row.try_get("created_at")?,
        challenge_pending: challenge.is_some(),
        challenge_url: challenge.filter(|c| c != CHALLENGE_PENDING),
    })
}

/// The `challenge` column's value while the hosted page's own 3-D Secure step waits for the
/// citizen; while a bank's page does, the column holds that page's URL instead.
const CHALLENGE_PENDING: &str = "pending";

fn refund_from_row(row: &AnyRow) -> Result<Refund> {
    let status: String = row.try_get("status")?;
    Ok(Refund {
        id: row.try_get("id")?,
        payment_id: row.try_get("payment_id")?,
        amount: row.try_get("amount")?,
        status: RefundStatus::parse(&status),
        created_at: row.try_get("created_at")?,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The payments brick: cheap to clone, shared by the API, the hosted pages and the workers.
#[derive(Clone)]
pub struct Payments {
    store: Store,
    live: Arc<dyn CardProvider>,
    sandbox: Arc<dyn CardProvider>,
    clock: Clock,
    http: reqwest::Client,
}

impl Payments {
    /// The brick on this store, with the sandbox for test and live keys alike until a live
    /// provider is given with [`Payments::with_live_provider`].
    pub fn new(store: Store) -> Payments {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Payments { store, live: Arc::new(Sandbox), sandbox: Arc::new(Sandbox), clock: Clock::default(), http }
    }

    /// The same brick taking live-key payments through `provider`.
    pub fn with_live_provider(mut self, provider: Arc<dyn CardProvider>) -> Payments {
        self.live = provider;
        self
    }

    /// The same brick on another clock (tests move it forward to expire payments).
    pub fn with_clock(mut self, clock: Clock) -> Payments {
        self.clock = clock;
        self
    }

    /// Runs the brick's migrations (after the store's core ones).
    pub async fn migrate(store: &Store) -> Result<()> {
        store.migrate(sqlx::migrate!("./migrations/sqlite"), sqlx::migrate!("./migrations/postgres")).await?;
        Ok(())
    }

    /// The clock the brick reads.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn provider(&self, key_type: KeyType) -> &Arc<dyn CardProvider> {
        match key_type {
            KeyType::Test => &self.sandbox,
            KeyType::Live => &self.live,
        }
    }

    /// Creates an API key for a council and returns it; only its hash is kept, so this is the
    /// one time it can be shown (`guildhall pay key create` prints it on its last line).
    pub async fn create_key(&self, council_id: CouncilId, key_type: KeyType, name: &str) -> Result<String> {
        let key = keys::generate(key_type);
        sqlx::query(
            "INSERT INTO pay_api_keys (council_id, key_type, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(council_id.0)
        .bind(key_type.as_str())
        .bind(name.trim())
        .bind(keys::hash(&key))
        .bind(self.clock.timestamp())
        .execute(self.store.pool())
        .await?;
        Ok(key)
    }

    /// Revokes every key of the council with this name; returns how many.
    pub async fn revoke_key(&self, council_id: CouncilId, name: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE pay_api_keys SET revoked_at = $1 WHERE council_id = $2 AND name = $3 AND revoked_at IS NULL",
        )
        .bind(self.clock.timestamp())
        .bind(council_id.0)
        .bind(name)
        .execute(self.store.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// The caller an `Authorization: Bearer api_…` header stands for.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Caller> {
        let header = authorization.ok_or(PayError::Unauthorized)?;
        let (scheme, key) = header.trim().split_once(' ').ok_or(PayError::Unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(PayError::Unauthorized);
        }
        let key = key.trim();
        let key_type = keys::check(key).ok_or(PayError::Unauthorized)?;
        let row = sqlx::query(
            "SELECT council_id FROM pay_api_keys WHERE key_hash = $1 AND revoked_at IS NULL AND key_type = $2",
        )
        .bind(keys::hash(key))
        .bind(key_type.as_str())
        .fetch_optional(self.store.pool())
        .await?
        .ok_or(PayError::Unauthorized)?;
        Ok(Caller { council_id: CouncilId(row.try_get(0)?), key_type })
    }

    /// The slug of a council, for building its hosted-page links.
    pub async fn council_slug(&self, council_id: CouncilId) -> Result<String> {
        match store::Councils::new(self.store.clone()).by_id(council_id).await {
            Ok(council) => Ok(council.slug.as_str().to_string()),
            Err(store::StoreError::UnknownCouncilId(id)) => Err(PayError::UnknownCouncil(id.to_string())),
            Err(error) => Err(error.into()),
        }
    }

    /// Creates a payment in `created`. With an idempotency key (and the hash of the request
    /// body), a repeat with the same body returns the original (`false`: not newly created);
    /// a different body is [`PayError::IdempotencyConflict`].
    pub async fn create(
        &self,
        caller: Caller,
        request: CreatePayment,
        idempotency: Option<(&str, &str)>,
    ) -> Result<(Payment, bool)> {
        if let Some((key, hash)) = idempotency
            && let Some(existing) = self.by_idempotency_key(caller, key, hash).await?
        {
            return Ok((existing, false));
        }
        let id = new_id();
        let now = self.clock.timestamp();
        let mut tx = self.store.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO pay_payments (id, council_id, key_type, amount, reference, description, return_url, email, \
             language, delayed_capture, metadata, prefilled, state, provider, next_url_token, created_at, \
             idempotency_key, request_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'created', $13, $14, $15, $16, $17)",
        )
        .bind(&id)
        .bind(caller.council_id.0)
        .bind(caller.key_type.as_str())
        .bind(request.amount)
        .bind(&request.reference)
        .bind(&request.description)
        .bind(&request.return_url)
        .bind(&request.email)
        .bind(&request.language)
        .bind(i64::from(request.delayed_capture))
        .bind(request.metadata.as_ref().map(|m| Value::Object(m.clone()).to_string()))
        .bind(request.prefilled.as_ref().map(|p| p.to_string()))
        .bind(self.provider(caller.key_type).name())
        .bind(new_token())
        .bind(&now)
        .bind(idempotency.map(|(k, _)| k))
        .bind(idempotency.map(|(_, h)| h))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) && idempotency.is_some() => {
                tx.rollback().await.ok();
                let (key, hash) = idempotency.unwrap_or_default();
                return match self.by_idempotency_key(caller, key, hash).await? {
                    Some(existing) => Ok((existing, false)),
                    None => Err(PayError::Database(e)),
                };
            }
            Err(e) => return Err(e.into()),
        }
        insert_event(&mut tx, caller.council_id, &id, PaymentState::Created, None, &now).await?;
        tx.commit().await?;
        Ok((self.get(caller, &id, Operation::Get).await?, true))
    }

    async fn by_idempotency_key(&self, caller: Caller, key: &str, hash: &str) -> Result<Option<Payment>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, request_hash FROM pay_payments WHERE council_id = $1 AND key_type = $2 AND idempotency_key = $3"
        ))
        .bind(caller.council_id.0)
        .bind(caller.key_type.as_str())
        .bind(key)
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: Option<String> = row.try_get("request_hash")?;
        if stored.as_deref() != Some(hash) {
            return Err(PayError::IdempotencyConflict);
        }
        Ok(Some(payment_from_row(&row)?))
    }

    /// A payment of the caller's council and key type; one past its 90 minutes is failed
    /// (P0020) first.
    pub async fn get(&self, caller: Caller, id: &str, op: Operation) -> Result<Payment> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM pay_payments WHERE id = $1 AND council_id = $2 AND key_type = $3"
        ))
        .bind(id)
        .bind(caller.council_id.0)
        .bind(caller.key_type.as_str())
        .fetch_optional(self.store.pool())
        .await?
        .ok_or(PayError::PaymentNotFound(op))?;
        let payment = payment_from_row(&row)?;
        self.expire_if_due(payment).await
    }

    fn expired(&self, payment: &Payment) -> bool {
        let Some(created) = parse_timestamp(&payment.created_at) else { return false };
        payment.state.in_progress() && self.clock.now() - created >= time::Duration::minutes(EXPIRY_MINUTES)
    }

    async fn expire_if_due(&self, payment: Payment) -> Result<Payment> {
        if !self.expired(&payment) {
            return Ok(payment);
        }
        let from = [PaymentState::Created, PaymentState::Started, PaymentState::Submitted];
        self.transition(payment.council_id, &payment.id, &from, PaymentState::Failed, Some(FailureCode::Expired))
            .await?;
        self.reload(&payment).await
    }

    async fn reload(&self, payment: &Payment) -> Result<Payment> {
        self.load(payment.council_id, &payment.id).await
    }

    /// A payment as stored, without the expiry check.
    pub(crate) async fn load(&self, council_id: CouncilId, id: &str) -> Result<Payment> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM pay_payments WHERE id = $1 AND council_id = $2"))
            .bind(id)
            .bind(council_id.0)
            .fetch_one(self.store.pool())
            .await?;
        payment_from_row(&row)
    }

    /// Fails every in-progress payment of the council older than 90 minutes (P0020); a
    /// background sweep and every search call this.
    pub async fn expire_due(&self, council_id: CouncilId) -> Result<u64> {
        let cutoff = format_timestamp(self.clock.now() - time::Duration::minutes(EXPIRY_MINUTES));
        let rows = sqlx::query(
            "SELECT id FROM pay_payments WHERE council_id = $1 AND state IN ('created', 'started', 'submitted') \
             AND created_at <= $2",
        )
        .bind(council_id.0)
        .bind(&cutoff)
        .fetch_all(self.store.pool())
        .await?;
        let mut expired = 0;
        let from = [PaymentState::Created, PaymentState::Started, PaymentState::Submitted];
        for row in rows {
            let id: String = row.try_get(0)?;
            if self.transition(council_id, &id, &from, PaymentState::Failed, Some(FailureCode::Expired)).await? {
                expired += 1;
            }
        }
        Ok(expired)
    }

    /// Moves a payment from one of `from` to `to`, recording the event and queueing webhooks;
    /// false when it was not in any of `from` (someone else moved it first).
    async fn transition(
        &self,
        council_id: CouncilId,
        id: &str,
        from: &[PaymentState],
        to: PaymentState,
        failure: Option<FailureCode>,
    ) -> Result<bool> {
        let now = self.clock.timestamp();
        let mut tx = self.store.pool().begin().await?;
        let moved = transition_in(&mut tx, council_id, id, from, to, failure, &now).await?;
        if moved && to.finished() {
            let payment = load_in(&mut tx, council_id, id).await?;
            webhooks::enqueue_payment(&mut tx, &payment, &now).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// A payment's state changes, oldest first.
    pub async fn events(&self, caller: Caller, id: &str) -> Result<Vec<PaymentEvent>> {
        self.get(caller, id, Operation::Events).await?;
        let rows = sqlx::query(
            "SELECT state, failure_code, updated FROM pay_events WHERE payment_id = $1 AND council_id = $2 ORDER BY seq",
        )
        .bind(id)
        .bind(caller.council_id.0)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let state: String = r.try_get(0)?;
                let failure: Option<String> = r.try_get(1)?;
                Ok(PaymentEvent {
                    state: PaymentState::parse(&state).unwrap_or(PaymentState::Error),
                    failure: failure.as_deref().and_then(FailureCode::parse),
                    updated: r.try_get(2)?,
                })
            })
            .collect()
    }

    /// Cancels a payment the citizen has not finished (P0040); finished ones cannot be.
    pub async fn cancel(&self, caller: Caller, id: &str) -> Result<()> {
        let payment = self.get(caller, id, Operation::Cancel).await?;
        let from = [PaymentState::Created, PaymentState::Started, PaymentState::Submitted, PaymentState::Capturable];
        if !from.contains(&payment.state) {
            return Err(PayError::CannotCancel);
        }
        if !self
            .transition(caller.council_id, id, &from, PaymentState::Cancelled, Some(FailureCode::CancelledByService))
            .await?
        {
            return Err(PayError::CannotCancel);
        }
        Ok(())
    }

    /// Captures a `capturable` payment (delayed capture).
    pub async fn capture(&self, caller: Caller, id: &str) -> Result<()> {
        let payment = self.get(caller, id, Operation::Capture).await?;
        if payment.state != PaymentState::Capturable {
            return Err(PayError::CannotCapture);
        }
        self.take_money(&payment, PaymentState::Capturable).await?;
        Ok(())
    }

    /// Captures through the provider and records success with its ledger rows, or error (P0050).
    async fn take_money(&self, payment: &Payment, from: PaymentState) -> Result<bool> {
        let provider = self.provider(payment.key_type);
        let provider_id = payment.provider_id.clone().unwrap_or_default();
        if let Err(e) = provider.capture(&provider_id, payment.amount).await {
            tracing::warn!(payment = %payment.id, error = %e, "capture failed");
            self.transition(
                payment.council_id,
                &payment.id,
                &[from],
                PaymentState::Error,
                Some(FailureCode::ProviderError),
            )
            .await?;
            return Ok(false);
        }
        let now = self.clock.timestamp();
        let mut tx = self.store.pool().begin().await?;
        let moved = sqlx::query(
            "UPDATE pay_payments SET state = 'success', captured_amount = amount, captured_at = $1 \
             WHERE id = $2 AND council_id = $3 AND state = $4",
        )
        .bind(&now)
        .bind(&payment.id)
        .bind(payment.council_id.0)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if moved {
            insert_event(&mut tx, payment.council_id, &payment.id, PaymentState::Success, None, &now).await?;
            ledger::record_capture(&mut tx, payment, &now).await?;
            let finished = load_in(&mut tx, payment.council_id, &payment.id).await?;
            webhooks::enqueue_payment(&mut tx, &finished, &now).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Searches the caller's payments, newest first.
    pub async fn search(&self, caller: Caller, search: &PaymentSearch) -> Result<SearchPage<Payment>> {
        self.expire_due(caller.council_id).await?;
        let mut conditions = vec!["council_id = $1".to_string(), "key_type = $2".to_string()];
        let mut binds: Vec<String> = Vec::new();
        let mut add = |sql: &str, value: String| {
            binds.push(value);
            conditions.push(sql.replace('?', &format!("${}", binds.len() + 2)));
        };
        if let Some(v) = &search.reference {
            add("reference = ?", v.clone());
        }
        if let Some(v) = &search.email {
            add("email = ?", v.clone());
        }
        if let Some(v) = search.state {
            add("state = ?", v.as_str().to_string());
        }
        if let Some(v) = &search.card_brand {
            add("LOWER(card_brand) = LOWER(?)", v.clone());
        }
        if let Some(v) = &search.last_digits_card_number {
            add("last_digits = ?", v.clone());
        }
        if let Some(v) = &search.cardholder_name {
            add("LOWER(cardholder_name) LIKE ?", format!("%{}%", v.to_lowercase()));
        }
        if let Some(v) = &search.from_date {
            add("created_at >= ?", v.clone());
        }
        if let Some(v) = &search.to_date {
            add("created_at < ?", v.clone());
        }
        let where_clause = conditions.join(" AND ");
        let (total, rows) = self
            .page_query(
                &format!("SELECT COUNT(*) FROM pay_payments WHERE {where_clause}"),
                &format!(
                    "SELECT {COLUMNS} FROM pay_payments WHERE {where_clause} ORDER BY created_at DESC, id LIMIT {} OFFSET {}",
                    search.display_size,
                    (search.page - 1) * search.display_size
                ),
                caller,
                &binds,
            )
            .await?;
        let results = rows.iter().map(payment_from_row).collect::<Result<Vec<_>>>()?;
        Ok(SearchPage { total, page: search.page, display_size: search.display_size, results })
    }

    async fn page_query(
        &self,
        count: &str,
        select: &str,
        caller: Caller,
        binds: &[String],
    ) -> Result<(i64, Vec<AnyRow>)> {
        let mut q = sqlx::query(count).bind(caller.council_id.0).bind(caller.key_type.as_str());
        for b in binds {
            q = q.bind(b.clone());
        }
        let total: i64 = q.fetch_one(self.store.pool()).await?.try_get(0)?;
        let mut q = sqlx::query(select).bind(caller.council_id.0).bind(caller.key_type.as_str());
        for b in binds {
            q = q.bind(b.clone());
        }
        Ok((total, q.fetch_all(self.store.pool()).await?))
    }

    /// Refunds `amount` of a successful payment. The check that the refunds never exceed
    /// what was captured and the increment are one conditional UPDATE, so concurrent
    /// refunds cannot overspend even across nodes. `expected_available` is Pay's
    /// `refund_amount_available` guard (412 on mismatch).
    pub async fn refund(
        &self,
        caller: Caller,
        id: &str,
        amount: i64,
        expected_available: Option<i64>,
    ) -> Result<Refund> {
        let payment = self.get(caller, id, Operation::Refund).await?;
        if payment.state != PaymentState::Success {
            return Err(PayError::RefundNotAvailable(payment.refund_status().to_string()));
        }
        if let Some(expected) = expected_available
            && expected != payment.refund_available()
        {
            return Err(PayError::RefundAmountMismatch);
        }
        let refund_id = new_id();
        let now = self.clock.timestamp();
        let mut tx = self.store.pool().begin().await?;
        let reserved = sqlx::query(
            "UPDATE pay_payments SET refunded_amount = refunded_amount + $1 WHERE id = $2 AND council_id = $3 \
             AND key_type = $4 AND state = 'success' AND captured_amount - refunded_amount >= $1",
        )
        .bind(amount)
        .bind(id)
        .bind(caller.council_id.0)
        .bind(caller.key_type.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !reserved {
            tx.rollback().await.ok();
            let status = if payment.refund_available() == 0 { "full" } else { "amount_not_available" };
            return Err(PayError::RefundNotAvailable(status.to_string()));
        }
        sqlx::query(
            "INSERT INTO pay_refunds (id, council_id, payment_id, amount, status, created_at) VALUES ($1, $2, $3, $4, 'submitted', $5)",
        )
        .bind(&refund_id)
        .bind(caller.council_id.0)
        .bind(id)
        .bind(amount)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        ledger::record_refund(&mut tx, &payment, &refund_id, amount, &now).await?;
        tx.commit().await?;

        let provider_id = payment.provider_id.clone().unwrap_or_default();
        let status = match self.provider(caller.key_type).refund(&provider_id, amount).await {
            Ok(_) => RefundStatus::Success,
            Err(e) => {
                tracing::warn!(payment = %id, refund = %refund_id, error = %e, "refund failed at the provider");
                RefundStatus::Error
            }
        };
        let mut tx = self.store.pool().begin().await?;
        sqlx::query("UPDATE pay_refunds SET status = $1 WHERE id = $2 AND council_id = $3")
            .bind(status.as_str())
            .bind(&refund_id)
            .bind(caller.council_id.0)
            .execute(&mut *tx)
            .await?;
        if status == RefundStatus::Error {
            sqlx::query(
                "UPDATE pay_payments SET refunded_amount = refunded_amount - $1 WHERE id = $2 AND council_id = $3",
            )
            .bind(amount)
            .bind(id)
            .bind(caller.council_id.0)
            .execute(&mut *tx)
            .await?;
            ledger::reverse_refund(&mut tx, &payment, &refund_id, amount, &self.clock.timestamp()).await?;
        }
        webhooks::enqueue_refund(&mut tx, caller.council_id, id, &refund_id, status, &self.clock.timestamp()).await?;
        tx.commit().await?;
        self.get_refund(caller, id, &refund_id).await
    }

    /// A payment's refunds, oldest first.
    pub async fn refunds(&self, caller: Caller, id: &str) -> Result<Vec<Refund>> {
        self.get(caller, id, Operation::Refunds).await?;
        let rows = sqlx::query(
            "SELECT id, payment_id, amount, status, created_at FROM pay_refunds WHERE payment_id = $1 AND council_id = $2 \
             ORDER BY created_at, id",
        )
        .bind(id)
        .bind(caller.council_id.0)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(refund_from_row).collect()
    }

    /// One refund of a payment.
    pub async fn get_refund(&self, caller: Caller, id: &str, refund_id: &str) -> Result<Refund> {
        self.get(caller, id, Operation::GetRefund).await?;
        let row = sqlx::query(
            "SELECT id, payment_id, amount, status, created_at FROM pay_refunds WHERE id = $1 AND payment_id = $2 AND council_id = $3",
        )
        .bind(refund_id)
        .bind(id)
        .bind(caller.council_id.0)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or(PayError::RefundNotFound)?;
        refund_from_row(&row)
    }

    /// Searches the caller's refunds, newest first.
    pub async fn search_refunds(&self, caller: Caller, search: &RefundSearch) -> Result<SearchPage<Refund>> {
        let mut where_clause = "r.council_id = $1 AND p.key_type = $2".to_string();
        let mut binds = Vec::new();
        if let Some(v) = &search.from_date {
            binds.push(v.clone());
            where_clause.push_str(&format!(" AND r.created_at >= ${}", binds.len() + 2));
        }
        if let Some(v) = &search.to_date {
            binds.push(v.clone());
            where_clause.push_str(&format!(" AND r.created_at < ${}", binds.len() + 2));
        }
        let from = "pay_refunds r JOIN pay_payments p ON p.id = r.payment_id AND p.council_id = r.council_id";
        let (total, rows) = self
            .page_query(
                &format!("SELECT COUNT(*) FROM {from} WHERE {where_clause}"),
                &format!(
                    "SELECT r.id AS id, r.payment_id AS payment_id, r.amount AS amount, r.status AS status, \
                     r.created_at AS created_at FROM {from} WHERE {where_clause} ORDER BY r.created_at DESC, r.id \
                     LIMIT {} OFFSET {}",
                    search.display_size,
                    (search.page - 1) * search.display_size
                ),
                caller,
                &binds,
            )
            .await?;
        let results = rows.iter().map(refund_from_row).collect::<Result<Vec<_>>>()?;
        Ok(SearchPage { total, page: search.page, display_size: search.display_size, results })
    }

    // ---- The hosted page's steps ----

    /// Uses a `next_url` token once: the payment moves to `started` and gets a session
    /// token for the rest of the journey (the token in the citizen's card-page URLs).
    pub async fn start(&self, council_id: CouncilId, token: &str) -> Result<(Payment, String)> {
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM pay_payments WHERE next_url_token = $1 AND council_id = $2"))
                .bind(token)
                .bind(council_id.0)
                .fetch_optional(self.store.pool())
                .await?
                .ok_or(PayError::LinkUsed)?;
        let payment = self.expire_if_due(payment_from_row(&row)?).await?;
        if payment.state != PaymentState::Created {
            return Err(PayError::LinkUsed);
        }
        let session = new_token();
        let now = self.clock.timestamp();
        let mut tx = self.store.pool().begin().await?;
        let used = sqlx::query(
            "UPDATE pay_payments SET next_url_token = NULL, session_token = $1, state = 'started' \
             WHERE id = $2 AND council_id = $3 AND next_url_token = $4 AND state = 'created'",
        )
        .bind(&session)
        .bind(&payment.id)
        .bind(council_id.0)
        .bind(token)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !used {
            tx.rollback().await.ok();
            return Err(PayError::LinkUsed);
        }
        insert_event(&mut tx, council_id, &payment.id, PaymentState::Started, None, &now).await?;
        tx.commit().await?;
        Ok((self.reload(&payment).await?, session))
    }

    /// The payment a card-page session belongs to (expired first when due).
    pub async fn by_session(&self, council_id: CouncilId, session: &str) -> Result<Payment> {
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM pay_payments WHERE session_token = $1 AND council_id = $2"))
                .bind(session)
                .bind(council_id.0)
                .fetch_optional(self.store.pool())
                .await?
                .ok_or(PayError::LinkUsed)?;
        self.expire_if_due(payment_from_row(&row)?).await
    }

    /// Sends the card to the provider. Only the brand, last four digits, expiry, name and
    /// billing address are stored; the number and security code are dropped here.
    pub async fn submit_card(
        &self,
        council_id: CouncilId,
        session: &str,
        card: CardSubmission,
    ) -> Result<SubmitOutcome> {
        let payment = self.by_session(council_id, session).await?;
        if payment.state != PaymentState::Started {
            return Ok(SubmitOutcome::NotInProgress(payment.state));
        }
        let request = CardAuthorisation {
            payment_id: payment.id.clone(),
            amount: payment.amount,
            number: card.number.clone(),
            expiry_month: card.expiry_month,
            expiry_year: card.expiry_year,
            cvc: card.cvc.clone(),
            cardholder_name: card.cardholder_name.clone(),
            return_url: card.challenge_return_url.clone(),
        };
        let summary = CardSummary {
            brand: card.number.brand().label().to_string(),
            last_four: card.number.last_four().to_string(),
            expiry: format!("{:02}/{:02}", card.expiry_month, card.expiry_year % 100),
            cardholder_name: card.cardholder_name.clone(),
            billing_address: serde_json::to_string(&card.billing_address).unwrap_or_default(),
            email: card.email.clone(),
        };
        drop(card);
        match self.provider(payment.key_type).authorise(&request).await {
            Ok(Authorisation::Authorised { provider_id }) => {
                let moved = self.record_card(&payment, &summary, &provider_id, None).await?;
                Ok(if moved { SubmitOutcome::Authorised } else { SubmitOutcome::NotInProgress(payment.state) })
            }
            Ok(Authorisation::ChallengeRequired { provider_id, redirect_url }) => {
                let challenge = redirect_url.as_deref().unwrap_or(CHALLENGE_PENDING);
                let moved = self.record_card(&payment, &summary, &provider_id, Some(challenge)).await?;
                Ok(if moved {
                    SubmitOutcome::ChallengeRequired(redirect_url)
                } else {
                    SubmitOutcome::NotInProgress(payment.state)
                })
            }
            Ok(Authorisation::Declined { message }) => Ok(SubmitOutcome::Declined(message)),
            Err(e) => self.provider_failed(&payment, &e).await,
        }
    }

    async fn provider_failed(&self, payment: &Payment, e: &ProviderError) -> Result<SubmitOutcome> {
        tracing::warn!(payment = %payment.id, error = %e, "authorisation failed at the provider");
        self.transition(
            payment.council_id,
            &payment.id,
            &[PaymentState::Started],
            PaymentState::Error,
            Some(FailureCode::ProviderError),
        )
        .await?;
        Ok(SubmitOutcome::ProviderError)
    }

    /// Stores the card's summary and the provider's id: the payment moves to `submitted`, or
    /// stays `started` with a pending 3-D Secure challenge. False when it was no longer started.
    async fn record_card(
        &self,
        payment: &Payment,
        card: &CardSummary,
        provider_id: &str,
        challenge: Option<&str>,
    ) -> Result<bool> {
        let now = self.clock.timestamp();
        let state = if challenge.is_some() { PaymentState::Started } else { PaymentState::Submitted };
        let mut tx = self.store.pool().begin().await?;
        let moved = sqlx::query(
            "UPDATE pay_payments SET state = $1, card_brand = $2, last_digits = $3, expiry_date = $4, \
             cardholder_name = $5, billing_address = $6, provider_id = $7, email = COALESCE($8, email), challenge = $9 \
             WHERE id = $10 AND council_id = $11 AND state = 'started'",
        )
        .bind(state.as_str())
        .bind(&card.brand)
        .bind(&card.last_four)
        .bind(&card.expiry)
        .bind(&card.cardholder_name)
        .bind(&card.billing_address)
        .bind(provider_id)
        .bind(&card.email)
        .bind(challenge)
        .bind(&payment.id)
        .bind(payment.council_id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if moved && challenge.is_none() {
            insert_event(&mut tx, payment.council_id, &payment.id, PaymentState::Submitted, None, &now).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// The citizen answered the issuer's 3-D Secure challenge (`authenticated` or not): the
    /// provider then authorises (→ `submitted`, confirm page) or refuses (→ `failed`, P0010).
    pub async fn complete_challenge(
        &self,
        council_id: CouncilId,
        session: &str,
        authenticated: bool,
    ) -> Result<SubmitOutcome> {
        let payment = self.by_session(council_id, session).await?;
        if payment.state != PaymentState::Started || !payment.challenge_pending {
            return Ok(SubmitOutcome::NotInProgress(payment.state));
        }
        let provider_id = payment.provider_id.clone().unwrap_or_default();
        match self.provider(payment.key_type).complete_challenge(&provider_id, authenticated).await {
            Ok(Authorisation::Authorised { provider_id }) => {
                let now = self.clock.timestamp();
                let mut tx = self.store.pool().begin().await?;
                let moved = sqlx::query(
                    "UPDATE pay_payments SET state = 'submitted', challenge = NULL, provider_id = $1 \
                     WHERE id = $2 AND council_id = $3 AND state = 'started' AND challenge IS NOT NULL",
                )
                .bind(&provider_id)
                .bind(&payment.id)
                .bind(council_id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if moved {
                    insert_event(&mut tx, council_id, &payment.id, PaymentState::Submitted, None, &now).await?;
                }
                tx.commit().await?;
                Ok(if moved { SubmitOutcome::Authorised } else { SubmitOutcome::NotInProgress(payment.state) })
            }
            Ok(Authorisation::Declined { .. }) | Ok(Authorisation::ChallengeRequired { .. }) => {
                self.transition(
                    council_id,
                    &payment.id,
                    &[PaymentState::Started],
                    PaymentState::Failed,
                    Some(FailureCode::Rejected),
                )
                .await?;
                Ok(SubmitOutcome::ChallengeFailed)
            }
            Err(e) => self.provider_failed(&payment, &e).await,
        }
    }

    /// The citizen confirmed: capture now (success) or leave for the service (capturable).
    pub async fn confirm(&self, council_id: CouncilId, session: &str) -> Result<Payment> {
        let payment = self.by_session(council_id, session).await?;
        if payment.state == PaymentState::Submitted {
            if payment.delayed_capture {
                self.transition(council_id, &payment.id, &[PaymentState::Submitted], PaymentState::Capturable, None)
                    .await?;
            } else {
                self.take_money(&payment, PaymentState::Submitted).await?;
            }
        }
        self.reload(&payment).await
    }

    /// The citizen cancelled on the card page (P0030).
    pub async fn cancel_by_user(&self, council_id: CouncilId, session: &str) -> Result<Payment> {
        let payment = self.by_session(council_id, session).await?;
        let from = [PaymentState::Started, PaymentState::Submitted];
        self.transition(council_id, &payment.id, &from, PaymentState::Failed, Some(FailureCode::CancelledByUser))
            .await?;
        self.reload(&payment).await
    }
}

async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    council_id: CouncilId,
    id: &str,
    state: PaymentState,
    failure: Option<FailureCode>,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO pay_events (council_id, payment_id, state, failure_code, updated) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(council_id.0)
    .bind(id)
    .bind(state.as_str())
    .bind(failure.map(|f| f.code()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A payment as the transaction sees it (for the webhook message queued inside it).
async fn load_in(tx: &mut Transaction<'_, Any>, council_id: CouncilId, id: &str) -> Result<Payment> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM pay_payments WHERE id = $1 AND council_id = $2"))
        .bind(id)
        .bind(council_id.0)
        .fetch_one(&mut **tx)
        .await?;
    payment_from_row(&row)
}

async fn transition_in(
    tx: &mut Transaction<'_, Any>,
    council_id: CouncilId,
    id: &str,
    from: &[PaymentState],
    to: PaymentState,
    failure: Option<FailureCode>,
    now: &str,
) -> Result<bool> {
    let states: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let moved = sqlx::query(&format!(
        "UPDATE pay_payments SET state = $1, failure_code = $2, next_url_token = NULL, challenge = NULL \
         WHERE id = $3 AND council_id = $4 AND state IN ({})",
        states.join(", ")
    ))
    .bind(to.as_str())
    .bind(failure.map(|f| f.code()))
    .bind(id)
    .bind(council_id.0)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if moved {
        insert_event(tx, council_id, id, to, failure, now).await?;
    }
    Ok(moved)
}

/// Checks search paging parameters as Pay does: `page` ≥ 1, `display_size` 1-500.
pub fn paging(
    page: Option<&str>,
    display_size: Option<&str>,
    code: &'static str,
) -> std::result::Result<(i64, i64), FieldError> {
    let parse = |v: Option<&str>, default: i64, max: i64, field: &str| -> std::result::Result<i64, FieldError> {
        match v {
            None | Some("") => Ok(default),
            Some(s) => match s.parse::<i64>() {
                Ok(n) if n >= 1 && n <= max => Ok(n),
                _ => Err(FieldError {
                    field: field.to_string(),
                    code,
                    description: format!(
                        "Invalid parameters: {field}. See Public API documentation for the correct data formats"
                    ),
                }),
            },
        }
    };
    Ok((parse(page, 1, i64::MAX / 1000, "page")?, parse(display_size, 500, 500, "display_size")?))
}
