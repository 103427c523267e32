//! The SMTP fault test: a real SMTP server (Python's `aiosmtpd`, tests/clients/smtp_receiver.py)
//! is stopped for a while under load and restarted. Every accepted email reaches the receiver
//! exactly once (counted there, by Message-ID); with the sandbox configured as fail-over, the
//! sandbox takes the emails sent while the server is down and nothing is delivered twice.
//! Skipped (loudly) when aiosmtpd is missing, except on CI where that is a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use notifications::testing::exampleshire;
use notifications::{
    Caller, EmailProvider, KeyType, Notify, Providers, SandboxProvider, SendRequest, SmtpProvider, TemplateType,
    Worker, WorkerConfig, auth,
};
use serde_json::json;
use sqlx::Row;
use store::CouncilId;
use tokio::io::{AsyncBufReadExt, BufReader};

fn aiosmtpd_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
            panic!("CI=true but aiosmtpd is not installed: python3 -m pip install aiosmtpd");
        }
        eprintln!("SKIPPED: aiosmtpd is not installed (python3 -m pip install aiosmtpd)");
    }
    ok
}

/// The aiosmtpd receiver as a child process on a fixed port, logging Message-IDs to a file.
struct Receiver {
    port: u16,
    log: PathBuf,
    child: Option<tokio::process::Child>,
}

impl Receiver {
    async fn start(log: &Path) -> Receiver {
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = free.local_addr().expect("addr").port();
        drop(free);
        let mut r = Receiver { port, log: log.to_path_buf(), child: None };
        r.restart().await;
        r
    }

    async fn restart(&mut self) {
        let mut child = tokio::process::Command::new("python3")
            .arg("tests/clients/smtp_receiver.py")
            .arg(self.port.to_string())
            .arg(&self.log)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start aiosmtpd");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
        assert!(matches!(ready, Ok(Ok(Some(ref l))) if l == "ready"), "aiosmtpd did not start: {ready:?}");
        self.child = Some(child);
    }

    /// Stops the server the way an operator would (SIGTERM) and waits until it has gone.
    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().expect("pid").to_string();
            let _ = tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await;
            let _ = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
        }
    }

    /// How many times the receiver accepted each notification (the id before the Message-ID's `@`).
    fn counts(&self) -> BTreeMap<String, usize> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut counts = BTreeMap::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let id = line.split('@').next().unwrap_or(line).to_string();
            *counts.entry(id).or_insert(0) += 1;
        }
        counts
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

struct Setup {
    notify: Notify,
    caller: Caller,
    council: CouncilId,
    template: uuid::Uuid,
}

async fn setup(t: &store::testing::TestStore) -> Setup {
    let (notify, council) = exampleshire(t).await;
    let service = notify.create_service(council.id, "Council tax").await.expect("service");
    let key = notify.create_key(service, KeyType::Live, "k").await.expect("key");
    let template = notify
        .create_template(service, TemplateType::Email, "Bill", Some("Your bill"), "Dear ((name))")
        .await
        .expect("template");
    let (svc, secret) = auth::split_api_key(&key).expect("key");
    let caller = notify
        .authenticate(Some(&format!("Bearer {}", auth::create_token(svc, secret, auth::now_seconds()))))
        .await
        .expect("auth");
    Setup { notify, caller, council: council.id, template }
}

/// Sends `count` emails from eight concurrent senders and returns the accepted ids.
async fn send_load(s: &Setup, count: usize) -> Vec<String> {
    let mut tasks = Vec::new();
    for sender in 0..8 {
        let notify = s.notify.clone();
        let caller = s.caller.clone();
        let template = s.template;
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in (sender..count).step_by(8) {
                let request = SendRequest::from_json(
                    TemplateType::Email,
                    &json!({"email_address": format!("payer{i}@example.org"), "template_id": template.to_string(),
                            "personalisation": {"name": format!("Payer {i}")}}),
                )
                .expect("request");
                ids.push(notify.send(&caller, request).await.expect("send").id);
            }
            ids
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await.expect("sender"));
    }
    ids
}

fn fast_retries() -> WorkerConfig {
    WorkerConfig {
        poll: Duration::from_millis(100),
        retry_after: Duration::from_millis(100),
        max_attempts: 30,
        ..WorkerConfig::default()
    }
}

async fn count_where(t: &store::testing::TestStore, condition: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM notify_notifications WHERE {condition}"))
        .fetch_one(t.store.pool())
        .await
        .expect("count")
        .try_get(0)
        .expect("count")
}

/// Sends a first load, stops the server, sends a second load (and waits a while), restarts it,
/// sends a third; returns every accepted id.
async fn load_across_an_outage(s: &Setup, receiver: &mut Receiver) -> Vec<String> {
    let mut accepted = send_load(s, 100).await;
    receiver.stop().await;
    accepted.extend(send_load(s, 100).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    receiver.restart().await;
    accepted.extend(send_load(s, 100).await);
    accepted
}

async fn wait_until_settled(t: &store::testing::TestStore) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while count_where(t, "sent_at IS NULL AND status IN ('created', 'sending')").await > 0 {
        assert!(std::time::Instant::now() < deadline, "notifications still waiting for delivery after 120 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_email_accepted_while_the_smtp_server_is_down_reaches_it_exactly_once_after_it_returns() {
    if !aiosmtpd_available() {
        return;
    }
    for t in store::testing::all().await {
        let dir = std::env::temp_dir().join(format!("guildhall-smtp-fault-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut receiver = Receiver::start(&dir.join("received.log")).await;
        let s = setup(&t).await;
        let smtp: Arc<dyn EmailProvider> =
            Arc::new(SmtpProvider::new("smtp", &receiver.url(), "Council <notify@example.gov.uk>").expect("smtp"));
        let worker =
            Worker::spawn(s.notify.clone(), Providers { email: vec![smtp], ..Providers::default() }, fast_retries());

        let accepted = load_across_an_outage(&s, &mut receiver).await;
        wait_until_settled(&t).await;
        worker.stop().await;
        receiver.stop().await;

        let counts = receiver.counts();
        let expected: BTreeSet<String> = accepted.iter().cloned().collect();
        assert_eq!(accepted.len(), 300);
        assert_eq!(
            counts.keys().cloned().collect::<BTreeSet<_>>(),
            expected,
            "{:?}: every accepted email arrived",
            t.backend()
        );
        let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
        assert!(twice.is_empty(), "{:?}: delivered more than once: {twice:?}", t.backend());
        assert!(count_where(&t, "attempts > 1").await > 0, "the outage made some deliveries retry");
        assert_eq!(count_where(&t, "status = 'technical-failure'").await, 0);
        std::fs::remove_dir_all(&dir).ok();
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_takes_over_while_the_smtp_server_is_down_and_nothing_is_delivered_twice() {
    if !aiosmtpd_available() {
        return;
    }
    for t in store::testing::all().await {
        let dir = std::env::temp_dir().join(format!("guildhall-smtp-failover-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut receiver = Receiver::start(&dir.join("received.log")).await;
        let s = setup(&t).await;
        let smtp: Arc<dyn EmailProvider> =
            Arc::new(SmtpProvider::new("smtp", &receiver.url(), "Council <notify@example.gov.uk>").expect("smtp"));
        let sandbox: Arc<dyn EmailProvider> = Arc::new(SandboxProvider::new(t.store.clone(), "sandbox"));
        let providers = Providers { email: vec![smtp, sandbox], ..Providers::default() };
        let worker = Worker::spawn(s.notify.clone(), providers, fast_retries());

        let accepted = load_across_an_outage(&s, &mut receiver).await;
        wait_until_settled(&t).await;
        worker.stop().await;
        receiver.stop().await;

        let at_smtp = receiver.counts();
        let mut at_sandbox: BTreeMap<String, usize> = BTreeMap::new();
        for m in SandboxProvider::messages(&t.store, Some(s.council), 1000).await.expect("sandbox") {
            *at_sandbox.entry(m.notification_id).or_insert(0) += 1;
        }
        assert!(
            !at_sandbox.is_empty(),
            "{:?}: the fail-over provider took the emails sent during the outage",
            t.backend()
        );
        assert!(!at_smtp.is_empty(), "{:?}: the SMTP server delivered before and after the outage", t.backend());
        for id in &accepted {
            let times = at_smtp.get(id).copied().unwrap_or(0) + at_sandbox.get(id).copied().unwrap_or(0);
            assert_eq!(times, 1, "{:?}: notification {id} delivered {times} times", t.backend());
        }
        assert_eq!(at_smtp.len() + at_sandbox.len(), 300);
        assert_eq!(
            count_where(&t, "provider = 'sandbox'").await as usize,
            at_sandbox.len(),
            "the provider recorded is the one that took the email"
        );
        std::fs::remove_dir_all(&dir).ok();
        t.cleanup().await;
    }
}
