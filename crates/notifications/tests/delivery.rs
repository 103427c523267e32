//! The brick through its library API on real SQLite and PostgreSQL: sending commits before it
//! returns, test keys never deliver, workers deliver through provider chains that fail over, and
//! two workers sharing one outbox never send a message twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use notifications::delivery::BoxFuture;
use notifications::testing::exampleshire;
use notifications::{
    EmailProvider, KeyType, Notify, Outgoing, ProviderError, Providers, SandboxProvider, SendOutcome, SendRequest,
    TemplateType, WorkerConfig, auth,
};
use serde_json::json;
use store::testing::TestStore;

async fn setup(t: &TestStore) -> (Notify, notifications::Caller, notifications::Caller, uuid::Uuid) {
    let (notify, council) = exampleshire(t).await;
    let service = notify.create_service(council.id, "Bins and recycling").await.expect("service");
    let live = notify.create_key(service, KeyType::Live, "Live key").await.expect("key");
    let test = notify.create_key(service, KeyType::Test, "test key").await.expect("key");
    let template = notify
        .create_template(service, TemplateType::Email, "Collection", Some("Your ((day)) collection"), "Hello ((name))")
        .await
        .expect("template");
    let caller = |key: &str| {
        let (svc, secret) = auth::split_api_key(key).expect("key shape");
        auth::create_token(svc, secret, auth::now_seconds())
    };
    let live = notify.authenticate(Some(&format!("Bearer {}", caller(&live)))).await.expect("live auth");
    let test = notify.authenticate(Some(&format!("Bearer {}", caller(&test)))).await.expect("test auth");
    (notify, live, test, template)
}

fn email(template: uuid::Uuid, to: &str) -> SendRequest {
    SendRequest::from_json(
        TemplateType::Email,
        &json!({"email_address": to, "template_id": template.to_string(), "personalisation": {"name": "Ada", "day": "Monday"}}),
    )
    .expect("valid request")
}

/// An email provider that always fails, to prove fail-over.
struct Down;
impl EmailProvider for Down {
    fn name(&self) -> &str {
        "down"
    }
    fn send_email<'a>(&'a self, _m: &'a Outgoing) -> BoxFuture<'a, Result<SendOutcome, ProviderError>> {
        Box::pin(async { Err(ProviderError { provider: "down".into(), message: "connection refused".into() }) })
    }
}

/// Counts what it is given.
struct Counting(Arc<AtomicUsize>);
impl EmailProvider for Counting {
    fn name(&self) -> &str {
        "counting"
    }
    fn send_email<'a>(&'a self, _m: &'a Outgoing) -> BoxFuture<'a, Result<SendOutcome, ProviderError>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(SendOutcome::Sent) })
    }
}

#[tokio::test]
async fn a_sent_email_is_committed_then_delivered_by_the_next_provider_when_the_first_is_down() {
    for t in store::testing::all().await {
        let (notify, live, _, template) = setup(&t).await;
        let sent = notify.send(&live, email(template, "resident@example.org")).await.expect("send");
        assert_eq!(sent.status, "created");
        assert_eq!(sent.subject.as_deref(), Some("Your Monday collection"));
        let stored = notify.notification(&live.service_id, sent.id.parse().expect("uuid")).await.expect("stored");
        assert_eq!(stored.body, "Hello Ada");

        let sandbox = Arc::new(SandboxProvider::new(t.store.clone(), "sandbox"));
        let providers = Providers { email: vec![Arc::new(Down), sandbox], ..Providers::default() };
        let claimed = notify.deliver_batch(&providers, &WorkerConfig::default()).await.expect("deliver");
        assert_eq!(claimed, 1, "{:?}", t.backend());
        let done = notify.notification(&live.service_id, sent.id.parse().expect("uuid")).await.expect("stored");
        assert_eq!(done.status, "delivered");
        assert_eq!(done.provider.as_deref(), Some("sandbox"));
        assert!(done.sent_at.is_some() && done.completed_at.is_some());
        let messages = SandboxProvider::messages(&t.store, Some(live.council_id), 10).await.expect("messages");
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].recipient, "resident@example.org");
        assert!(messages[0].html.as_deref().is_some_and(|h| h.contains("Hello Ada")));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn when_every_provider_fails_the_notification_is_retried_then_becomes_a_technical_failure() {
    for t in store::testing::all().await {
        let (notify, live, _, template) = setup(&t).await;
        let sent = notify.send(&live, email(template, "resident@example.org")).await.expect("send");
        let providers = Providers { email: vec![Arc::new(Down)], ..Providers::default() };
        let config =
            WorkerConfig { max_attempts: 2, retry_after: std::time::Duration::ZERO, ..WorkerConfig::default() };
        assert_eq!(notify.deliver_batch(&providers, &config).await.expect("first"), 1);
        let n = notify.notification(&live.service_id, sent.id.parse().expect("uuid")).await.expect("n");
        assert_eq!(n.status, "created", "back in the outbox after one failure");
        assert_eq!(notify.deliver_batch(&providers, &config).await.expect("second"), 1);
        let n = notify.notification(&live.service_id, sent.id.parse().expect("uuid")).await.expect("n");
        assert_eq!(n.status, "technical-failure");
        assert_eq!(notify.deliver_batch(&providers, &config).await.expect("third"), 0);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn test_keys_never_deliver_and_simulated_addresses_get_their_documented_statuses() {
    for t in store::testing::all().await {
        let (notify, _, test, template) = setup(&t).await;
        let ok = notify.send(&test, email(template, "resident@example.org")).await.expect("send");
        let temp = notify.send(&test, email(template, "temp-fail@simulator.notify")).await.expect("send");
        let perm = notify.send(&test, email(template, "perm-fail@simulator.notify")).await.expect("send");
        assert_eq!(ok.status, "delivered");
        assert_eq!(temp.status, "temporary-failure");
        assert_eq!(perm.status, "permanent-failure");
        let count = Arc::new(AtomicUsize::new(0));
        let providers = Providers { email: vec![Arc::new(Counting(count.clone()))], ..Providers::default() };
        assert_eq!(notify.deliver_batch(&providers, &WorkerConfig::default()).await.expect("deliver"), 0);
        assert_eq!(count.load(Ordering::SeqCst), 0);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn two_workers_sharing_one_outbox_send_each_message_exactly_once() {
    for t in store::testing::all().await {
        let (notify, live, _, template) = setup(&t).await;
        for i in 0..300 {
            notify.send(&live, email(template, &format!("r{i}@example.org"))).await.expect("send");
        }
        let count = Arc::new(AtomicUsize::new(0));
        let providers = Providers { email: vec![Arc::new(Counting(count.clone()))], ..Providers::default() };
        let config = WorkerConfig { batch: 20, poll: std::time::Duration::from_millis(20), ..WorkerConfig::default() };
        // Two separate pools, as two nodes would have.
        let other = Notify::new(store::Store::connect(&t.url).await.expect("second pool"));
        let a = notifications::Worker::spawn(notify.clone(), providers.clone(), config.clone());
        let b = notifications::Worker::spawn(other, providers.clone(), config);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while count.load(Ordering::SeqCst) < 300 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        a.stop().await;
        b.stop().await;
        assert_eq!(count.load(Ordering::SeqCst), 300, "{:?}", t.backend());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn templates_keep_every_version_and_bad_requests_store_nothing() {
    for t in store::testing::all().await {
        let (notify, live, _, template) = setup(&t).await;
        let v2 = notify.update_template(template, "Collection", Some("New ((day))"), "Hi ((name))").await.expect("v2");
        assert_eq!(v2, 2);
        let first = notify.template(&live.service_id, template, Some(1)).await.expect("v1");
        assert_eq!(first.body, "Hello ((name))");
        let current = notify.template(&live.service_id, template, None).await.expect("current");
        assert_eq!((current.version, current.body.as_str()), (2, "Hi ((name))"));

        let missing = SendRequest::from_json(
            TemplateType::Email,
            &json!({"email_address": "a@example.org", "template_id": template.to_string(), "personalisation": {"day": "x"}}),
        )
        .expect("shape ok");
        let err = notify.send(&live, missing).await.expect_err("missing name");
        assert_eq!(err.to_string(), "Missing personalisation: name");
        let bad = SendRequest::from_json(
            TemplateType::Email,
            &json!({"email_address": "not-an-email", "template_id": template.to_string()}),
        )
        .expect_err("bad email");
        assert_eq!(bad.to_string(), "email_address Not a valid email address");
        let unknown = SendRequest::from_json(
            TemplateType::Email,
            &json!({"email_address": "a@example.org", "template_id": template.to_string(), "colour": "red"}),
        )
        .expect_err("unknown field");
        assert_eq!(unknown.to_string(), "Additional properties are not allowed (colour was unexpected)");
        let listed = notify.list_notifications(&live, &notifications::ListFilter::default()).await.expect("list");
        assert!(listed.is_empty());
        assert!(notify.create_template(uuid::Uuid::new_v4(), TemplateType::Sms, "x", None, "y").await.is_err());
        assert!(
            notify
                .create_template(live.service_id.parse().expect("uuid"), TemplateType::Sms, "x", Some("s"), "y")
                .await
                .is_err()
        );
        t.cleanup().await;
    }
}
