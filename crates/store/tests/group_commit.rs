//! The group-commit writer through its public API, on SQLite and PostgreSQL: concurrent writes
//! are all stored and each caller gets its own output; a failing write in a batch fails alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use store::Store;
use store::group_commit::{LazyWriter, Tx, Write, WriteError, WriteFuture, Writer};
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Inserts one row into the scratch table and returns its label as stored, counting its runs.
struct Insert {
    id: i64,
    label: String,
    runs: Arc<AtomicUsize>,
}

impl Write for Insert {
    type Output = String;
    type Error = sqlx::Error;

    fn run<'a>(&'a self, tx: &'a mut Tx) -> WriteFuture<'a, String> {
        Box::pin(async move {
            self.runs.fetch_add(1, Ordering::SeqCst);
            sqlx::query_scalar("INSERT INTO group_commit_scratch (id, label) VALUES ($1, $2) RETURNING label")
                .bind(self.id)
                .bind(&self.label)
                .fetch_one(&mut **tx)
                .await
        })
    }
}

/// Holds the writer inside its batch until released, so the writes sent meanwhile queue up
/// and make the next batch together.
struct Gate {
    entered: Arc<Notify>,
    release: Arc<Notify>,
}

impl Write for Gate {
    type Output = ();
    type Error = sqlx::Error;

    fn run<'a>(&'a self, _tx: &'a mut Tx) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            self.entered.notify_one();
            self.release.notified().await;
            Ok(())
        })
    }
}

async fn scratch_table(store: &Store) {
    sqlx::query("CREATE TABLE group_commit_scratch (id BIGINT PRIMARY KEY, label TEXT NOT NULL)")
        .execute(store.pool())
        .await
        .expect("create the scratch table");
}

async fn stored(store: &Store) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT id, label FROM group_commit_scratch ORDER BY id")
        .fetch_all(store.pool())
        .await
        .expect("read the scratch table")
}

fn insert(id: i64, runs: &Arc<AtomicUsize>) -> Insert {
    Insert { id, label: format!("write-{id}"), runs: runs.clone() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_writes_are_all_stored_and_each_caller_gets_its_own_output() {
    for test in store::testing::all().await {
        scratch_table(&test.store).await;
        let writers = LazyWriter::new("test");
        let writer = writers.get(&test.store);
        let runs = Arc::new(AtomicUsize::new(0));
        let mut callers = JoinSet::new();
        for id in 1..=300 {
            let writer = writer.clone();
            let write = insert(id, &runs);
            callers.spawn(async move { (id, writer.write(write).await) });
        }
        while let Some(joined) = callers.join_next().await {
            let (id, answer) = joined.expect("caller task");
            assert_eq!(answer.expect("write stored"), format!("write-{id}"), "{:?}", test.backend());
        }
        let rows = stored(&test.store).await;
        assert_eq!(rows, (1..=300).map(|id| (id, format!("write-{id}"))).collect::<Vec<_>>(), "{:?}", test.backend());
        assert_eq!(runs.load(Ordering::SeqCst), 300, "no batch failed, so each write ran once");
        assert!(!writers.get(&test.store).is_closed(), "the owner's writer is still the running one");
        drop((writer, writers));
        test.cleanup().await;
    }
}

#[tokio::test]
async fn a_failing_write_fails_alone_and_the_rest_of_its_batch_is_stored() {
    for test in store::testing::all().await {
        scratch_table(&test.store).await;
        sqlx::query("INSERT INTO group_commit_scratch (id, label) VALUES (1000, 'already here')")
            .execute(test.store.pool())
            .await
            .expect("seed the row the failing write collides with");
        let writer = Writer::spawn(test.store.clone(), "test");

        let entered = Arc::new(Notify::new());
        let release = Arc::new(Notify::new());
        let gate = {
            let writer = writer.clone();
            let gate = Gate { entered: entered.clone(), release: release.clone() };
            tokio::spawn(async move { writer.write(gate).await })
        };
        tokio::time::timeout(Duration::from_secs(30), entered.notified()).await.expect("the gate's batch began");

        // While the writer is held, queue 20 good writes with a duplicate key in the middle.
        let runs = Arc::new(AtomicUsize::new(0));
        let mut callers = JoinSet::new();
        for id in (1..=10).chain([1000]).chain(11..=20) {
            let writer = writer.clone();
            let write = insert(id, &runs);
            callers.spawn(async move { (id, writer.write(write).await) });
        }
        // On this single-threaded runtime every caller runs up to its queued send while we sleep.
        tokio::time::sleep(Duration::from_millis(200)).await;
        release.notify_one();
        gate.await.expect("gate task").expect("the gate's batch committed");

        let mut failed = 0;
        while let Some(joined) = callers.join_next().await {
            match joined.expect("caller task") {
                (1000, Err(WriteError::Statement(sqlx::Error::Database(e)))) => {
                    assert!(e.is_unique_violation(), "{e}");
                    failed += 1;
                }
                (1000, other) => panic!("the duplicate key was answered {other:?}"),
                (id, answer) => assert_eq!(answer.expect("write stored"), format!("write-{id}")),
            }
        }
        assert_eq!(failed, 1);
        let mut expected: Vec<(i64, String)> = (1..=20).map(|id| (id, format!("write-{id}"))).collect();
        expected.push((1000, "already here".to_string()));
        assert_eq!(stored(&test.store).await, expected, "{:?}", test.backend());
        // 21 writes in one batch that failed at the 11th: the first 11 ran in it, then all 21 alone.
        assert_eq!(runs.load(Ordering::SeqCst), 11 + 21, "the writes shared one batch, then each ran alone");
        drop(writer);
        test.cleanup().await;
    }
}
