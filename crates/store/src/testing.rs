//! Test databases: every test of a store-backed brick runs once on a fresh SQLite file and,
//! when `GUILDHALL_TEST_POSTGRES_URL` is set, once on a fresh PostgreSQL database that the test
//! creates and drops. On CI (`CI=true`) a missing PostgreSQL URL is an error, never a silent skip.

use rand::Rng;
use sqlx::Connection;

use crate::{Backend, Store};

/// A fresh, migrated store for one test, removed again by [`TestStore::cleanup`].
pub struct TestStore {
    /// The store to test against.
    pub store: Store,
    /// The URL it was opened with (for spawning a binary against the same database).
    pub url: String,
    admin_url: Option<String>,
    db_name: Option<String>,
    _dir: Option<tempfile_dir::TempDir>,
}

mod tempfile_dir {
    /// A directory removed on drop; kept tiny so `store` need not depend on `tempfile` outside tests.
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl TestStore {
    /// Which backend this test store is.
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Closes the pool and drops the PostgreSQL database (SQLite's directory goes on drop).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let (Some(admin), Some(db)) = (&self.admin_url, &self.db_name)
            && let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)")).execute(&mut conn).await;
        }
    }
}

/// The PostgreSQL URL tests use, if any; panics on CI when it is missing, so PostgreSQL is never skipped silently.
pub fn postgres_test_url() -> Option<String> {
    match std::env::var("GUILDHALL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
                panic!("CI=true but GUILDHALL_TEST_POSTGRES_URL is not set: PostgreSQL tests must run on CI");
            }
            None
        }
    }
}

fn random_suffix() -> String {
    let mut rng = rand::thread_rng();
    (0..12).map(|_| char::from(b'a' + rng.gen_range(0..26))).collect()
}

/// A fresh SQLite store in its own temporary directory, with the core migrations run.
pub async fn sqlite() -> TestStore {
    let dir = std::env::temp_dir().join(format!("guildhall-test-{}", random_suffix()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let url = format!("sqlite://{}/test.sqlite", dir.display());
    let store = Store::connect(&url).await.expect("open sqlite");
    store.migrate_core().await.expect("migrate core");
    TestStore { store, url, admin_url: None, db_name: None, _dir: Some(tempfile_dir::TempDir(dir)) }
}

/// A fresh PostgreSQL database (created here, dropped by cleanup), or None when not configured.
pub async fn postgres() -> Option<TestStore> {
    let admin_url = postgres_test_url()?;
    sqlx::any::install_default_drivers();
    let db = format!("guildhall_test_{}", random_suffix());
    let mut conn = sqlx::AnyConnection::connect(&admin_url).await.expect("connect to GUILDHALL_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE \"{db}\"")).execute(&mut conn).await.expect("create test database");
    conn.close().await.ok();
    let url = replace_database(&admin_url, &db);
    let store = Store::connect(&url).await.expect("open postgres test database");
    store.migrate_core().await.expect("migrate core");
    Some(TestStore { store, url, admin_url: Some(admin_url), db_name: Some(db), _dir: None })
}

/// Every store a test should run on: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<TestStore> {
    let mut stores = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        stores.push(pg);
    }
    stores
}

/// Swaps the database name in a PostgreSQL URL, keeping host, credentials and parameters.
fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[after_scheme..].find('/').map(|i| i + after_scheme);
    let host_part = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{db}?{q}"),
        None => format!("{host_part}/{db}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_in_a_postgres_url_is_replaced_and_the_rest_kept() {
        assert_eq!(replace_database("postgres://u@127.0.0.1:5432/test", "x"), "postgres://u@127.0.0.1:5432/x");
        assert_eq!(replace_database("postgres://127.0.0.1:5432", "x"), "postgres://127.0.0.1:5432/x");
        assert_eq!(replace_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
    }
}
