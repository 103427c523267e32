//! Measures accepted notifications per second over HTTP (201 = durably committed) and the time
//! from acceptance to hand-off to the provider (sandbox) at p50/p99, on the database given as the
//! first argument (`sqlite://…` or `postgres://…`), with N requests (second argument) from C
//! concurrent clients (third). Prints the figures with a baseline beside them: the same number
//! of bare `SELECT 1` round trips on the same pool, so the ratio shows the cost of the brick.
//! Usage: cargo run --release -p notifications --example bench_accept -- sqlite:///tmp/b.sqlite 5000 32

use std::sync::Arc;
use std::time::Instant;

use notifications::api::{ApiState, router};
use notifications::{KeyType, Notify, Providers, RateLimits, TemplateType, Worker, WorkerConfig, auth};
use store::{CouncilSlug, Councils, Store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "sqlite:///tmp/guildhall-notify-bench/b.sqlite".into());
    let total: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5000);
    let concurrency: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(32);
    let store = Store::connect(&url).await?;
    store.migrate_core().await?;
    Notify::migrate(&store).await?;
    let slug = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let council = Councils::new(store.clone()).create(&CouncilSlug::parse(&slug[..20])?, "Bench").await?;
    // Limits far above the load so that their counting (two upserts a request) is measured
    // without refusing anything.
    let notify = Notify::new(store.clone())
        .with_rate_limits(RateLimits { per_key_per_minute: Some(100_000_000), daily_per_service: Some(i64::MAX / 2) });
    let service = notify.create_service(council.id, "Bench").await?;
    let key = notify.create_key(service, KeyType::Live, "bench").await?;
    let template = notify.create_template(service, TemplateType::Sms, "t", None, "Code ((code))").await?;
    let worker = Worker::spawn(notify.clone(), Providers::sandbox(store.clone()), WorkerConfig::default());
    let (app, _) = router(ApiState { notify: notify.clone(), base_url: None });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Baseline: bare round trips on the same pool.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let per = total / concurrency;
    for _ in 0..concurrency {
        let store = store.clone();
        tasks.spawn(async move {
            for _ in 0..per {
                let _: i64 = sqlx::query_scalar("SELECT 1").fetch_one(store.pool()).await.unwrap_or(0);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let baseline = (per * concurrency) as f64 / started.elapsed().as_secs_f64();

    let client = reqwest::Client::new();
    let (svc, secret) = auth::split_api_key(&key).ok_or("key")?;
    let token = Arc::new(format!("Bearer {}", auth::create_token(svc, secret, auth::now_seconds())));
    let body = Arc::new(
        serde_json::json!({"phone_number": "07700900123", "template_id": template.to_string(),
        "personalisation": {"code": "1234"}})
        .to_string(),
    );
    let started = Instant::now();
    for _ in 0..concurrency {
        let (client, token, body, base) = (client.clone(), token.clone(), body.clone(), base.clone());
        tasks.spawn(async move {
            for _ in 0..per {
                let res = client
                    .post(format!("{base}/v2/notifications/sms"))
                    .header("authorization", token.as_str())
                    .header("content-type", "application/json")
                    .body(body.as_str().to_string())
                    .send()
                    .await;
                assert!(matches!(res.map(|r| r.status().as_u16()), Ok(201)));
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let accepted = (per * concurrency) as f64 / started.elapsed().as_secs_f64();

    // Wait for hand-off of everything, then read the latencies from the rows.
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM notify_notifications WHERE service_id = $1 AND sent_at IS NULL")
                .bind(service.to_string())
                .fetch_one(store.pool())
                .await?;
        if left == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.stop().await;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT created_at, sent_at FROM notify_notifications WHERE service_id = $1 AND sent_at IS NOT NULL",
    )
    .bind(service.to_string())
    .fetch_all(store.pool())
    .await?;
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    let mut latencies: Vec<f64> = rows
        .iter()
        .filter_map(|(c, s)| {
            let c = time::PrimitiveDateTime::parse(c, &format).ok()?;
            let s = time::PrimitiveDateTime::parse(s, &format).ok()?;
            Some((s - c).as_seconds_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(f64::NAN);
    println!("backend: {:?}  requests: {}  concurrency: {concurrency}", store.backend(), per * concurrency);
    println!("baseline SELECT 1 round trips/s: {baseline:.0}");
    println!(
        "accepted notifications/s (HTTP 201, committed): {accepted:.0}  (ratio to baseline {:.2})",
        accepted / baseline
    );
    println!("handed off: {}  hand-off latency ms p50 {:.1}  p99 {:.1}", latencies.len(), pct(0.5), pct(0.99));
    Ok(())
}
