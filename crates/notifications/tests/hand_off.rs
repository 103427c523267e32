//! Rows written already leased to this node's worker, on SQLite and PostgreSQL: a node with a
//! worker hands what it accepts to that worker in memory and no other node can take it, two such
//! nodes on one database send each notification once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notifications::delivery::BoxFuture;
use notifications::{
    EmailProvider, KeyType, Notify, Outgoing, ProviderError, Providers, SendOutcome, SendRequest, TemplateType, Worker,
    WorkerConfig, auth,
};
use serde_json::json;
use sqlx::Row;
use store::testing::TestStore;
use store::{Council, CouncilSlug, Councils};

/// Migrates `t`'s store and creates the council every service here belongs to.
async fn exampleshire(t: &TestStore) -> (Notify, Council) {
    Notify::migrate(&t.store).await.expect("migrate");
    let council = Councils::new(t.store.clone())
        .create(&CouncilSlug::parse("exampleshire").expect("slug"), "Exampleshire")
        .await
        .expect("council");
    (Notify::new(t.store.clone()), council)
}

/// The caller `key` authenticates as on `notify`, with a token issued now.
async fn caller(notify: &Notify, key: &str) -> notifications::Caller {
    let (service, secret) = auth::split_api_key(key).expect("a Notify key");
    let bearer = format!("Bearer {}", auth::create_token(service, secret, auth::now_seconds()));
    notify.authenticate(Some(&bearer)).await.expect("the key authenticates")
}

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
