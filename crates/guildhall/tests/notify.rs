//! The notifications platform through the real binary: `guildhall notify service|key|template
//! create` in the shape outside scripts use (the id or key alone on the last line), bad input
//! refused in one line, and GOV.UK Notify's official Python client against a live
//! `guildhall serve` whose worker delivers every accepted notification to the sandbox once.
//! Runs on SQLite, and on PostgreSQL when configured.

mod common;

use std::process::Output;

use common::{Server, guildhall, last_line, stderr};
use store::CouncilSlug;

fn refused(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "stderr should name {needle:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_set_up_a_service_and_the_official_client_sends_through_a_live_server() {
    let client = common::python_client_available();
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        let dir = tempfile::tempdir().unwrap();
        let (service, key) = common::notify_service(url, "Bins");
        assert!(uuid::Uuid::parse_str(&service).is_ok(), "a service id: {service}");
        assert!(key.starts_with("ci-") && key.contains(&service), "Notify's key shape: {key}");

        let template = |kind: &str, name: &str, subject: Option<&str>, body: &str| {
            common::notify_template(url, dir.path(), &service, kind, name, subject, body)
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
            let out_text = common::run_python_client(
                "notify_python_client.py",
                &[
                    ("NOTIFY_BASE_URL", &server.base),
                    ("NOTIFY_API_KEY", &key),
                    ("NOTIFY_EMAIL_TEMPLATE", &email),
                    ("NOTIFY_SMS_TEMPLATE", &sms),
                    ("NOTIFY_LETTER_TEMPLATE", &letter),
                ],
            )
            .await;
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
