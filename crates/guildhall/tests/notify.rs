//! The notifications platform through the real binary: `guildhall notify service|key|template
//! create` in the shape outside scripts use (the id or key alone on the last line), bad input
//! refused in one line, and GOV.UK Notify's official Python client against a live
//! `guildhall serve` whose worker delivers every accepted notification to the sandbox once.
//! Runs on SQLite, and on PostgreSQL when configured.

mod common;

use std::process::Output;

use common::{Server, guildhall, stderr, stdout};
use store::CouncilSlug;

/// The last line of stdout: what scripts take.
fn last_line(out: &Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out).lines().last().unwrap_or_default().trim().to_string()
}

fn refused(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "stderr should name {needle:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
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
        eprintln!("SKIPPED the client part: pip install 'notifications-python-client==13.*'");
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_set_up_a_service_and_the_official_client_sends_through_a_live_server() {
    let client = python_client_available();
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        let dir = tempfile::tempdir().unwrap();
        assert!(guildhall(url, &["council", "create", "exampleshire", "Exampleshire County Council"]).status.success());

        let service = last_line(&guildhall(url, &["notify", "service", "create", "--council", "exampleshire", "Bins"]));
        assert!(uuid::Uuid::parse_str(&service).is_ok(), "a service id: {service}");
        let key =
            last_line(&guildhall(url, &["notify", "key", "create", "--service", &service, "--type", "live", "ci"]));
        assert!(key.starts_with("ci-") && key.contains(&service), "Notify's key shape: {key}");

        let template = |kind: &str, name: &str, subject: Option<&str>, body: &str| {
            let file = dir.path().join(format!("{kind}.txt"));
            std::fs::write(&file, body).unwrap();
            let file = file.display().to_string();
            let mut args = vec!["notify", "template", "create", "--service", &service, "--type", kind, "--name", name];
            if let Some(subject) = subject {
                args.extend(["--subject", subject]);
            }
            args.extend(["--body-file", &file]);
            last_line(&guildhall(url, &args))
        };
        let email = template(
            "email",
            "Collection",
            Some("Your ((day)) collection"),
            "Hello ((name)),\n\nPlease put out:((items))",
        );
        let sms = template("sms", "Code", None, "Your code is ((code))");
        let letter = template("letter", "Bins letter", Some("About your bins"), "Dear ((name))");

        refused(&guildhall(url, &["notify", "service", "create", "--council", "nowhere", "Bins"]), "nowhere");
        refused(
            &guildhall(url, &["notify", "key", "create", "--service", &service, "--type", "gold", "x"]),
            "live, team, test",
        );
        refused(
            &guildhall(url, &["notify", "key", "create", "--service", "not-a-uuid", "--type", "live", "x"]),
            "UUID",
        );
        refused(
            &guildhall(
                url,
                &[
                    "notify",
                    "template",
                    "create",
                    "--service",
                    &service,
                    "--type",
                    "sms",
                    "--name",
                    "x",
                    "--body-file",
                    "/nonexistent",
                ],
            ),
            "/nonexistent",
        );

        if client {
            let server = Server::start(url);
            let out = tokio::process::Command::new("python3")
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../notifications/tests/clients/notify_python_client.py"))
                .env("NOTIFY_BASE_URL", &server.base)
                .env("NOTIFY_API_KEY", &key)
                .env("NOTIFY_EMAIL_TEMPLATE", &email)
                .env("NOTIFY_SMS_TEMPLATE", &sms)
                .env("NOTIFY_LETTER_TEMPLATE", &letter)
                .output()
                .await
                .expect("run python3");
            let (out_text, err_text) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(out.status.success(), "python client failed\nstdout:\n{out_text}\nstderr:\n{err_text}");
            assert!(out_text.contains("all checks passed"), "{out_text}");

            let council = store::Councils::new(t.store.clone())
                .by_slug(&CouncilSlug::parse("exampleshire").unwrap())
                .await
                .unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            let mut delivered = Vec::new();
            while std::time::Instant::now() < deadline {
                delivered = notifications::SandboxProvider::messages(&t.store, Some(council.id), 1000).await.unwrap();
                if delivered.len() >= 263 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(
                delivered.len() >= 263,
                "the server's worker delivers every accepted notification: {}",
                delivered.len()
            );
            let distinct: std::collections::HashSet<_> = delivered.iter().map(|m| &m.notification_id).collect();
            assert_eq!(distinct.len(), delivered.len(), "no notification is delivered twice");

            // A revoked key is refused by the live server at once.
            assert_eq!(last_line(&guildhall(url, &["notify", "key", "revoke", &key])), "revoked");
            drop(server);
        }
        t.cleanup().await;
    }
}
