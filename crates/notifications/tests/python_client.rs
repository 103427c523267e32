//! The official GOV.UK Notify Python client (`notifications-python-client` 13.x) against the
//! router on a real port, over SQLite and PostgreSQL, with a delivery worker and the sandbox.
//! Skipped (loudly) when the package is missing, except on CI where that is a failure.

use std::process::Command;

use notifications::api::{ApiState, router};
use notifications::testing::exampleshire;
use notifications::{KeyType, Providers, SandboxProvider, TemplateType, Worker, WorkerConfig};

fn python_client_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import notifications_python_client"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
            panic!(
                "CI=true but notifications-python-client is not installed: pip install 'notifications-python-client==13.*'"
            );
        }
        eprintln!(
            "SKIPPED: notifications-python-client is not installed (pip install 'notifications-python-client==13.*')"
        );
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_client_sends_reads_pages_previews_and_sees_notifys_errors() {
    if !python_client_available() {
        return;
    }
    for t in store::testing::all().await {
        let (notify, council) = exampleshire(&t).await;
        let service = notify.create_service(council.id, "Bins and recycling").await.expect("service");
        let key = notify.create_key(service, KeyType::Live, "integration").await.expect("key");
        let email = notify
            .create_template(
                service,
                TemplateType::Email,
                "Collection",
                Some("Your ((day)) collection"),
                "Hello ((name)),\n\nPlease put out:((items))",
            )
            .await
            .expect("email template");
        let sms = notify
            .create_template(service, TemplateType::Sms, "Code", None, "Your code is ((code))")
            .await
            .expect("sms");
        let letter = notify
            .create_template(service, TemplateType::Letter, "Bins letter", Some("About your bins"), "Dear ((name))")
            .await
            .expect("letter");

        let worker = Worker::spawn(notify.clone(), Providers::sandbox(t.store.clone()), WorkerConfig::default());
        let (app, _) = router(ApiState { notify: notify.clone(), base_url: None });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        let out = tokio::process::Command::new("python3")
            .arg("tests/clients/notify_python_client.py")
            .env("NOTIFY_BASE_URL", format!("http://{addr}"))
            .env("NOTIFY_API_KEY", &key)
            .env("NOTIFY_EMAIL_TEMPLATE", email.to_string())
            .env("NOTIFY_SMS_TEMPLATE", sms.to_string())
            .env("NOTIFY_LETTER_TEMPLATE", letter.to_string())
            .output()
            .await
            .expect("run python3");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{:?}: python client failed\nstdout:\n{stdout}\nstderr:\n{stderr}", t.backend());
        assert!(stdout.contains("all checks passed"), "{stdout}");

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut sandbox = Vec::new();
        while std::time::Instant::now() < deadline {
            sandbox = SandboxProvider::messages(&t.store, Some(council.id), 1000).await.expect("sandbox");
            if sandbox.len() == 263 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(sandbox.len(), 263, "every accepted notification reaches the sandbox once");
        assert!(sandbox.iter().any(|m| m.channel == "letter" && m.recipient.ends_with("SW1A 1AA")));
        worker.stop().await;
        server.abort();
        t.cleanup().await;
    }
}
