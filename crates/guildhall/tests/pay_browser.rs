//! The payment journeys in a real browser (`tests/e2e/pay.mjs`) against a live `guildhall serve`
//! with a key made by `guildhall pay key create`: with JavaScript off a declined card shows its
//! message and the citizen tries again and pays, confirms and returns to the service's
//! return_url; the 3-D Secure challenge card passes and fails its challenge; a Welsh payment is
//! in Welsh; axe-core finds no violation on any hosted page (screenshots under
//! target/e2e-artifacts/pay/). Needs Debian's chromium, node and `npm ci --prefix tests/e2e`
//! (`.ci/run` installs them); outside CI, `GUILDHALL_SKIP_BROWSER=1` skips it when they are missing.

#[allow(unused_imports)]
mod common;

use std::process::Command;

use common::{Server, guildhall, stderr, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_pays_on_the_hosted_pages_in_chromium_with_javascript_off_and_axe_finds_nothing() {
    if !common::browser_ready() {
        return;
    }
    let root = common::repository_root();

    let t = store::testing::sqlite().await;
    let url = t.url.as_str();
    let created = guildhall(url, &["council", "create", "exampleshire", "Exampleshire Council"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let out = guildhall(url, &["pay", "key", "create", "--council", "exampleshire", "--type", "test", "browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).lines().last().expect("the key on the last line").trim().to_string();

    let server = Server::start(url);
    // `localhost`, as the server's public URL (and so next_url) names it: the session cookie
    // set on the card page must come back on the forms.
    let base = server.base.replace("127.0.0.1", "localhost");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("tests/e2e/pay.mjs")
            .env("E2E_BASE_URL", &base)
            .env("E2E_PAY_KEY", &key)
            .env("E2E_COUNCIL", "exampleshire")
            .current_dir(&root)
            .output()
    })
    .await
    .expect("join")
    .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "payment journeys failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("ok   card declined") && stdout.contains("ok   Welsh confirm"), "{stdout}");
    println!("{stdout}");
    drop(server);
    t.cleanup().await;
}
