//! Notify's rate limits and received text messages over HTTP on real ports, on SQLite and
//! PostgreSQL: a key's token bucket and a service's daily allowance refuse with Notify's 429
//! errors and store nothing, two nodes on one database share the counts, and
//! `GET /v2/received-text-messages` pages newest first with `older_than`.

use notifications::api::{ApiState, router};
use notifications::testing::exampleshire;
use notifications::{KeyType, Notify, RateLimits, TemplateType, auth};
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

struct Service {
    id: Uuid,
    live: String,
    test: String,
    template: String,
}

async fn service(t: &store::testing::TestStore, notify: &Notify) -> Service {
    let (_, council) = exampleshire(t).await;
    let id = notify.create_service(council.id, "Parking").await.expect("service");
    let live = notify.create_key(id, KeyType::Live, "live").await.expect("key");
    let test = notify.create_key(id, KeyType::Test, "test").await.expect("key");
    let template =
        notify.create_template(id, TemplateType::Sms, "Permit", None, "Permit ((number)) ready").await.expect("t");
    Service { id, live, test, template: template.to_string() }
}

/// One `guildhall serve` node: the router over a Notify on the shared store, on its own port.
async fn node(notify: Notify) -> String {
    let (app, _) = router(ApiState { notify, base_url: None });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn bearer(key: &str) -> String {
    let (service, secret) = auth::split_api_key(key).expect("key");
    format!("Bearer {}", auth::create_token(service, secret, auth::now_seconds()))
}

async fn send_sms(base: &str, key: &str, template: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/v2/notifications/sms"))
        .header("authorization", bearer(key))
        .json(&json!({"phone_number": "07700900123", "template_id": template, "personalisation": {"number": "1"}}))
        .send()
        .await
        .expect("request");
    (res.status().as_u16(), res.json().await.expect("json"))
}

async fn stored(t: &store::testing::TestStore) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM notify_notifications").fetch_one(t.store.pool()).await.expect("n").get(0)
}

fn error(status: u16, kind: &str, message: &str) -> Value {
    json!({"status_code": status, "errors": [{"error": kind, "message": message}]})
}

#[tokio::test]
async fn a_keys_bucket_is_shared_by_two_nodes_and_refuses_with_notifys_rate_limit_error_when_empty() {
    for t in store::testing::all().await {
        let limits = RateLimits { per_key_per_minute: Some(5), daily_per_service: None };
        let first = Notify::new(t.store.clone()).with_rate_limits(limits);
        let s = service(&t, &first).await;
        let second = Notify::new(t.store.clone()).with_rate_limits(limits);
        let (a, b) = (node(first).await, node(second).await);
        for i in 0..5 {
            let base = if i % 2 == 0 { &a } else { &b };
            let (status, body) = send_sms(base, &s.live, &s.template).await;
            assert_eq!(status, 201, "{:?} send {i}: {body}", t.backend());
        }
        for base in [&a, &b] {
            let (status, body) = send_sms(base, &s.live, &s.template).await;
            assert_eq!(status, 429, "{:?}: {body}", t.backend());
            assert_eq!(
                body,
                error(429, "RateLimitError", "Exceeded rate limit for key type LIVE of 5 requests per 60 seconds")
            );
        }
        assert_eq!(stored(&t).await, 5, "a refused request stores nothing");
        // The bucket is per key: the test key still has its own five.
        let (status, _) = send_sms(&a, &s.test, &s.template).await;
        assert_eq!(status, 201);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_service_over_its_daily_allowance_gets_notifys_too_many_requests_error_but_test_keys_still_send() {
    for t in store::testing::all().await {
        let limits = RateLimits { per_key_per_minute: None, daily_per_service: Some(3) };
        let first = Notify::new(t.store.clone()).with_rate_limits(limits);
        let s = service(&t, &first).await;
        let (a, b) = (node(first).await, node(Notify::new(t.store.clone()).with_rate_limits(limits)).await);
        for base in [&a, &b, &a] {
            assert_eq!(send_sms(base, &s.live, &s.template).await.0, 201);
        }
        let (status, body) = send_sms(&b, &s.live, &s.template).await;
        assert_eq!(status, 429, "{:?}: {body}", t.backend());
        assert_eq!(body, error(429, "TooManyRequestsError", "Exceeded send limits (3) for today"));
        assert_eq!(stored(&t).await, 3);
        assert_eq!(send_sms(&a, &s.test, &s.template).await.0, 201, "test keys do not count towards the day");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn received_texts_are_listed_newest_first_and_paged_with_older_than() {
    for t in store::testing::all().await {
        let notify = Notify::new(t.store.clone());
        let s = service(&t, &notify).await;
        let mut ids = Vec::new();
        for i in 0..255 {
            ids.push(notify.receive_text(s.id, "07700 900123", &format!("Reply {i}")).await.expect("receive"));
        }
        assert!(notify.receive_text(s.id, "not a number", "x").await.is_err());
        let base = node(notify.clone()).await;
        let get = |url: String| {
            let auth = bearer(&s.live);
            async move {
                let res = reqwest::Client::new().get(url).header("authorization", auth).send().await.expect("get");
                assert_eq!(res.status().as_u16(), 200);
                res.json::<Value>().await.expect("json")
            }
        };
        let page = get(format!("{base}/v2/received-text-messages")).await;
        let texts = page["received_text_messages"].as_array().expect("array");
        assert_eq!(texts.len(), 250);
        assert_eq!(texts[0]["content"], "Reply 254");
        assert_eq!(texts[0]["user_number"], "447700900123");
        assert_eq!(texts[0]["service_id"], s.id.to_string());
        assert_eq!(texts[0]["notify_number"], "Guildhall");
        assert!(texts[0]["created_at"].as_str().expect("date").ends_with('Z'));
        let next = page["links"]["next"].as_str().expect("next").to_string();
        assert_eq!(next, format!("{base}/v2/received-text-messages?older_than={}", ids[5]));
        let rest = get(next).await;
        let contents: Vec<&str> = rest["received_text_messages"]
            .as_array()
            .expect("a")
            .iter()
            .map(|x| x["content"].as_str().expect("c"))
            .collect();
        assert_eq!(contents, ["Reply 4", "Reply 3", "Reply 2", "Reply 1", "Reply 0"]);
        let last = get(format!("{base}/v2/received-text-messages?older_than={}", ids[0])).await;
        assert_eq!(last["received_text_messages"], json!([]));
        assert!(last["links"].get("next").is_none());
        t.cleanup().await;
    }
}
