//! Bulk send over HTTP on a real port, on SQLite and PostgreSQL: bad rows refuse the whole
//! request with one error per row and store nothing; a good one becomes a job that the worker
//! turns into notifications in chunks, whose progress the API and the staff page show.

use axum::Extension;
use notifications::api::{ApiState, router};
use notifications::pages::{PagesState, router as pages_router};
use notifications::testing::exampleshire;
use notifications::{KeyType, Providers, TemplateType, Worker, WorkerConfig, auth};
use serde_json::{Value, json};
use sqlx::Row;

fn bearer(key: &str) -> String {
    let (service, secret) = auth::split_api_key(key).expect("key");
    format!("Bearer {}", auth::create_token(service, secret, auth::now_seconds()))
}

async fn count(store: &store::Store, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .expect("count")
        .try_get::<i64, _>(0)
        .expect("count")
}

async fn post(base: &str, key: &str, body: &Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/v2/notifications/bulk"))
        .header("authorization", bearer(key))
        .json(body)
        .send()
        .await
        .expect("post");
    (res.status().as_u16(), res.json().await.expect("json"))
}

async fn progress(base: &str, key: &str, id: &str) -> Value {
    let res = reqwest::Client::new()
        .get(format!("{base}/v2/notifications/bulk/{id}"))
        .header("authorization", bearer(key))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

fn staff() -> web::Visitor {
    let mut visitor = web::Visitor::anonymous("token");
    visitor.staff = Some(web::VisitorStaff {
        id: "s1".into(),
        name: "Sam Clerk".into(),
        council_id: 1,
        council_slug: "exampleshire".into(),
        roles: vec!["caseworker".into()],
    });
    visitor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_send_is_checked_row_by_row_then_sent_as_a_job_whose_progress_can_be_read() {
    for t in store::testing::all().await {
        let (notify, council) = exampleshire(&t).await;
        let service = notify.create_service(council.id, "Bins").await.expect("service");
        let key = notify.create_key(service, KeyType::Live, "bulk").await.expect("key");
        let team = notify.create_key(service, KeyType::Team, "team").await.expect("team");
        notify.add_to_guest_list(service, "07700900111").await.expect("guest");
        let sms = notify
            .create_template(service, TemplateType::Sms, "Day", None, "((name)): bins on ((day))")
            .await
            .expect("t");
        let email = notify
            .create_template(service, TemplateType::Email, "Day", Some("Bins"), "Dear ((name)), ((day))")
            .await
            .expect("t");

        let (api, _) = router(ApiState { notify: notify.clone(), base_url: None });
        let web = web::WebState::new(
            "Guildhall",
            vec![web::Council::new("exampleshire", "Exampleshire", "#1d70b8").expect("council")],
        )
        .expect("web");
        let app = api.merge(pages_router(PagesState::new(notify.clone(), web))).layer(Extension(staff()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        // Bad rows: every one reported, nothing stored.
        let bad = json!({"name": "Bad", "template_id": sms.to_string(), "rows": [
            ["phone number", "name", "day"],
            ["07700900123", "Ada", "Monday"],
            ["0770090012", "Bo", "Tuesday"],
            ["07700900456", "Cy"],
            ["not a number", "Di", "Friday"],
        ]});
        let (status, body) = post(&base, &key, &bad).await;
        assert_eq!(status, 400, "{body}");
        let messages: Vec<&str> =
            body["errors"].as_array().expect("errors").iter().map(|e| e["message"].as_str().expect("m")).collect();
        assert_eq!(messages.len(), 3, "{body}");
        assert!(messages[0].starts_with("Row 2 - phone number: "), "{messages:?}");
        assert_eq!(messages[1], "Row 3 - Missing personalisation: day");
        assert!(messages[2].starts_with("Row 4 - phone number: "), "{messages:?}");
        assert!(body["errors"].as_array().expect("e").iter().all(|e| e["error"] == "BadRequestError"));
        let (status, body) = post(
            &base,
            &key,
            &json!({"name": "No column", "template_id": sms.to_string(),
            "rows": [["name"], ["Ada"]]}),
        )
        .await;
        assert_eq!(
            (status, body["errors"][0]["message"].as_str()),
            (400, Some("Missing column headers: phone number"))
        );
        let (status, body) = post(&base, &team, &json!({"name": "Team", "template_id": sms.to_string(),
            "rows": [["phone number", "name", "day"], ["07700900111", "A", "B"], ["07700900222", "C", "D"], ["07700900999", "E", "F"]]}))
        .await;
        assert_eq!(status, 400);
        assert_eq!(
            body["errors"][0]["message"],
            "Row 3 - Can\u{2019}t send to this recipient using a team-only API key"
        );
        assert_eq!(count(&t.store, "notify_jobs").await, 0, "{:?}", t.backend());
        assert_eq!(count(&t.store, "notify_notifications").await, 0);

        // A good one: 1,200 texts (more than one chunk), accepted at once, sent by the worker.
        let mut rows = vec![json!(["phone number", "name", "day"])];
        for i in 0..1200 {
            rows.push(json!([format!("07700 9{:05}", i), format!("Resident {i}"), "Monday"]));
        }
        let (status, body) = post(
            &base,
            &key,
            &json!({"name": "Round change", "template_id": sms.to_string(), "rows": rows, "reference": "round"}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let job = body["data"]["id"].as_str().expect("job id").to_string();
        assert_eq!(body["data"]["notification_count"], 1200);
        let worker = Worker::spawn(notify.clone(), Providers::sandbox(t.store.clone()), WorkerConfig::default());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut seen_partial = false;
        let done = loop {
            let p = progress(&base, &key, &job).await;
            let processed = p["data"]["rows_processed"].as_i64().expect("processed");
            seen_partial |= processed > 0 && processed < 1200;
            if p["data"]["progress"]["delivered"] == 1200 {
                break p;
            }
            assert!(std::time::Instant::now() < deadline, "job finishes: {p}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert_eq!(done["data"]["job_status"], "finished");
        assert_eq!(done["data"]["progress"]["accepted"], 1200);
        assert_eq!(done["data"]["progress"]["failed"], 0);
        let texts: Vec<String> = sqlx::query(
            "SELECT body FROM notify_notifications WHERE job_id = $1 AND reference = 'round' ORDER BY recipient",
        )
        .bind(&job)
        .fetch_all(t.store.pool())
        .await
        .expect("rows")
        .iter()
        .map(|r| r.try_get::<String, _>(0).expect("body"))
        .collect();
        assert_eq!(texts.len(), 1200, "each row once");
        assert_eq!(texts[7], "Resident 7: bins on Monday");
        eprintln!("{:?}: saw a partly processed job: {seen_partial}", t.backend());

        // CSV works too, with a test key's simulated failure counted as failed.
        let test_key = notify.create_key(service, KeyType::Test, "test").await.expect("test key");
        let csv = "email address,name,day\r\nresident@example.org,\"Smith, Jo\",Monday\r\nperm-fail@simulator.notify,Al,Tuesday\r\n";
        let (status, body) =
            post(&base, &test_key, &json!({"name": "CSV", "template_id": email.to_string(), "csv": csv})).await;
        assert_eq!(status, 201, "{body}");
        let id = body["data"]["id"].as_str().expect("id").to_string();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let p = progress(&base, &test_key, &id).await;
            if p["data"]["job_status"] == "finished" {
                assert_eq!(p["data"]["progress"]["delivered"], 1, "{p}");
                assert_eq!(p["data"]["progress"]["failed"], 1, "{p}");
                break;
            }
            assert!(std::time::Instant::now() < deadline);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }

        // The staff page lists both jobs with their progress.
        let html = reqwest::get(format!("{base}/exampleshire/staff/notifications"))
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(html.contains("Bins: bulk sends") && html.contains("Round change") && html.contains("1200"), "{html}");
        assert!(html.contains("CSV") && html.contains("finished"));

        worker.stop().await;
        server.abort();
        t.cleanup().await;
    }
}
