//! The account journeys in a real browser (`tests/e2e/accounts.mjs`) against the seeded demo
//! served here: sign-in with an emailed code with JavaScript off, consent given and revoked,
//! "Your data", staff refused another council's page, and (JavaScript on, a Chrome DevTools
//! Protocol virtual authenticator) a passkey added and signed in with; axe-core on every page.
//! Needs Debian's chromium, node and
//! `npm ci --prefix tests/e2e` (`.ci/run` installs them); outside CI, `GUILDHALL_SKIP_BROWSER=1`
//! skips it when they are missing.

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizens_and_staff_journeys_pass_in_chromium_with_axe() {
    if !common::browser_ready() {
        return;
    }
    let t = store::testing::sqlite().await;
    common::seed_demo(&t).await;
    let base = common::serve_store(&t, true).await;
    let journeys = [("E2E_JOURNEYS", "citizenJourneyWithoutJavaScript,staffJourney,passkeyJourney")];
    common::run_e2e("accounts.mjs", &base, &journeys).await;
    t.cleanup().await;
}
