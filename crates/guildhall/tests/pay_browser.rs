//! The payment journeys in a real browser (`tests/e2e/pay.mjs`) against a live `guildhall serve`
//! with a key made by `guildhall pay key create`: with JavaScript off a declined card shows its
//! message and the citizen tries again and pays, confirms and returns to the service's
//! return_url; the 3-D Secure challenge card passes and fails its challenge; a Welsh payment is
//! in Welsh; axe-core finds no violation on any hosted page (screenshots under
//! target/e2e-artifacts/pay/). Needs Debian's chromium, node and `npm ci --prefix tests/e2e`
//! (`.ci/run` installs them); outside CI, `GUILDHALL_SKIP_BROWSER=1` skips it when they are missing.

mod common;

use common::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_pays_on_the_hosted_pages_in_chromium_with_javascript_off_and_axe_finds_nothing() {
    if !common::browser_ready() {
        return;
    }
    let t = store::testing::sqlite().await;
    let url = t.url.as_str();
    let key = common::exampleshire_pay_key(url, "browser");

    let server = Server::start(url);
    // `localhost`, as the server's public URL (and so next_url) names it: the session cookie
    // set on the card page must come back on the forms.
    let base = server.base.replace("127.0.0.1", "localhost");
    let env = [("E2E_PAY_KEY", key.as_str()), ("E2E_COUNCIL", "exampleshire")];
    let stdout = common::run_e2e("pay.mjs", &base, &env).await;
    assert!(stdout.contains("ok   card declined") && stdout.contains("ok   Welsh confirm"), "{stdout}");
    drop(server);
    t.cleanup().await;
}
