//! Precompiled letters and files sent by link through a live `guildhall serve`, with GOV.UK
//! Notify's official Python client: its script checks Notify's responses and errors, then a
//! resident opens the download link on the real server (identity's session and anti-forgery
//! layer in front), is refused with a wrong address and gets the file with the right one.
//! Runs on SQLite, and on PostgreSQL when configured.

mod common;

use common::{Server, csrf_token, guildhall, last_line, session_cookie};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_server_takes_precompiled_letters_and_serves_files_only_to_their_recipient() {
    if !common::python_client_available() {
        return;
    }
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        let dir = tempfile::tempdir().unwrap();
        let (service, key) = common::notify_service(url, "Tax");
        let team =
            last_line(&guildhall(url, &["notify", "key", "create", "--service", &service, "--type", "team", "team"]));
        let template = |kind: &str, subject: Option<&str>, body: &str| {
            common::notify_template(url, dir.path(), &service, kind, "T", subject, body)
        };
        let email = template("email", Some("A file for you"), "Hello ((name)), ((link_to_file))");
        let sms = template("sms", None, "Code ((code))");

        let server = Server::start(url);
        let out_text = common::run_python_client(
            "notify_python_files.py",
            &[
                ("NOTIFY_BASE_URL", &server.base),
                ("NOTIFY_API_KEY", &key),
                ("NOTIFY_TEAM_KEY", &team),
                ("NOTIFY_EMAIL_TEMPLATE", &email),
                ("NOTIFY_SMS_TEMPLATE", &sms),
            ],
        )
        .await;
        let result: serde_json::Value = out_text
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .map(|j| serde_json::from_str(j).expect("json"))
            .expect("a RESULT line");
        let body = result["with_check_body"].as_str().expect("body");
        let link = body[body.find("http://").expect("a link")..].split_whitespace().next().unwrap().to_string();
        assert!(link.starts_with(&server.base), "the link points at this server: {link}");

        // Through identity's layer: a session, its anti-forgery token, and the email check.
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = http.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let cookie = session_cookie(&page);
        let html = page.text().await.unwrap();
        assert!(html.contains("Confirm your email address"), "{html}");
        let token = csrf_token(&html);
        let post = |email: &'static str| {
            let mut req = http.post(&link).form(&[("csrf_token", token.as_str()), ("email_address", email)]);
            if let Some(c) = &cookie {
                req = req.header("cookie", c);
            }
            req.send()
        };
        let wrong = post("someone@else.org").await.unwrap();
        assert_eq!(wrong.status(), 422);
        assert!(wrong.text().await.unwrap().contains("govuk-error-summary"));
        let forged = http
            .post(&link)
            .form(&[("csrf_token", "forged"), ("email_address", "resident@example.org")])
            .send()
            .await
            .unwrap();
        assert!(
            forged.status().is_client_error(),
            "a post without the session's token is refused: {}",
            forged.status()
        );
        let right = post("resident@example.org").await.unwrap();
        assert_eq!(right.status(), 200);
        assert_eq!(right.bytes().await.unwrap().as_ref(), b"collection day,bin\nMonday,green\n");
        drop(server);
        t.cleanup().await;
    }
}
