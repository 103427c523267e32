//! Group commit for allowed reads' access-log rows. A consented read must be logged durably
//! before its data is handed back, and that commit (an fsync) was most of a read's time. Reads
//! hand their log row to one writer task per [`crate::Consent`]; the writer takes whatever has
//! queued up while its previous commit ran and, in ONE transaction and in arrival order, runs
//! for each read exactly the statements [`crate::Consent::read`] ran before: the guarded update
//! of the grant's `last_read_at` (which matches no row once the grant is revoked, expired or not
//! this service's), then, only if it matched, the access-log row. Each reader is answered only
//! after that commit, so no data leaves before its log entry is durable. If a statement fails,
//! the batch is rolled back and each read is written alone, so only the failing one fails; if a
//! commit fails, every read in it fails and nothing of it is stored.

use tokio::sync::{mpsc, oneshot};

use crate::consent::{OwnedLogRow, allow};
use crate::error::{ConsentError, Result};
use store::Store;

/// Most reads one transaction logs.
const MAX_BATCH: usize = 512;

struct Pending {
    row: OwnedLogRow,
    /// The log row's id once written; None when the grant was no longer live (nothing written).
    outcome: Option<Option<i64>>,
    reply: oneshot::Sender<Result<Option<i64>>>,
}

/// The handle reads use to reach the writer task (spawned on first use, on the caller's runtime).
#[derive(Debug, Clone)]
pub(crate) struct LogWriter {
    queue: mpsc::Sender<Pending>,
}

impl LogWriter {
    /// Starts a writer over `store`; it ends when every handle is dropped.
    pub(crate) fn spawn(store: Store) -> LogWriter {
        let (queue, received) = mpsc::channel(8192);
        tokio::spawn(run(store, received));
        LogWriter { queue }
    }

    /// Whether the writer task has gone (its runtime shut down); a new one is then spawned.
    pub(crate) fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// Logs an allowed read if its grant is still live, and returns the log row's id (None when
    /// the grant is no longer live) once that is committed.
    pub(crate) async fn log(&self, row: OwnedLogRow) -> Result<Option<i64>> {
        let (reply, answer) = oneshot::channel();
        let stopped = || ConsentError::LogNotWritten("the access log's writer stopped".into());
        self.queue.send(Pending { row, outcome: None, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(store: Store, mut received: mpsc::Receiver<Pending>) {
    while let Some(first) = received.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match received.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        match together(&store, &mut batch).await {
            Ok(()) => {
                for p in batch {
                    let outcome = p.outcome.ok_or_else(|| ConsentError::LogNotWritten("not written".into()));
                    let _ = p.reply.send(outcome);
                }
            }
            Err(Failure::Commit(message)) => {
                tracing::error!(error = %message, reads = batch.len(), "committing a batch of access-log rows failed");
                for p in batch {
                    let _ = p.reply.send(Err(ConsentError::LogNotWritten(message.clone())));
                }
            }
            Err(Failure::Statement) => {
                for p in batch {
                    let alone = alone(&store, &p.row).await;
                    let _ = p.reply.send(alone);
                }
            }
        }
    }
}

enum Failure {
    Statement,
    Commit(String),
}

async fn together(store: &Store, batch: &mut [Pending]) -> std::result::Result<(), Failure> {
    let mut tx = store.pool().begin().await.map_err(|_| Failure::Statement)?;
    for p in batch.iter_mut() {
        match allow(&mut tx, &p.row).await {
            Ok(outcome) => p.outcome = Some(outcome),
            Err(_) => {
                let _ = tx.rollback().await;
                return Err(Failure::Statement);
            }
        }
    }
    tx.commit().await.map_err(|e| Failure::Commit(e.to_string()))
}

async fn alone(store: &Store, row: &OwnedLogRow) -> Result<Option<i64>> {
    let mut tx = store.pool().begin().await?;
    let outcome = match allow(&mut tx, row).await {
        Ok(outcome) => outcome,
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(e);
        }
    };
    tx.commit().await.map_err(|e| ConsentError::LogNotWritten(e.to_string()))?;
    Ok(outcome)
}
