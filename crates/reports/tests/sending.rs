//! Sending, on SQLite and PostgreSQL: email through the notifications brick, and forwarding to
//! another system's Open311 endpoint (a fake one served here on 127.0.0.1) with retries, token
//! polling, and failures shown to staff with the reason.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use notifications::Notify;
use reports::{Body, NotifyMailer, SendConfig, Senders};
use serde_json::json;
use support::*;

/// What the fake Open311 endpoint has been sent, and how it answers.
#[derive(Clone, Default)]
struct Fake {
    posts: Arc<Mutex<Vec<String>>>,
    polls: Arc<Mutex<usize>>,
}

async fn fake_post(State(fake): State<Fake>, form: Bytes) -> (StatusCode, String) {
    let form = String::from_utf8_lossy(&form).to_string();
    let n = {
        let mut posts = fake.posts.lock().unwrap();
        posts.push(form.clone());
        posts.len()
    };
    if form.contains("service_code=BROKEN") {
        return (
            StatusCode::BAD_REQUEST,
            json!([{"code": 400, "description": "service_code BROKEN is retired"}]).to_string(),
        );
    }
    if n == 1 {
        return (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance".into());
    }
    (StatusCode::OK, json!([{"token": "tok-123", "service_notice": "queued"}]).to_string())
}

async fn fake_token(State(fake): State<Fake>, Path(file): Path<String>) -> (StatusCode, String) {
    let polls = {
        let mut p = fake.polls.lock().unwrap();
        *p += 1;
        *p
    };
    assert_eq!(file, "tok-123.json");
    if polls == 1 {
        return (StatusCode::OK, json!([{"token": "tok-123"}]).to_string());
    }
    (StatusCode::OK, json!([{"service_request_id": "EXT-42", "token": "tok-123"}]).to_string())
}

async fn serve_fake(fake: Fake) -> String {
    let app = Router::new()
        .route("/open311/requests.json", post(fake_post))
        .route("/open311/tokens/{file}", get(fake_token))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/open311")
}

fn street_lights(endpoint: &str) -> Body {
    serde_json::from_value(json!({
        "id": "exampleshire-lighting", "name": "Exampleshire Street Lighting PFI", "tier": "other",
        "areas": ["E10000001"],
        "contact": {"name": "Lighting contractor", "email": "lights@contractor.example"},
        "categories": [
            {"code": "light", "name": "Street light not working", "route": {"type": "open311", "endpoint": endpoint,
              "service_code": "SL1", "api_key": "secret-key", "jurisdiction_id": "exampleshire"},
             "attributes": [{"code": "column", "description": "Column number", "datatype": "string", "required": true}]},
            {"code": "broken", "name": "Lamp post leaning", "route": {"type": "open311", "endpoint": endpoint,
              "service_code": "BROKEN", "api_key": "secret-key"}}
        ]
    }))
    .unwrap()
}

fn quick() -> SendConfig {
    SendConfig { backoff: Duration::ZERO, token_poll: Duration::ZERO, max_attempts: 3, ..SendConfig::default() }
}

async fn mailer_for(f: &Fixture) -> (Notify, Arc<NotifyMailer>, String) {
    Notify::migrate(&f.test.store).await.unwrap();
    let notify = Notify::new(f.test.store.clone());
    let mailer = Arc::new(NotifyMailer::new(notify.clone()));
    let (caller, _) = mailer.provision(f.council).await.unwrap();
    (notify, mailer, caller.service_id)
}

#[tokio::test]
async fn a_report_is_forwarded_to_an_open311_endpoint_retried_after_a_failure_and_its_token_polled_to_an_id() {
    for f in fixtures().await {
        let fake = Fake::default();
        let endpoint = serve_fake(fake.clone()).await;
        f.reports.put_body(f.council, &street_lights(&endpoint)).await.unwrap();
        let (_, mailer, _) = mailer_for(&f).await;
        let senders = Senders { mailer, http: reqwest::Client::new() };
        let mut report = new_report(UNPARISHED, "Street light not working", &[("column", "SL-17")]);
        report.description = "Dark & dangerous".into();
        let submitted = f.reports.submit(f.council, report).await.unwrap();
        assert_eq!(submitted.sent_to.len(), 1);

        assert_eq!(f.reports.send_due(&senders, &quick()).await.unwrap(), 1);
        let after_failure = f.reports.report(Some(f.council), submitted.id).await.unwrap();
        let d = &after_failure.destinations[0];
        assert_eq!(d.state, "retrying");
        assert!(d.failure.as_deref().unwrap().contains("503"), "{d:?}");

        f.reports.send_due(&senders, &quick()).await.unwrap(); // accepted with a token
        f.reports.send_due(&senders, &quick()).await.unwrap(); // token not resolved yet
        f.reports.send_due(&senders, &quick()).await.unwrap(); // resolved
        let sent = f.reports.report(Some(f.council), submitted.id).await.unwrap();
        assert_eq!(sent.destinations[0].state, "sent");
        assert_eq!(sent.destinations[0].external_id.as_deref(), Some("EXT-42"));
        assert_eq!(*fake.polls.lock().unwrap(), 2);

        let posts = fake.posts.lock().unwrap().clone();
        assert_eq!(posts.len(), 2, "one failed POST, one accepted");
        for field in [
            "api_key=secret-key",
            "service_code=SL1",
            "jurisdiction_id=exampleshire",
            "lat=51.8",
            "long=1.5",
            "description=Dark+%26+dangerous",
            "attribute%5Bcolumn%5D=SL-17",
            "email=ada%40example.org",
            "first_name=Ada",
            "last_name=Lovelace",
        ] {
            assert!(posts[1].split('&').any(|p| p == field), "{field} missing from {}", posts[1]);
        }
        assert_eq!(f.reports.send_due(&senders, &quick()).await.unwrap(), 0, "nothing left to send");
        assert!(f.reports.failed_sends(f.council).await.unwrap().is_empty());
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_refused_or_unreachable_send_is_shown_to_staff_with_the_reason() {
    for f in fixtures().await {
        let fake = Fake::default();
        let endpoint = serve_fake(fake.clone()).await;
        f.reports.put_body(f.council, &street_lights(&endpoint)).await.unwrap();
        let (_, mailer, _) = mailer_for(&f).await;
        let senders = Senders { mailer, http: reqwest::Client::new() };
        let refused = f.reports.submit(f.council, new_report(UNPARISHED, "Lamp post leaning", &[])).await.unwrap();
        f.reports.send_due(&senders, &quick()).await.unwrap();

        // An endpoint nobody listens on: retried, then given up.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead = format!("http://{}/open311", closed.local_addr().unwrap());
        drop(closed);
        let mut gone = street_lights(&dead);
        gone.id = "gone-lighting".into();
        gone.categories.truncate(1);
        gone.categories[0].name = "Belisha beacon out".into();
        f.reports.put_body(f.council, &gone).await.unwrap();
        let lost = f
            .reports
            .submit(f.council, new_report(UNPARISHED, "Belisha beacon out", &[("column", "B1")]))
            .await
            .unwrap();
        for _ in 0..3 {
            f.reports.send_due(&senders, &quick()).await.unwrap();
        }
        let failed = f.reports.failed_sends(f.council).await.unwrap();
        assert_eq!(failed.len(), 2, "{failed:?}");
        assert_eq!((failed[0].report_id, failed[0].body_id.as_str()), (refused.id, "exampleshire-lighting"));
        assert!(failed[0].reason.contains("service_code BROKEN is retired"), "{}", failed[0].reason);
        assert_eq!(failed[1].report_id, lost.id);
        assert!(failed[1].reason.starts_with("gave up after 3 attempts: could not reach"), "{}", failed[1].reason);
        assert_eq!(fake.posts.lock().unwrap().len(), 1, "a permanent refusal is not retried");
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn email_reports_go_through_the_notifications_outbox_to_the_clerk_and_updates_to_the_reporter() {
    for f in fixtures().await {
        let (notify, mailer, service) = mailer_for(&f).await;
        let senders = Senders { mailer, http: reqwest::Client::new() };
        let submitted = f
            .reports
            .submit(f.council, new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "30")]))
            .await
            .unwrap();
        assert_eq!(f.reports.send_due(&senders, &quick()).await.unwrap(), 1);
        let report = f.reports.report(Some(f.council), submitted.id).await.unwrap();
        let d = &report.destinations[0];
        assert_eq!((d.body_id.as_str(), d.state.as_str()), ("ashby-pc", "sent"));
        let id = uuid::Uuid::parse_str(d.external_id.as_deref().unwrap()).unwrap();
        let email = notify.notification(&service, id).await.unwrap();
        assert_eq!(email.recipient, "clerk@ashby-pc.org.uk");
        assert_eq!(
            email.subject.as_deref(),
            Some(format!("Problem report {}: Speeding traffic", submitted.id).as_str())
        );
        assert!(
            email.body.contains("Cars race past the school") && email.body.contains("speed_limit: 30"),
            "{}",
            email.body
        );
        assert!(email.body.contains("Reported by: Ada Lovelace, ada@example.org"));

        let update = f
            .reports
            .add_update(
                f.council,
                submitted.id,
                Some("ashby-pc"),
                reports::Status::InProgress,
                "Speed watch booked",
                "clerk",
            )
            .await
            .unwrap();
        assert_eq!(f.reports.send_due(&senders, &quick()).await.unwrap(), 1);
        let caller = notifications::Caller {
            service_id: service.clone(),
            council_id: f.council,
            service_name: "Report a problem".into(),
            key_id: String::new(),
            key_type: notifications::KeyType::Live,
        };
        let sent = notify.list_notifications(&caller, &notifications::ListFilter::default()).await.unwrap();
        let to_reporter = sent.iter().find(|n| n.recipient == "ada@example.org").expect("the reporter is told");
        assert!(to_reporter.body.contains("Speed watch booked") && to_reporter.body.contains("in progress"));
        let updates = f.reports.updates(f.council, submitted.id).await.unwrap();
        assert_eq!((updates.len(), updates[0].id), (1, update));
        let public = f.reports.report(None, submitted.id).await.unwrap();
        assert_eq!(public.status, reports::Status::InProgress);
        f.test.cleanup().await;
    }
}

async fn count_post(State(seen): State<Arc<Mutex<Vec<String>>>>, form: Bytes) -> String {
    let form = String::from_utf8_lossy(&form).to_string();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let mut seen = seen.lock().unwrap();
    seen.push(form);
    json!([{"service_request_id": format!("EXT-{}", seen.len())}]).to_string()
}

#[tokio::test]
async fn workers_racing_for_the_queue_send_each_report_exactly_once() {
    for f in fixtures().await {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let app = Router::new().route("/open311/requests.json", post(count_post)).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}/open311", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        f.reports.put_body(f.council, &street_lights(&endpoint)).await.unwrap();
        let (_, mailer, _) = mailer_for(&f).await;
        let senders = Senders { mailer, http: reqwest::Client::new() };
        let mut ids = Vec::new();
        for n in 0..24 {
            let column = format!("C{n}");
            let r = new_report(UNPARISHED, "Street light not working", &[("column", column.as_str())]);
            ids.push(f.reports.submit(f.council, r).await.unwrap().id);
        }
        let config = SendConfig { batch: 5, ..quick() };
        let worker = |reports: reports::Reports, senders: Senders, config: SendConfig| async move {
            let mut total = 0;
            loop {
                let n = reports.send_due(&senders, &config).await.unwrap();
                if n == 0 {
                    return total;
                }
                total += n;
            }
        };
        let (a, b, c) = tokio::join!(
            tokio::spawn(worker(f.reports.clone(), senders.clone(), config.clone())),
            tokio::spawn(worker(f.reports.clone(), senders.clone(), config.clone())),
            tokio::spawn(worker(f.reports.clone(), senders.clone(), config.clone())),
        );
        assert_eq!(a.unwrap() + b.unwrap() + c.unwrap(), 24, "every job claimed once in all");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 24, "each report POSTed exactly once");
        for id in ids {
            let r = f.reports.report(Some(f.council), id).await.unwrap();
            assert_eq!(r.destinations[0].state, "sent");
        }
        f.test.cleanup().await;
    }
}
