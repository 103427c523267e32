//! The library's append API: a batch of new entries, each with its items, validated against the
//! register's fields and committed together (all or nothing).

use serde_json::Value;
use store::now_timestamp;

use crate::canonical::Item;
use crate::entry::{Log, check_key, check_timestamp};
use crate::error::{RegisterError, Result};
use crate::merkle::Hash;
use crate::register::{RegisterInfo, Registers};
use crate::writer::LogWriter;

/// An entry as a custodian submits it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    /// User data or system metadata.
    pub log: Log,
    /// The record key.
    pub key: String,
    /// When; now if not given.
    pub timestamp: Option<String>,
    /// The item(s): JSON objects, canonicalised on the way in.
    pub items: Vec<Value>,
}

impl NewEntry {
    /// A user entry with one item, stamped now.
    pub fn user(key: impl Into<String>, item: Value) -> NewEntry {
        NewEntry { log: Log::User, key: key.into(), timestamp: None, items: vec![item] }
    }

    /// A system entry with one item, stamped now.
    pub fn system(key: impl Into<String>, item: Value) -> NewEntry {
        NewEntry { log: Log::System, key: key.into(), timestamp: None, items: vec![item] }
    }
}

/// What a committed append produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendReceipt {
    /// The register after the append.
    pub register: RegisterInfo,
    /// Entry numbers given to the batch's user entries (empty range if none).
    pub user_entries: std::ops::RangeInclusive<u64>,
    /// The new root of the user log.
    pub root: Hash,
}

impl Registers {
    /// Appends a batch in one transaction: every entry is checked (key, timestamp, items against
    /// the fields) and if any fails, none is written and the error names the entry.
    pub async fn append(&self, register: &RegisterInfo, entries: Vec<NewEntry>) -> Result<AppendReceipt> {
        if entries.is_empty() {
            return Err(RegisterError::InvalidEntry("no entries to append".into()));
        }
        let mut writer = LogWriter::open(self.store.pool(), register.id).await?;
        let first = writer.user_size() + 1;
        let now = now_timestamp();
        for (i, entry) in entries.into_iter().enumerate() {
            let label = format!("entry {} (key {:?})", i + 1, entry.key);
            let at = |m: String| RegisterError::InvalidEntry(format!("{label}: {m}"));
            check_key(&entry.key).map_err(at)?;
            let timestamp = entry.timestamp.clone().unwrap_or_else(|| now.clone());
            check_timestamp(&timestamp).map_err(at)?;
            if entry.items.is_empty() {
                return Err(at("an entry needs at least one item".into()));
            }
            let mut hashes = Vec::with_capacity(entry.items.len());
            for v in &entry.items {
                let item = Item::from_value(v).map_err(|e| at(e.to_string()))?;
                hashes.push(item.hash());
                writer.add_item_if_new(item);
            }
            let NewEntry { log, key, items, .. } = entry;
            writer.append(log, key, timestamp, hashes, Some(items)).await.map_err(|e| match e {
                RegisterError::Schema(s) => at(s.to_string()),
                RegisterError::InvalidEntry(m) => at(m),
                other => other,
            })?;
        }
        let last = writer.user_size();
        let (register, root) = writer.commit().await?;
        Ok(AppendReceipt { register, user_entries: first..=last, root })
    }
}
