//! The payment journeys in a real browser (`tests/e2e/pay.mjs`) against a live `guildhall serve`
//! with a key made by `guildhall pay key create`: with JavaScript off a declined card shows its
//! message and the citizen tries again and pays, confirms and returns to the service's
//! return_url; the 3-D Secure challenge card passes and fails its challenge; a Welsh payment is
//! in Welsh; a citizen who comes back to the card page 91 minutes later sees that the payment
//! session expired and the payment reads failed with P0020 (the simulated clock: a small server
//! here moves that one payment's creation back in the database, since the served process's own
//! clock cannot be advanced from outside); axe-core finds no violation on any hosted page (screenshots under
//! target/e2e-artifacts/pay/). Needs Debian's chromium, node and `npm ci --prefix tests/e2e`
//! (`.ci/run` installs them); outside CI, `GUILDHALL_SKIP_BROWSER=1` skips it when they are missing.

mod common;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
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
    let clock = serve_clock(t.store.clone()).await;
    let env = [("E2E_PAY_KEY", key.as_str()), ("E2E_COUNCIL", "exampleshire"), ("E2E_CLOCK_URL", clock.as_str())];
    let stdout = common::run_e2e("pay.mjs", &base, &env).await;
    assert!(stdout.contains("ok   card declined") && stdout.contains("ok   Welsh confirm"), "{stdout}");
    assert!(stdout.contains("ok   payment expired"), "{stdout}");
    drop(server);
    t.cleanup().await;
}

#[derive(serde::Deserialize)]
struct Age {
    minutes: i64,
}

/// The journeys' simulated clock: `POST /payments/{id}/age?minutes=N` moves that payment's
/// creation N minutes into the past, as if the citizen had left the card page open that long.
/// Answers 204 when exactly one payment moved, 404 otherwise.
async fn serve_clock(store: store::Store) -> String {
    async fn age(State(store): State<store::Store>, Path(id): Path<String>, Query(by): Query<Age>) -> StatusCode {
        let then = time::OffsetDateTime::now_utc() - time::Duration::minutes(by.minutes);
        // The stored form of Pay's timestamps (`2026-11-24T09:30:00.000Z`).
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        let moved = sqlx::query("UPDATE pay_payments SET created_at = $1 WHERE id = $2")
            .bind(then.format(format).expect("format the timestamp"))
            .bind(id)
            .execute(store.pool())
            .await
            .expect("move the payment's creation back");
        if moved.rows_affected() == 1 { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
    }
    let app = axum::Router::new().route("/payments/{id}/age", axum::routing::post(age)).with_state(store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the clock");
    let url = format!("http://{}", listener.local_addr().expect("clock address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve the clock") });
    url
}
