//! Verifying a register end to end: replays every stored entry, re-hashes every item, rebuilds
//! the Merkle tree as it goes and compares each stored subtree hash and published checkpoint.
//! Anything altered outside Guildhall is reported with the first entry whose history it changes.
//! Also checks an RSF file alone, without a database.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use futures_util::TryStreamExt;
use sqlx::Row;

use crate::canonical::ItemHash;
use crate::entry::{Entry, Log, parse_item_hashes};
use crate::error::{RegisterError, Result};
use crate::merkle::{Frontier, Hash, leaf_hash};
use crate::register::{RegisterInfo, Registers};
use crate::rsf::{self, Command, LineError};
use crate::sql::{fetch_items, to_hash};

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// User entries replayed.
    pub size: u64,
    /// The root they produce.
    pub root: Hash,
    /// The first alteration found, if any.
    pub alteration: Option<Alteration>,
}

/// Where stored history no longer matches itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alteration {
    /// The log of the first entry affected.
    pub log: Log,
    /// The first entry whose history was altered (0 if no entry is affected, e.g. an unused item).
    pub entry: u64,
    /// What does not match.
    pub detail: String,
}

const PAGE: u64 = 4096;

/// A page of stored entries of a log with the Merkle hashes kept beside each.
async fn stored_entries(
    conn: &mut sqlx::AnyConnection,
    info: &RegisterInfo,
    log: Log,
    start: u64,
    limit: u64,
) -> Result<Vec<(Entry, Option<Vec<u8>>)>> {
    let rows = sqlx::query(
        "SELECT entry_number, key, timestamp, item_hashes, merkle_hashes FROM entries \
         WHERE register_id = $1 AND log = $2 AND entry_number >= $3 ORDER BY entry_number LIMIT $4",
    )
    .bind(info.id)
    .bind(log.code())
    .bind(start as i64)
    .bind(limit as i64)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let entry = Entry {
                log,
                number: r.try_get::<i64, _>(0)? as u64,
                key: r.try_get(1)?,
                timestamp: r.try_get(2)?,
                item_hashes: parse_item_hashes(&r.try_get::<String, _>(3)?).map_err(RegisterError::Corrupt)?,
            };
            Ok((entry, r.try_get(4)?))
        })
        .collect()
}

impl Registers {
    /// Replays the register and checks every hash; `Ok` with an alteration means the data was tampered with.
    pub async fn verify(&self, register: &RegisterInfo) -> Result<VerifyReport> {
        let info = self.get(register.owner, &register.name).await?;
        let mut conn = self.store.pool().acquire().await?;
        let checkpoints: HashMap<u64, Vec<u8>> =
            sqlx::query("SELECT size, root FROM checkpoints WHERE register_id = $1")
                .bind(info.id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<i64, _>(0)? as u64, r.try_get::<Vec<u8>, _>(1)?)))
                .collect::<Result<_>>()?;
        let altered = |log, entry, detail: String| Alteration { log, entry, detail };

        for log in [Log::System, Log::User] {
            let recorded = if log == Log::User { info.user_size } else { info.system_size };
            let mut frontier = Frontier::new();
            let mut expected = 1u64;
            // Only entries up to the size read at the start: appends may go on while we verify.
            while expected <= recorded {
                let page = stored_entries(&mut conn, &info, log, expected, PAGE.min(recorded - expected + 1)).await?;
                if page.is_empty() {
                    break;
                }
                let hashes: Vec<ItemHash> = page.iter().flat_map(|(e, _)| e.item_hashes.iter().copied()).collect();
                let items = fetch_items(&mut conn, info.id, &hashes).await?;
                for (e, stored_nodes) in &page {
                    if e.number != expected {
                        let detail =
                            format!("{} entry {expected} is missing (next stored is {})", log.as_str(), e.number);
                        return Ok(self.report(&frontier, Some(altered(log, expected, detail))));
                    }
                    for h in &e.item_hashes {
                        match items.get(h) {
                            None => {
                                let detail = format!("item {h} of {} entry {} is missing", log.as_str(), e.number);
                                return Ok(self.report(&frontier, Some(altered(log, e.number, detail))));
                            }
                            Some(item) if item.hash() != *h => {
                                let detail = format!(
                                    "item {h} of {} entry {} was altered: its content now hashes to {}",
                                    log.as_str(),
                                    e.number,
                                    item.hash()
                                );
                                return Ok(self.report(&frontier, Some(altered(log, e.number, detail))));
                            }
                            Some(_) => {}
                        }
                    }
                    if log == Log::User {
                        let completed = frontier.push(leaf_hash(&e.leaf_bytes()));
                        let stored = stored_nodes.as_deref().unwrap_or_default();
                        for (i, (id, hash)) in completed.iter().enumerate() {
                            if stored.get(32 * i..32 * i + 32) != Some(hash.as_slice()) {
                                let first = (id.index << id.level) + 1;
                                let detail = if id.level == 0 {
                                    format!(
                                        "user entry {} does not match its stored leaf hash (the entry or its hash was altered)",
                                        e.number
                                    )
                                } else {
                                    format!(
                                        "the stored Merkle hash over entries {first} to {} does not match them",
                                        e.number
                                    )
                                };
                                return Ok(self.report(&frontier, Some(altered(log, first, detail))));
                            }
                        }
                        if stored.len() != 32 * completed.len() {
                            let detail = format!(
                                "user entry {} holds {} bytes of Merkle hashes, not {}",
                                e.number,
                                stored.len(),
                                32 * completed.len()
                            );
                            return Ok(self.report(&frontier, Some(altered(log, e.number, detail))));
                        }
                        if let Some(root) = checkpoints.get(&e.number)
                            && root.as_slice() != frontier.root()
                        {
                            let detail =
                                format!("the published checkpoint at size {} no longer matches the entries", e.number);
                            return Ok(self.report(&frontier, Some(altered(log, e.number, detail))));
                        }
                    }
                    expected += 1;
                }
            }
            if expected - 1 != recorded {
                let detail = format!(
                    "the register records {recorded} {} entries but only {} are stored",
                    log.as_str(),
                    expected - 1
                );
                return Ok(self.report(&frontier, Some(altered(log, expected, detail))));
            }
            if log == Log::User {
                if let Some(size) = checkpoints.keys().copied().filter(|s| *s > recorded).min() {
                    let detail = format!(
                        "a checkpoint was published at size {size} but the register now records only {recorded} entries"
                    );
                    return Ok(self.report(&frontier, Some(altered(log, recorded + 1, detail))));
                }
                // Items nobody references must still hash to their address (streamed: registers can be large).
                let mut rows = sqlx::query("SELECT hash, content FROM items WHERE register_id = $1")
                    .bind(info.id)
                    .fetch(&mut *conn);
                while let Some(row) = rows.try_next().await? {
                    let hash = ItemHash(to_hash(&row.try_get::<Vec<u8>, _>(0)?)?);
                    let content: String = row.try_get(1)?;
                    if ItemHash::of(content.as_bytes()) != hash {
                        let detail = format!("item {hash} was altered (no entry refers to it)");
                        return Ok(self.report(&frontier, Some(altered(log, 0, detail))));
                    }
                }
                return Ok(self.report(&frontier, None));
            }
        }
        Err(RegisterError::Corrupt("verification did not reach the user log".into()))
    }

    fn report(&self, frontier: &Frontier, alteration: Option<Alteration>) -> VerifyReport {
        VerifyReport { size: frontier.size(), root: frontier.root(), alteration }
    }
}

/// Replays an RSF file without a database, checking every line and `assert-root-hash`; returns
/// the final size and root.
pub fn verify_rsf(input: impl BufRead) -> Result<(u64, Hash)> {
    let mut items: HashSet<ItemHash> = HashSet::new();
    let mut frontier = Frontier::new();
    for command in rsf::commands(input) {
        let (line_no, command) = command?;
        let fail = |message: String| RegisterError::Rsf(LineError { line: line_no, message });
        match command {
            Command::AddItem(item) => {
                items.insert(item.hash());
            }
            Command::AppendEntry { log, key, timestamp, item_hashes } => {
                if let Some(h) = item_hashes.iter().find(|h| !items.contains(h)) {
                    return Err(fail(format!("append-entry points at item {h}, which has not been added")));
                }
                if log == Log::User {
                    let number = frontier.size() + 1;
                    let entry = crate::entry::Entry { log, number, key, timestamp, item_hashes };
                    frontier.push(leaf_hash(&entry.leaf_bytes()));
                }
            }
            Command::AssertRootHash(expected) => {
                if frontier.root() != expected {
                    return Err(fail(format!(
                        "assert-root-hash: the file expects sha-256:{} but its {} entries give sha-256:{}",
                        hex::encode(expected),
                        frontier.size(),
                        hex::encode(frontier.root())
                    )));
                }
            }
        }
    }
    Ok((frontier.size(), frontier.root()))
}
