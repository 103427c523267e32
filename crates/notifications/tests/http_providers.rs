//! The HTTP provider adapters against local fakes written from the providers' public API
//! shapes, on SQLite and PostgreSQL: a Firetext-shaped SMS API and a print-and-post API take
//! messages, post delivery receipts back to the receipt endpoints, and those move notifications
//! to delivered / permanent-failure (and queue the service's callback); a receipt without the
//! provider's secret is refused; when the SMS API is down the chain fails over to the sandbox.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::{Form, Json, Router};
use notifications::receipts::{ReceiptsState, router as receipts_router};
use notifications::testing::exampleshire;
use notifications::{
    FiretextSms, KeyType, LetterProvider, Notify, PrecompiledLetter, PrintApiLetters, Providers, SandboxProvider,
    SendRequest, SmsProvider, TemplateType, Worker, WorkerConfig, auth,
};
use serde_json::{Value, json};

/// What the fakes received, and where they send receipts.
#[derive(Clone, Default)]
struct Fake {
    received: Arc<Mutex<Vec<Value>>>,
    receipts_to: Arc<Mutex<String>>,
    down: Arc<Mutex<bool>>,
}

async fn firetext_send(
    State(fake): State<Fake>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    if *fake.down.lock().expect("lock") {
        return Json(json!({"code": 4, "description": "Service temporarily unavailable"}));
    }
    if form.get("apiKey").map(String::as_str) != Some("ft-key") {
        return Json(json!({"code": 1, "description": "Authentication error"}));
    }
    fake.received.lock().expect("lock").push(json!(form));
    // Firetext: 0 delivered, 1 declined; numbers ending 0002 are declined here.
    let status = if form["to"].ends_with("0002") { "1" } else { "0" };
    let url = fake.receipts_to.lock().expect("lock").clone();
    let reference = form["reference"].clone();
    let mobile = form["to"].clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let _ = reqwest::Client::new()
            .post(url)
            .form(&[
                ("mobile", mobile.as_str()),
                ("status", status),
                ("time", "2026-11-24 10:00:00"),
                ("code", "000"),
                ("reference", reference.as_str()),
            ])
            .send()
            .await;
    });
    Json(json!({"code": 0, "description": "SMS successfully queued", "messageCount": 1, "credits": 100}))
}

async fn print_job(
    State(fake): State<Fake>,
    headers: axum::http::HeaderMap,
    Json(job): Json<Value>,
) -> (axum::http::StatusCode, Json<Value>) {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some("print-key") {
        return (axum::http::StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"})));
    }
    fake.received.lock().expect("lock").push(job.clone());
    let status =
        if job["content"]["type"] == "pdf" || job["address"][0] != "Nobody" { "DESPATCHED" } else { "REJECTED" };
    let url = fake.receipts_to.lock().expect("lock").clone();
    let id = job["id"].clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let _ = reqwest::Client::new().post(url).json(&json!({"id": id, "status": status})).send().await;
    });
    (
        axum::http::StatusCode::ACCEPTED,
        Json(json!({"jobId": format!("print-{}", job["id"].as_str().unwrap_or_default())})),
    )
}

async fn spawn(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn status_of(notify: &Notify, service: &str, id: &str) -> (String, Option<String>) {
    let n = notify.notification(service, uuid::Uuid::parse_str(id).expect("id")).await.expect("notification");
    (n.status, n.provider)
}

async fn wait_for(notify: &Notify, service: &str, id: &str, status: &str) -> (String, Option<String>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = status_of(notify, service, id).await;
        if now.0 == status {
            return now;
        }
        assert!(std::time::Instant::now() < deadline, "{id} stuck at {now:?}, wanted {status}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_providers_send_take_receipts_and_fail_over_to_the_sandbox() {
    for t in store::testing::all().await {
        let (notify, council) = exampleshire(&t).await;
        let service = notify.create_service(council.id, "Reminders").await.expect("service");
        let key = notify.create_key(service, KeyType::Live, "k").await.expect("key");
        let sms = notify.create_template(service, TemplateType::Sms, "R", None, "Bins out ((day))").await.expect("t");
        let letter = notify
            .create_template(service, TemplateType::Letter, "L", Some("Your bins"), "Dear ((name))")
            .await
            .expect("t");
        let (svc, secret) = auth::split_api_key(&key).expect("key");
        let caller = notify
            .authenticate(Some(&format!("Bearer {}", auth::create_token(svc, secret, auth::now_seconds()))))
            .await
            .expect("caller");
        // The service's delivery-status callback receiver.
        let callbacks: Arc<Mutex<Vec<Value>>> = Arc::default();
        let seen = callbacks.clone();
        let receiver = spawn(Router::new().route(
            "/callback",
            post(move |Json(body): Json<Value>| {
                let seen = seen.clone();
                async move {
                    seen.lock().expect("lock").push(body);
                    axum::http::StatusCode::OK
                }
            }),
        ))
        .await;
        notify
            .set_delivery_status_callback(
                service,
                &notifications::DeliveryStatusCallback {
                    url: format!("{receiver}/callback"),
                    bearer_token: "0123456789ab".into(),
                },
            )
            .await
            .expect("callback");

        // Our receipt endpoints, and the two fakes posting receipts to them.
        let tokens =
            [("firetext".to_string(), "ft-secret".to_string()), ("printer".to_string(), "pr-secret".to_string())];
        let ours = spawn(receipts_router(ReceiptsState::new(notify.clone(), tokens.into_iter().collect()))).await;
        let sms_fake = Fake::default();
        *sms_fake.receipts_to.lock().expect("lock") = format!("{ours}/notify/receipts/sms/firetext?token=ft-secret");
        let sms_api =
            spawn(Router::new().route("/api/sendsms/json", post(firetext_send)).with_state(sms_fake.clone())).await;
        let print_fake = Fake::default();
        *print_fake.receipts_to.lock().expect("lock") =
            format!("{ours}/notify/receipts/letter/printer?token=pr-secret");
        let print_api = spawn(Router::new().route("/print-jobs", post(print_job)).with_state(print_fake.clone())).await;

        let firetext: Arc<dyn SmsProvider> =
            Arc::new(FiretextSms::new("firetext", &format!("{sms_api}/api"), "ft-key", "Council"));
        let printer: Arc<dyn LetterProvider> = Arc::new(PrintApiLetters::new("printer", &print_api, "print-key"));
        let sandbox = Arc::new(SandboxProvider::new(t.store.clone(), "sandbox"));
        let providers =
            Providers { email: vec![sandbox.clone()], sms: vec![firetext, sandbox.clone()], letter: vec![printer] };
        let worker = Worker::spawn(notify.clone(), providers, WorkerConfig::default());

        let text = |to: &str| {
            SendRequest::from_json(
                TemplateType::Sms,
                &json!({"phone_number": to, "template_id": sms.to_string(), "personalisation": {"day": "Monday"}}),
            )
            .expect("request")
        };
        let delivered = notify.send(&caller, text("07700900123")).await.expect("send").id;
        let declined = notify.send(&caller, text("07700910002")).await.expect("send").id;
        assert_eq!(wait_for(&notify, &caller.service_id, &delivered, "delivered").await.1.as_deref(), Some("firetext"));
        assert_eq!(
            wait_for(&notify, &caller.service_id, &declined, "permanent-failure").await.1.as_deref(),
            Some("firetext")
        );
        let got = sms_fake.received.lock().expect("lock").clone();
        assert!(
            got.iter()
                .any(|m| m["to"] == "447700900123" && m["message"] == "Bins out Monday" && m["from"] == "Council")
        );

        // Letters: text and precompiled PDF, one rejected by the printer.
        let letter_request = |name: &str| {
            SendRequest::from_json(
                TemplateType::Letter,
                &json!({"template_id": letter.to_string(), "personalisation": {
                    "address_line_1": name, "address_line_2": "1 High Street", "address_line_3": "SW1A 1AA", "name": name}}),
            )
            .expect("letter")
        };
        let posted = notify.send(&caller, letter_request("A Resident")).await.expect("letter").id;
        let rejected = notify.send(&caller, letter_request("Nobody")).await.expect("letter").id;
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        let body = json!({"reference": "pdf-1", "content": base64_encode(pdf)});
        let precompiled = notify
            .send_precompiled_letter(&caller, PrecompiledLetter::from_json(&body).expect("pdf"))
            .await
            .expect("send")
            .id;
        wait_for(&notify, &caller.service_id, &posted, "delivered").await;
        wait_for(&notify, &caller.service_id, &rejected, "permanent-failure").await;
        wait_for(&notify, &caller.service_id, &precompiled, "delivered").await;
        let jobs = print_fake.received.lock().expect("lock").clone();
        let pdf_job = jobs.iter().find(|j| j["id"] == precompiled.as_str()).expect("pdf job");
        assert_eq!(pdf_job["content"]["pdf"], base64_encode(pdf), "the PDF reached the printer as it was");
        let text_job = jobs.iter().find(|j| j["id"] == posted.as_str()).expect("text job");
        assert_eq!(text_job["address"], json!(["A Resident", "1 High Street", "SW1A 1AA"]));
        assert_eq!(text_job["postage"], "second");

        // Receipts without the secret, or for another provider's message, change nothing.
        let pending = notify.send(&caller, text("07700900777")).await.expect("send").id;
        *sms_fake.down.lock().expect("lock") = true; // from now on the fake refuses: fail-over
        let forged = reqwest::Client::new()
            .post(format!("{ours}/notify/receipts/sms/firetext?token=wrong"))
            .form(&[("reference", delivered.as_str()), ("status", "1")])
            .send()
            .await
            .expect("forged");
        assert_eq!(forged.status(), 403);
        let other = reqwest::Client::new()
            .post(format!("{ours}/notify/receipts/letter/printer?token=pr-secret"))
            .json(&json!({"id": pending, "status": "REJECTED"}))
            .send()
            .await
            .expect("other provider");
        assert_eq!(other.status(), 204);
        assert_eq!(status_of(&notify, &caller.service_id, &delivered).await.0, "delivered");

        // The SMS API is down: the chain fails over to the sandbox, which records itself.
        let failed_over = notify.send(&caller, text("07700900888")).await.expect("send").id;
        assert_eq!(
            wait_for(&notify, &caller.service_id, &failed_over, "delivered").await.1.as_deref(),
            Some("sandbox")
        );

        // Every final status reached the service's callback once.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let seen = callbacks.lock().expect("lock").clone();
            let finals = [&delivered, &declined, &posted, &rejected, &precompiled, &failed_over];
            if finals.iter().all(|id| seen.iter().any(|c| c["id"] == id.as_str())) {
                let declined_cb = seen.iter().find(|c| c["id"] == declined.as_str()).expect("declined");
                assert_eq!(declined_cb["status"], "permanent-failure");
                let posted_cb = seen.iter().find(|c| c["id"] == posted.as_str()).expect("posted");
                assert_eq!(posted_cb["status"], "received");
                break;
            }
            assert!(std::time::Instant::now() < deadline, "callbacks: {seen:?}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        worker.stop().await;
        t.cleanup().await;
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
