//! Precompiled letters and files sent by link through the official GOV.UK Notify Python client
//! (13.x), against the API and the download pages on one real port, on SQLite and PostgreSQL:
//! Notify's responses and errors, nothing stored for a refused request, the PDF reaching the
//! letter provider, and a file downloadable only by the address it was sent to.

use axum::Extension;
use notifications::api::{ApiState, router};
use notifications::pages::{PagesState, router as pages_router};
use notifications::testing::{exampleshire, python_client_available, serve};
use notifications::{KeyType, Providers, SandboxProvider, TemplateType, Worker, WorkerConfig};
use serde_json::Value;
use sqlx::Row;

async fn count(store: &store::Store, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .expect("count")
        .try_get::<i64, _>(0)
        .expect("count")
}

fn link(body: &str) -> String {
    let start = body.find("http://").expect("a link in the body");
    body[start..].split_whitespace().next().expect("link").trim_end_matches([')', '.']).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precompiled_letters_and_files_by_link_work_with_the_official_python_client() {
    if !python_client_available() {
        return;
    }
    for t in store::testing::all().await {
        let (notify, council) = exampleshire(&t).await;
        let service = notify.create_service(council.id, "Council tax").await.expect("service");
        let key = notify.create_key(service, KeyType::Live, "integration").await.expect("key");
        let team = notify.create_key(service, KeyType::Team, "team").await.expect("team key");
        let email = notify
            .create_template(
                service,
                TemplateType::Email,
                "Your file",
                Some("A file for you"),
                "Hello ((name)), ((link_to_file))",
            )
            .await
            .expect("email template");
        let sms = notify.create_template(service, TemplateType::Sms, "Code", None, "Code ((code))").await.expect("sms");

        let worker = Worker::spawn(notify.clone(), Providers::sandbox(t.store.clone()), WorkerConfig::default());
        let (api, _) = router(ApiState { notify: notify.clone(), base_url: None });
        let web = web::WebState::new(
            "Guildhall",
            vec![web::Council::new("exampleshire", "Exampleshire", "#1d70b8").expect("council")],
        )
        .expect("web");
        let app = api
            .merge(pages_router(PagesState::new(notify.clone(), web)))
            .layer(Extension(web::Visitor::anonymous("tok")));
        let (addr, server) = serve(app).await;

        let out = tokio::process::Command::new("python3")
            .arg("tests/clients/notify_python_files.py")
            .env("NOTIFY_BASE_URL", format!("http://{addr}"))
            .env("NOTIFY_API_KEY", &key)
            .env("NOTIFY_TEAM_KEY", &team)
            .env("NOTIFY_EMAIL_TEMPLATE", email.to_string())
            .env("NOTIFY_SMS_TEMPLATE", sms.to_string())
            .output()
            .await
            .expect("run python3");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{:?}: python client failed\nstdout:\n{stdout}\nstderr:\n{stderr}", t.backend());
        let result: Value = stdout
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .map(|j| serde_json::from_str(j).expect("result json"))
            .expect("a RESULT line");

        // Only what was accepted is stored: two letters (with their PDFs), two emails (one file each).
        assert_eq!(count(&t.store, "notify_notifications").await, 4, "{:?}", t.backend());
        assert_eq!(count(&t.store, "notify_letter_pdfs").await, 2);
        assert_eq!(count(&t.store, "notify_files").await, 2);
        let councils: Vec<i64> = sqlx::query("SELECT council_id FROM notify_files")
            .fetch_all(t.store.pool())
            .await
            .expect("files")
            .iter()
            .map(|r| r.try_get::<i64, _>(0).expect("council"))
            .collect();
        assert!(councils.iter().all(|c| *c == council.id.0), "files carry their council");
        let personalisation: String = sqlx::query("SELECT personalisation FROM notify_notifications WHERE id = $1")
            .bind(result["with_check"].as_str().expect("id"))
            .fetch_one(t.store.pool())
            .await
            .expect("row")
            .try_get(0)
            .expect("personalisation");
        assert!(!personalisation.contains("\"file\""), "the file is not kept in the personalisation");

        // The letter provider got the PDF (the sandbox records the letter).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let sandbox = SandboxProvider::messages(&t.store, Some(council.id), 100).await.expect("sandbox");
            if sandbox.iter().filter(|m| m.channel == "letter").count() == 2 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "letters reach the provider");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        // A file behind the email check: the page asks, a wrong address is refused, the right one downloads.
        let http = reqwest::Client::new();
        let url = link(result["with_check_body"].as_str().expect("body"));
        let page = http.get(&url).send().await.expect("page");
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("html");
        assert!(html.contains("Confirm your email address") && html.contains("name=\"csrf_token\""), "{html}");
        assert!(!html.contains("collection day"), "the file is not on the page");
        let wrong = http
            .post(&url)
            .form(&[("csrf_token", "tok"), ("email_address", "someone@else.org")])
            .send()
            .await
            .expect("wrong");
        assert_eq!(wrong.status(), 422);
        let html = wrong.text().await.expect("html");
        assert!(html.contains("govuk-error-summary") && html.contains("not the email address the file was sent to"));
        let right = http
            .post(&url)
            .form(&[("csrf_token", "tok"), ("email_address", " resident@example.ORG ")])
            .send()
            .await
            .expect("right");
        assert_eq!(right.status(), 200);
        assert_eq!(right.headers()["content-type"], "text/csv");
        assert!(right.headers()["content-disposition"].to_str().expect("cd").contains("days.csv"));
        assert_eq!(right.bytes().await.expect("bytes").as_ref(), b"collection day,bin\nMonday,green\n");
        let direct = http.get(url.replace("?key=", "/download?key=")).send().await.expect("direct");
        assert_eq!(direct.status(), 404, "no way round the email check");
        let bad_key = http.get(format!("{}x", url)).send().await.expect("bad key");
        assert_eq!(bad_key.status(), 404);

        // A file without the check: a download link, then the PDF.
        let url = link(result["no_check_body"].as_str().expect("body"));
        let html = http.get(&url).send().await.expect("page").text().await.expect("html");
        assert!(html.contains("You have a file to download"), "{html}");
        let download = http.get(url.replace("?key=", "/download?key=")).send().await.expect("download");
        assert_eq!(download.status(), 200);
        assert_eq!(download.headers()["content-type"], "application/pdf");
        assert!(download.bytes().await.expect("pdf").starts_with(b"%PDF-1.4"));

        worker.stop().await;
        server.abort();
        t.cleanup().await;
    }
}
