//! The HTTP SMS and letter providers through a live `guildhall serve`: small fakes of a
//! Firetext-shaped SMS API and a print-and-post API run on 127.0.0.1, the server is configured
//! with them through `GUILDHALL_NOTIFY__…` variables, a service set up by the CLI sends a text
//! and a letter over Notify's API with a live key, the fakes receive them, receipts posted to
//! the server's receipt URLs move them to delivered / permanent-failure as read back over the
//! API, a receipt without the token is refused, and with the fakes down the chains fail over to
//! the sandbox, recorded as the provider that sent. Also: a provider URL without its key stops
//! start-up with an error naming the missing setting. SQLite, and PostgreSQL when configured.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use common::{Server, serve_command, stderr};
use notifications::auth;
use serde_json::{Value, json};

const SMS_TOKEN: &str = "sms-receipts-0123456789";
const LETTER_TOKEN: &str = "letter-receipts-0123456789";

/// What the fakes received, and whether they are down.
#[derive(Clone, Default)]
struct Fake {
    texts: Arc<Mutex<Vec<Value>>>,
    letters: Arc<Mutex<Vec<Value>>>,
    down: Arc<Mutex<bool>>,
}

/// Firetext's `sendsms/json`: form fields in, `{"code": 0}` when queued.
async fn sendsms(State(fake): State<Fake>, Form(form): Form<std::collections::HashMap<String, String>>) -> Json<Value> {
    if *fake.down.lock().unwrap() {
        return Json(json!({"code": 4, "description": "Service temporarily unavailable"}));
    }
    if form.get("apiKey").map(String::as_str) != Some("ft-key") {
        return Json(json!({"code": 1, "description": "Authentication error"}));
    }
    fake.texts.lock().unwrap().push(json!(form));
    Json(json!({"code": 0, "description": "SMS successfully queued", "messageCount": 1}))
}

/// The print API's `print-jobs`: a JSON job with an `X-API-Key`, 202 when accepted.
async fn print_job(State(fake): State<Fake>, headers: HeaderMap, Json(job): Json<Value>) -> (StatusCode, Json<Value>) {
    if *fake.down.lock().unwrap() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "down"})));
    }
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some("pr-key") {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"})));
    }
    fake.letters.lock().unwrap().push(job);
    (StatusCode::ACCEPTED, Json(json!({"accepted": true})))
}

async fn start_fakes(fake: Fake) -> String {
    let app = Router::new()
        .route("/api/sendsms/json", post(sendsms))
        .route("/print/print-jobs", post(print_job))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Notify's `Authorization` header for `key`, issued now.
fn bearer(key: &str) -> String {
    let (service, secret) = auth::split_api_key(key).expect("a Notify key");
    format!("Bearer {}", auth::create_token(service, secret, auth::now_seconds()))
}

async fn send(http: &reqwest::Client, base: &str, key: &str, kind: &str, body: Value) -> String {
    let response = http
        .post(format!("{base}/v2/notifications/{kind}"))
        .header("Authorization", bearer(key))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn status_over_api(http: &reqwest::Client, base: &str, key: &str, id: &str) -> String {
    let response =
        http.get(format!("{base}/v2/notifications/{id}")).header("Authorization", bearer(key)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["status"].as_str().unwrap().to_string()
}

/// Waits until the API shows `id` at `status`.
async fn wait_for_status(http: &reqwest::Client, base: &str, key: &str, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = status_over_api(http, base, key, id).await;
        if now == status {
            return;
        }
        assert!(Instant::now() < deadline, "{id} is {now}, wanted {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `got` holds an entry whose `field` is `id`, and returns it.
async fn wait_for_receipt_of(got: &Arc<Mutex<Vec<Value>>>, field: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(found) = got.lock().unwrap().iter().find(|m| m[field] == id) {
            return found.clone();
        }
        assert!(Instant::now() < deadline, "the fake never received {id}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A provider URL without its key: start-up fails at once, naming the setting.
fn a_url_without_its_key_stops_start_up(url: &str) {
    let mut child = serve_command(url, &[("GUILDHALL_NOTIFY__SMS_HTTP_URL", "http://127.0.0.1:9/api".into())])
        .spawn()
        .expect("start guildhall serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve started without notify.sms_http_key");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("notify.sms_http_key is missing"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_server_sends_through_http_providers_takes_their_receipts_and_fails_over() {
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        a_url_without_its_key_stops_start_up(url);
        let dir = tempfile::tempdir().unwrap();
        let (service, key) = common::notify_service(url, "Bins");
        let template = |kind: &str, subject: Option<&str>, body: &str| {
            common::notify_template(url, dir.path(), &service, kind, "T", subject, body)
        };
        let sms = template("sms", None, "Bins out ((day))");
        let letter = template("letter", Some("Your bins"), "Dear ((name))");

        let fake = Fake::default();
        let fakes = start_fakes(fake.clone()).await;
        let server = Server::start_with(
            url,
            &[
                ("GUILDHALL_NOTIFY__SMS_HTTP_URL", format!("{fakes}/api")),
                ("GUILDHALL_NOTIFY__SMS_HTTP_KEY", "ft-key".into()),
                ("GUILDHALL_NOTIFY__SMS_HTTP_RECEIPT_TOKEN", SMS_TOKEN.into()),
                ("GUILDHALL_NOTIFY__LETTER_HTTP_URL", format!("{fakes}/print")),
                ("GUILDHALL_NOTIFY__LETTER_HTTP_KEY", "pr-key".into()),
                ("GUILDHALL_NOTIFY__LETTER_HTTP_RECEIPT_TOKEN", LETTER_TOKEN.into()),
            ],
        );
        let base = server.base.as_str();
        let http = reqwest::Client::new();
        let text = |to: &str| json!({"phone_number": to, "template_id": sms, "personalisation": {"day": "Monday"}});
        let post = |name: &str| {
            json!({"template_id": letter, "personalisation": {
                "address_line_1": name, "address_line_2": "1 High Street", "address_line_3": "SW1A 1AA", "name": name}})
        };

        // Sent: the fakes receive them, and they stay `sending` until a receipt arrives.
        let delivered = send(&http, base, &key, "sms", text("07700900123")).await;
        let declined = send(&http, base, &key, "sms", text("07700900456")).await;
        let posted = send(&http, base, &key, "letter", post("A Resident")).await;
        let got = wait_for_receipt_of(&fake.texts, "reference", &delivered).await;
        assert_eq!(got["to"], "447700900123");
        assert_eq!(got["message"], "Bins out Monday");
        assert_eq!(got["from"], "Guildhall", "notify.sms_sender is the sender");
        wait_for_receipt_of(&fake.texts, "reference", &declined).await;
        let job = wait_for_receipt_of(&fake.letters, "id", &posted).await;
        assert_eq!(job["address"], json!(["A Resident", "1 High Street", "SW1A 1AA"]));
        assert_eq!(job["content"]["body"], "Dear A Resident");
        assert_eq!(status_over_api(&http, base, &key, &delivered).await, "sending");

        // A receipt without the token changes nothing.
        let forged = http
            .post(format!("{base}/notify/receipts/sms/firetext?token=wrong-token-0123456789"))
            .form(&[("reference", delivered.as_str()), ("status", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);
        assert_eq!(status_over_api(&http, base, &key, &delivered).await, "sending");

        // The providers' receipts, in their own shapes, at the server's receipt URLs.
        let sms_receipts = format!("{base}/notify/receipts/sms/firetext?token={SMS_TOKEN}");
        for (id, status) in [(&delivered, "0"), (&declined, "1")] {
            let response = http
                .post(&sms_receipts)
                .form(&[("mobile", "447700900123"), ("status", status), ("code", "000"), ("reference", id.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 204);
        }
        let response = http
            .post(format!("{base}/notify/receipts/letter/print-api?token={LETTER_TOKEN}"))
            .json(&json!({"id": posted, "status": "DESPATCHED"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(status_over_api(&http, base, &key, &delivered).await, "delivered");
        assert_eq!(status_over_api(&http, base, &key, &declined).await, "permanent-failure");
        assert_eq!(status_over_api(&http, base, &key, &posted).await, "received", "a posted letter, as Notify says");

        // The providers are down: both chains fail over to the sandbox, which records itself.
        *fake.down.lock().unwrap() = true;
        let failed_over_text = send(&http, base, &key, "sms", text("07700900789")).await;
        let failed_over_letter = send(&http, base, &key, "letter", post("B Resident")).await;
        wait_for_status(&http, base, &key, &failed_over_text, "delivered").await;
        wait_for_status(&http, base, &key, &failed_over_letter, "received").await;

        let notify = notifications::Notify::new(t.store.clone());
        let provider = |id: String| {
            let notify = notify.clone();
            let service = service.clone();
            async move { notify.notification(&service, uuid::Uuid::parse_str(&id).unwrap()).await.unwrap().provider }
        };
        assert_eq!(provider(delivered).await.as_deref(), Some("firetext"));
        assert_eq!(provider(declined).await.as_deref(), Some("firetext"));
        assert_eq!(provider(posted).await.as_deref(), Some("print-api"));
        assert_eq!(provider(failed_over_text.clone()).await.as_deref(), Some("sandbox"));
        assert_eq!(provider(failed_over_letter).await.as_deref(), Some("sandbox"));
        assert!(
            !fake.texts.lock().unwrap().iter().any(|m| m["reference"] == failed_over_text.as_str()),
            "the refused text was not taken by the fake"
        );
        drop(server);
        t.cleanup().await;
    }
}
