//! Precompiled letters and files sent by link through a live `guildhall serve`, with GOV.UK
//! Notify's official Python client: its script checks Notify's responses and errors, then a
//! resident opens the download link on the real server (identity's session and anti-forgery
//! layer in front), is refused with a wrong address and gets the file with the right one.
//! Runs on SQLite, and on PostgreSQL when configured.

mod common;

use std::process::Output;

use common::{Server, csrf_token, guildhall, session_cookie, stderr, stdout};

fn last_line(out: &Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out).lines().last().unwrap_or_default().trim().to_string()
}

fn python_client_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import notifications_python_client"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but notifications-python-client is not installed: pip install 'notifications-python-client==13.*'"
        );
        eprintln!("SKIPPED: pip install 'notifications-python-client==13.*'");
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_server_takes_precompiled_letters_and_serves_files_only_to_their_recipient() {
    if !python_client_available() {
        return;
    }
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        let dir = tempfile::tempdir().unwrap();
        assert!(guildhall(url, &["council", "create", "exampleshire", "Exampleshire County Council"]).status.success());
        let service = last_line(&guildhall(url, &["notify", "service", "create", "--council", "exampleshire", "Tax"]));
        let key =
            last_line(&guildhall(url, &["notify", "key", "create", "--service", &service, "--type", "live", "ci"]));
        let team =
            last_line(&guildhall(url, &["notify", "key", "create", "--service", &service, "--type", "team", "team"]));
        let template = |kind: &str, subject: Option<&str>, body: &str| {
            let file = dir.path().join(format!("{kind}.txt"));
            std::fs::write(&file, body).unwrap();
            let file = file.display().to_string();
            let mut args = vec!["notify", "template", "create", "--service", &service, "--type", kind, "--name", "T"];
            if let Some(subject) = subject {
                args.extend(["--subject", subject]);
            }
            args.extend(["--body-file", &file]);
            last_line(&guildhall(url, &args))
        };
        let email = template("email", Some("A file for you"), "Hello ((name)), ((link_to_file))");
        let sms = template("sms", None, "Code ((code))");

        let server = Server::start(url);
        let out = tokio::process::Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../notifications/tests/clients/notify_python_files.py"))
            .env("NOTIFY_BASE_URL", &server.base)
            .env("NOTIFY_API_KEY", &key)
            .env("NOTIFY_TEAM_KEY", &team)
            .env("NOTIFY_EMAIL_TEMPLATE", &email)
            .env("NOTIFY_SMS_TEMPLATE", &sms)
            .output()
            .await
            .expect("run python3");
        let (out_text, err_text) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "python client failed\nstdout:\n{out_text}\nstderr:\n{err_text}");
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
