//! Delivery: workers claim notifications from the outbox (the `created` rows of
//! `notify_notifications`) and send them through provider chains. A chain tries its providers
//! in order and records the one that took the message; when all fail the notification goes back
//! to the outbox with back-off, and after [`WorkerConfig::max_attempts`] it is a technical failure.
//!
//! Claiming is one `UPDATE … RETURNING`; on PostgreSQL its inner `SELECT … FOR UPDATE SKIP
//! LOCKED` lets any number of nodes share the outbox without sending a message twice. A claim is
//! a lease: a row claimed by a node that dies is claimed again once its lease runs out.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;
use store::{Backend, CouncilId, Store};

use crate::error::Result;
use crate::notify::{Notify, timestamp, timestamp_in};
use crate::outbox::{param, statement_chunks};
use crate::template::TemplateType;

/// A boxed future, so providers can be trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One message on its way to a provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The notification id (providers may use it as their reference).
    pub notification_id: String,
    /// The owning council.
    pub council_id: CouncilId,
    /// email, sms or letter.
    pub channel: TemplateType,
    /// Email address, `447…` number, or address lines joined by newlines.
    pub recipient: String,
    /// Subject (email) or heading (letter).
    pub subject: Option<String>,
    /// The personalised body (plain text / Markdown-like source).
    pub body: String,
    /// HTML body (email).
    pub html: Option<String>,
    /// A precompiled letter's PDF, to be printed as it is.
    pub pdf: Option<Vec<u8>>,
    /// A letter's postage (first, second, economy…).
    pub postage: Option<String>,
}

/// What a provider says when it has taken a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// Handed over; a receipt will tell later (status stays `sending`).
    Sent,
    /// Known delivered already (sandboxes), so the status becomes `delivered`.
    Delivered,
}

/// Why a provider did not take a message; the chain then tries the next one.
#[derive(Debug, thiserror::Error)]
#[error("provider {provider} failed: {message}")]
pub struct ProviderError {
    /// The provider's name.
    pub provider: String,
    /// What went wrong.
    pub message: String,
}

/// Sends emails (SMTP, a sandbox, an HTTP API…).
pub trait EmailProvider: Send + Sync {
    /// Its name, recorded on each notification it sends.
    fn name(&self) -> &str;
    /// Hands one email over.
    fn send_email<'a>(
        &'a self,
        message: &'a Outgoing,
    ) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>>;
}

/// Sends text messages.
pub trait SmsProvider: Send + Sync {
    /// Its name, recorded on each notification it sends.
    fn name(&self) -> &str;
    /// Hands one text message over.
    fn send_sms<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>>;
}

/// Sends letters (to a print-and-post supplier).
pub trait LetterProvider: Send + Sync {
    /// Its name, recorded on each notification it sends.
    fn name(&self) -> &str;
    /// Hands one letter over.
    fn send_letter<'a>(
        &'a self,
        message: &'a Outgoing,
    ) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>>;
}

/// The provider chains, one per channel, each tried in order (fail-over).
#[derive(Clone, Default)]
pub struct Providers {
    /// Email providers, first preferred.
    pub email: Vec<Arc<dyn EmailProvider>>,
    /// SMS providers, first preferred.
    pub sms: Vec<Arc<dyn SmsProvider>>,
    /// Letter providers, first preferred.
    pub letter: Vec<Arc<dyn LetterProvider>>,
}

impl Providers {
    /// Every channel sent to the sandbox (for development, demos and tests).
    pub fn sandbox(store: Store) -> Providers {
        let sandbox = Arc::new(SandboxProvider::new(store, "sandbox"));
        Providers { email: vec![sandbox.clone()], sms: vec![sandbox.clone()], letter: vec![sandbox] }
    }

    /// Tries the channel's providers in order; the name of the one that took it, or every failure.
    pub async fn send(&self, message: &Outgoing) -> std::result::Result<(String, SendOutcome), Vec<ProviderError>> {
        let mut failures = Vec::new();
        macro_rules! try_chain {
            ($list:expr, $method:ident) => {
                for p in &$list {
                    match p.$method(message).await {
                        Ok(outcome) => return Ok((p.name().to_string(), outcome)),
                        Err(e) => failures.push(e),
                    }
                }
            };
        }
        match message.channel {
            TemplateType::Email => try_chain!(self.email, send_email),
            TemplateType::Sms => try_chain!(self.sms, send_sms),
            TemplateType::Letter => try_chain!(self.letter, send_letter),
        }
        if failures.is_empty() {
            failures.push(ProviderError {
                provider: "none".to_string(),
                message: format!("no {} provider is configured", message.channel.as_str()),
            });
        }
        Err(failures)
    }
}

/// A provider that sends nothing: it stores each message in `notify_sandbox_messages`, where the
/// dev page and tests read them back with [`SandboxProvider::messages`].
#[derive(Clone)]
pub struct SandboxProvider {
    store: Store,
    name: String,
}

/// A message the sandbox "sent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxMessage {
    /// The notification it came from.
    pub notification_id: String,
    /// The owning council.
    pub council_id: CouncilId,
    /// email, sms or letter.
    pub channel: String,
    /// The sandbox's name.
    pub provider: String,
    /// Who it was for.
    pub recipient: String,
    /// Subject or heading.
    pub subject: Option<String>,
    /// The body.
    pub body: String,
    /// The HTML body (emails), for the preview page.
    pub html: Option<String>,
    /// When it was "sent".
    pub sent_at: String,
}

impl SandboxProvider {
    /// A sandbox writing to `store` under `name`.
    pub fn new(store: Store, name: &str) -> SandboxProvider {
        SandboxProvider { store, name: name.to_string() }
    }

    async fn store_message(&self, m: &Outgoing) -> std::result::Result<SendOutcome, ProviderError> {
        sqlx::query(
            "INSERT INTO notify_sandbox_messages (council_id, notification_id, channel, provider, recipient, \
             subject, body, html, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(m.council_id.0)
        .bind(&m.notification_id)
        .bind(m.channel.as_str())
        .bind(&self.name)
        .bind(&m.recipient)
        .bind(m.subject.clone())
        .bind(&m.body)
        .bind(m.html.clone())
        .bind(timestamp())
        .execute(self.store.pool())
        .await
        .map_err(|e| ProviderError { provider: self.name.clone(), message: e.to_string() })?;
        Ok(SendOutcome::Delivered)
    }

    /// The most recent sandbox messages (newest first), of one council or all.
    pub async fn messages(store: &Store, council: Option<CouncilId>, limit: i64) -> Result<Vec<SandboxMessage>> {
        let rows = sqlx::query(
            "SELECT notification_id, council_id, channel, provider, recipient, subject, body, html, sent_at \
             FROM notify_sandbox_messages WHERE ($1 = 0 OR council_id = $1) ORDER BY seq DESC LIMIT $2",
        )
        .bind(council.map(|c| c.0).unwrap_or(0))
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SandboxMessage {
                    notification_id: r.try_get(0)?,
                    council_id: CouncilId(r.try_get(1)?),
                    channel: r.try_get(2)?,
                    provider: r.try_get(3)?,
                    recipient: r.try_get(4)?,
                    subject: r.try_get(5)?,
                    body: r.try_get(6)?,
                    html: r.try_get(7)?,
                    sent_at: r.try_get(8)?,
                })
            })
            .collect()
    }
}

impl EmailProvider for SandboxProvider {
    fn name(&self) -> &str {
        &self.name
    }
    fn send_email<'a>(
        &'a self,
        message: &'a Outgoing,
    ) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>> {
        Box::pin(self.store_message(message))
    }
}

impl SmsProvider for SandboxProvider {
    fn name(&self) -> &str {
        &self.name
    }
    fn send_sms<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>> {
        Box::pin(self.store_message(message))
    }
}

impl LetterProvider for SandboxProvider {
    fn name(&self) -> &str {
        &self.name
    }
    fn send_letter<'a>(
        &'a self,
        message: &'a Outgoing,
    ) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>> {
        Box::pin(self.store_message(message))
    }
}

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Notifications claimed at once.
    pub batch: i64,
    /// How long a claim lasts before another worker may take the notification again.
    pub lease: Duration,
    /// How often an idle worker looks for work it was not woken for (other nodes' requests).
    pub poll: Duration,
    /// Attempts before a notification becomes a `technical-failure`.
    pub max_attempts: i64,
    /// Back-off before the first retry; doubled for each further attempt.
    pub retry_after: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            batch: 100,
            lease: Duration::from_secs(300),
            poll: Duration::from_millis(500),
            max_attempts: 5,
            retry_after: Duration::from_secs(10),
        }
    }
}

/// A running delivery worker (a tokio task); stop it with [`Worker::stop`].
pub struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Notifications the writer committed already leased to this node's worker, handed over in memory.
pub(crate) type Handed = Vec<Outgoing>;

/// The first worker started on a [`Notify`] registers here. While it runs, the group-commit
/// writer inserts each notification that is due now already leased to it (status `sending`, one
/// attempt, due again when `lease` runs out: exactly the state its claim would leave) and sends it
/// over `sender` after the commit. The worker then needs no claim UPDATE (a commit, and on SQLite
/// a turn at the write lock) per batch; only its record of the hand-offs commits. A node that dies
/// leaves such rows leased, and any node's ordinary claim takes them once the lease has run out.
pub(crate) struct HandOff {
    worker: u64,
    /// How long the rows stay leased to this worker.
    pub(crate) lease: Duration,
    pub(crate) sender: tokio::sync::mpsc::UnboundedSender<Handed>,
}

static WORKER_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Worker {
    /// Starts a worker sending `notify`'s outbox through `providers`.
    pub fn spawn(notify: Notify, providers: Providers, config: WorkerConfig) -> Worker {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let client = reqwest::Client::new();
        let id = WORKER_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (sender, mut handed) = tokio::sync::mpsc::unbounded_channel::<Handed>();
        {
            let mut slot = notify.hand_off.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // One worker per node takes hand-offs; a second one only claims. A lease shorter than
            // a second would end at once (due times are in whole seconds), so such a worker only claims.
            if config.lease.as_secs() > 0 && slot.as_ref().is_none_or(|h| h.sender.is_closed()) {
                *slot = Some(HandOff { worker: id, lease: config.lease, sender });
            }
        }
        let task = tokio::spawn(async move {
            let mut pending: Handed = Vec::new();
            // Set if the hand-off channel ends (it cannot while this worker is registered), so the
            // wait below never spins on a closed channel.
            let mut hand_offs_ended = false;
            // Whether to look in the outbox (and at bulk jobs and callbacks) now, and when next anyway.
            let mut look = true;
            let mut next_look = tokio::time::Instant::now();
            loop {
                if *stopped.borrow() {
                    break;
                }
                // Register for a wake-up before looking, so a send between the look and the wait is not missed.
                let woken = notify.wake.notified();
                while pending.len() < config.batch.max(1) as usize {
                    match handed.try_recv() {
                        Ok(more) => pending.extend(more),
                        Err(_) => break,
                    }
                }
                if !pending.is_empty() {
                    let messages = std::mem::take(&mut pending).into_iter().map(|m| (m, 1)).collect();
                    match notify.send_and_record(&providers, &config, messages).await {
                        // A final status with a callback to send: look at the callbacks soon.
                        Ok(callbacks) => look |= callbacks,
                        Err(e) => tracing::warn!(error = %e, "recording handed-over notifications failed"),
                    }
                }
                if look || tokio::time::Instant::now() >= next_look {
                    let mut worked = match notify.process_jobs().await {
                        Ok(n) => n,
                        Err(e) => {
                            tracing::warn!(error = %e, "bulk job chunk failed");
                            0
                        }
                    };
                    worked += match notify.deliver_batch(&providers, &config).await {
                        Ok(n) => n,
                        Err(e) => {
                            tracing::warn!(error = %e, "notification delivery batch failed");
                            0
                        }
                    };
                    worked += match notify.deliver_callbacks(&client, &config).await {
                        Ok(n) => n,
                        Err(e) => {
                            tracing::warn!(error = %e, "status callback batch failed");
                            0
                        }
                    };
                    look = worked > 0;
                    next_look = tokio::time::Instant::now() + config.poll;
                }
                if look || !handed.is_empty() {
                    continue;
                }
                tokio::select! {
                    _ = woken => look = true,
                    _ = tokio::time::sleep_until(next_look) => look = true,
                    _ = stopped.changed() => {}
                    more = handed.recv(), if !hand_offs_ended => match more {
                        Some(more) => pending.extend(more),
                        None => hand_offs_ended = true,
                    },
                }
            }
            // Stop taking hand-offs, then give back what was handed over but not sent, so that
            // another worker (or this node's next one) claims it now rather than after the lease.
            {
                let mut slot = notify.hand_off.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if slot.as_ref().is_some_and(|h| h.worker == id) {
                    *slot = None;
                }
            }
            handed.close();
            while let Ok(more) = handed.try_recv() {
                pending.extend(more);
            }
            let ids: Vec<String> = pending.into_iter().map(|m| m.notification_id).collect();
            if let Err(e) = notify.release_leased(&ids).await {
                tracing::warn!(error = %e, "releasing handed-over notifications failed; they wait out their lease");
            }
        });
        Worker { stop, task }
    }

    /// Asks the worker to stop after its current batch and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Notify {
    /// Claims up to `config.batch` due notifications, sends each through its chain and records
    /// the result; returns how many were claimed. Workers call this in a loop; tests may call it directly.
    pub async fn deliver_batch(&self, providers: &Providers, config: &WorkerConfig) -> Result<usize> {
        let now = timestamp();
        let lease_until = timestamp_in(config.lease.as_secs() as i64);
        let sql = claim_sql(self.store().backend());
        let turn = self.write_turn().await;
        let rows =
            sqlx::query(&sql).bind(&lease_until).bind(&now).bind(config.batch).fetch_all(self.store().pool()).await?;
        drop(turn);
        let claimed = rows.len();
        let mut letters = Vec::new();
        for row in &rows {
            if row.try_get::<String, _>("notification_type")? == "letter" {
                letters.push(row.try_get::<String, _>("id")?);
            }
        }
        let mut pdfs = if letters.is_empty() {
            Default::default()
        } else {
            crate::precompiled::pdfs_for(self.store(), &letters).await?
        };
        let mut messages = Vec::with_capacity(claimed);
        for row in rows {
            // Only what the provider needs is read back (a claim may hold a thousand rows).
            let attempts: i64 = row.try_get("attempts")?;
            let channel: String = row.try_get("notification_type")?;
            let message = Outgoing {
                notification_id: row.try_get("id")?,
                council_id: CouncilId(row.try_get("council_id")?),
                channel: TemplateType::parse(&channel)
                    .ok_or_else(|| crate::error::NotifyError::InvalidArgument(format!("stored type {channel}")))?,
                recipient: row.try_get("recipient")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                html: row.try_get("html")?,
                pdf: None,
                postage: row.try_get("postage")?,
            };
            messages.push((Outgoing { pdf: pdfs.remove(&message.notification_id), ..message }, attempts));
        }
        self.send_and_record(providers, config, messages).await?;
        Ok(claimed)
    }

    /// Sends leased notifications (with their attempt numbers) through their chains, at once,
    /// and records every result in one transaction; returns whether a delivery-status callback
    /// was queued.
    pub(crate) async fn send_and_record(
        &self,
        providers: &Providers,
        config: &WorkerConfig,
        messages: Vec<(Outgoing, i64)>,
    ) -> Result<bool> {
        let count = messages.len();
        let mut tasks = tokio::task::JoinSet::new();
        for (message, attempts) in messages {
            let providers = providers.clone();
            tasks.spawn(async move {
                let handed_off = timestamp();
                let result = providers.send(&message).await;
                Delivery { notification_id: message.notification_id, attempts, handed_off, result }
            });
        }
        let mut deliveries = Vec::with_capacity(count);
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(d) => deliveries.push(d),
                // The claim is a lease: a notification whose task died is claimed again later.
                Err(e) => tracing::warn!(error = %e, "a delivery task panicked"),
            }
        }
        if deliveries.is_empty() {
            return Ok(false);
        }
        // One transaction records the whole batch's results (one commit, not one per message):
        // every hand-off in one UPDATE, failures one by one (they are few).
        let _turn = self.write_turn().await;
        let mut tx = self.store().pool().begin().await?;
        let handed: Vec<&Delivery> = deliveries.iter().filter(|d| d.result.is_ok()).collect();
        let mut callbacks = false;
        for chunk in statement_chunks(&handed, RECORDS_PER_STATEMENT) {
            callbacks |= record_hand_offs(&mut tx, self.store().backend(), chunk).await?;
        }
        for d in deliveries.iter().filter(|d| d.result.is_err()) {
            callbacks |= self.record_delivery(&mut tx, config, d).await?;
        }
        tx.commit().await?;
        Ok(callbacks)
    }

    /// Gives leased notifications that were never handed to a provider back to the outbox, due
    /// now, without counting the attempt (a stopping worker's unsent hand-overs).
    pub(crate) async fn release_leased(&self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let positional = self.store().backend() == Backend::Sqlite;
        let now = timestamp();
        let _turn = self.write_turn().await;
        let mut tx = self.store().pool().begin().await?;
        for chunk in statement_chunks(ids, RECORDS_PER_STATEMENT) {
            let list: Vec<String> = (0..chunk.len()).map(|i| param(positional, i + 2)).collect();
            let sql = format!(
                "UPDATE notify_notifications SET status = 'created', attempts = attempts - 1, due_at = {} \
                 WHERE status = 'sending' AND sent_at IS NULL AND id IN ({})",
                param(positional, 1),
                list.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(now.as_str());
            for id in chunk {
                query = query.bind(id.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(())
    }

    async fn record_delivery(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        config: &WorkerConfig,
        d: &Delivery,
    ) -> Result<bool> {
        match &d.result {
            Ok(_) => Ok(false),
            Err(failures) => {
                let reasons: Vec<String> = failures.iter().map(ToString::to_string).collect();
                tracing::warn!(notification = %d.notification_id, attempts = d.attempts, failures = ?reasons, "every provider failed");
                if d.attempts >= config.max_attempts {
                    sqlx::query(
                        "UPDATE notify_notifications SET status = 'technical-failure', completed_at = $1 WHERE id = $2",
                    )
                    .bind(timestamp())
                    .bind(&d.notification_id)
                    .execute(&mut **tx)
                    .await?;
                    Notify::queue_callback(&mut **tx, &d.notification_id, "technical-failure").await?;
                    Ok(true)
                } else {
                    let backoff = config.retry_after.as_secs_f64() * 2f64.powi((d.attempts - 1).clamp(0, 20) as i32);
                    sqlx::query("UPDATE notify_notifications SET status = 'created', due_at = $1 WHERE id = $2")
                        .bind(timestamp_in(backoff.ceil() as i64))
                        .bind(&d.notification_id)
                        .execute(&mut **tx)
                        .await?;
                    Ok(false)
                }
            }
        }
    }
}

/// The worker's claim: leases up to `$3` due notifications (`$2` is now, `$1` the lease's end)
/// and returns what their providers need. On PostgreSQL the rows found are locked and skipped by
/// other nodes' claims; the partial index `notify_notifications_outbox` holds only unsent rows,
/// so the search never walks delivered ones (pinned by the test below).
fn claim_sql(backend: Backend) -> String {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    format!(
        "UPDATE notify_notifications SET status = 'sending', attempts = attempts + 1, due_at = $1 \
         WHERE seq IN (SELECT seq FROM notify_notifications WHERE due_at <= $2 AND \
         (status = 'created' OR (status = 'sending' AND sent_at IS NULL)) ORDER BY seq LIMIT $3{lock}) \
         RETURNING id, council_id, notification_type, recipient, subject, body, html, postage, attempts"
    )
}

/// Hand-offs recorded by one statement (5 values each, under every bound-parameter limit).
const RECORDS_PER_STATEMENT: usize = 512;

/// Records successful hand-offs (status, when, which provider) with one UPDATE … FROM (VALUES …),
/// then queues the delivery-status callbacks of those that reached a final status.
async fn record_hand_offs(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    handed: &[&Delivery],
) -> Result<bool> {
    if handed.is_empty() {
        return Ok(false);
    }
    let now = timestamp();
    let positional = backend == Backend::Sqlite;
    let mut values = String::new();
    let mut finals = String::new();
    for i in 0..handed.len() {
        let p = i * 5;
        values.push_str(if i == 0 { "(" } else { ", (" });
        for c in 1..=5 {
            let sep = if c == 1 { "" } else { ", " };
            values.push_str(&format!("{sep}CAST({} AS TEXT)", param(positional, p + c)));
        }
        values.push(')');
    }
    let sql = format!(
        "UPDATE notify_notifications SET status = v.column2, sent_at = v.column3, completed_at = v.column4, \
         provider = v.column5 FROM (VALUES {values}) AS v WHERE notify_notifications.id = v.column1"
    );
    let mut query = sqlx::query(&sql);
    let mut final_ids = Vec::new();
    for d in handed {
        // Only successful hand-offs are passed here, so every row of VALUES gets its five values.
        let Ok((provider, outcome)) = &d.result else { continue };
        let (status, completed) = match outcome {
            SendOutcome::Delivered => ("delivered", Some(now.clone())),
            SendOutcome::Sent => ("sending", None),
        };
        if crate::callbacks::FINAL_STATUSES.contains(&status) {
            final_ids.push(d.notification_id.as_str());
        }
        // sent_at is when the notification was handed to the provider.
        query = query
            .bind(d.notification_id.as_str())
            .bind(status)
            .bind(d.handed_off.as_str())
            .bind(completed)
            .bind(provider.as_str());
    }
    query.execute(&mut **tx).await?;
    if !final_ids.is_empty() {
        for i in 0..final_ids.len() {
            finals.push_str(&format!("{}{}", if i == 0 { "" } else { ", " }, param(positional, i + 3)));
        }
        let sql = format!(
            "INSERT INTO notify_callbacks (council_id, service_id, notification_id, status, due_at, created_at) \
             SELECT s.council_id, s.service_id, n.id, n.status, {}, {} FROM notify_callback_settings s \
             JOIN notify_notifications n ON n.service_id = s.service_id WHERE n.id IN ({finals})",
            param(positional, 1),
            param(positional, 2)
        );
        let mut query = sqlx::query(&sql).bind(now.as_str()).bind(now.as_str());
        for id in final_ids {
            query = query.bind(id);
        }
        return Ok(query.execute(&mut **tx).await?.rows_affected() > 0);
    }
    Ok(false)
}

/// One claimed notification after its provider chain ran.
struct Delivery {
    notification_id: String,
    attempts: i64,
    /// When it was handed to the first provider.
    handed_off: String,
    result: std::result::Result<(String, SendOutcome), Vec<ProviderError>>,
}

#[cfg(test)]
mod tests {
    use sqlx::Row;
    use store::{Backend, CouncilSlug, Councils};

    use super::claim_sql;
    use crate::notify::Notify;

    /// With a table of delivered notifications and a few due ones, and fresh statistics,
    /// PostgreSQL's plan for the claim finds the due rows through the partial outbox index, never
    /// by a sequential scan through every delivered row.
    #[tokio::test]
    async fn the_claim_finds_due_rows_through_the_partial_outbox_index_on_postgres() {
        let Some(test) = store::testing::postgres().await else {
            eprintln!("GUILDHALL_TEST_POSTGRES_URL is not set: the PostgreSQL plan is not checked");
            return;
        };
        let store = test.store.clone();
        Notify::migrate(&store).await.expect("notifications migrations");
        let council = Councils::new(store.clone())
            .create(&CouncilSlug::parse("plan-shire").expect("slug"), "Plan Shire")
            .await
            .expect("council");
        let service = Notify::new(store.clone()).create_service(council.id, "Plans").await.expect("service");
        let insert = |status: &str, rows: i64| {
            format!(
                "INSERT INTO notify_notifications (id, council_id, service_id, api_key_id, key_type, \
                 notification_type, template_id, template_version, recipient, personalisation, status, body, \
                 created_at, sent_at, due_at) \
                 SELECT '{status}-' || n, {council}, '{service}', 'key', 'normal', 'sms', 'template', 1, \
                 '07700900123', '{{}}', '{status}', 'Your code is 1234', '2026-11-24T10:00:00.000000Z', \
                 CASE WHEN '{status}' = 'delivered' THEN '2026-11-24T10:00:01.000000Z' END, \
                 '2026-11-24T10:00:00.000000Z' FROM generate_series(1, {rows}) AS n",
                council = council.id.0,
            )
        };
        for (status, rows) in [("delivered", 50_000), ("created", 20)] {
            sqlx::query(&insert(status, rows)).execute(store.pool()).await.expect("seed notifications");
        }
        sqlx::query("ANALYZE notify_notifications").execute(store.pool()).await.expect("analyze");

        let rows = sqlx::query(&format!("EXPLAIN {}", claim_sql(Backend::Postgres)))
            .bind("2026-11-24T10:05:00.000000Z")
            .bind("2026-11-24T10:01:00.000000Z")
            .bind(1000_i64)
            .fetch_all(store.pool())
            .await
            .expect("explain the claim");
        let plan: Vec<String> = rows.iter().map(|r| r.try_get::<String, _>(0).expect("plan line")).collect();
        let shown = plan.join("\n");
        assert!(plan.iter().any(|line| line.contains("notify_notifications_outbox")), "{shown}");
        assert!(!plan.iter().any(|line| line.contains("Seq Scan on notify_notifications")), "{shown}");

        // And the claim itself takes exactly the due rows.
        let claimed = sqlx::query(&claim_sql(Backend::Postgres))
            .bind("2026-11-24T10:05:00.000000Z")
            .bind("2026-11-24T10:01:00.000000Z")
            .bind(1000_i64)
            .fetch_all(store.pool())
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 20);
        test.cleanup().await;
    }
}
