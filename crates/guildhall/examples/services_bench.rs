//! Service engine throughput end to end, against a trivial axum handler on the same machine:
//! each submission is an HTTP request whose handler starts an application, answers its page,
//! and submits it — two register checks read under consent (vehicle, then keeper; each read
//! logged), the automatic decision, the case and its history, and the approval email enqueued
//! in the notifications brick. Runs on SQLite and, with `GUILDHALL_TEST_POSTGRES_URL`, PostgreSQL,
//! each seeded with the demo's registers; prints requests per second, the ratio, and this
//! process's CPU time per request (server and clients both run in it; PostgreSQL's own work is
//! in its processes, not counted).
//!
//!   cargo run --release -p guildhall --example services_bench -- [SECONDS] [CLIENTS]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use consent::{Consent, GrantId};
use services::ports::{ConsentAsk, ConsentPrompt, ConsentRead};
use services::{CaseState, Engine, RegisterOwner};
use store::{CouncilId, CouncilSlug, Councils};

/// The bench's service: one page, the two consented checks of the permit, an email on approval.
const DEFINITION: &str = r#"version: 1
id: bench-permit
name: Bench permit
owner: exampleshire
sign_in: true
start: Benchmark service.
pages:
  - id: registration
    kind: text
    question: What is your vehicle's registration number?
checks:
  - id: vehicle
    register: vehicle
    key: upper(answers.registration)
    fields: [vehicle, tax-status, keeper]
    consent: To check your vehicle is taxed
    rule: 'record["tax-status"] == "Taxed"'
    reason: The vehicle is not taxed
  - id: keeper
    register: keeper
    key: checks.vehicle.keeper
    fields: [keeper, address]
    consent: To check where your vehicle is kept
    reason: The keeper is not registered
notifications:
  - on: approved
    to: citizen
    template: parking-permit-issued
decision:
  auto_approve: true
"#;

#[derive(Clone)]
struct Bench {
    engine: Engine,
    council: CouncilId,
    citizens: Arc<Vec<String>>,
}

async fn trivial() -> &'static str {
    "ok"
}

async fn submit(State(b): State<Bench>, Path(worker): Path<usize>) -> Result<String, (StatusCode, String)> {
    let fail = |e: services::ServiceError| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let citizen = &b.citizens[worker % b.citizens.len()];
    let app = b.engine.start(b.council, "bench-permit", citizen).await.map_err(fail)?;
    let mut form = services::answers::FormInput::new();
    form.insert("registration".into(), vec!["EX21ABC".into()]);
    b.engine.answer(b.council, &app.id, citizen, "registration", &form).await.map_err(fail)?;
    let sent = b.engine.submit(b.council, &app.id, citizen).await.map_err(fail)?;
    if sent.case.state != CaseState::Approved {
        return Err((StatusCode::INTERNAL_SERVER_ERROR, format!("not approved: {:?}", sent.case.reasons)));
    }
    Ok(sent.case.reference)
}

/// This process's user and system CPU time so far, in seconds (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The fields after the command name (which ends with ')'): utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // Clock ticks are 100 a second on every Linux this runs on (USER_HZ).
    (ticks(11) + ticks(12)) / 100.0
}

/// What a load run measured.
struct Rate {
    per_second: f64,
    /// This process's CPU milliseconds per request.
    cpu_ms: f64,
}

/// Requests per second `clients` concurrent clients get from `url` (POST or GET) in `seconds`,
/// with the CPU time each took.
async fn load(url: &str, post_it: bool, clients: usize, seconds: u64) -> Rate {
    let cpu_before = cpu_seconds();
    let http = reqwest::Client::new();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let (http, done) = (http.clone(), done.clone());
        let url = url.replace("{worker}", &worker.to_string());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let request = if post_it { http.post(&url) } else { http.get(&url) };
                let response = request.send().await.expect("request");
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                assert!(status.is_success(), "{url}: {status} {body}");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    let requests = done.load(Ordering::Relaxed) as f64;
    let cpu_ms = (cpu_seconds() - cpu_before) * 1000.0 / requests.max(1.0);
    Rate { per_second: requests / started.elapsed().as_secs_f64(), cpu_ms }
}

async fn run(t: &store::testing::TestStore, seconds: u64, clients: usize) -> (Rate, Rate) {
    let store = guildhall::startup::open_store(&t.url).await.expect("migrate");
    guildhall::demo::seed(&store).await.expect("seed");
    let registers = registers::Registers::new(store.clone());
    let council = Councils::new(store.clone()).by_slug(&CouncilSlug::parse("exampleshire").unwrap()).await.unwrap().id;
    let address_register = addresses::ensure_address_register(&registers).await.unwrap();
    let view = Arc::new(address_search::AddressView::replay(registers.clone(), address_register).await.unwrap());
    let identity = identity::Identity::new(store.clone(), identity::IdentityConfig::new("http://localhost:1"));
    let consent = Consent::new(store.clone(), registers.clone());
    let bricks = guildhall::services_ports::Bricks {
        store: store.clone(),
        registers: registers.clone(),
        consent: consent.clone(),
        identity: identity.clone(),
        notify: notifications::Notify::new(store.clone()),
        payments: payments::Payments::new(store.clone()),
        addresses: view,
        public_url: "http://localhost:1".into(),
    };
    let (ports, _) = guildhall::services_ports::ports(&bricks);
    let engine = Engine::new(store.clone(), ports);
    engine.publish(council, DEFINITION).await.expect("publish");
    let prompt = guildhall::services_ports::ConsentRequests::new(consent.clone(), Councils::new(store.clone()));
    let mut citizens = Vec::new();
    for i in 0..clients {
        let citizen = identity.create_citizen(&format!("bench{i}@example.com"), "Bench").await.unwrap().id.0;
        let read = |register: &str, fields: &[&str]| ConsentRead {
            register: register.into(),
            owner: RegisterOwner::National,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            purpose: "Benchmark".into(),
        };
        let ask = ConsentAsk {
            council,
            service: "bench-permit".into(),
            service_name: "Bench permit".into(),
            citizen: citizen.clone(),
            reads: vec![read("vehicle", &["vehicle", "tax-status", "keeper"]), read("keeper", &["keeper", "address"])],
            return_to: "/".into(),
        };
        let url = prompt.ask(&ask).await.unwrap().expect("consent asked");
        let id = url.rsplit('/').next().unwrap().to_string();
        consent.decide(&GrantId(id), &citizen, true).await.unwrap();
        citizens.push(citizen);
    }
    let bench = Bench { engine, council, citizens: Arc::new(citizens) };
    if std::env::var_os("BENCH_ONE").is_some() {
        // One submission between markers, to count its statements in `RUST_LOG=sqlx::query=debug`
        // output (the first one provisions Notify, so the second is the one to read).
        for _ in 0..2 {
            tracing::info!("bench: one submission begins");
            submit(State(bench.clone()), Path(0)).await.expect("one submission");
            tracing::info!("bench: one submission ends");
        }
    }
    let app =
        Router::new().route("/trivial", get(trivial)).route("/submit/{worker}", post(submit)).with_state(bench.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    // Warm up (first Notify provisioning, caches), then measure.
    load(&format!("{base}/submit/{{worker}}"), true, clients, 1).await;
    let trivial_rate = load(&format!("{base}/trivial"), false, clients, seconds).await;
    let submit_rate = load(&format!("{base}/submit/{{worker}}"), true, clients, seconds).await;
    server.abort();
    store.close().await;
    (trivial_rate, submit_rate)
}

#[tokio::main]
async fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    }
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(64);
    println!(
        "services bench: {clients} clients, {seconds} s per run, {} CPUs",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    for t in store::testing::all().await {
        let backend = if t.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
        let (trivial, submit) = run(&t, seconds, clients).await;
        println!(
            "{backend:<8} trivial={:.0}/s submissions={:.1}/s ratio={:.4} (1/{:.0}) cpu/request: trivial={:.3} ms \
             submission={:.2} ms",
            trivial.per_second,
            submit.per_second,
            submit.per_second / trivial.per_second,
            trivial.per_second / submit.per_second,
            trivial.cpu_ms,
            submit.cpu_ms
        );
        t.cleanup().await;
    }
}
