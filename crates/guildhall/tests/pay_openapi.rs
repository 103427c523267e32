//! GOV.UK Pay compatibility proven from Pay's own published OpenAPI file: `tests/e2e/pay-openapi.mjs`
//! is a client built from `crates/payments/openapi/publicapi_spec.json` (copied from
//! alphagov/pay-publicapi), not from our code. Against a live `guildhall serve` with a key made by
//! `guildhall pay key create --council SLUG --type test NAME`, it creates a payment, pays it on the
//! hosted page in Debian's chromium (JavaScript off) with the sandbox card, reads it, its events,
//! refunds part of it, reads the refunds, searches payments and refunds, cancels another, and sends
//! the bad inputs; every response body is validated (ajv) against the spec's schema for its status.
//! On SQLite, and on PostgreSQL when `GUILDHALL_TEST_POSTGRES_URL` is set.
//! Needs chromium, node and `npm ci --prefix tests/e2e` (`.ci/run` installs them); outside CI,
//! `GUILDHALL_SKIP_BROWSER=1` skips it when they are missing.

mod common;

use common::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_built_from_pays_openapi_file_pays_refunds_and_searches_with_every_response_in_its_schema() {
    if !common::browser_ready() {
        return;
    }
    // SQLite, and PostgreSQL when GUILDHALL_TEST_POSTGRES_URL is set (always on CI).
    for t in store::testing::all().await {
        let url = t.url.as_str();
        let key = common::exampleshire_pay_key(url, "openapi");
        assert!(key.starts_with("api_test_"), "{key}");

        let server = Server::start(url);
        // `localhost`, as the server's public URL (and so next_url) names it: the hosted page's
        // session cookie must come back on its forms.
        let base = server.base.replace("127.0.0.1", "localhost");
        // Printed first, so a failure's output says which backend it was on.
        println!("{:?}:", t.backend());
        let stdout = common::run_e2e("pay-openapi.mjs", &base, &[("E2E_PAY_KEY", key.as_str())]).await;
        assert!(stdout.contains("10 of the spec's 10 payment and refund operations called"), "{stdout}");
        assert!(stdout.contains("0 schema mismatch(es); 0 failed check(s)"), "{stdout}");
        assert!(stdout.contains("every response matches Pay's OpenAPI file"), "{stdout}");
        assert!(stdout.contains("ok   hosted page: back at return_url"), "{stdout}");
        drop(server);
        t.cleanup().await;
    }
}
