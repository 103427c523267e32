//! The store every brick writes through: one connection pool over embedded SQLite or
//! PostgreSQL, per-brick migrations for each backend, and the councils (tenants) table.
//!
//! Bricks write their SQL once, in the dialect both backends accept (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`), and run it on the [`Store`]'s `sqlx::AnyPool`. Where the
//! dialects truly differ a brick asks [`Store::backend`]. Each brick owns its tables and
//! ships a migrations folder per backend; [`Store::migrate`] runs them. Bricks whose writes
//! are many and small share commits through [`group_commit`].
#![warn(missing_docs)]

mod councils;
pub mod group_commit;
mod pool;
pub mod testing;

pub use councils::{Council, CouncilId, CouncilSlug, Councils};
pub use pool::{Backend, Store, default_sqlite_url};

/// The current time as registers write it: `YYYY-MM-DDTHH:MM:SSZ` in UTC, whole seconds.
pub fn now_timestamp() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc().format(&format).unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// What can go wrong talking to the store; bricks wrap it in their own error types.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// Creating the directory for an SQLite file failed.
    #[error("cannot create the directory for the SQLite file {path}: {source}")]
    CreateDir {
        /// The directory that could not be made.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A migration failed to apply.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A council slug is not lower-case letters, digits and hyphens.
    #[error("invalid council slug {0:?}: use 1-63 lower-case letters, digits and hyphens")]
    InvalidSlug(String),
    /// The slug is one of the instance's own route words.
    #[error("council slug {0:?} is a word the instance uses in its own addresses; choose another")]
    ReservedSlug(String),
    /// A council with that slug already exists.
    #[error("a council with slug {0:?} already exists")]
    DuplicateCouncil(String),
    /// No council with that slug.
    #[error("no council with slug {0:?}")]
    UnknownCouncil(String),
    /// No council with that id (a row's council id that names no council).
    #[error("no council with id {0}")]
    UnknownCouncilId(i64),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}
