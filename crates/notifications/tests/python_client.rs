//! The official GOV.UK Notify Python client (`notifications-python-client` 13.x) against the
//! router on a real port, over SQLite and PostgreSQL, with a delivery worker and the sandbox.
//! Skipped (loudly) when the package is missing, except on CI where that is a failure.

use notifications::api::{ApiState, router};
use notifications::testing::{BinsService, bins_service, exampleshire, python_client_available, serve};
use notifications::{Providers, SandboxProvider, Worker, WorkerConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_client_sends_reads_pages_previews_and_sees_notifys_errors() {
    if !python_client_available() {
        return;
    }
    for t in store::testing::all().await {
        let (notify, council) = exampleshire(&t).await;
        let BinsService { key, email, sms, letter } = bins_service(&notify, &council).await;

        let worker = Worker::spawn(notify.clone(), Providers::sandbox(t.store.clone()), WorkerConfig::default());
        let (app, _) = router(ApiState { notify: notify.clone(), base_url: None });
        let (addr, server) = serve(app).await;

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
