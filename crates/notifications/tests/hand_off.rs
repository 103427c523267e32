//! Rows written already leased to this node's worker, on SQLite and PostgreSQL: a node with a
//! worker hands what it accepts to that worker in memory and no other node can take it, two such
//! nodes on one database send each notification once, and the rows leased to a node that dies
//! before sending are sent by another node exactly once when the lease has run out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notifications::delivery::BoxFuture;
use notifications::testing::{caller, exampleshire};
use notifications::{
    EmailProvider, KeyType, Notify, Outgoing, ProviderError, Providers, SendOutcome, SendRequest, TemplateType, Worker,
    WorkerConfig,
};
use serde_json::json;
use sqlx::Row;

fn email(template: uuid::Uuid, to: &str) -> SendRequest {
    SendRequest::from_json(
        TemplateType::Email,
        &json!({"email_address": to, "template_id": template.to_string(), "personalisation": {"name": "Ada"}}),
    )
    .expect("valid request")
}

/// Counts each notification it is given, by id.
struct Tally {
    name: &'static str,
    seen: Arc<Mutex<HashMap<String, usize>>>,
}

impl EmailProvider for Tally {
    fn name(&self) -> &str {
        self.name
    }
    fn send_email<'a>(&'a self, m: &'a Outgoing) -> BoxFuture<'a, Result<SendOutcome, ProviderError>> {
        *self.seen.lock().expect("lock").entry(m.notification_id.clone()).or_default() += 1;
        Box::pin(async { Ok(SendOutcome::Delivered) })
    }
}

/// Takes each message and never answers, as a node that dies while sending.
struct Hangs(Arc<AtomicUsize>);

impl EmailProvider for Hangs {
    fn name(&self) -> &str {
        "hangs"
    }
    fn send_email<'a>(&'a self, _m: &'a Outgoing) -> BoxFuture<'a, Result<SendOutcome, ProviderError>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::pending())
    }
}

fn tally(name: &'static str) -> (Providers, Arc<Mutex<HashMap<String, usize>>>) {
    let seen = Arc::new(Mutex::new(HashMap::new()));
    let providers = Providers { email: vec![Arc::new(Tally { name, seen: seen.clone() })], ..Providers::default() };
    (providers, seen)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// (status, provider, attempts) of every notification, by id.
async fn rows(store: &store::Store) -> HashMap<String, (String, Option<String>, i64)> {
    sqlx::query("SELECT id, status, provider, attempts FROM notify_notifications")
        .fetch_all(store.pool())
        .await
        .expect("rows")
        .iter()
        .map(|r| {
            let id: String = r.get(0);
            (id, (r.get(1), r.get(2), r.get(3)))
        })
        .collect()
}

#[tokio::test]
async fn a_node_with_a_worker_hands_its_rows_to_it_and_two_nodes_still_send_each_once() {
    for t in store::testing::all().await {
        let (a, council) = exampleshire(&t).await;
        let service = a.create_service(council.id, "Bins").await.expect("service");
        let key = a.create_key(service, KeyType::Live, "live").await.expect("key");
        let template =
            a.create_template(service, TemplateType::Email, "t", Some("Hi"), "Hi ((name))").await.expect("t");
        // Node b has its own pool, as another `guildhall serve` would.
        let b = Notify::new(store::Store::connect(&t.url).await.expect("second pool"));
        let (a_providers, a_seen) = tally("node-a");
        let (b_providers, b_seen) = tally("node-b");
        let config = WorkerConfig { batch: 25, poll: Duration::from_millis(20), ..WorkerConfig::default() };
        let a_worker = Worker::spawn(a.clone(), a_providers, config.clone());
        let b_worker = Worker::spawn(b.clone(), b_providers, config);
        let (a_caller, b_caller) = (caller(&a, &key).await, caller(&b, &key).await);

        // Concurrent sends, so node a's writer commits (and hands over) several at a time.
        let mut sends = tokio::task::JoinSet::new();
        for i in 0..200 {
            let (a, a_caller) = (a.clone(), a_caller.clone());
            sends.spawn(async move { a.send(&a_caller, email(template, &format!("a{i}@example.org"))).await });
        }
        let mut from_a = Vec::new();
        while let Some(sent) = sends.join_next().await {
            from_a.push(sent.expect("task").expect("send").id);
        }
        let mut from_b = Vec::new();
        for i in 0..50 {
            from_b.push(b.send(&b_caller, email(template, &format!("b{i}@example.org"))).await.expect("send").id);
        }

        let total = |seen: &Arc<Mutex<HashMap<String, usize>>>| seen.lock().expect("lock").len();
        wait_for("every notification to be sent", || total(&a_seen) + total(&b_seen) >= 250).await;
        let deadline = Instant::now() + Duration::from_secs(90);
        while rows(&t.store).await.values().filter(|(s, _, _)| s == "delivered").count() < 250 {
            assert!(Instant::now() < deadline, "{:?}: hand-offs not all recorded", t.backend());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        a_worker.stop().await;
        b_worker.stop().await;

        let (a_seen, b_seen) = (a_seen.lock().expect("lock").clone(), b_seen.lock().expect("lock").clone());
        for id in from_a.iter().chain(&from_b) {
            let times = a_seen.get(id).copied().unwrap_or(0) + b_seen.get(id).copied().unwrap_or(0);
            assert_eq!(times, 1, "{:?}: {id} sent {times} times", t.backend());
        }
        // Each node's rows were leased to its own worker as they were written: the other node
        // never got one, and no claim counted a second attempt.
        let recorded = rows(&t.store).await;
        assert_eq!(recorded.len(), 250);
        for (ids, node) in [(&from_a, "node-a"), (&from_b, "node-b")] {
            for id in ids {
                let (status, provider, attempts) = &recorded[id];
                assert_eq!(
                    (status.as_str(), provider.as_deref(), *attempts),
                    ("delivered", Some(node), 1),
                    "{:?}: {id}",
                    t.backend()
                );
            }
        }
        b.store().close().await;
        t.cleanup().await;
    }
}

#[tokio::test]
async fn rows_leased_to_a_node_that_dies_are_sent_once_by_another_node_after_the_lease() {
    for t in store::testing::all().await {
        let (notify, council) = exampleshire(&t).await;
        let service = notify.create_service(council.id, "Bins").await.expect("service");
        let key = notify.create_key(service, KeyType::Live, "live").await.expect("key");
        let template =
            notify.create_template(service, TemplateType::Email, "t", Some("Hi"), "Hi ((name))").await.expect("t");

        // Node a runs on its own runtime: it accepts 40 notifications (each committed leased to
        // its worker), the worker hangs in the provider on the first it hands over, and then the
        // whole node goes (its runtime shut down) with every row still leased to it.
        let handed = Arc::new(AtomicUsize::new(0));
        let (url, key_a, handed_a) = (t.url.clone(), key.clone(), handed.clone());
        let node_a = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
            runtime.block_on(async move {
                let a = Notify::new(store::Store::connect(&url).await.expect("node a pool"));
                let providers = Providers { email: vec![Arc::new(Hangs(handed_a.clone()))], ..Providers::default() };
                let config = WorkerConfig { lease: Duration::from_secs(2), ..WorkerConfig::default() };
                let _worker = Worker::spawn(a.clone(), providers, config);
                let caller = caller(&a, &key_a).await;
                let mut sends = tokio::task::JoinSet::new();
                for i in 0..40 {
                    let (a, caller) = (a.clone(), caller.clone());
                    sends.spawn(async move { a.send(&caller, email(template, &format!("r{i}@example.org"))).await });
                }
                while let Some(sent) = sends.join_next().await {
                    sent.expect("task").expect("send");
                }
                let deadline = Instant::now() + Duration::from_secs(90);
                while handed_a.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            });
            runtime.shutdown_background();
        });
        tokio::task::spawn_blocking(move || node_a.join().expect("node a")).await.expect("join");
        assert!(handed.load(Ordering::SeqCst) > 0, "{:?}: node a's worker never reached its provider", t.backend());
        let leased = rows(&t.store).await;
        assert_eq!(leased.len(), 40);
        for (id, (status, provider, attempts)) in &leased {
            assert_eq!(
                (status.as_str(), provider.as_deref(), *attempts),
                ("sending", None, 1),
                "{:?}: {id}",
                t.backend()
            );
        }

        // Node b's worker claims them once the lease has run out, and sends each exactly once.
        let (providers, seen) = tally("node-b");
        let config = WorkerConfig { poll: Duration::from_millis(50), ..WorkerConfig::default() };
        let worker = Worker::spawn(notify.clone(), providers, config);
        let recorded = || {
            let store = t.store.clone();
            async move { rows(&store).await.values().filter(|(s, _, _)| s == "delivered").count() }
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        while recorded().await < 40 {
            assert!(Instant::now() < deadline, "{:?}: node b did not send them all", t.backend());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        worker.stop().await;
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen.len(), 40, "{:?}", t.backend());
        assert!(seen.values().all(|&n| n == 1), "{:?}: sent twice: {seen:?}", t.backend());
        for (id, (status, provider, attempts)) in rows(&t.store).await {
            assert_eq!(
                (status.as_str(), provider.as_deref(), attempts),
                ("delivered", Some("node-b"), 2),
                "{:?}: {id}",
                t.backend()
            );
        }
        t.cleanup().await;
    }
}
