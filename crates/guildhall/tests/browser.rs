//! The account journeys in a real browser (`tests/e2e/accounts.mjs`) against the seeded demo
//! served here: sign-in with an emailed code with JavaScript off, consent given and revoked,
//! "Your data", staff refused another council's page, and (JavaScript on, a Chrome DevTools
//! Protocol virtual authenticator) a passkey added and signed in with; axe-core on every page.
//! Needs Debian's chromium, node and
//! `npm ci --prefix tests/e2e` (`.ci/run` installs them); outside CI, `GUILDHALL_SKIP_BROWSER=1`
//! skips it when they are missing.

use std::process::Command;

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizens_and_staff_journeys_pass_in_chromium_with_axe() {
    if !common::browser_ready() {
        return;
    }
    let root = common::repository_root();

    let t = store::testing::sqlite().await;
    guildhall::startup::open_store(&t.url).await.unwrap().close().await;
    guildhall::demo::seed(&t.store).await.unwrap();
    let settings = guildhall::configuration::Settings {
        database_url: t.url.clone(),
        port: 0,
        dev_pages: true,
        ..Default::default()
    };
    let app = guildhall::startup::Application::build_with_store(settings, t.store.clone()).await.unwrap();
    // `localhost`, not 127.0.0.1: passkeys need a host name, and cookies are not Secure only there.
    let base = format!("http://localhost:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("tests/e2e/accounts.mjs")
            .env("E2E_BASE_URL", &base)
            .env("E2E_JOURNEYS", "citizenJourneyWithoutJavaScript,staffJourney,passkeyJourney")
            .current_dir(&root)
            .output()
    })
    .await
    .unwrap()
    .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "browser journeys failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    println!("{stdout}");
    t.cleanup().await;
}
