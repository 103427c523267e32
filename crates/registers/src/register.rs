//! Registers as things that exist: names, owners (national or one council), creation, listing,
//! and custodian API keys. The log itself is written by the writer and read by the reader.

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use store::{CouncilId, Store, now_timestamp};

use crate::error::{RegisterError, Result};

/// A register's name: lower-case letters, digits and hyphens, as GOV.UK registers were named.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegisterName(String);

impl RegisterName {
    /// Parses a name, 1-100 characters of `a-z`, `0-9` and `-`.
    pub fn parse(s: &str) -> Result<RegisterName> {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok { Ok(RegisterName(s.to_string())) } else { Err(RegisterError::InvalidName(s.to_string())) }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RegisterName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who a register belongs to: the whole instance (national, shared by every council) or one council.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// Shared by all councils on the instance.
    National,
    /// Owned by one council; every row of it carries the council's id.
    Council(CouncilId),
}

impl Owner {
    /// The `council_id` column value (NULL for national).
    pub fn council_id(self) -> Option<i64> {
        match self {
            Owner::National => None,
            Owner::Council(c) => Some(c.0),
        }
    }

    /// The value the owner-and-name index uses (0 for national).
    pub(crate) fn scope(self) -> i64 {
        self.council_id().unwrap_or(0)
    }
}

/// A register's identity and sizes, as last committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterInfo {
    /// Database id: the key every row of the register carries.
    pub id: i64,
    /// Who owns it.
    pub owner: Owner,
    /// Its name.
    pub name: RegisterName,
    /// Whether anyone may read it without a key.
    pub open: bool,
    /// Number of user entries (the Merkle tree's size).
    pub user_size: u64,
    /// Number of system entries.
    pub system_size: u64,
    /// When it last changed.
    pub updated_at: String,
}

pub(crate) const INFO_COLUMNS: &str = "id, council_id, name, open, user_size, system_size, updated_at";

pub(crate) fn info_from_row(row: &sqlx::any::AnyRow) -> Result<RegisterInfo> {
    let council: Option<i64> = row.try_get(1)?;
    Ok(RegisterInfo {
        id: row.try_get(0)?,
        owner: council.map(|c| Owner::Council(CouncilId(c))).unwrap_or(Owner::National),
        name: RegisterName(row.try_get(2)?),
        open: row.try_get::<i64, _>(3)? != 0,
        user_size: row.try_get::<i64, _>(4)? as u64,
        system_size: row.try_get::<i64, _>(5)? as u64,
        updated_at: row.try_get(6)?,
    })
}

/// The registers brick: every operation on registers goes through here.
#[derive(Debug, Clone)]
pub struct Registers {
    pub(crate) store: Store,
    /// In-memory Merkle views for fast proofs, when enabled.
    pub(crate) views: Option<std::sync::Arc<crate::view::MerkleViews>>,
    /// Register ids by owner scope and name, for reads by name ([`Registers::record_by_name`]):
    /// a register is never renamed nor deleted, so an id once found is right on every node.
    /// Only registers found are remembered; one created later is looked up when first read.
    pub(crate) ids: std::sync::Arc<std::sync::RwLock<std::collections::HashMap<(i64, String), i64>>>,
}

impl Registers {
    /// The brick over a store whose migrations have run (see [`Registers::migrate`]).
    pub fn new(store: Store) -> Registers {
        Registers { store, views: None, ids: Default::default() }
    }

    /// The same brick answering roots and proofs from in-memory Merkle views (64 bytes per
    /// entry of each register proved from; built from the stored hashes on first use, then
    /// following the log). Without it every proof is one database query.
    pub fn with_merkle_views(mut self) -> Registers {
        self.views = Some(Default::default());
        self
    }

    /// Runs this brick's migrations (after the store's own).
    pub async fn migrate(store: &Store) -> Result<()> {
        store.migrate(sqlx::migrate!("./migrations/sqlite"), sqlx::migrate!("./migrations/postgres")).await?;
        Ok(())
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creates an empty register; its fields come from the system entries appended next.
    pub async fn create(&self, owner: Owner, name: &RegisterName, open: bool) -> Result<RegisterInfo> {
        if self.find(owner, name).await?.is_some() {
            return Err(RegisterError::DuplicateRegister(name.to_string()));
        }
        let now = now_timestamp();
        let row = sqlx::query(&format!(
            "INSERT INTO registers (council_id, name, open, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING {INFO_COLUMNS}"
        ))
        .bind(owner.council_id())
        .bind(name.as_str())
        .bind(open as i64)
        .bind(&now)
        .fetch_one(self.store.pool())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => RegisterError::DuplicateRegister(name.to_string()),
            _ => e.into(),
        })?;
        info_from_row(&row)
    }

    /// Looks a register up by owner and name.
    pub async fn find(&self, owner: Owner, name: &RegisterName) -> Result<Option<RegisterInfo>> {
        let row = sqlx::query(&format!(
            "SELECT {INFO_COLUMNS} FROM registers WHERE COALESCE(council_id, 0) = $1 AND name = $2"
        ))
        .bind(owner.scope())
        .bind(name.as_str())
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(info_from_row).transpose()
    }

    /// The id of the register `owner`/`name`, remembered once found (see [`Registers::ids`]).
    pub(crate) async fn id_of(&self, owner: Owner, name: &RegisterName) -> Result<i64> {
        let key = (owner.scope(), name.as_str().to_string());
        let known = self.ids.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key).copied();
        if let Some(id) = known {
            return Ok(id);
        }
        let id = self.get(owner, name).await?.id;
        self.ids.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, id);
        Ok(id)
    }

    /// Looks a register up, or says it does not exist.
    pub async fn get(&self, owner: Owner, name: &RegisterName) -> Result<RegisterInfo> {
        self.find(owner, name).await?.ok_or_else(|| RegisterError::UnknownRegister(name.to_string()))
    }

    /// The registers an owner has, by name.
    pub async fn list(&self, owner: Owner) -> Result<Vec<RegisterInfo>> {
        let rows = sqlx::query(&format!(
            "SELECT {INFO_COLUMNS} FROM registers WHERE COALESCE(council_id, 0) = $1 ORDER BY name"
        ))
        .bind(owner.scope())
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(info_from_row).collect()
    }

    /// Issues a custodian API key for a register and returns the secret, which is shown only once.
    pub async fn create_key(&self, register: &RegisterInfo, label: &str) -> Result<String> {
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        let secret = format!("ghk_{}", hex::encode(bytes));
        sqlx::query(
            "INSERT INTO register_keys (register_id, council_id, secret_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(register.id)
        .bind(register.owner.council_id())
        .bind(Sha256::digest(secret.as_bytes()).to_vec())
        .bind(label)
        .bind(now_timestamp())
        .execute(self.store.pool())
        .await?;
        Ok(secret)
    }

    /// Checks that a secret is a custodian key of this register.
    pub async fn authorise(&self, register: &RegisterInfo, secret: Option<&str>) -> Result<()> {
        let unauthorised = || RegisterError::Unauthorised(register.name.to_string());
        let secret = secret.ok_or_else(unauthorised)?;
        let row = sqlx::query("SELECT id FROM register_keys WHERE secret_hash = $1 AND register_id = $2")
            .bind(Sha256::digest(secret.as_bytes()).to_vec())
            .bind(register.id)
            .fetch_optional(self.store.pool())
            .await?;
        row.map(|_| ()).ok_or_else(unauthorised)
    }
}
