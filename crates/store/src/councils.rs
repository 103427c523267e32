//! Councils: the tenants of an instance. Only the councils table lives here; bricks keep their
//! own council-owned rows and refer to a council by [`CouncilId`].

use sqlx::Row;

use crate::{Store, StoreError, now_timestamp};

/// A council's database id; a newtype so it cannot be mixed up with other ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct CouncilId(pub i64);

/// A council's slug as used in URLs and on the command line: always well-formed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CouncilSlug(String);

impl CouncilSlug {
    /// Parses a slug: 1-63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`.
    pub fn parse(s: &str) -> Result<CouncilSlug, StoreError> {
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok { Ok(CouncilSlug(s.to_string())) } else { Err(StoreError::InvalidSlug(s.to_string())) }
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CouncilSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The first path segments the instance itself serves at its root (APIs, look-ups, assets,
/// operations, sign-in call-backs, and words kept for platforms to come). A council reached at
/// `/{slug}/` cannot take one of them.
pub const RESERVED_SLUGS: &[&str] = &[
    "account",
    "accounts",
    "addresses",
    "admin",
    "api",
    "area",
    "areas",
    "assets",
    "code",
    "councils",
    "demo",
    "dev",
    "healthz",
    "metrics",
    "oidc",
    "open311",
    "pay",
    "point",
    "postcode",
    "postcodes",
    "proof",
    "readyz",
    "registers",
    "services",
    "sign-in",
    "sign-out",
    "staff",
    "static",
    "v1",
    "v2",
    "v3",
];

/// A council (tenant).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Council {
    /// Its id, carried by every row it owns.
    pub id: CouncilId,
    /// Its slug, for URLs and the CLI.
    pub slug: CouncilSlug,
    /// Its name as citizens know it.
    pub name: String,
}

/// Reads and writes the councils table.
#[derive(Debug, Clone)]
pub struct Councils {
    store: Store,
}

impl Councils {
    /// Councils on this store.
    pub fn new(store: Store) -> Councils {
        Councils { store }
    }

    /// The store the councils live on, for a caller that also reads other bricks' per-council data.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creates a council; its slug must be new and must not be one of the instance's own route
    /// words ([`RESERVED_SLUGS`]), or the council's pages at `/{slug}/` would be shadowed.
    pub async fn create(&self, slug: &CouncilSlug, name: &str) -> Result<Council, StoreError> {
        if RESERVED_SLUGS.contains(&slug.as_str()) {
            return Err(StoreError::ReservedSlug(slug.to_string()));
        }
        let name = name.trim();
        if self.by_slug(slug).await.is_ok() {
            return Err(StoreError::DuplicateCouncil(slug.to_string()));
        }
        let row = sqlx::query("INSERT INTO councils (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(slug.as_str())
            .bind(name)
            .bind(now_timestamp())
            .fetch_one(self.store.pool())
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::DuplicateCouncil(slug.to_string()),
                _ => StoreError::Database(e),
            })?;
        Ok(Council { id: CouncilId(row.try_get(0)?), slug: slug.clone(), name: name.to_string() })
    }

    /// Finds a council by slug.
    pub async fn by_slug(&self, slug: &CouncilSlug) -> Result<Council, StoreError> {
        let row = sqlx::query("SELECT id, name FROM councils WHERE slug = $1")
            .bind(slug.as_str())
            .fetch_optional(self.store.pool())
            .await?
            .ok_or_else(|| StoreError::UnknownCouncil(slug.to_string()))?;
        Ok(Council { id: CouncilId(row.try_get(0)?), slug: slug.clone(), name: row.try_get(1)? })
    }

    /// Finds a council by the id its bricks' rows carry, e.g. to build links under its slug
    /// from a key or a staff account that names the council by id only.
    pub async fn by_id(&self, id: CouncilId) -> Result<Council, StoreError> {
        let row = sqlx::query("SELECT slug, name FROM councils WHERE id = $1")
            .bind(id.0)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(StoreError::UnknownCouncilId(id.0))?;
        Ok(Council { id, slug: CouncilSlug(row.try_get(0)?), name: row.try_get(1)? })
    }

    /// Every council, by slug.
    pub async fn list(&self) -> Result<Vec<Council>, StoreError> {
        let rows =
            sqlx::query("SELECT id, slug, name FROM councils ORDER BY slug").fetch_all(self.store.pool()).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Council { id: CouncilId(r.try_get(0)?), slug: CouncilSlug(r.try_get(1)?), name: r.try_get(2)? })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words_with_hyphens() {
        assert!(CouncilSlug::parse("exampleshire").is_ok());
        assert!(CouncilSlug::parse("north-exampleshire-2").is_ok());
        for bad in ["", "Example", "-a", "a-", "a b", "a/b"] {
            assert!(CouncilSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
