//! Importing and exporting whole registers as RSF. An import is one transaction: a line that is
//! malformed, points at a missing item, does not fit the fields or fails an `assert-root-hash`
//! rolls back everything, and the error names the line. Exports reproduce the imported file
//! byte for byte (items in the order they were added, repeats included).

use std::collections::HashSet;
use std::io::BufRead;

use futures_util::TryStreamExt;
use sqlx::Row;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::canonical::ItemHash;
use crate::entry::Log;
use crate::error::{RegisterError, Result};
use crate::merkle::{EMPTY_ROOT, Hash};
use crate::register::{Owner, RegisterInfo, RegisterName, Registers};
use crate::rsf::{self, Command, LineError};
use crate::writer::LogWriter;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The register after the import.
    pub register: RegisterInfo,
    /// Whether the import created the register.
    pub created: bool,
    /// User entries added.
    pub user_entries: u64,
    /// System entries added.
    pub system_entries: u64,
    /// The root after the import.
    pub root: Hash,
}

/// Rows read per query while exporting.
const PAGE: i64 = 10_000;

impl Registers {
    /// Imports RSF into `name` for `owner`, creating the register (open to read) when it does not
    /// exist yet; an existing register continues from its current size, so the file's first
    /// `assert-root-hash` must be the register's current root.
    pub async fn import_rsf(&self, owner: Owner, name: &RegisterName, input: impl BufRead) -> Result<ImportReport> {
        let existing = self.find(owner, name).await?;
        let created = existing.is_none();
        let mut writer = match existing {
            Some(info) => LogWriter::open(self.store.pool(), info.id).await?,
            None => LogWriter::create(self.store.pool(), owner, name, true).await?,
        };
        let (user_before, system_before) = (writer.user_size(), writer.info.system_size);
        let mut lines = 0u64;
        for command in rsf::commands(input) {
            let (line_no, command) = command?;
            lines = line_no;
            let fail = |message: String| RegisterError::Rsf(LineError { line: line_no, message });
            match command {
                Command::AddItem(item) => writer.add_item_line(item),
                Command::AppendEntry { log, key, timestamp, item_hashes } => {
                    writer.append(log, key, timestamp, item_hashes, None).await.map_err(|e| match e {
                        RegisterError::Database(_) | RegisterError::Io(_) => e,
                        other => fail(format!("append-entry: {other}")),
                    })?;
                }
                Command::AssertRootHash(expected) => {
                    let actual = writer.root();
                    if actual != expected {
                        return Err(fail(format!(
                            "assert-root-hash: the file expects sha-256:{} but the root after {} entries is sha-256:{}",
                            hex::encode(expected),
                            writer.user_size(),
                            hex::encode(actual)
                        )));
                    }
                }
            }
        }
        if lines == 0 {
            return Err(RegisterError::Rsf(LineError { line: 0, message: "the file is empty".into() }));
        }
        let user_entries = writer.user_size() - user_before;
        let system_after = writer.info.system_size;
        let (register, root) = writer.commit().await?;
        Ok(ImportReport { register, created, user_entries, system_entries: system_after - system_before, root })
    }

    /// Writes RSF: the whole register when `from` is 0 (items, system entries, user entries, each
    /// in stored order, between assertions of the empty and the final root), or, from entry
    /// `from`, the user entries after it with the items they need, starting from the root at `from`.
    pub async fn export_rsf(
        &self,
        register: &RegisterInfo,
        from: u64,
        out: &mut (impl AsyncWrite + Unpin),
    ) -> Result<()> {
        let info = self.get(register.owner, &register.name).await?;
        let size = info.user_size;
        if from > size {
            return Err(RegisterError::BadProofRequest(format!(
                "cannot export from entry {from}: the register has {size} entries"
            )));
        }
        let pool = self.store.pool();
        let start_root = if from == 0 { EMPTY_ROOT } else { self.root(&info, from).await? };
        let end_root = self.root(&info, size).await?;
        out.write_all(rsf::assert_root_line(&start_root).as_bytes()).await?;
        let mut seen: HashSet<ItemHash> = HashSet::new();
        if from == 0 {
            let item_lines: i64 = sqlx::query("SELECT item_lines FROM registers WHERE id = $1")
                .bind(info.id)
                .fetch_one(pool)
                .await?
                .try_get(0)?;
            // One ordered stream (no index on position is kept: writes matter more than exports).
            let mut rows = sqlx::query(
                "SELECT position, content FROM items WHERE register_id = $1 AND position < $2 \
                 UNION ALL \
                 SELECT r.position, i.content FROM item_repeats r JOIN items i ON i.register_id = r.register_id AND i.hash = r.hash \
                 WHERE r.register_id = $1 AND r.position < $2 \
                 ORDER BY 1",
            )
            .bind(info.id)
            .bind(item_lines)
            .fetch(pool);
            let mut buf = String::with_capacity(1 << 16);
            while let Some(row) = rows.try_next().await? {
                buf.push_str(&rsf::add_item_line(&row.try_get::<String, _>(1)?));
                if buf.len() >= 1 << 16 {
                    out.write_all(buf.as_bytes()).await?;
                    buf.clear();
                }
            }
            out.write_all(buf.as_bytes()).await?;
            drop(rows);
            self.write_entries(&info, Log::System, 0, info.system_size, None, out).await?;
        }
        let items_needed = (from > 0).then_some(&mut seen);
        self.write_entries(&info, Log::User, from, size, items_needed, out).await?;
        out.write_all(rsf::assert_root_line(&end_root).as_bytes()).await?;
        out.flush().await?;
        Ok(())
    }

    /// Writes `append-entry` lines for entries (from, to] of a log, preceded, when `seen` is given,
    /// by `add-item` lines for the items not written yet.
    async fn write_entries(
        &self,
        info: &RegisterInfo,
        log: Log,
        from: u64,
        to: u64,
        mut seen: Option<&mut HashSet<ItemHash>>,
        out: &mut (impl AsyncWrite + Unpin),
    ) -> Result<()> {
        let mut next = from + 1;
        while next <= to {
            let entries = self.entries(info, log, next, PAGE as u64).await?;
            if entries.is_empty() {
                break;
            }
            let mut buf = String::new();
            if let Some(seen) = seen.as_deref_mut() {
                let mut wanted = Vec::new();
                for e in entries.iter().filter(|e| e.number <= to) {
                    for h in &e.item_hashes {
                        if seen.insert(*h) {
                            wanted.push(*h);
                        }
                    }
                }
                let mut conn = self.store.pool().acquire().await?;
                let items = crate::sql::fetch_items(&mut conn, info.id, &wanted).await?;
                for h in &wanted {
                    let item = items.get(h).ok_or_else(|| RegisterError::Corrupt(format!("item {h} is missing")))?;
                    buf.push_str(&rsf::add_item_line(item.canonical()));
                }
            }
            for e in entries.iter().filter(|e| e.number <= to) {
                buf.push_str(&rsf::append_entry_line(log, &e.key, &e.timestamp, &e.joined_item_hashes()));
                next = e.number + 1;
            }
            out.write_all(buf.as_bytes()).await?;
        }
        Ok(())
    }
}
