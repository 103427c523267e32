//! The real `guildhall` binary against test stores (SQLite, and PostgreSQL when configured):
//! import, export, proofs and verification of a GOV.UK register, tampering caught by verify,
//! and bad input refused with a one-line message and nothing changed.

mod common;

use common::{asserted_root, guildhall, stderr, stdout, vector};
use serde_json::Value;

fn country() -> (String, String) {
    let path = vector("country.rsf");
    let text = std::fs::read_to_string(&path).unwrap();
    (path.display().to_string(), text)
}

fn proof(url: &str, args: &[&str]) -> Value {
    let mut all = vec!["register", "proof"];
    all.extend_from_slice(args);
    let out = guildhall(url, &all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("proof prints JSON")
}

/// Asserts a command failed with exit code 2 and one line on stderr naming `needle`, no panic.
fn assert_refused(out: &std::process::Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "stderr should name {needle:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

async fn register_id(t: &store::testing::TestStore, name: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT id FROM registers WHERE name = $1").bind(name).fetch_one(t.store.pool()).await.unwrap().get(0)
}

#[tokio::test]
async fn an_imported_register_exports_proves_and_verifies_and_tampering_is_caught() {
    let (path, text) = country();
    let root = asserted_root(&text);
    for (t, _) in common::stores().await {
        let url = t.url.as_str();

        let out = guildhall(url, &["register", "import", &path]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), format!("{root}\n"), "import prints only the new root");

        let out = guildhall(url, &["register", "export", "country"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(out.stdout == text.as_bytes(), "export round-trips byte for byte");

        let json = proof(url, &["country"]);
        assert_eq!(json["root-hash"], root.as_str());
        let size = json["total-entries"]
            .as_u64()
            .or_else(|| json["total-entries"].as_str().and_then(|s| s.parse().ok()))
            .unwrap();
        assert!(size > 17);
        proof(url, &["country", "--entry", "17", "--size", &size.to_string()]);
        proof(url, &["country", "--from", "17", "--to", &size.to_string()]);

        let out = guildhall(url, &["register", "list"]);
        assert!(stdout(&out).starts_with("country\t"), "{}", stdout(&out));

        let out = guildhall(url, &["register", "verify", "country"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains(&root));

        let id = register_id(&t, "country").await;
        sqlx::query("UPDATE entries SET timestamp = '2000-01-01T00:00:00Z' WHERE register_id = $1 AND log = 0 AND entry_number = 17")
            .bind(id)
            .execute(t.store.pool())
            .await
            .unwrap();
        let out = guildhall(url, &["register", "verify", "country"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("register country: user entry 17 was altered"), "{}", stderr(&out));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_altered_item_is_reported_at_the_first_entry_that_uses_it() {
    let (path, _) = country();
    for (t, _) in common::stores().await {
        let out = guildhall(&t.url, &["register", "import", &path, "--register", "country"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let id = register_id(&t, "country").await;
        sqlx::query("UPDATE items SET content = replace(content, 'Afghanistan', 'Afghanistam') WHERE register_id = $1")
            .bind(id)
            .execute(t.store.pool())
            .await
            .unwrap();
        let out = guildhall(&t.url, &["register", "verify", "country"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let first_af = std::fs::read_to_string(vector("country.rsf"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("append-entry\tuser\t"))
            .position(|l| l.contains("\tAF\t"))
            .unwrap()
            + 1;
        assert!(stderr(&out).contains(&format!("user entry {first_af} was altered")), "{}", stderr(&out));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_fails_with_a_message_naming_the_problem_and_changes_nothing() {
    let (path, text) = country();
    let root = asserted_root(&text);
    let dir = tempfile::tempdir().unwrap();
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        assert!(guildhall(url, &["register", "import", &path]).status.success());
        let size_before = proof(url, &["country"])["total-entries"].clone();

        // A continuation of country whose third line is malformed: nothing of it may land.
        let bad = dir.path().join("bad.rsf");
        std::fs::write(
            &bad,
            format!("assert-root-hash\t{root}\nadd-item\t{{\"country\":\"ZZ\"}}\nappend-entry\tuser\tZZ\tyesterday\tsha-256:00\n"),
        )
        .unwrap();
        let out = guildhall(url, &["register", "import", bad.to_str().unwrap(), "--register", "country"]);
        assert_refused(&out, "line 3");
        assert!(stdout(&out).is_empty());
        let after = proof(url, &["country"]);
        assert_eq!(after["root-hash"], root.as_str(), "a failed import leaves the root unchanged");
        assert_eq!(after["total-entries"], size_before, "a failed import leaves the size unchanged");

        // A malformed file into a new register leaves no register behind.
        let out = guildhall(url, &["register", "import", bad.to_str().unwrap(), "--register", "fresh"]);
        assert_ne!(out.status.code(), Some(0));
        let out = guildhall(url, &["register", "list"]);
        assert!(!stdout(&out).contains("fresh"), "{}", stdout(&out));

        // A file without a name entry needs --register.
        let nameless = dir.path().join("nameless.rsf");
        std::fs::write(
            &nameless,
            format!(
                "assert-root-hash\t{}\n",
                "sha-256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
        )
        .unwrap();
        let out = guildhall(url, &["register", "import", nameless.to_str().unwrap()]);
        assert_refused(&out, "--register");

        let out = guildhall(url, &["register", "export", "no-such-register"]);
        assert_refused(&out, "no-such-register");

        let out = guildhall(url, &["register", "proof", "country", "--entry", "1", "--size", "100000"]);
        assert_refused(&out, "100000");

        let out = guildhall(url, &["register", "export", "country", "--council", "nowhere"]);
        assert_refused(&out, "nowhere");

        t.cleanup().await;
    }
}

#[test]
fn an_unsupported_database_url_is_refused_by_name() {
    let out = guildhall("mysql://localhost/guildhall", &["register", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("mysql://localhost/guildhall"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn an_rsf_file_verifies_without_a_database_and_a_corrupt_one_names_its_line() {
    let (path, text) = country();
    let out = guildhall("mysql://never-opened", &["register", "verify", "--file", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(&asserted_root(&text)));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.rsf");
    std::fs::write(&bad, text.replacen("\tSU\t", "\tSV\t", 1)).unwrap();
    let out = guildhall("mysql://never-opened", &["register", "verify", "--file", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("assert-root-hash"), "{}", stderr(&out));
}

#[tokio::test]
async fn councils_own_their_registers_and_keys_are_issued_once() {
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        let out = guildhall(url, &["council", "create", "exampleshire", "Exampleshire Council"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&guildhall(url, &["council", "list"])), "exampleshire\tExampleshire Council\n");
        let out = guildhall(url, &["council", "create", "exampleshire", "Again"]);
        assert_eq!(out.status.code(), Some(2));

        let out = guildhall(url, &["register", "create", "street", "--council", "exampleshire", "--private"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let listed = stdout(&guildhall(url, &["register", "list", "--council", "exampleshire"]));
        assert_eq!(listed, "street\t0 entries\t0 records\tprivate\n");
        assert!(stdout(&guildhall(url, &["register", "list"])).is_empty(), "council registers are not national");
        let out = guildhall(url, &["register", "key", "street", "--council", "exampleshire"]);
        assert!(stdout(&out).trim().starts_with("ghk_"), "{}", stderr(&out));
        t.cleanup().await;
    }
}
