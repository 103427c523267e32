//! Group commit under concurrency, over HTTP on real ports, on SQLite and PostgreSQL: many
//! requests at once to two nodes (two writers on one database) are committed in batches, every
//! 201 can be read back at once, and the daily allowance and a key's bucket refuse exactly the
//! excess (with Notify's 429 errors) and store nothing for the refused requests.

use notifications::api::{ApiState, router};
use notifications::testing::exampleshire;
use notifications::{KeyType, Notify, RateLimits, TemplateType, auth};
use serde_json::{Value, json};
use sqlx::Row;

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

/// Sends `n` texts at once, alternating between the nodes; returns each (status, body).
async fn burst(nodes: &[String], key: &str, template: &str, n: usize) -> Vec<(u16, Value)> {
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, url, auth) =
            (client.clone(), format!("{}/v2/notifications/sms", nodes[i % nodes.len()]), bearer(key));
        let template = template.to_string();
        tasks.spawn(async move {
            let res = client
                .post(url)
                .header("authorization", auth)
                .json(&json!({"phone_number": "07700900123", "template_id": template, "reference": format!("r{i}")}))
                .send()
                .await
                .expect("request");
            (res.status().as_u16(), res.json::<Value>().await.expect("json"))
        });
    }
    let mut out = Vec::new();
    while let Some(r) = tasks.join_next().await {
        out.push(r.expect("task"));
    }
    out
}

async fn setup(t: &store::testing::TestStore, limits: RateLimits) -> (Vec<String>, String, String, Notify) {
    let (_, council) = exampleshire(t).await;
    let first = Notify::new(t.store.clone()).with_rate_limits(limits);
    let service = first.create_service(council.id, "Parking").await.expect("service");
    let key = first.create_key(service, KeyType::Live, "live").await.expect("key");
    let template = first.create_template(service, TemplateType::Sms, "Code", None, "Your code").await.expect("t");
    let second = Notify::new(t.store.clone()).with_rate_limits(limits);
    let nodes = vec![node(first.clone()).await, node(second).await];
    (nodes, key, template.to_string(), first)
}

async fn stored(t: &store::testing::TestStore) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM notify_notifications").fetch_one(t.store.pool()).await.expect("n").get(0)
}

#[tokio::test]
async fn a_burst_to_two_nodes_is_committed_and_the_daily_allowance_refuses_exactly_the_excess() {
    for t in store::testing::all().await {
        let limits = RateLimits { per_key_per_minute: None, daily_per_service: Some(40) };
        let (nodes, key, template, _) = setup(&t, limits).await;
        let answers = burst(&nodes, &key, &template, 100).await;
        let accepted: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 201).map(|(_, b)| b).collect();
        let refused: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 429).map(|(_, b)| b).collect();
        assert_eq!((accepted.len(), refused.len()), (40, 60), "{:?}: {answers:?}", t.backend());
        for body in &refused {
            assert_eq!(
                **body,
                json!({"status_code": 429, "errors": [{"error": "TooManyRequestsError",
                    "message": "Exceeded send limits (40) for today"}]})
            );
        }
        assert_eq!(stored(&t).await, 40, "{:?}: refused requests store nothing", t.backend());
        // Every 201 is committed: each can be read back at once, from either node.
        let client = reqwest::Client::new();
        for (i, body) in accepted.iter().enumerate() {
            let id = body["id"].as_str().expect("id");
            let res = client
                .get(format!("{}/v2/notifications/{id}", nodes[(i + 1) % 2]))
                .header("authorization", bearer(&key))
                .send()
                .await
                .expect("get");
            assert_eq!(res.status().as_u16(), 200, "{:?}", t.backend());
            let got: Value = res.json().await.expect("json");
            assert_eq!(got["reference"], body["reference"]);
        }
    }
}

#[tokio::test]
async fn a_burst_takes_no_more_than_the_keys_bucket_holds() {
    for t in store::testing::all().await {
        // 30 a minute refills one token every two seconds: the burst may gain one at most.
        let limits = RateLimits { per_key_per_minute: Some(30), daily_per_service: None };
        let (nodes, key, template, _) = setup(&t, limits).await;
        let answers = burst(&nodes, &key, &template, 80).await;
        let accepted = answers.iter().filter(|(s, _)| *s == 201).count();
        let refused = answers.iter().filter(|(s, b)| *s == 429 && b["errors"][0]["error"] == "RateLimitError").count();
        assert!((30..=31).contains(&accepted), "{:?}: {accepted} accepted", t.backend());
        assert_eq!(accepted + refused, 80, "{:?}: {answers:?}", t.backend());
        assert_eq!(stored(&t).await, accepted as i64, "{:?}", t.backend());
    }
}
