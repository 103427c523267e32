//! The Merkle view: every stored subtree hash of a register, held in memory and kept current by
//! following the log, so that roots and proofs need no database round trip. Like every index in
//! Guildhall it is a view, never a second truth: it is built only from the hashes stored with the
//! entries, rebuilt from nothing whenever a process starts, and `verify` never reads it.
//! It costs 64 bytes of memory per entry, so it is opt-in ([`crate::Registers::with_merkle_views`]).

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::Row;
use tokio::sync::{Mutex, RwLock};

use crate::error::{RegisterError, Result};
use crate::merkle::{Hash, NodeId};
use crate::register::RegisterInfo;
use crate::sql::to_hash;

/// Entries read per query while catching up.
const CATCH_UP_PAGE: i64 = 20_000;

/// The complete subtrees of one register's tree: `levels[l][i]` is the node over leaves
/// `[i << l, (i + 1) << l)`.
#[derive(Debug, Default)]
pub(crate) struct MerkleView {
    size: u64,
    levels: Vec<Vec<Hash>>,
}

impl MerkleView {
    /// How many entries the view covers.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// A stored node, if the view has it.
    pub(crate) fn node(&self, id: NodeId) -> Option<Hash> {
        self.levels.get(id.level as usize)?.get(id.index as usize).copied()
    }

    /// Takes in the hashes stored with the next entry: exactly one per node its append completed.
    fn push(&mut self, number: u64, blob: &[u8]) -> Result<()> {
        let completes = number.trailing_zeros() as usize + 1;
        if number != self.size + 1 || blob.len() != 32 * completes {
            return Err(RegisterError::Corrupt(format!(
                "user entry {number} holds {} bytes of Merkle hashes; expected {} after entry {}",
                blob.len(),
                32 * completes,
                self.size
            )));
        }
        for (level, hash) in blob.chunks_exact(32).enumerate() {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(to_hash(hash)?);
        }
        self.size = number;
        Ok(())
    }
}

/// A gap this small is caught up by the request that finds it; a larger one in the background,
/// while requests are answered from the store.
const INLINE_GAP: u64 = 50_000;

/// The views of every register this process has served proofs for.
#[derive(Debug, Default)]
pub(crate) struct MerkleViews {
    views: Mutex<HashMap<i64, Arc<RwLock<MerkleView>>>>,
}

impl MerkleViews {
    async fn view(&self, register: &RegisterInfo) -> Arc<RwLock<MerkleView>> {
        self.views.lock().await.entry(register.id).or_default().clone()
    }

    /// The register's view when it covers `register.user_size` entries, catching up first when
    /// the gap is small. When it is far behind (a fresh process, a large import) a background task
    /// catches up and `None` tells the caller to answer from the store meanwhile, so no request
    /// waits for a whole register to be read.
    pub(crate) async fn current(
        &self,
        pool: &sqlx::AnyPool,
        register: &RegisterInfo,
    ) -> Result<Option<Arc<RwLock<MerkleView>>>> {
        let view = self.view(register).await;
        let Ok(reading) = view.try_read() else {
            return Ok(None); // being caught up
        };
        let size = reading.size();
        drop(reading);
        if size >= register.user_size {
            return Ok(Some(view));
        }
        let Ok(mut writing) = view.clone().try_write_owned() else {
            return Ok(None);
        };
        if register.user_size - size <= INLINE_GAP {
            fill(&mut writing, pool, register).await?;
            drop(writing);
            return Ok(Some(view));
        }
        let (pool, register) = (pool.clone(), register.clone());
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match fill(&mut writing, &pool, &register).await {
                Ok(()) => {
                    tracing::info!(register = %register.name, entries = writing.size(), seconds = started.elapsed().as_secs_f64(), "Merkle view caught up")
                }
                Err(e) => {
                    tracing::warn!(register = %register.name, error = %e, "Merkle view could not catch up; proofs come from the store")
                }
            }
        });
        Ok(None)
    }

    /// Catches the register's view up now, however far behind it is.
    pub(crate) async fn warm(&self, pool: &sqlx::AnyPool, register: &RegisterInfo) -> Result<()> {
        let view = self.view(register).await;
        let mut writing = view.write().await;
        fill(&mut writing, pool, register).await
    }
}

/// Reads the stored hashes of the entries the view lacks, up to `register.user_size`.
async fn fill(view: &mut MerkleView, pool: &sqlx::AnyPool, register: &RegisterInfo) -> Result<()> {
    while view.size() < register.user_size {
        let rows = sqlx::query(
            "SELECT entry_number, merkle_hashes FROM entries \
             WHERE register_id = $1 AND log = 0 AND entry_number > $2 ORDER BY entry_number LIMIT $3",
        )
        .bind(register.id)
        .bind(view.size() as i64)
        .bind(CATCH_UP_PAGE)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Err(RegisterError::Corrupt(format!(
                "the register records {} entries but only {} are stored",
                register.user_size,
                view.size()
            )));
        }
        for row in rows {
            let number = row.try_get::<i64, _>(0)? as u64;
            let blob: Option<Vec<u8>> = row.try_get(1)?;
            view.push(number, blob.as_deref().unwrap_or_default())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{Frontier, LeafRange, leaf_hash, range_hash};

    #[test]
    fn a_view_fed_the_stored_hashes_holds_every_complete_subtree() {
        let mut frontier = Frontier::new();
        let mut view = MerkleView::default();
        let mut nodes = HashMap::new();
        for i in 0..37u64 {
            let completed = frontier.push(leaf_hash(&i.to_be_bytes()));
            let blob: Vec<u8> = completed.iter().flat_map(|(_, h)| h.iter().copied()).collect();
            view.push(i + 1, &blob).unwrap();
            nodes.extend(completed);
        }
        for (id, hash) in &nodes {
            assert_eq!(view.node(*id), Some(*hash), "{id:?}");
        }
        let all: HashMap<_, _> = LeafRange { start: 0, end: 37 }
            .perfect_subtrees()
            .into_iter()
            .map(|id| (id, view.node(id).unwrap()))
            .collect();
        assert_eq!(range_hash(LeafRange { start: 0, end: 37 }, &all).unwrap(), frontier.root());
    }

    #[test]
    fn a_blob_of_the_wrong_length_or_out_of_order_is_refused() {
        let mut view = MerkleView::default();
        assert!(view.push(1, &[0; 64]).is_err());
        assert!(view.push(2, &[0; 64]).is_err());
        view.push(1, &[0; 32]).unwrap();
        assert!(view.push(2, &[0; 32]).is_err());
    }
}
