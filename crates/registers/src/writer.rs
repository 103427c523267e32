//! Appending to a register: one transaction holds the register's row lock, stages items, entries
//! and the Merkle nodes each append completes, and writes them in multi-row statements. A batch
//! of a million entries is one stream and one commit; on any error nothing is written.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sqlx::{Any, Row, Transaction};
use store::now_timestamp;

use crate::canonical::{Item, ItemHash};
use crate::entry::{Entry, Log};
use crate::error::{RegisterError, Result};
use crate::merkle::{Frontier, Hash, LeafRange, leaf_hash};
use crate::register::{INFO_COLUMNS, Owner, RegisterInfo, RegisterName, info_from_row};
use crate::schema::Schema;
use crate::sql::{
    LOOKUP_CHUNK, MAX_PARAMS, fetch_items, fetch_nodes, list, load_schema, lookup_sql, sigil, sql_int, to_hash,
};

/// Entries staged before they are written out.
const FLUSH_EVERY: usize = 8192;

struct StagedItem {
    position: i64,
    hash: ItemHash,
    /// The canonical text when this is the item's first appearance in this session.
    content: Option<String>,
    /// RSF `add-item` of an item already stored: keep the line as a repeat (so exports round-trip).
    keep_repeat: bool,
}

/// The transaction of a session, back from the write that had it.
type Written = Result<Transaction<'static, Any>>;

/// An open append session on one register. Staged rows are written by a spawned task while the
/// next ones are hashed and checked, so the database and the CPU work side by side; the
/// transaction passes to the task and back, and nothing commits until [`LogWriter::commit`].
pub(crate) struct LogWriter {
    tx: Option<Transaction<'static, Any>>,
    writing: Option<tokio::task::JoinHandle<Written>>,
    pub(crate) info: RegisterInfo,
    item_lines: i64,
    frontier: Frontier,
    pub(crate) schema: Schema,
    session_items: HashMap<ItemHash, Item>,
    staged_items: Vec<StagedItem>,
    /// Entries to write, each with the Merkle hashes its append completed (user entries only).
    staged_entries: Vec<(Entry, Option<Vec<u8>>)>,
}

impl LogWriter {
    /// Begins a transaction and locks the register's row (an UPDATE, so SQLite takes its write
    /// lock at once and PostgreSQL locks the row), then loads the tree's right edge and the schema.
    pub(crate) async fn open(pool: &sqlx::AnyPool, register_id: i64) -> Result<LogWriter> {
        let tx = pool.begin().await?;
        LogWriter::open_in(tx, register_id).await
    }

    /// Creates a register and opens a session on it in one transaction, so that a failed import
    /// leaves no empty register behind.
    pub(crate) async fn create(
        pool: &sqlx::AnyPool,
        owner: Owner,
        name: &RegisterName,
        open: bool,
    ) -> Result<LogWriter> {
        let mut tx = pool.begin().await?;
        let now = now_timestamp();
        let row = sqlx::query(
            "INSERT INTO registers (council_id, name, open, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(owner.council_id())
        .bind(name.as_str())
        .bind(open as i64)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => RegisterError::DuplicateRegister(name.to_string()),
            _ => e.into(),
        })?;
        let id: i64 = row.try_get(0)?;
        LogWriter::open_in(tx, id).await
    }

    async fn open_in(mut tx: Transaction<'static, Any>, register_id: i64) -> Result<LogWriter> {
        sqlx::query("UPDATE registers SET updated_at = $1 WHERE id = $2")
            .bind(now_timestamp())
            .bind(register_id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(&format!("SELECT {INFO_COLUMNS}, item_lines FROM registers WHERE id = $1"))
            .bind(register_id)
            .fetch_one(&mut *tx)
            .await?;
        let info = info_from_row(&row)?;
        let item_lines: i64 = row.try_get(7)?;
        let ids = LeafRange { start: 0, end: info.user_size }.perfect_subtrees();
        let nodes = fetch_nodes(&mut tx, register_id, &ids).await?;
        let parts = ids
            .iter()
            .map(|id| {
                nodes.get(id).copied().ok_or_else(|| RegisterError::Corrupt(format!("Merkle node {id:?} is missing")))
            })
            .collect::<Result<Vec<_>>>()?;
        let frontier =
            Frontier::from_parts(info.user_size, parts).map_err(|e| RegisterError::Corrupt(format!("{e:?}")))?;
        let schema = load_schema(&mut tx, register_id).await?;
        Ok(LogWriter {
            tx: Some(tx),
            writing: None,
            info,
            item_lines,
            frontier,
            schema,
            session_items: HashMap::new(),
            staged_items: Vec::new(),
            staged_entries: Vec::new(),
        })
    }

    /// The user log's size so far in this session.
    pub(crate) fn user_size(&self) -> u64 {
        self.frontier.size()
    }

    /// The user log's root so far in this session.
    pub(crate) fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// RSF `add-item`: every line is kept, a repeated item as a repeat.
    pub(crate) fn add_item_line(&mut self, item: Item) {
        self.stage_item(item, true);
    }

    /// An item posted with an entry: stored once, never repeated.
    pub(crate) fn add_item_if_new(&mut self, item: Item) {
        self.stage_item(item, false);
    }

    fn stage_item(&mut self, item: Item, keep_repeat: bool) {
        let hash = item.hash();
        let first = !self.session_items.contains_key(&hash);
        if !first && !keep_repeat {
            return;
        }
        let position = self.item_lines;
        self.item_lines += 1;
        let content = first.then(|| item.canonical().to_string());
        if first {
            self.session_items.insert(hash, item);
        }
        self.staged_items.push(StagedItem { position, hash, content, keep_repeat });
    }

    /// Appends an entry to the user or system log; user items must fit the schema.
    /// `values`, when the caller has them, are the items as JSON (saving a parse per item);
    /// otherwise they are read from this session or the store.
    pub(crate) async fn append(
        &mut self,
        log: Log,
        key: String,
        timestamp: String,
        item_hashes: Vec<ItemHash>,
        values: Option<Vec<Value>>,
    ) -> Result<u64> {
        let values = match values {
            Some(values) => values,
            None => {
                let mut values = Vec::with_capacity(item_hashes.len());
                for h in &item_hashes {
                    if !self.session_items.contains_key(h) {
                        let register_id = self.info.id;
                        let found = fetch_items(self.tx().await?, register_id, &[*h]).await?;
                        let item = found.get(h).cloned().ok_or_else(|| {
                            RegisterError::InvalidEntry(format!(
                                "entry for key {key:?} points at item {h}, which has not been added"
                            ))
                        })?;
                        self.session_items.insert(*h, item);
                    }
                    values.extend(self.session_items.get(h).map(Item::value));
                }
                values
            }
        };
        let number = match log {
            Log::User => {
                for v in &values {
                    self.schema.check_item(self.info.name.as_str(), &key, v)?;
                }
                let number = self.frontier.size() + 1;
                let entry = Entry { log, number, key, timestamp, item_hashes };
                let completed = self.frontier.push(leaf_hash(&entry.leaf_bytes()));
                let blob: Vec<u8> = completed.iter().flat_map(|(_, hash)| hash.iter().copied()).collect();
                self.staged_entries.push((entry, Some(blob)));
                number
            }
            Log::System => {
                for v in &values {
                    self.schema.apply_system_item(&key, v);
                }
                self.info.system_size += 1;
                let number = self.info.system_size;
                self.staged_entries.push((Entry { log, number, key, timestamp, item_hashes }, None));
                number
            }
        };
        if self.staged_entries.len() >= FLUSH_EVERY {
            self.flush().await?;
        }
        Ok(number)
    }

    /// Waits for the write in flight, if any, and gives the transaction back.
    async fn tx(&mut self) -> Result<&mut Transaction<'static, Any>> {
        if let Some(writing) = self.writing.take() {
            let tx =
                writing.await.map_err(|e| RegisterError::Internal(format!("a register write task failed: {e}")))??;
            self.tx = Some(tx);
        }
        self.tx.as_mut().ok_or_else(|| RegisterError::Internal("the append session lost its transaction".into()))
    }

    /// Hands everything staged so far to a task that writes it (inside the transaction).
    pub(crate) async fn flush(&mut self) -> Result<()> {
        self.tx().await?;
        let mut tx =
            self.tx.take().ok_or_else(|| RegisterError::Internal("the append session lost its transaction".into()))?;
        let owner = (self.info.id, self.info.owner.council_id());
        let items = std::mem::take(&mut self.staged_items);
        let entries = std::mem::take(&mut self.staged_entries);
        self.writing = Some(tokio::spawn(async move {
            write_items(&mut tx, owner, items).await?;
            write_entries(&mut tx, owner, entries).await?;
            Ok(tx)
        }));
        Ok(())
    }

    /// Writes what is staged, records the new sizes and commits: only now is anything acknowledged.
    pub(crate) async fn commit(mut self) -> Result<(RegisterInfo, Hash)> {
        self.flush().await?;
        let now = now_timestamp();
        let user_size = self.frontier.size();
        let (system_size, item_lines, register_id) = (self.info.system_size, self.item_lines, self.info.id);
        let tx = self.tx().await?;
        sqlx::query(
            "UPDATE registers SET user_size = $1, system_size = $2, item_lines = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(user_size as i64)
        .bind(system_size as i64)
        .bind(item_lines)
        .bind(&now)
        .bind(register_id)
        .execute(&mut **tx)
        .await?;
        let tx =
            self.tx.take().ok_or_else(|| RegisterError::Internal("the append session lost its transaction".into()))?;
        tx.commit().await?;
        let mut info = self.info;
        info.user_size = user_size;
        info.updated_at = now;
        Ok((info, self.frontier.root()))
    }
}

/// The register's id and council id, written into every row.
type RowOwner = (i64, Option<i64>);

/// Writes staged entries with multi-row INSERTs.
async fn write_entries(
    tx: &mut Transaction<'static, Any>,
    owner: RowOwner,
    entries: Vec<(Entry, Option<Vec<u8>>)>,
) -> Result<()> {
    let p = sigil(tx);
    // The register's own ids go into the statement as literals: fewer values to bind per row.
    let fixed = format!("{}, {}", owner.0, sql_int(owner.1));
    for chunk in entries.chunks(MAX_PARAMS / 6) {
        let rows: Vec<String> = (0..chunk.len()).map(|r| format!("({fixed}, {})", list(p, 1 + r * 6, 6))).collect();
        let sql = format!(
            "INSERT INTO entries (register_id, council_id, log, entry_number, key, timestamp, item_hashes, merkle_hashes) VALUES {}",
            rows.join(",")
        );
        let mut q = sqlx::query(&sql);
        for (e, blob) in chunk {
            q = q
                .bind(e.log.code())
                .bind(e.number as i64)
                .bind(e.key.as_str())
                .bind(e.timestamp.as_str())
                .bind(e.joined_item_hashes())
                .bind(blob.as_deref());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Writes staged items: new ones once, RSF repeats as repeats.
async fn write_items(tx: &mut Transaction<'static, Any>, owner: RowOwner, staged: Vec<StagedItem>) -> Result<()> {
    if staged.is_empty() {
        return Ok(());
    }
    let p = sigil(tx);
    // Only RSF `add-item` lines need to know whether an item is stored already (to keep the
    // line as a repeat); items posted with entries are simply not inserted twice.
    let mut stored: HashSet<ItemHash> = HashSet::new();
    if staged.iter().any(|s| s.keep_repeat) {
        let firsts: Vec<ItemHash> = staged.iter().filter(|s| s.content.is_some()).map(|s| s.hash).collect();
        for chunk in firsts.chunks(LOOKUP_CHUNK) {
            let branch = format!("SELECT hash FROM items WHERE register_id = {} AND hash = {{}}", owner.0);
            let sql = lookup_sql(p, &branch, chunk.len());
            let mut q = sqlx::query(&sql);
            for h in chunk {
                q = q.bind(h.0.to_vec());
            }
            for row in q.fetch_all(&mut **tx).await? {
                stored.insert(ItemHash(to_hash(&row.try_get::<Vec<u8>, _>(0)?)?));
            }
        }
    }
    let mut new_items = Vec::new();
    let mut repeats = Vec::new();
    for s in staged {
        match s.content {
            Some(content) if !stored.contains(&s.hash) => new_items.push((s.position, s.hash, content)),
            _ if s.keep_repeat => repeats.push((s.position, s.hash)),
            _ => {}
        }
    }
    let fixed = format!("{}, {}", owner.0, sql_int(owner.1));
    for chunk in new_items.chunks(MAX_PARAMS / 3) {
        let rows: Vec<String> = (0..chunk.len()).map(|r| format!("({fixed}, {})", list(p, 1 + r * 3, 3))).collect();
        let sql = format!(
            "INSERT INTO items (register_id, council_id, hash, position, content) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(",")
        );
        let mut q = sqlx::query(&sql);
        for (position, hash, content) in chunk {
            q = q.bind(hash.0.to_vec()).bind(*position).bind(content.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    for chunk in repeats.chunks(MAX_PARAMS / 2) {
        let rows: Vec<String> = (0..chunk.len()).map(|r| format!("({fixed}, {})", list(p, 1 + r * 2, 2))).collect();
        let sql =
            format!("INSERT INTO item_repeats (register_id, council_id, position, hash) VALUES {}", rows.join(","));
        let mut q = sqlx::query(&sql);
        for (position, hash) in chunk {
            q = q.bind(*position).bind(hash.0.to_vec());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
