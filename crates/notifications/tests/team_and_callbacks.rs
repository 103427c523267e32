//! Team keys and delivery-status callbacks over real HTTP, on SQLite and PostgreSQL: a team key
//! sends only to the guest list (Notify's message otherwise) and never letters; a service's
//! callback URL receives Notify's status JSON with its bearer token, retried with back-off
//! after the receiver fails.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use notifications::api::{ApiState, router};
use notifications::testing::exampleshire;
use notifications::{DeliveryStatusCallback, KeyType, Notify, Providers, TemplateType, Worker, WorkerConfig, auth};
use serde_json::{Value, json};

async fn node(notify: Notify) -> String {
    let (app, _) = router(ApiState { notify, base_url: None });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn post(base: &str, path: &str, key: &str, body: Value) -> (u16, Value) {
    let (service, secret) = auth::split_api_key(key).expect("key");
    let res = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("authorization", format!("Bearer {}", auth::create_token(service, secret, auth::now_seconds())))
        .json(&body)
        .send()
        .await
        .expect("request");
    (res.status().as_u16(), res.json().await.expect("json"))
}

#[tokio::test]
async fn a_team_key_sends_only_to_the_guest_list_and_never_letters() {
    for t in store::testing::all().await {
        let (notify, council) = exampleshire(&t).await;
        let service = notify.create_service(council.id, "Parking").await.expect("service");
        let team = notify.create_key(service, KeyType::Team, "team").await.expect("key");
        let sms = notify.create_template(service, TemplateType::Sms, "s", None, "Hi").await.expect("t").to_string();
        let email =
            notify.create_template(service, TemplateType::Email, "e", Some("S"), "Hi").await.expect("t").to_string();
        let letter =
            notify.create_template(service, TemplateType::Letter, "l", Some("S"), "Hi").await.expect("t").to_string();
        let base = node(notify.clone()).await;

        let refused = json!({"status_code": 400, "errors": [{"error": "BadRequestError",
            "message": "Can\u{2019}t send to this recipient using a team-only API key"}]});
        let (status, body) =
            post(&base, "/v2/notifications/sms", &team, json!({"phone_number": "07700900123", "template_id": sms}))
                .await;
        assert_eq!((status, &body), (400, &refused), "{:?}", t.backend());

        notify.add_to_guest_list(service, "+44 7700 900123").await.expect("guest");
        notify.add_to_guest_list(service, "Officer@Example.gov.uk").await.expect("guest");
        assert!(notify.add_to_guest_list(service, "nobody").await.is_err());
        assert_eq!(notify.guest_list(service).await.expect("list"), ["447700900123", "officer@example.gov.uk"]);
        let (status, body) =
            post(&base, "/v2/notifications/sms", &team, json!({"phone_number": "07700900123", "template_id": sms}))
                .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = post(
            &base,
            "/v2/notifications/email",
            &team,
            json!({"email_address": "officer@example.GOV.uk", "template_id": email}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let (status, _) = post(
            &base,
            "/v2/notifications/email",
            &team,
            json!({"email_address": "x@example.org", "template_id": email}),
        )
        .await;
        assert_eq!(status, 400);
        let (status, _) =
            post(&base, "/v2/notifications/sms", &team, json!({"phone_number": "07700900000", "template_id": sms}))
                .await;
        assert_eq!(status, 201, "Notify's smoke-test numbers are always allowed");
        let (status, body) = post(
            &base,
            "/v2/notifications/letter",
            &team,
            json!({"template_id": letter, "personalisation": {"address_line_1": "A", "address_line_2": "B",
                   "address_line_3": "SW1A 1AA"}}),
        )
        .await;
        assert_eq!(
            (status, body),
            (
                400,
                json!({"status_code": 400, "errors": [{"error": "BadRequestError",
                "message": "Cannot send letters with a team api key"}]})
            )
        );
        t.cleanup().await;
    }
}

/// A callback receiver that refuses the first `failures` calls with 500, then records each call's
/// authorization header and body.
async fn receiver(failures: usize) -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(0usize));
    let recorded = calls.clone();
    let app = axum::Router::new().route(
        "/status",
        axum::routing::post(move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
            let recorded = recorded.clone();
            let refused = refused.clone();
            async move {
                let mut n = refused.lock().expect("lock");
                if *n < failures {
                    *n += 1;
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                }
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                recorded.lock().expect("lock").push((auth, body));
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/status", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn final_statuses_are_posted_to_the_services_callback_with_its_bearer_token_and_retried_after_failures() {
    for t in store::testing::all().await {
        let (notify, council) = exampleshire(&t).await;
        let service = notify.create_service(council.id, "Parking").await.expect("service");
        let live = notify.create_key(service, KeyType::Live, "live").await.expect("key");
        let test = notify.create_key(service, KeyType::Test, "test").await.expect("key");
        let sms = notify.create_template(service, TemplateType::Sms, "s", None, "Hi").await.expect("t").to_string();
        let (url, calls) = receiver(2).await;
        let short = DeliveryStatusCallback { url: url.clone(), bearer_token: "short".into() };
        assert!(notify.set_delivery_status_callback(service, &short).await.is_err());
        let callback = DeliveryStatusCallback { url, bearer_token: "a-long-enough-secret".into() };
        notify.set_delivery_status_callback(service, &callback).await.expect("callback");
        assert_eq!(notify.delivery_status_callback(service).await.expect("read"), Some(callback));

        let config = WorkerConfig {
            poll: Duration::from_millis(50),
            retry_after: Duration::from_millis(100),
            ..WorkerConfig::default()
        };
        let worker = Worker::spawn(notify.clone(), Providers::sandbox(t.store.clone()), config);
        let base = node(notify.clone()).await;
        let (status, delivered) = post(
            &base,
            "/v2/notifications/sms",
            &live,
            json!({"phone_number": "07700900123", "template_id": sms, "reference": "permit-1"}),
        )
        .await;
        assert_eq!(status, 201);
        let (status, failed) =
            post(&base, "/v2/notifications/sms", &test, json!({"phone_number": "07700900002", "template_id": sms}))
                .await;
        assert_eq!(status, 201);

        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while calls.lock().expect("lock").len() < 2 {
            assert!(std::time::Instant::now() < deadline, "{:?}: callbacks did not arrive", t.backend());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        worker.stop().await;
        let calls = calls.lock().expect("lock").clone();
        assert_eq!(calls.len(), 2, "one callback per final status once the receiver answers");
        assert!(calls.iter().all(|(auth, _)| auth == "Bearer a-long-enough-secret"));
        let by_id = |id: &Value| calls.iter().find(|(_, b)| &b["id"] == id).map(|(_, b)| b.clone()).expect("call");
        let d = by_id(&delivered["id"]);
        assert_eq!(d["status"], "delivered");
        assert_eq!(d["reference"], "permit-1");
        assert_eq!(d["to"], "447700900123");
        assert_eq!(d["notification_type"], "sms");
        assert_eq!(d["template_id"], sms);
        assert_eq!(d["template_version"], 1);
        assert!(d["completed_at"].as_str().is_some() && d["sent_at"].as_str().is_some() && d["created_at"].is_string());
        assert_eq!(by_id(&failed["id"])["status"], "permanent-failure");
        t.cleanup().await;
    }
}
