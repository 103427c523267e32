//! Measures accepted notifications per second over HTTP (201 = durably committed) and the time
//! from each 201 to the moment the worker hands that notification to the provider, at p50/p99,
//! on the database given as the first argument (`sqlite://…` or `postgres://…`), with N requests
//! (second argument) from C concurrent keep-alive clients (third). Beside it, the same load
//! against a trivial axum handler (reads the body, answers 201 with a small JSON) is the
//! baseline, and `SELECT 1` round trips on the same pool show the database's own speed.
//! The provider is an in-memory one that notes the instant it is handed each notification, so
//! the hand-off figure is the brick's own (outbox, claim, record), not a provider's latency.
//! Usage: cargo run --release -p notifications --example bench_accept -- sqlite:///tmp/b.sqlite 20000 128

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use notifications::api::{ApiState, router};
use notifications::delivery::BoxFuture;
use notifications::{
    KeyType, Notify, Outgoing, ProviderError, Providers, RateLimits, SendOutcome, SmsProvider, TemplateType, Worker,
    WorkerConfig, auth,
};
use store::{CouncilSlug, Councils, Store};

/// Notes when each notification reached it.
struct StopwatchProvider {
    handed: Mutex<HashMap<String, Instant>>,
}

impl SmsProvider for StopwatchProvider {
    fn name(&self) -> &str {
        "stopwatch"
    }
    fn send_sms<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<SendOutcome, ProviderError>> {
        let at = Instant::now();
        self.handed.lock().expect("lock").insert(message.notification_id.clone(), at);
        Box::pin(async { Ok(SendOutcome::Delivered) })
    }
}

/// Runs `total` POSTs to `url` from `concurrency` clients; returns requests per second and, for
/// each 201 whose body has an `id`, the instant the 201 arrived.
async fn load(
    url: String,
    body: Arc<String>,
    token: Arc<String>,
    total: usize,
    concurrency: usize,
) -> (f64, Vec<(String, Instant)>) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");
    let per = total / concurrency;
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for _ in 0..concurrency {
        let (client, token, body, url) = (client.clone(), token.clone(), body.clone(), url.clone());
        tasks.spawn(async move {
            let mut accepted = Vec::with_capacity(per);
            for _ in 0..per {
                let res = client
                    .post(&url)
                    .header("authorization", token.as_str())
                    .header("content-type", "application/json")
                    .body(body.as_str().to_string())
                    .send()
                    .await
                    .expect("request");
                assert_eq!(res.status().as_u16(), 201, "not accepted: {:?}", res.text().await);
                let at = Instant::now();
                let json: serde_json::Value = res.json().await.expect("json");
                if let Some(id) = json["id"].as_str() {
                    accepted.push((id.to_string(), at));
                }
            }
            accepted
        });
    }
    let mut accepted = Vec::with_capacity(total);
    while let Some(done) = tasks.join_next().await {
        accepted.extend(done.expect("client task"));
    }
    ((per * concurrency) as f64 / started.elapsed().as_secs_f64(), accepted)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "sqlite:///tmp/guildhall-notify-bench/b.sqlite".into());
    let total: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let concurrency: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(128);
    let store = Store::connect(&url).await?;
    store.migrate_core().await?;
    Notify::migrate(&store).await?;
    let slug = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let council = Councils::new(store.clone()).create(&CouncilSlug::parse(&slug[..20])?, "Bench").await?;
    // Limits far above the load, so that their counting is measured without refusing anything.
    let notify = Notify::new(store.clone())
        .with_rate_limits(RateLimits { per_key_per_minute: Some(100_000_000), daily_per_service: Some(i64::MAX / 2) });
    let service = notify.create_service(council.id, "Bench").await?;
    let key = notify.create_key(service, KeyType::Live, "bench").await?;
    let template = notify.create_template(service, TemplateType::Sms, "t", None, "Code ((code))").await?;
    let stopwatch = Arc::new(StopwatchProvider { handed: Mutex::new(HashMap::new()) });
    let providers = Providers { sms: vec![stopwatch.clone()], ..Providers::default() };
    let config = WorkerConfig { batch: 1000, ..WorkerConfig::default() };
    let worker = Worker::spawn(notify.clone(), providers, config);
    let (app, _) = router(ApiState { notify: notify.clone(), base_url: None });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Baseline 1: a trivial axum handler, same client, same load.
    let trivial = axum::Router::new().route(
        "/v2/notifications/sms",
        post(|body: Bytes| async move {
            (StatusCode::CREATED, axum::Json(serde_json::json!({"id": null, "length": body.len()})))
        }),
    );
    let trivial_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let trivial_base = format!("http://{}", trivial_listener.local_addr()?);
    tokio::spawn(async move { axum::serve(trivial_listener, trivial).await });

    // Baseline 2: bare round trips on the same pool.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let per = total / concurrency;
    for _ in 0..concurrency.min(16) {
        let store = store.clone();
        let n = total / concurrency.min(16);
        tasks.spawn(async move {
            for _ in 0..n {
                let _: i64 = sqlx::query_scalar("SELECT 1").fetch_one(store.pool()).await.unwrap_or(0);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let select_one = (total / concurrency.min(16) * concurrency.min(16)) as f64 / started.elapsed().as_secs_f64();

    let (svc, secret) = auth::split_api_key(&key).ok_or("key")?;
    let token = Arc::new(format!("Bearer {}", auth::create_token(svc, secret, auth::now_seconds())));
    let body = Arc::new(
        serde_json::json!({"phone_number": "07700900123", "template_id": template.to_string(),
        "personalisation": {"code": "1234"}})
        .to_string(),
    );
    let (baseline, _) =
        load(format!("{trivial_base}/v2/notifications/sms"), body.clone(), token.clone(), total, concurrency).await;
    let (accepted_rate, accepted) =
        load(format!("{base}/v2/notifications/sms"), body.clone(), token.clone(), total, concurrency).await;

    // Wait until the provider has had every accepted notification (or two minutes).
    let deadline = Instant::now() + Duration::from_secs(120);
    while stopwatch.handed.lock().expect("lock").len() < accepted.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.stop().await;
    let handed = stopwatch.handed.lock().expect("lock").clone();
    let mut latencies: Vec<f64> = accepted
        .iter()
        .filter_map(|(id, at)| {
            let h = handed.get(id)?;
            // The worker may take a row before the client has read its 201: that is no wait at all.
            Some(h.saturating_duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(f64::NAN);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notify_notifications WHERE service_id = $1")
        .bind(service.to_string())
        .fetch_one(store.pool())
        .await?;
    println!("backend: {:?}  requests: {}  concurrency: {concurrency}", store.backend(), per * concurrency);
    println!("baseline trivial axum handler requests/s: {baseline:.0}");
    println!("baseline SELECT 1 round trips/s: {select_one:.0}");
    println!(
        "accepted notifications/s (HTTP 201, committed): {accepted_rate:.0}  (ratio to trivial handler {:.2})",
        accepted_rate / baseline
    );
    println!(
        "rows stored: {stored}  handed off: {} of {}  201-to-hand-off ms p50 {:.1}  p99 {:.1}  max {:.1}",
        latencies.len(),
        accepted.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
