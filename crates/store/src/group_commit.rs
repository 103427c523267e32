//! Group commit: many callers' small writes share one transaction and one fsync. An owner (a
//! brick such as the service engine or consent) keeps one [`LazyWriter`]; its writer task takes
//! whatever has queued up while its previous commit ran, runs every write in ONE transaction in
//! arrival order, and answers each caller only after that commit. An acknowledged write is as
//! durable as if it had committed alone, but concurrent callers pay for one commit between them
//! instead of one each.
//!
//! A write is a value implementing [`Write`]: it may be run more than once (see below) and must
//! write nothing when it returns a refusal of its own (e.g. a guarded `UPDATE` that matched no
//! row, answered as an output such as `None`, not as an error). What is guaranteed:
//! - If any write of a batch fails, the whole transaction is rolled back and each write is run
//!   again in a transaction of its own, so the failing one fails alone (its caller gets its
//!   error as [`WriteError::Statement`], e.g. a unique violation) and the others are stored.
//! - If a commit fails, every caller in it gets [`WriteError::Batch`] and nothing is stored.
//! - Nothing changes about what is locked: the statements are those each caller would have run
//!   in its own transaction, in arrival order, so a guarded update that makes an operation
//!   exactly-once still does so (a second attempt in the same batch sees the first one's update).
//!
//! What does not live here: the writes themselves (each brick implements [`Write`] for its own
//! rows) and the mapping of [`WriteError`] into a brick's error type.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sqlx::{Any, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::Store;

/// Most writes one transaction commits: enough to fill with a few hundred concurrent callers,
/// small enough that one slow batch does not hold SQLite's writer lock for long.
const MAX_BATCH: usize = 512;

/// Most writes waiting for a batch before callers wait to queue (back-pressure).
const QUEUE: usize = 8192;

/// The transaction a write runs in (the batch's, or its own when rerun alone).
pub type Tx = Transaction<'static, Any>;

/// A boxed future borrowing the write and the transaction; `E` is the write's own error.
pub type WriteFuture<'a, T, E = sqlx::Error> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>;

/// One caller's part of a batch: its statements, run inside the batch's transaction.
pub trait Write: Send + Sync + 'static {
    /// What the caller gets back once the batch has committed.
    type Output: Send + 'static;
    /// Why the statements failed; a database error converts into it (a transaction that could not
    /// begin is reported as one).
    type Error: From<sqlx::Error> + Send + 'static;
    /// Runs the statements; may be called again on a fresh transaction after a batch failed, so it
    /// must not depend on having run before.
    fn run<'a>(&'a self, tx: &'a mut Tx) -> WriteFuture<'a, Self::Output, Self::Error>;
}

/// Why a write was not stored.
#[derive(Debug)]
pub enum WriteError<E = sqlx::Error> {
    /// One of this write's own statements failed when run alone (nothing of it is stored).
    Statement(E),
    /// The commit of the batch it was in failed, or the writer stopped (nothing of it is stored);
    /// the caller may try again.
    Batch(String),
}

/// A write with its reply, its output type erased so one batch can hold every kind.
trait Job: Send {
    /// Runs the write in `tx`, keeping its outcome for [`Job::finish`]; false when it failed.
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
    /// Records that its own transaction could not even begin.
    fn not_begun(&mut self, error: sqlx::Error);
    /// Answers the caller: the error of its last run if it failed, else the batch's failure if
    /// `committed` is one, else the output of its last run.
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

/// A write of one type, with its latest outcome and its caller's reply channel.
struct Typed<W: Write> {
    write: W,
    outcome: Option<Result<W::Output, W::Error>>,
    reply: oneshot::Sender<Result<W::Output, WriteError<W::Error>>>,
}

impl<W: Write> Job for Typed<W> {
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move {
            let outcome = self.write.run(tx).await;
            let ran = outcome.is_ok();
            self.outcome = Some(outcome);
            ran
        })
    }

    fn not_begun(&mut self, error: sqlx::Error) {
        self.outcome = Some(Err(error.into()));
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let answer = match (self.outcome, committed) {
            (Some(Err(e)), _) => Err(WriteError::Statement(e)),
            (_, Err(message)) => Err(WriteError::Batch(message)),
            (Some(Ok(output)), Ok(())) => Ok(output),
            (None, Ok(())) => Err(WriteError::Batch("the write did not run".into())),
        };
        let _ = self.reply.send(answer);
    }
}

/// The handle callers use to reach one writer task; cheap to clone.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
    /// Who owns the writer ("engine", "access log"), for its messages and logs.
    owner: &'static str,
}

impl Writer {
    /// Starts a writer over `store` on the current runtime; it ends when every handle is dropped.
    /// `owner` names it in errors ("the {owner}'s writer stopped") and logs.
    pub fn spawn(store: Store, owner: &'static str) -> Writer {
        let (queue, received) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, received, owner));
        Writer { queue, owner }
    }

    /// Whether the writer task has gone (its runtime shut down); the owner then spawns a new one.
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// Runs `write` in the next batch and returns its output once that batch has committed.
    pub async fn write<W: Write>(&self, write: W) -> Result<W::Output, WriteError<W::Error>> {
        let (reply, answer) = oneshot::channel();
        let stopped = || WriteError::Batch(format!("the {}'s writer stopped", self.owner));
        self.queue.send(Box::new(Typed { write, outcome: None, reply })).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// An owner's one writer, started on first use on the caller's runtime and started again when
/// that runtime has shut down (tests run one runtime each over a shared owner). Cheap to clone:
/// clones share the writer.
#[derive(Debug, Clone)]
pub struct LazyWriter {
    slot: Arc<Mutex<Option<Writer>>>,
    owner: &'static str,
}

impl LazyWriter {
    /// No writer yet; `owner` names the one started later (see [`Writer::spawn`]).
    pub fn new(owner: &'static str) -> LazyWriter {
        LazyWriter { slot: Arc::default(), owner }
    }

    /// The running writer over `store`, spawning one if there is none or the last one's runtime
    /// has shut down.
    pub fn get(&self, store: &Store) -> Writer {
        let mut slot = self.slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match slot.as_ref() {
            Some(w) if !w.is_closed() => w.clone(),
            _ => {
                let w = Writer::spawn(store.clone(), self.owner);
                *slot = Some(w.clone());
                w
            }
        }
    }
}

/// The writer task: a batch per turn, of whatever has queued, until every handle is dropped.
async fn run(store: Store, mut received: mpsc::Receiver<Box<dyn Job>>, owner: &'static str) {
    while let Some(first) = received.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match received.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        match together(&store, &mut batch).await {
            Ok(()) => batch.into_iter().for_each(|job| job.finish(Ok(()))),
            Err(Failure::Commit(message)) => {
                tracing::error!(error = %message, writes = batch.len(), owner, "committing a batch of writes failed");
                batch.into_iter().for_each(|job| job.finish(Err(message.clone())));
            }
            Err(Failure::Statement) => {
                for mut job in batch {
                    let committed = alone(&store, job.as_mut()).await;
                    job.finish(committed);
                }
            }
        }
    }
}

/// Why a batch's transaction did not commit.
enum Failure {
    /// A statement failed: the transaction was rolled back (or never began), run each alone.
    Statement,
    /// The commit failed: every write in it fails.
    Commit(String),
}

/// Every write of the batch in one transaction.
async fn together(store: &Store, batch: &mut [Box<dyn Job>]) -> Result<(), Failure> {
    let mut tx = store.pool().begin().await.map_err(|_| Failure::Statement)?;
    for job in batch.iter_mut() {
        if !job.run(&mut tx).await {
            let _ = tx.rollback().await;
            return Err(Failure::Statement);
        }
    }
    tx.commit().await.map_err(|e| Failure::Commit(e.to_string()))
}

/// One write in a transaction of its own (after its batch failed); its statement error, if any,
/// is kept in the job, and the commit's failure returned.
async fn alone(store: &Store, job: &mut dyn Job) -> Result<(), String> {
    let mut tx = match store.pool().begin().await {
        Ok(tx) => tx,
        Err(e) => {
            job.not_begun(e);
            return Ok(());
        }
    };
    if !job.run(&mut tx).await {
        let _ = tx.rollback().await;
        return Ok(());
    }
    tx.commit().await.map_err(|e| e.to_string())
}
