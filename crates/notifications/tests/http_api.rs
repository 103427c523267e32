//! The Notify HTTP API on a real port, for what the official clients cannot send: missing or
//! non-bearer headers, malformed JSON, unknown fields, revoked keys, and the OpenAPI document.

use notifications::api::{ApiState, router};
use notifications::testing::exampleshire;
use notifications::{KeyType, Notify, TemplateType, auth};
use serde_json::{Value, json};

struct Server {
    base: String,
    key: String,
    template: String,
    notify: Notify,
    task: tokio::task::JoinHandle<Result<(), std::io::Error>>,
    openapi: utoipa::openapi::OpenApi,
}

async fn start(t: &store::testing::TestStore) -> Server {
    let (notify, council) = exampleshire(t).await;
    let service = notify.create_service(council.id, "Parking").await.expect("service");
    let key = notify.create_key(service, KeyType::Live, "api").await.expect("key");
    let template =
        notify.create_template(service, TemplateType::Sms, "Permit", None, "Permit ((number)) ready").await.expect("t");
    let (app, openapi) = router(ApiState { notify: notify.clone(), base_url: Some("https://notify.example".into()) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    Server { base, key, template: template.to_string(), notify, task, openapi }
}

fn bearer(key: &str, offset: i64) -> String {
    let (service, secret) = auth::split_api_key(key).expect("key");
    format!("Bearer {}", auth::create_token(service, secret, auth::now_seconds() + offset))
}

async fn post(s: &Server, auth: Option<String>, body: &str) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/v2/notifications/sms", s.base))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = req.send().await.expect("request");
    (res.status().as_u16(), res.json().await.expect("json body"))
}

fn error(status: u16, kind: &str, message: &str) -> Value {
    json!({"status_code": status, "errors": [{"error": kind, "message": message}]})
}

#[tokio::test]
async fn requests_without_a_usable_token_get_notifys_auth_errors_and_store_nothing() {
    for t in store::testing::all().await {
        let s = start(&t).await;
        let body = json!({"phone_number": "07700900123", "template_id": s.template, "personalisation": {"number": 1}})
            .to_string();
        assert_eq!(
            post(&s, None, &body).await,
            (401, error(401, "AuthError", "Unauthorized: authentication token must be provided"))
        );
        assert_eq!(
            post(&s, Some("Basic abc".into()), &body).await,
            (401, error(401, "AuthError", "Unauthorized: authentication bearer scheme must be used"))
        );
        assert_eq!(
            post(&s, Some(bearer(&s.key, 31)), &body).await,
            (403, error(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"))
        );
        s.notify.revoke_key(&s.key).await.expect("revoke");
        assert_eq!(
            post(&s, Some(bearer(&s.key, 0)), &body).await,
            (403, error(403, "AuthError", "Invalid token: API key revoked"))
        );
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notify_notifications")
            .fetch_one(t.store.pool())
            .await
            .expect("count");
        assert_eq!(count, 0);
        s.task.abort();
        t.cleanup().await;
    }
}

#[tokio::test]
async fn malformed_json_and_unknown_fields_get_notifys_errors_and_a_good_text_gets_201_with_uris() {
    for t in store::testing::all().await {
        let s = start(&t).await;
        assert_eq!(
            post(&s, Some(bearer(&s.key, 0)), "{not json").await,
            (400, error(400, "BadRequestError", "Invalid JSON supplied in POST data"))
        );
        let unknown = json!({"phone_number": "07700900123", "template_id": s.template, "colour": "red"}).to_string();
        assert_eq!(
            post(&s, Some(bearer(&s.key, 0)), &unknown).await,
            (400, error(400, "ValidationError", "Additional properties are not allowed (colour was unexpected)"))
        );
        let good = json!({"phone_number": "07700900123", "template_id": s.template, "personalisation": {"number": 7}})
            .to_string();
        let (status, body) = post(&s, Some(bearer(&s.key, 0)), &good).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["content"]["body"], "Permit 7 ready");
        let id = body["id"].as_str().expect("id");
        assert_eq!(body["uri"], format!("https://notify.example/v2/notifications/{id}"));
        assert_eq!(body["template"]["uri"], format!("https://notify.example/v2/template/{}", s.template));
        s.task.abort();
        t.cleanup().await;
    }
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document() {
    let t = store::testing::sqlite().await;
    let s = start(&t).await;
    let paths: Vec<&String> = s.openapi.paths.paths.keys().collect();
    for p in [
        "/v2/notifications/email",
        "/v2/notifications/sms",
        "/v2/notifications/letter",
        "/v2/notifications/{id}",
        "/v2/notifications",
        "/v2/template/{id}",
        "/v2/template/{id}/version/{version}",
        "/v2/templates",
        "/v2/template/{id}/preview",
    ] {
        assert!(s.openapi.paths.paths.contains_key(p), "{p} missing from {paths:?}");
    }
    s.task.abort();
    t.cleanup().await;
}
