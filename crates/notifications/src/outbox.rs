//! Group commit for accepted notifications. Requests hand their checked and rendered
//! notification to one writer task per [`Notify`]; the writer takes whatever has queued up while
//! its previous commit ran, charges the rate limits and inserts every row in ONE transaction, and
//! only after the commit answers each request. So "201 only after commit" still holds, but many
//! requests share one fsync. Rate limits are charged per key and per service for the whole batch
//! at once (one statement each) and fall back to one token at a time only when a limit is nearly
//! spent, so a refused request is refused exactly as before and stores nothing.
//!
//! When this node runs a worker, the rows that are due now go in already leased to it and are
//! handed to it in memory after the commit (see [`crate::delivery::HandOff`]), so delivering them
//! costs the worker no claim.

use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};
use store::{CouncilId, Store};

use crate::notify::Notify;
use tokio::sync::{mpsc, oneshot};

use crate::auth::KeyType;
use crate::delivery::{Handed, Outgoing};
use crate::error::{NotifyError, Result};
use crate::limits::{RateLimits, key_type_label, now_ms, today};
use crate::notify::timestamp_in;
use crate::template::TemplateType;

/// Most rows one transaction commits (and one multi-row INSERT at a time holds up to 256 of them, well
/// under SQLite's and PostgreSQL's bound-parameter limits: 256 × 24 values).
const MAX_BATCH: usize = 2000;
const ROWS_PER_INSERT: usize = 256;

/// A notification row ready to be committed, with who is charged for it.
#[derive(Debug, Clone)]
pub(crate) struct NewRow {
    pub id: String,
    pub council_id: CouncilId,
    pub service_id: String,
    pub key_id: String,
    pub key_type: KeyType,
    pub notification_type: &'static str,
    pub template_id: String,
    pub template_version: i64,
    pub recipient: String,
    pub personalisation: String,
    pub reference: Option<String>,
    pub status: &'static str,
    pub subject: Option<String>,
    pub body: String,
    pub html: Option<String>,
    pub fragments: i64,
    pub postage: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub completed_at: Option<String>,
    pub provider: Option<String>,
    /// When the notification is first due for delivery.
    pub due_at: String,
    /// A final (simulated) status that should queue a delivery-status callback in the same commit.
    pub callback: Option<&'static str>,
    /// A precompiled letter's PDF (base64), kept in `notify_letter_pdfs` in the same commit.
    pub pdf: Option<String>,
    /// Files sent by link from this email, kept in `notify_files` in the same commit.
    pub files: Vec<crate::files::NewFile>,
    /// The bulk-send job this notification belongs to.
    pub job_id: Option<String>,
}

impl NewRow {
    /// Whether the writer may insert it already leased to this node's worker: waiting for a
    /// provider (not a simulated final status) and not a precompiled letter (whose PDF the
    /// worker reads back from its own table).
    fn leasable(&self) -> bool {
        self.status == "created" && self.pdf.is_none()
    }

    /// What the provider is given, read from the row as committed.
    fn outgoing(self) -> Option<Outgoing> {
        Some(Outgoing {
            notification_id: self.id,
            council_id: self.council_id,
            channel: TemplateType::parse(self.notification_type)?,
            recipient: self.recipient,
            subject: self.subject,
            body: self.body,
            html: self.html,
            pdf: None,
            postage: self.postage,
        })
    }
}

/// The lease the writer gives rows inserted for this node's worker: until when, and who takes them.
struct Lease {
    until: String,
    worker: mpsc::UnboundedSender<Handed>,
}

struct Pending {
    rows: Vec<NewRow>,
    reply: oneshot::Sender<Result<()>>,
}

/// The handle requests use to reach the writer task (spawned on first use, on the caller's runtime).
#[derive(Clone)]
pub(crate) struct GroupWriter {
    queue: mpsc::Sender<Pending>,
}

impl GroupWriter {
    /// Starts a writer over `store`; it ends when every handle is dropped.
    pub(crate) fn spawn(notify: Notify) -> GroupWriter {
        let (queue, received) = mpsc::channel(8192);
        tokio::spawn(run(notify, received));
        GroupWriter { queue }
    }

    /// Whether the writer task has gone (its runtime shut down); a new one is then spawned.
    pub(crate) fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// Commits `rows` (all or none, in one request) together with whatever else is waiting, and
    /// returns once they are durable, or with the rate-limit refusal or database error.
    pub(crate) async fn commit(&self, rows: Vec<NewRow>) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Pending { rows, reply }).await.map_err(|_| NotifyError::WriterStopped)?;
        answer.await.map_err(|_| NotifyError::WriterStopped)?
    }
}

async fn run(notify: Notify, mut received: mpsc::Receiver<Pending>) {
    while let Some(first) = received.recv().await {
        let mut batch = vec![first];
        let mut rows = batch[0].rows.len();
        while rows < MAX_BATCH {
            match received.try_recv() {
                Ok(more) => {
                    rows += more.rows.len();
                    batch.push(more);
                }
                Err(_) => break,
            }
        }
        let lease = lease_for(&notify);
        let turn = notify.write_turn().await;
        let committed = commit_batch(notify.store(), notify.rate_limits(), &batch, lease.as_ref()).await;
        drop(turn);
        match committed {
            Ok(verdicts) => {
                let mut handed: Handed = Vec::new();
                let mut unleased = false;
                for (pending, verdict) in batch.into_iter().zip(verdicts) {
                    if verdict.is_ok() {
                        for row in pending.rows {
                            if lease.is_some() && row.leasable() {
                                handed.extend(row.outgoing());
                            } else {
                                unleased = true;
                            }
                        }
                    }
                    let _ = pending.reply.send(verdict);
                }
                if let Some(lease) = lease
                    && !handed.is_empty()
                    && let Err(returned) = lease.worker.send(handed)
                {
                    // The worker stopped since the batch began: give its rows back to the outbox now.
                    let ids: Vec<String> = returned.0.into_iter().map(|m| m.notification_id).collect();
                    if let Err(e) = notify.release_leased(&ids).await {
                        tracing::warn!(error = %e, "releasing notifications leased to a stopped worker failed");
                    }
                }
                if unleased {
                    notify.wake.notify_waiters();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, rows, "committing a batch of notifications failed");
                let message = e.to_string();
                for pending in batch {
                    let _ = pending.reply.send(Err(NotifyError::BatchFailed(message.clone())));
                }
            }
        }
    }
}

/// A lease to this node's worker when one takes hand-offs (and is still running).
fn lease_for(notify: &Notify) -> Option<Lease> {
    let slot = notify.hand_off.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let hand_off = slot.as_ref().filter(|h| !h.sender.is_closed())?;
    Some(Lease { until: timestamp_in(hand_off.lease.as_secs() as i64), worker: hand_off.sender.clone() })
}

/// One transaction for the whole batch; returns each request's verdict (Ok = committed).
async fn commit_batch(
    store: &Store,
    limits: RateLimits,
    batch: &[Pending],
    lease: Option<&Lease>,
) -> Result<Vec<Result<()>>> {
    let mut verdicts: Vec<Result<()>> = batch.iter().map(|_| Ok(())).collect();
    let mut tx = store.pool().begin().await?;
    charge_buckets(&mut tx, limits, batch, &mut verdicts).await?;
    charge_daily(&mut tx, limits, batch, &mut verdicts).await?;
    let accepted: Vec<&NewRow> =
        batch.iter().zip(&verdicts).filter(|(_, v)| v.is_ok()).flat_map(|(p, _)| p.rows.iter()).collect();
    write_rows(&mut tx, store.backend(), &accepted, lease.map(|l| l.until.as_str())).await?;
    tx.commit().await?;
    Ok(verdicts)
}

/// Inserts accepted rows with their PDFs, files and simulated callbacks, inside the caller's
/// transaction; with `lease_until`, every [`NewRow::leasable`] row goes in leased until then.
pub(crate) async fn write_rows(
    tx: &mut Transaction<'static, Any>,
    backend: store::Backend,
    accepted: &[&NewRow],
    lease_until: Option<&str>,
) -> Result<()> {
    let positional = backend == store::Backend::Sqlite;
    for chunk in statement_chunks(accepted, ROWS_PER_INSERT) {
        insert_rows(tx, chunk, positional, lease_until).await?;
    }
    for row in accepted {
        if let Some(status) = row.callback {
            Notify::queue_callback(&mut **tx, &row.id, status).await?;
        }
        if let Some(pdf) = &row.pdf {
            sqlx::query(
                "INSERT INTO notify_letter_pdfs (notification_id, council_id, service_id, pdf, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&row.id)
            .bind(row.council_id.0)
            .bind(&row.service_id)
            .bind(pdf)
            .bind(&row.created_at)
            .execute(&mut **tx)
            .await?;
        }
        if !row.files.is_empty() {
            crate::files::insert_files(tx, row.council_id, &row.service_id, &row.id, &row.recipient, &row.files)
                .await?;
        }
    }
    Ok(())
}

/// Requests (by index) grouped by a key, in arrival order, counting their rows.
fn grouped<'a>(
    batch: &'a [Pending],
    verdicts: &[Result<()>],
    key: impl Fn(&'a NewRow) -> Option<&'a str>,
) -> Vec<(&'a NewRow, Vec<usize>)> {
    let mut groups: Vec<(&NewRow, Vec<usize>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, pending) in batch.iter().enumerate() {
        let Some(first) = pending.rows.first() else { continue };
        if verdicts[i].is_err() {
            continue;
        }
        let Some(k) = key(first) else { continue };
        let slot = *index.entry(k).or_insert_with(|| {
            groups.push((first, Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push(i);
    }
    // The same lock order in every writer (several nodes share PostgreSQL), so no deadlock.
    groups.sort_by(|a, b| key(a.0).cmp(&key(b.0)));
    groups
}

/// Charges each key's token bucket one token per request (Notify counts requests, not recipients).
async fn charge_buckets(
    tx: &mut Transaction<'static, Any>,
    limits: RateLimits,
    batch: &[Pending],
    verdicts: &mut [Result<()>],
) -> Result<()> {
    let Some(per_minute) = limits.per_key_per_minute else { return Ok(()) };
    let capacity = f64::from(per_minute);
    let now = now_ms();
    for (first, requests) in grouped(batch, verdicts, |r| Some(r.key_id.as_str())) {
        sqlx::query(
            "INSERT INTO notify_rate_buckets (key_id, council_id, tokens, updated_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(&first.key_id)
        .bind(first.council_id.0)
        .bind(capacity)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        // All at once if the bucket holds enough, else one at a time until it is empty.
        let wanted = requests.len();
        let mut granted = 0;
        if take_tokens(tx, &first.key_id, wanted as i64, now, capacity).await? {
            granted = wanted;
        } else {
            while granted < wanted && take_tokens(tx, &first.key_id, 1, now, capacity).await? {
                granted += 1;
            }
        }
        for &i in &requests[granted..] {
            verdicts[i] = Err(NotifyError::RateLimit(format!(
                "Exceeded rate limit for key type {} of {per_minute} requests per 60 seconds",
                key_type_label(first.key_type)
            )));
        }
    }
    Ok(())
}

async fn take_tokens(
    tx: &mut Transaction<'static, Any>,
    key_id: &str,
    n: i64,
    now: i64,
    capacity: f64,
) -> Result<bool> {
    // Refill by the elapsed time (never negative if nodes' clocks differ), cap at the bucket size,
    // then take n tokens only if they are there.
    let refilled = "(CASE WHEN tokens + (CASE WHEN $2 > updated_ms THEN $2 - updated_ms ELSE 0 END) * $3 > $4 \
         THEN $4 ELSE tokens + (CASE WHEN $2 > updated_ms THEN $2 - updated_ms ELSE 0 END) * $3 END)";
    let sql = format!(
        "UPDATE notify_rate_buckets SET tokens = {refilled} - $5, \
         updated_ms = CASE WHEN $2 > updated_ms THEN $2 ELSE updated_ms END \
         WHERE key_id = $1 AND {refilled} >= $5 RETURNING tokens"
    );
    let taken = sqlx::query(&sql)
        .bind(key_id)
        .bind(now)
        .bind(capacity / 60_000.0)
        .bind(capacity)
        .bind(n as f64)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(taken.is_some())
}

/// Counts the batch's live and team notifications against each service's daily allowance.
async fn charge_daily(
    tx: &mut Transaction<'static, Any>,
    limits: RateLimits,
    batch: &[Pending],
    verdicts: &mut [Result<()>],
) -> Result<()> {
    let Some(daily) = limits.daily_per_service else { return Ok(()) };
    let day = today();
    let counted = |r: &NewRow| r.key_type != KeyType::Test;
    for (first, requests) in grouped(batch, verdicts, |r| if counted(r) { Some(r.service_id.as_str()) } else { None }) {
        sqlx::query(
            "INSERT INTO notify_daily_counts (service_id, day, council_id, sent) VALUES ($1, $2, $3, 0) \
             ON CONFLICT (service_id, day) DO NOTHING",
        )
        .bind(&first.service_id)
        .bind(&day)
        .bind(first.council_id.0)
        .execute(&mut **tx)
        .await?;
        // A request's rows count as one each; requests are granted whole or not at all.
        let sizes: Vec<i64> = requests.iter().map(|&i| batch[i].rows.len() as i64).collect();
        let mut granted = 0;
        let total: i64 = sizes.iter().sum();
        if total > 0 && add_daily(tx, &first.service_id, &day, total, daily).await? {
            granted = requests.len();
        } else {
            while granted < requests.len() && add_daily(tx, &first.service_id, &day, sizes[granted], daily).await? {
                granted += 1;
            }
        }
        for &i in &requests[granted..] {
            verdicts[i] = Err(NotifyError::TooManyRequests(format!("Exceeded send limits ({daily}) for today")));
        }
    }
    Ok(())
}

/// Charges a bulk job's `n` notifications to its service's daily allowance, all or nothing.
pub(crate) async fn charge_daily_rows(
    tx: &mut Transaction<'static, Any>,
    limits: RateLimits,
    caller: &crate::notify::Caller,
    n: i64,
) -> Result<bool> {
    let Some(daily) = limits.daily_per_service else { return Ok(true) };
    let day = today();
    sqlx::query(
        "INSERT INTO notify_daily_counts (service_id, day, council_id, sent) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (service_id, day) DO NOTHING",
    )
    .bind(&caller.service_id)
    .bind(&day)
    .bind(caller.council_id.0)
    .execute(&mut **tx)
    .await?;
    add_daily(tx, &caller.service_id, &day, n, daily).await
}

async fn add_daily(
    tx: &mut Transaction<'static, Any>,
    service_id: &str,
    day: &str,
    n: i64,
    daily: i64,
) -> Result<bool> {
    let row = sqlx::query(
        "UPDATE notify_daily_counts SET sent = sent + $3 WHERE service_id = $1 AND day = $2 AND sent + $3 <= $4 \
         RETURNING sent",
    )
    .bind(service_id)
    .bind(day)
    .bind(n)
    .bind(daily)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>(0)? <= daily,
        None => false,
    })
}

const COLUMNS: usize = 24;

/// Splits `items` into runs of `max`, then powers of two, so that a statement is prepared for a
/// handful of lengths only and stays in the connection's statement cache.
pub(crate) fn statement_chunks<T>(items: &[T], max: usize) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let take = if rest.len() >= max { max } else { 1 << rest.len().ilog2() };
        let (head, tail) = rest.split_at(take);
        chunks.push(head);
        rest = tail;
    }
    chunks
}

/// The n-th bound parameter of a long statement: `?` on SQLite (positional; SQLite looks a named
/// `$n` up by a linear scan for each value bound, quadratic in the number of rows), `$n` on PostgreSQL.
pub(crate) fn param(positional: bool, n: usize) -> String {
    if positional { "?".to_string() } else { format!("${n}") }
}

/// One multi-row INSERT (see [`param`] for its placeholders). A row leased to this node's worker
/// goes in as that worker's claim would leave it: `sending`, one attempt, due again at the lease's end.
async fn insert_rows(
    tx: &mut Transaction<'static, Any>,
    rows: &[&NewRow],
    positional: bool,
    lease_until: Option<&str>,
) -> Result<()> {
    let mut sql = String::from(
        "INSERT INTO notify_notifications (id, council_id, service_id, api_key_id, key_type, notification_type, \
         template_id, template_version, recipient, personalisation, reference, status, subject, body, html, \
         fragments, postage, created_at, sent_at, completed_at, provider, due_at, job_id, attempts) VALUES ",
    );
    for r in 0..rows.len() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..COLUMNS {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&param(positional, r * COLUMNS + c + 1));
        }
        sql.push(')');
    }
    let mut query = sqlx::query(&sql);
    for row in rows {
        let leased = lease_until.filter(|_| row.leasable());
        query = query
            .bind(&row.id)
            .bind(row.council_id.0)
            .bind(&row.service_id)
            .bind(&row.key_id)
            .bind(row.key_type.as_str())
            .bind(row.notification_type)
            .bind(&row.template_id)
            .bind(row.template_version)
            .bind(&row.recipient)
            .bind(&row.personalisation)
            .bind(row.reference.clone())
            .bind(if leased.is_some() { "sending" } else { row.status })
            .bind(row.subject.clone())
            .bind(&row.body)
            .bind(row.html.clone())
            .bind(row.fragments)
            .bind(row.postage.clone())
            .bind(&row.created_at)
            .bind(row.sent_at.clone())
            .bind(row.completed_at.clone())
            .bind(row.provider.clone())
            .bind(leased.unwrap_or(&row.due_at))
            .bind(row.job_id.clone())
            .bind(i64::from(leased.is_some()));
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::statement_chunks;

    #[test]
    fn chunks_cover_every_item_in_order_with_few_distinct_lengths() {
        let items: Vec<usize> = (0..1000).collect();
        let chunks = statement_chunks(&items, 256);
        let lengths: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        assert_eq!(lengths, vec![256, 256, 256, 128, 64, 32, 8]);
        assert_eq!(chunks.concat(), items);
        assert!(statement_chunks::<u8>(&[], 256).is_empty());
    }
}
