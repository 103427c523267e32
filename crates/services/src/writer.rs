//! Group commit for the engine's writes. Every durable write of a submission's path (the
//! application started, a page answered, the case with its history and outbox rows, an outbox
//! row marked delivered) is handed to one writer task per [`crate::Engine`]. The writer takes
//! whatever has queued up while its previous commit ran, runs every write in ONE transaction,
//! and answers each caller only after that commit: an acknowledged write is as durable as
//! before, but many concurrent submissions share one fsync instead of each paying for its own.
//!
//! A write is a value implementing [`Write`]: it may be run more than once (see below) and must
//! write nothing when it returns a refusal of its own (e.g. "already submitted": a guarded
//! `UPDATE` that matched no row). If any write of a batch fails with a database error, the whole
//! transaction is rolled back and each write is run again in a transaction of its own, so the
//! failing one fails alone (its caller gets its error, e.g. a unique violation) and the others
//! are stored. If a commit fails, every caller in it gets the failure and nothing is stored.
//! Nothing changes about what is locked: the statements are those each caller ran before, in
//! arrival order, so the guarded updates that make submission exactly-once still do so (a second
//! submit of one application in the same batch sees the first one's update).

use std::future::Future;
use std::pin::Pin;

use sqlx::{Any, Transaction};
use store::Store;
use tokio::sync::{mpsc, oneshot};

/// Most writes one transaction commits: enough to fill with a few hundred concurrent
/// submissions, small enough that one slow batch does not hold SQLite's writer lock for long.
const MAX_BATCH: usize = 512;

/// The transaction a write runs in.
pub(crate) type Tx = Transaction<'static, Any>;

/// A boxed future borrowing the write and the transaction.
pub(crate) type WriteFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'a>>;

/// One caller's part of a batch: its statements, run inside the batch's transaction.
pub(crate) trait Write: Send + Sync + 'static {
    /// What the caller gets back once the batch has committed.
    type Output: Send + 'static;
    /// Runs the statements; may be called again on a fresh transaction after a batch failed.
    fn run<'a>(&'a self, tx: &'a mut Tx) -> WriteFuture<'a, Self::Output>;
}

/// Why a write was not stored.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// One of this write's own statements failed (nothing of it is stored).
    Statement(sqlx::Error),
    /// The commit of the batch it was in failed, or the writer stopped (nothing of it is stored).
    Batch(String),
}

impl From<WriteError> for crate::error::ServiceError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Statement(e) => crate::error::ServiceError::Database(e),
            WriteError::Batch(m) => crate::error::ServiceError::BatchFailed(m),
        }
    }
}

/// A write with its reply, its output type erased so one batch can hold every kind.
trait Job: Send {
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> WriteFuture<'a, ()>;
    /// Answers the caller: with the output of the last run when `committed` is Ok.
    fn finish(self: Box<Self>, committed: Result<(), WriteError>);
}

struct Typed<W: Write> {
    write: W,
    output: Option<W::Output>,
    reply: oneshot::Sender<Result<W::Output, WriteError>>,
}

impl<W: Write> Job for Typed<W> {
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            self.output = Some(self.write.run(tx).await?);
            Ok(())
        })
    }

    fn finish(self: Box<Self>, committed: Result<(), WriteError>) {
        let answer = match (committed, self.output) {
            (Ok(()), Some(output)) => Ok(output),
            (Ok(()), None) => Err(WriteError::Batch("the write did not run".into())),
            (Err(e), _) => Err(e),
        };
        let _ = self.reply.send(answer);
    }
}

/// The handle callers use to reach the writer task (spawned on first use, on the caller's runtime).
#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts a writer over `store`; it ends when every handle is dropped.
    pub(crate) fn spawn(store: Store) -> Writer {
        let (queue, received) = mpsc::channel(8192);
        tokio::spawn(run(store, received));
        Writer { queue }
    }

    /// Whether the writer task has gone (its runtime shut down); a new one is then spawned.
    pub(crate) fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// Runs `write` in the next batch and returns its output once that batch has committed.
    pub(crate) async fn write<W: Write>(&self, write: W) -> Result<W::Output, WriteError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || WriteError::Batch("the engine's writer stopped".into());
        self.queue.send(Box::new(Typed { write, output: None, reply })).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(store: Store, mut received: mpsc::Receiver<Box<dyn Job>>) {
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
                tracing::error!(error = %message, writes = batch.len(), "committing a batch of service writes failed");
                batch.into_iter().for_each(|job| job.finish(Err(WriteError::Batch(message.clone()))));
            }
            Err(Failure::Statement) => {
                for mut job in batch {
                    let alone = one(&store, job.as_mut()).await;
                    job.finish(alone);
                }
            }
        }
    }
}

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
        if job.run(&mut tx).await.is_err() {
            let _ = tx.rollback().await;
            return Err(Failure::Statement);
        }
    }
    tx.commit().await.map_err(|e| Failure::Commit(e.to_string()))
}

/// One write in a transaction of its own (after its batch failed).
async fn one(store: &Store, job: &mut dyn Job) -> Result<(), WriteError> {
    let mut tx = store.pool().begin().await.map_err(WriteError::Statement)?;
    if let Err(e) = job.run(&mut tx).await {
        let _ = tx.rollback().await;
        return Err(WriteError::Statement(e));
    }
    tx.commit().await.map_err(|e| WriteError::Batch(e.to_string()))
}
