//! `cargo bench -p payments`: payments created per second over `POST /v1/payments`, and the
//! hosted-page round trip (next_url → card page → card submitted → confirm page → confirmed →
//! 303 to return_url), each against a trivial axum handler served on the same machine the same
//! way, so the figures print as ratios that mean something on any machine. SQLite always;
//! PostgreSQL too when GUILDHALL_TEST_POSTGRES_URL is set. Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use payments::{KeyType, Payments};
use store::{CouncilSlug, Councils};

const CREATES: usize = 2_000;
const CONCURRENCY: usize = 8;
const JOURNEYS: usize = 200;
const CSRF: &str = "bench-token";

/// Stands in for the identity layer: every request is an anonymous visitor with a known token.
async fn visitor(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    req.extensions_mut().insert(web::Visitor::anonymous(CSRF));
    next.run(req).await
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// The baseline: handlers doing nothing but answering, the same shapes as Pay's.
fn trivial() -> Router {
    Router::new()
        .route("/v1/payments", post(|body: String| async move { (axum::http::StatusCode::CREATED, body) }))
        .route("/page", get(|| async { "<html><body>page</body></html>" }))
        .route(
            "/form",
            post(|| async { (axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, "/page")]) }),
        )
}

fn body(i: usize) -> serde_json::Value {
    serde_json::json!({"amount": 1000 + i as i64, "reference": format!("BENCH-{i}"), "description": "Bench permit",
        "return_url": "https://service.example/done"})
}

/// Requests per second for `CREATES` creates from `CONCURRENCY` clients.
async fn creates_per_second(http: &reqwest::Client, url: &str, key: &str) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let (http, url, key) = (http.clone(), url.to_string(), key.to_string());
        tasks.push(tokio::spawn(async move {
            for i in (worker..CREATES).step_by(CONCURRENCY) {
                let res = http.post(&url).bearer_auth(&key).json(&body(i)).send().await.expect("create");
                assert_eq!(res.status().as_u16(), 201, "create answered {}", res.status());
            }
        }));
    }
    for task in tasks {
        task.await.expect("worker");
    }
    CREATES as f64 / started.elapsed().as_secs_f64()
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// One citizen's hosted-page round trip (five requests) on a freshly created payment.
async fn journey(http: &reqwest::Client, base: &str, next_url: &str) -> Duration {
    let started = Instant::now();
    let card_url = format!("{base}{}", location(&http.get(next_url).send().await.expect("next_url")));
    let page = http.get(&card_url).send().await.expect("card page");
    assert_eq!(page.status().as_u16(), 200);
    page.bytes().await.expect("card html");
    let form = [
        ("csrf_token", CSRF),
        ("card-number", "4444333322221111"),
        ("expiry-month", "12"),
        ("expiry-year", "2035"),
        ("cardholder-name", "Ada Lovelace"),
        ("cvc", "123"),
        ("address-line-1", "1 High Street"),
        ("address-city", "Exampleton"),
        ("address-postcode", "ZX1 1AA"),
        ("address-country", "GB"),
    ];
    let submitted = http.post(&card_url).form(&form).send().await.expect("card");
    let confirm_url = format!("{base}{}", location(&submitted));
    http.get(&confirm_url).send().await.expect("confirm page").bytes().await.expect("confirm html");
    let done = http.post(&confirm_url).form(&[("csrf_token", CSRF)]).send().await.expect("confirm");
    assert_eq!(location(&done), "https://service.example/done", "the journey ends at return_url");
    started.elapsed()
}

async fn baseline_journey(http: &reqwest::Client, base: &str) -> Duration {
    let started = Instant::now();
    for step in 0..5 {
        let res = if step % 2 == 0 {
            http.get(format!("{base}/page")).send().await.expect("page")
        } else {
            http.post(format!("{base}/form")).form(&[("a", "b")]).send().await.expect("form")
        };
        res.bytes().await.expect("body");
    }
    started.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

async fn run(label: &str, t: &store::testing::TestStore, trivial_base: &str) {
    Payments::migrate(&t.store).await.expect("migrate");
    let slug = CouncilSlug::parse("benchshire").expect("slug");
    let council = Councils::new(t.store.clone()).create(&slug, "Benchshire Council").await.expect("council");
    let pay = Payments::new(t.store.clone());
    let key = pay.create_key(council.id, KeyType::Test, "bench").await.expect("key");
    let web_state = web::WebState::new(
        "Guildhall",
        vec![web::Council::new("benchshire", "Benchshire Council", "#00703c").expect("c")],
    )
    .expect("web");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (api, _) =
        payments::api::router(payments::api::ApiState { payments: pay.clone(), base_url: Some(base.clone()) });
    let pages = payments::pages::router(payments::pages::PagesState { payments: pay.clone(), web: web_state });
    let app = api.merge(pages).layer(axum::middleware::from_fn(visitor));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");

    // Warm both servers' connections and caches.
    creates_per_second(&http, &format!("{trivial_base}/v1/payments"), &key).await;
    let created = creates_per_second(&http, &format!("{base}/v1/payments"), &key).await;
    let baseline = creates_per_second(&http, &format!("{trivial_base}/v1/payments"), &key).await;
    println!(
        "{label}: payments created: {created:>8.0}/s   trivial handler: {baseline:>8.0}/s   ratio {:.1}x slower \
         ({CREATES} requests, {CONCURRENCY} clients)",
        baseline / created
    );

    let mut times = Vec::with_capacity(JOURNEYS);
    let mut base_times = Vec::with_capacity(JOURNEYS);
    for i in 0..JOURNEYS {
        let res =
            http.post(format!("{base}/v1/payments")).bearer_auth(&key).json(&body(i)).send().await.expect("create");
        let payment: serde_json::Value = res.json().await.expect("payment");
        let next_url = payment["_links"]["next_url"]["href"].as_str().expect("next_url").to_string();
        times.push(journey(&http, &base, &next_url).await);
        base_times.push(baseline_journey(&http, trivial_base).await);
    }
    times.sort();
    base_times.sort();
    let (p50, p95) = (percentile(&times, 0.5), percentile(&times, 0.95));
    let (b50, b95) = (percentile(&base_times, 0.5), percentile(&base_times, 0.95));
    println!(
        "{label}: hosted-page round trip (5 requests): p50 {p50:.2} ms, p95 {p95:.2} ms   trivial: p50 {b50:.2} ms, \
         p95 {b95:.2} ms   ratio p50 {:.1}x ({JOURNEYS} journeys)",
        p50 / b50
    );
}

#[tokio::main]
async fn main() {
    let trivial_base = serve(trivial()).await;
    let t = store::testing::sqlite().await;
    run("sqlite  ", &t, &trivial_base).await;
    t.cleanup().await;
    if let Some(t) = store::testing::postgres().await {
        run("postgres", &t, &trivial_base).await;
        t.cleanup().await;
    } else {
        println!("postgres: skipped (GUILDHALL_TEST_POSTGRES_URL not set)");
    }
}
