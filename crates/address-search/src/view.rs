//! The address view: an [`Index`] built by replaying the `address` register and kept current by
//! following its new entries. A large immutable base index is rebuilt from the register at start;
//! entries after that go to a small delta index (rebuilt on each catch-up) that overrides the base
//! by UPRN, and the two are merged into a new base once the delta grows. Answers are ranked and
//! tied by postcode and natural order, never by which part they came from, so every node that has
//! replayed the same entries answers the same.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, RwLock};

use addresses::{Address, AddressError};
use registers::{RegisterError, RegisterInfo, Registers};
use tokio::sync::Mutex;

use crate::address::SearchAddress;
use crate::index::{Hit, Index, IndexBuilder};
use crate::normalise::Postcode;

/// Entries read per replay call.
const PAGE: u64 = 10_000;
/// The delta is merged into the base once it holds this many UPRNs (or a sixteenth of the base).
const MERGE_AT: usize = 50_000;

/// Why the view could not be built or could not follow the register.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The register could not be read.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// An entry's item is not a valid address.
    #[error("address register entry {entry} (key {key:?}): {source}")]
    BadItem {
        /// The entry number.
        entry: u64,
        /// Its key.
        key: String,
        /// What is wrong with the item.
        source: AddressError,
    },
    /// An entry's key is not a UPRN.
    #[error("address register entry {entry}: key {key:?} is not a UPRN")]
    BadKey {
        /// The entry number.
        entry: u64,
        /// The key.
        key: String,
    },
}

impl From<&Address> for SearchAddress {
    fn from(a: &Address) -> SearchAddress {
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        let suffix = |c: Option<char>| c.map(String::from).unwrap_or_default();
        SearchAddress {
            uprn: a.uprn.get(),
            sao_text: text(&a.sao.text),
            sao_number: a.sao.start_number,
            sao_suffix: suffix(a.sao.start_suffix),
            pao_text: text(&a.pao.text),
            pao_number: a.pao.start_number,
            pao_suffix: suffix(a.pao.start_suffix),
            street: text(&a.street),
            locality: text(&a.locality),
            town: text(&a.town),
            postcode: text(&a.postcode),
            easting: a.easting.unwrap_or_default(),
            northing: a.northing.unwrap_or_default(),
            lat: a.latitude.unwrap_or_default(),
            lon: a.longitude.unwrap_or_default(),
        }
    }
}

/// What readers see: the base, the delta that overrides it, and how many entries both cover.
#[derive(Debug, Default)]
struct Snapshot {
    base: Arc<Index>,
    delta: Index,
    /// UPRNs the delta decides (changed, added or removed since the base was built).
    overridden: HashSet<u64>,
    entries: u64,
}

/// What the follower keeps between catch-ups.
#[derive(Debug, Default)]
struct Follower {
    /// UPRN → its newest address, or `None` when its newest entry removed or ended it.
    pending: BTreeMap<u64, Option<SearchAddress>>,
}

/// The address search view. Cheap to share (`Arc<AddressView>`); reads never wait for a catch-up.
#[derive(Debug)]
pub struct AddressView {
    source: Option<(Registers, RegisterInfo)>,
    merge_at: usize,
    snapshot: RwLock<Arc<Snapshot>>,
    follower: Mutex<Follower>,
}

/// Reads one replayed record as an address change: `None` removes the UPRN (no item, or the
/// address has an end date).
fn change(record: &registers::Record) -> Result<(u64, Option<SearchAddress>), ViewError> {
    let entry = record.entry.number;
    let key = &record.entry.key;
    let uprn: u64 = key.parse().map_err(|_| ViewError::BadKey { entry, key: key.clone() })?;
    let Some(item) = record.items.first() else {
        return Ok((uprn, None));
    };
    let address =
        Address::from_item(&item.value()).map_err(|source| ViewError::BadItem { entry, key: key.clone(), source })?;
    if address.end_date.is_some() {
        return Ok((uprn, None));
    }
    Ok((uprn, Some(SearchAddress::from(&address))))
}

impl AddressView {
    /// Builds the view by replaying the whole register (the national `address` register is
    /// `addresses::ensure_address_register`). Addresses with an end date are left out.
    pub async fn replay(registers: Registers, register: RegisterInfo) -> Result<AddressView, ViewError> {
        let current = registers.get(register.owner, &register.name).await?;
        let mut builder = IndexBuilder::new();
        let mut next = 1;
        while next <= current.user_size {
            let page = registers.replay(&current, next, PAGE.min(current.user_size - next + 1)).await?;
            if page.is_empty() {
                break;
            }
            for record in &page {
                match change(record)? {
                    (_, Some(a)) => builder.add(&a),
                    (uprn, None) => builder.remove(uprn),
                }
                next = record.entry.number + 1;
            }
        }
        let base = tokio::task::spawn_blocking(move || builder.build())
            .await
            .map_err(|e| RegisterError::Corrupt(format!("building the address index failed: {e}")))?;
        let snapshot = Snapshot { base: Arc::new(base), entries: next - 1, ..Default::default() };
        Ok(AddressView {
            source: Some((registers, current)),
            merge_at: MERGE_AT,
            snapshot: RwLock::new(Arc::new(snapshot)),
            follower: Mutex::new(Follower::default()),
        })
    }

    /// A view over addresses given directly (benchmarks, bulk tools); it follows no register.
    pub fn from_addresses<'a>(addresses: impl IntoIterator<Item = &'a SearchAddress>) -> AddressView {
        AddressView::from_index(Index::build(addresses))
    }

    /// A view over an index already built; it follows no register.
    pub fn from_index(index: Index) -> AddressView {
        let snapshot = Snapshot { base: Arc::new(index), ..Default::default() };
        AddressView {
            source: None,
            merge_at: MERGE_AT,
            snapshot: RwLock::new(Arc::new(snapshot)),
            follower: Mutex::new(Follower::default()),
        }
    }

    /// Sets how many changed UPRNs the delta may hold before it is merged into the base (at
    /// least a sixteenth of the base is always allowed); 50,000 unless set.
    pub fn with_merge_threshold(mut self, uprns: usize) -> AddressView {
        self.merge_at = uprns;
        self
    }

    /// Follows the register in the background: catches up every `every`, logging nothing and
    /// stopping at the first error, which the task returns.
    pub fn follow(self: Arc<Self>, every: std::time::Duration) -> tokio::task::JoinHandle<Result<(), ViewError>> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                self.catch_up().await?;
            }
        })
    }

    fn current(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Applies the register's entries since the last replay or catch-up; returns how many.
    pub async fn catch_up(&self) -> Result<u64, ViewError> {
        let Some((registers, register)) = &self.source else {
            return Ok(0);
        };
        let mut follower = self.follower.lock().await;
        let before = self.current();
        let now = registers.get(register.owner, &register.name).await?;
        let mut next = before.entries + 1;
        while next <= now.user_size {
            let page = registers.replay(&now, next, PAGE.min(now.user_size - next + 1)).await?;
            if page.is_empty() {
                break;
            }
            for record in &page {
                let (uprn, address) = change(record)?;
                follower.pending.insert(uprn, address);
                next = record.entry.number + 1;
            }
        }
        let applied = next - 1 - before.entries;
        if applied == 0 {
            return Ok(0);
        }
        let base = before.base.clone();
        let pending = std::mem::take(&mut follower.pending);
        let merge = pending.len() >= self.merge_at.max(base.len() / 16);
        let (snapshot, pending) = tokio::task::spawn_blocking(move || {
            if merge {
                let mut b = IndexBuilder::new();
                for a in base.addresses().filter(|a| !pending.contains_key(&a.uprn)) {
                    b.add(&a);
                }
                for a in pending.values().flatten() {
                    b.add(a);
                }
                (Snapshot { base: Arc::new(b.build()), entries: next - 1, ..Default::default() }, BTreeMap::new())
            } else {
                let delta = Index::build(pending.values().flatten());
                let overridden = pending.keys().copied().collect();
                (Snapshot { base, delta, overridden, entries: next - 1 }, pending)
            }
        })
        .await
        .map_err(|e| RegisterError::Corrupt(format!("rebuilding the address index failed: {e}")))?;
        follower.pending = pending;
        match self.snapshot.write() {
            Ok(mut s) => *s = Arc::new(snapshot),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(snapshot),
        }
        Ok(applied)
    }

    /// How many addresses the view holds.
    pub fn len(&self) -> usize {
        let s = self.current();
        s.base.len() - s.overridden.iter().filter(|&&u| s.base.by_uprn(u).is_some()).count() + s.delta.len()
    }

    /// Whether it holds no address.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many register entries it reflects.
    pub fn entries(&self) -> u64 {
        self.current().entries
    }

    /// Bytes of memory held by its indexes.
    pub fn memory_bytes(&self) -> usize {
        let s = self.current();
        s.base.memory_bytes() + s.delta.memory_bytes()
    }

    /// The address with this UPRN.
    pub fn by_uprn(&self, uprn: u64) -> Option<SearchAddress> {
        let s = self.current();
        if s.overridden.contains(&uprn) { s.delta.by_uprn(uprn) } else { s.base.by_uprn(uprn) }
    }

    /// Every address in a postcode, in natural order.
    pub fn by_postcode(&self, postcode: &Postcode) -> Vec<SearchAddress> {
        let s = self.current();
        let mut out: Vec<SearchAddress> =
            s.base.by_postcode(postcode).into_iter().filter(|a| !s.overridden.contains(&a.uprn)).collect();
        if !s.delta.is_empty() {
            out.extend(s.delta.by_postcode(postcode));
            out.sort_by(|a, b| a.natural_cmp(b));
        }
        out
    }

    /// Autocomplete: the best `limit` addresses for free text (see [`Index::search`]).
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let s = self.current();
        let mut hits: Vec<Hit> = s
            .base
            .search(query, limit + s.overridden.len().min(1000))
            .into_iter()
            .filter(|h| !s.overridden.contains(&h.address.uprn))
            .collect();
        if !s.delta.is_empty() {
            hits.extend(s.delta.search(query, limit));
            hits.sort_by(|a, b| {
                (Reverse(a.score), &a.address.postcode)
                    .cmp(&(Reverse(b.score), &b.address.postcode))
                    .then_with(|| a.address.natural_cmp(&b.address))
            });
        }
        hits.truncate(limit);
        hits
    }
}
