//! Reading a register: entries, records (the newest entry for a key), items, roots and proofs.
//! Roots and proofs fetch only the O(log n) stored subtree hashes they need, in one query.

use std::collections::HashMap;

use sqlx::Row;

use crate::canonical::{Item, ItemHash};
use crate::entry::{Entry, Log, parse_item_hashes};
use crate::error::{RegisterError, Result};
use crate::merkle::{self, EMPTY_ROOT, Hash, LeafRange};
use crate::register::{Owner, RegisterInfo, RegisterName, Registers};
use crate::schema::Schema;
use crate::sql::{fetch_items, fetch_nodes, load_schema};

/// Most records one call returns.
const MAX_PAGE: u64 = 10_000;

/// A record: the newest entry for a key, with its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The entry that made the record what it is.
    pub entry: Entry,
    /// Its items, in the entry's order.
    pub items: Vec<Item>,
}

/// The newest user entry for a key (`$1` the register, `$2` the key). Its entry number comes
/// from `entries_by_key` alone, then one primary-key look-up. Asked as one `WHERE key = $2
/// ORDER BY entry_number DESC LIMIT 1` instead, SQLite's planner walks the primary key
/// (register, log, entry number) backwards through the whole register until it meets the key:
/// milliseconds per read on a large register. The plan is pinned by a test below.
pub(crate) const RECORD_SQL: &str = "SELECT entry_number, key, timestamp, item_hashes FROM entries \
     WHERE register_id = $1 AND log = 0 AND entry_number = (SELECT MAX(entry_number) FROM entries \
     WHERE register_id = $1 AND key = $2 AND log = 0)";

/// Every user entry for a key, oldest first (`$1` the register, `$2` the key): the entry numbers
/// from `entries_by_key`, then primary-key look-ups, for the same reason as [`RECORD_SQL`].
pub(crate) const RECORD_ENTRIES_SQL: &str = "SELECT entry_number, key, timestamp, item_hashes FROM entries \
     WHERE register_id = $1 AND log = 0 AND entry_number IN (SELECT entry_number FROM entries \
     WHERE register_id = $1 AND key = $2 AND log = 0) ORDER BY entry_number";

/// One page of records in key order (`$1` the register, `$2` the page size, `$3` the offset):
/// the newest entry number per key for one page of keys (from `entries_by_key` alone), then
/// those entries by primary key. Written as `IN (…)`, not as a join with the page: SQLite
/// planned that join with the register's entries outside and the page inside, a scan of the
/// page for every entry (4.8 s for one page of a 5,310-record register). The page is sorted by
/// `key || ''`, which orders exactly as `key` on both backends (same collation), because a plain
/// `ORDER BY key` made SQLite walk the whole register through `entries_by_key` to save the sort
/// of one page.
pub(crate) const RECORDS_PAGE_SQL: &str = "SELECT entry_number, key, timestamp, item_hashes FROM entries \
     WHERE register_id = $1 AND log = 0 AND entry_number IN (SELECT MAX(entry_number) FROM entries \
     WHERE register_id = $1 AND log = 0 GROUP BY key ORDER BY key LIMIT $2 OFFSET $3) ORDER BY key || ''";

fn entry_from_row(log: Log, row: &sqlx::any::AnyRow) -> Result<Entry> {
    Ok(Entry {
        log,
        number: row.try_get::<i64, _>(0)? as u64,
        key: row.try_get(1)?,
        timestamp: row.try_get(2)?,
        item_hashes: parse_item_hashes(&row.try_get::<String, _>(3)?).map_err(RegisterError::Corrupt)?,
    })
}

impl Registers {
    /// The schema and metadata, replayed from the system log.
    pub async fn schema(&self, register: &RegisterInfo) -> Result<Schema> {
        let mut conn = self.store.pool().acquire().await?;
        load_schema(&mut conn, register.id).await
    }

    /// Entries `start`, `start + 1`, … of a log, at most `limit`.
    pub async fn entries(&self, register: &RegisterInfo, log: Log, start: u64, limit: u64) -> Result<Vec<Entry>> {
        let rows = sqlx::query(
            "SELECT entry_number, key, timestamp, item_hashes FROM entries \
             WHERE register_id = $1 AND log = $2 AND entry_number >= $3 ORDER BY entry_number LIMIT $4",
        )
        .bind(register.id)
        .bind(log.code())
        .bind(start as i64)
        .bind(limit.min(i64::MAX as u64) as i64)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(|r| entry_from_row(log, r)).collect()
    }

    /// User entries `start`, `start + 1`, … with their items, at most `limit`: what a view
    /// replays to build itself from the log and to follow new entries.
    pub async fn replay(&self, register: &RegisterInfo, start: u64, limit: u64) -> Result<Vec<Record>> {
        let entries = self.entries(register, Log::User, start.max(1), limit.min(MAX_PAGE)).await?;
        self.with_items(register.id, entries).await
    }

    /// One user entry.
    pub async fn entry(&self, register: &RegisterInfo, number: u64) -> Result<Entry> {
        let found = self.entries(register, Log::User, number.max(1), 1).await?;
        found
            .into_iter()
            .find(|e| e.number == number)
            .ok_or(RegisterError::UnknownEntry { number, size: register.user_size })
    }

    /// Every user entry for a key, oldest first: the record's history. (The entry numbers come
    /// from `entries_by_key`; see `RECORD_SQL` for why the query is not a plain `key = $2`.)
    pub async fn record_entries(&self, register: &RegisterInfo, key: &str) -> Result<Vec<Entry>> {
        let rows = sqlx::query(RECORD_ENTRIES_SQL).bind(register.id).bind(key).fetch_all(self.store.pool()).await?;
        let entries = rows.iter().map(|r| entry_from_row(Log::User, r)).collect::<Result<Vec<_>>>()?;
        if entries.is_empty() {
            return Err(RegisterError::UnknownRecord(key.to_string()));
        }
        Ok(entries)
    }

    /// The record for a key.
    pub async fn record(&self, register: &RegisterInfo, key: &str) -> Result<Record> {
        self.record_in(register.id, key).await
    }

    /// The record for a key of the register `owner`/`name`, for a reader that knows the register
    /// by name only (a consented read): as [`Registers::record`] without looking the register
    /// up on every read, since its id is remembered. An unknown register is
    /// [`RegisterError::UnknownRegister`].
    pub async fn record_by_name(&self, owner: Owner, name: &RegisterName, key: &str) -> Result<Record> {
        let id = self.id_of(owner, name).await?;
        self.record_in(id, key).await
    }

    async fn record_in(&self, register_id: i64, key: &str) -> Result<Record> {
        // Through `entries_by_key`, not `key = $2 ORDER BY entry_number DESC` (see `RECORD_SQL`).
        let rows = sqlx::query(RECORD_SQL).bind(register_id).bind(key).fetch_all(self.store.pool()).await?;
        let entry = rows.first().map(|r| entry_from_row(Log::User, r)).transpose()?;
        let entry = entry.ok_or_else(|| RegisterError::UnknownRecord(key.to_string()))?;
        Ok(self.with_items(register_id, vec![entry]).await?.remove(0))
    }

    /// Records in key order, a page at a time.
    pub async fn records(&self, register: &RegisterInfo, offset: u64, limit: u64) -> Result<Vec<Record>> {
        // The newest entry number per key for one page of keys, then those entries by primary key.
        let rows = sqlx::query(RECORDS_PAGE_SQL)
            .bind(register.id)
            .bind(limit.min(MAX_PAGE) as i64)
            .bind(offset.min(i64::MAX as u64) as i64)
            .fetch_all(self.store.pool())
            .await?;
        let entries = rows.iter().map(|r| entry_from_row(Log::User, r)).collect::<Result<Vec<_>>>()?;
        self.with_items(register.id, entries).await
    }

    /// How many records (distinct keys) the register has.
    pub async fn record_count(&self, register: &RegisterInfo) -> Result<u64> {
        let row = sqlx::query("SELECT COUNT(DISTINCT key) FROM entries WHERE register_id = $1 AND log = 0")
            .bind(register.id)
            .fetch_one(self.store.pool())
            .await?;
        Ok(row.try_get::<i64, _>(0)? as u64)
    }

    async fn with_items(&self, register_id: i64, entries: Vec<Entry>) -> Result<Vec<Record>> {
        let hashes: Vec<ItemHash> = entries.iter().flat_map(|e| e.item_hashes.iter().copied()).collect();
        let mut conn = self.store.pool().acquire().await?;
        let items = fetch_items(&mut conn, register_id, &hashes).await?;
        entries
            .into_iter()
            .map(|entry| {
                let items = entry
                    .item_hashes
                    .iter()
                    .map(|h| {
                        items.get(h).cloned().ok_or_else(|| RegisterError::Corrupt(format!("item {h} is missing")))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Record { entry, items })
            })
            .collect()
    }

    /// An item of this register by hash.
    pub async fn item(&self, register: &RegisterInfo, hash: &ItemHash) -> Result<Item> {
        let mut conn = self.store.pool().acquire().await?;
        let mut found = fetch_items(&mut conn, register.id, &[*hash]).await?;
        found.remove(hash).ok_or_else(|| RegisterError::UnknownItem(hash.to_string()))
    }

    /// The Merkle root of the user log at `size` entries (any size up to the current one).
    pub async fn root(&self, register: &RegisterInfo, size: u64) -> Result<Hash> {
        if size > register.user_size {
            return Err(RegisterError::BadProofRequest(format!(
                "no tree of size {size}: the register has {} entries",
                register.user_size
            )));
        }
        match merkle::root_range(size) {
            None => Ok(EMPTY_ROOT),
            Some(range) => Ok(self.range_hashes(register, &[range]).await?.remove(0)),
        }
    }

    /// The stored leaf hash of user entry `number`.
    pub async fn leaf_hash(&self, register: &RegisterInfo, number: u64) -> Result<Hash> {
        if number == 0 || number > register.user_size {
            return Err(RegisterError::UnknownEntry { number, size: register.user_size });
        }
        let range = LeafRange { start: number - 1, end: number };
        Ok(self.range_hashes(register, &[range]).await?.remove(0))
    }

    /// The audit path proving entry `number` (1-based) is in the tree of `size` entries (RFC 9162 §2.1.3).
    pub async fn inclusion_proof(&self, register: &RegisterInfo, number: u64, size: u64) -> Result<Vec<Hash>> {
        if size > register.user_size {
            return Err(RegisterError::BadProofRequest(format!(
                "cannot prove inclusion in a tree of size {size}: the register has {} entries",
                register.user_size
            )));
        }
        if number == 0 || number > size {
            return Err(RegisterError::BadProofRequest(format!(
                "entry {number} is not in a tree of size {size}: entries are numbered 1 to {size}"
            )));
        }
        let plan =
            merkle::inclusion_plan(number - 1, size).map_err(|e| RegisterError::BadProofRequest(e.to_string()))?;
        self.range_hashes(register, &plan).await
    }

    /// The proof that the tree of `to` entries extends the tree of `from` entries (RFC 9162 §2.1.4).
    pub async fn consistency_proof(&self, register: &RegisterInfo, from: u64, to: u64) -> Result<Vec<Hash>> {
        if to > register.user_size {
            return Err(RegisterError::BadProofRequest(format!(
                "cannot prove consistency to size {to}: the register has {} entries",
                register.user_size
            )));
        }
        let plan = merkle::consistency_plan(from, to).map_err(|e| RegisterError::BadProofRequest(e.to_string()))?;
        self.range_hashes(register, &plan).await
    }

    /// Brings the register's Merkle view up to date now (when views are kept), rather than in
    /// the background on first use: for start-up warming and benchmarks.
    pub async fn warm_merkle_view(&self, register: &RegisterInfo) -> Result<()> {
        match &self.views {
            Some(views) => views.warm(self.store.pool(), register).await,
            None => Ok(()),
        }
    }

    /// Hashes of leaf ranges from the stored complete subtrees: from the Merkle view when the
    /// brick keeps one that is current, else fetched in one query.
    async fn range_hashes(&self, register: &RegisterInfo, ranges: &[LeafRange]) -> Result<Vec<Hash>> {
        let ids = merkle::nodes_needed(ranges);
        let view = match &self.views {
            Some(views) => views.current(self.store.pool(), register).await?,
            None => None,
        };
        let nodes: HashMap<_, _> = match view {
            Some(view) => {
                let view = view.read().await;
                ids.iter().filter_map(|id| view.node(*id).map(|h| (*id, h))).collect()
            }
            None => {
                let mut conn = self.store.pool().acquire().await?;
                fetch_nodes(&mut conn, register.id, &ids).await?
            }
        };
        ranges
            .iter()
            .map(|r| merkle::range_hash(*r, &nodes).map_err(|e| RegisterError::Corrupt(format!("{e:?}"))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::{RECORD_ENTRIES_SQL, RECORD_SQL, RECORDS_PAGE_SQL};
    use crate::register::Registers;

    /// SQLite's plan for `sql`, one step per line (the `detail` column of EXPLAIN QUERY PLAN).
    async fn sqlite_plan(store: &store::Store, sql: &str) -> Vec<String> {
        let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
            .bind(1_i64)
            .bind("some-key")
            .fetch_all(store.pool())
            .await
            .expect("explain the query");
        rows.iter().map(|r| r.try_get::<String, _>("detail").expect("plan detail")).collect()
    }

    #[tokio::test]
    async fn record_and_page_reads_find_entry_numbers_through_entries_by_key_and_never_walk_the_register() {
        let test = store::testing::sqlite().await;
        Registers::migrate(&test.store).await.expect("registers migrations");
        for sql in [RECORD_SQL, RECORD_ENTRIES_SQL, RECORDS_PAGE_SQL] {
            let plan = sqlite_plan(&test.store, sql).await;
            let shown = plan.join(" / ");
            assert!(plan.iter().any(|step| step.contains("entries_by_key")), "{shown}\n{sql}");
            assert!(!plan.iter().any(|step| step.starts_with("SCAN")), "{shown}\n{sql}");
            // Entries are fetched by entry number, and `entries_by_key` is only ever read whole
            // (covering) to find those numbers, never walked to fetch the entries themselves.
            assert!(
                plan.iter().any(|step| step.contains("USING PRIMARY KEY (register_id=? AND log=? AND entry_number=?)")),
                "{shown}\n{sql}"
            );
            assert!(!plan.iter().any(|step| step.contains("USING INDEX entries_by_key")), "{shown}\n{sql}");
            // A primary-key search bound only by (register, log) is the walk through the whole
            // register that the plan must not fall back to: every one must pin the entry number.
            for step in plan.iter().filter(|step| step.contains("USING PRIMARY KEY")) {
                assert!(step.contains("entry_number=?"), "{step} in {shown}\n{sql}");
            }
        }
        test.cleanup().await;
    }
}
