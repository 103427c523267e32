//! The Merkle log of a register: RFC 9162 §2.1 (Certificate Transparency) hashing.
//!
//! What lives here, bottom-up:
//! - leaf and node hashing ([`leaf_hash`], [`node_hash`]) and the empty-tree root ([`EMPTY_ROOT`]);
//! - [`NodeId`], the name of a perfect aligned subtree, which is what a store persists;
//! - proof *plans* ([`inclusion_plan`], [`consistency_plan`]): which leaf ranges' hashes a proof
//!   needs, so that a store can fetch exactly those nodes ([`nodes_needed`]) and hash them
//!   ([`range_hash`]) without ever rebuilding a tree;
//! - [`Frontier`], the right edge of a growing tree, which turns appends into complete nodes;
//! - [`MemoryTree`], an in-memory tree built from the two above, for tests and replays;
//! - the verifiers [`verify_inclusion`] and [`verify_consistency`], which follow
//!   transparency-dev/merkle's `proof.VerifyInclusion` / `proof.VerifyConsistency`.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// A SHA-256 digest: every leaf, node and root hash in the log has this shape.
pub type Hash = [u8; 32];

/// The root of the empty tree, SHA-256 of the empty string (RFC 9162 §2.1.1: MTH({}) = HASH()).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of one leaf, SHA-256(0x00 || data); the 0x00 prefix keeps leaves and nodes apart.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The hash of an interior node, SHA-256(0x01 || left || right); the 0x01 prefix keeps nodes and
/// leaves apart, so a node can never be passed off as a leaf.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// A perfect, aligned subtree: covers leaves [index << level, (index + 1) << level).
///
/// Once complete, such a subtree never changes, so its hash can be stored under this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves: the subtree covers 2^level leaves.
    pub level: u8,
    /// Position among the subtrees of this level, counted from the left.
    pub index: u64,
}

impl NodeId {
    /// The node of a single leaf (level 0), the smallest unit of the tree.
    pub fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }

    /// The 1-based number of the entry whose append completes this subtree (its last leaf): a
    /// store keeps the subtree's hash with that entry, at `32 * level` in its list of completed hashes.
    pub fn completed_by(self) -> u64 {
        (self.index + 1) << self.level
    }

    /// The first leaf this subtree covers.
    fn first_leaf(self) -> u64 {
        self.index << self.level
    }

    /// The parent subtree, one level up, whose left or right half this is.
    fn parent(self) -> Self {
        Self { level: self.level + 1, index: self.index >> 1 }
    }
}

/// A half-open range of leaves [start, end) whose Merkle tree hash MTH(D[start:end]) a proof needs.
///
/// Proofs are made of such hashes; naming them by range lets a store answer from stored nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafRange {
    /// First leaf in the range.
    pub start: u64,
    /// One past the last leaf in the range.
    pub end: u64,
}

impl LeafRange {
    /// Number of leaves in the range.
    fn len(self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// The aligned perfect subtrees that make up this range, left to right, so that a store can
    /// fetch them and [`range_hash`] can combine them.
    ///
    /// For the ranges the plans here produce (and any range whose `start` is a multiple of the
    /// largest power of two <= its length) this is the decomposition by the binary digits of
    /// `end - start` starting at `start`, largest first, and MTH of the range is the right-to-left
    /// fold of these with [`node_hash`] (h = last; for each earlier n: h = node_hash(n, h)).
    /// For other ranges the RFC 9162 split is followed down to aligned subtrees (still exact,
    /// but then only [`range_hash`] combines them correctly). An empty range has none.
    pub fn perfect_subtrees(self) -> Vec<NodeId> {
        let mut out = Vec::new();
        collect_subtrees(self.start, self.len(), &mut out);
        out
    }
}

/// Pushes onto `out` the aligned subtrees RFC 9162's MTH recursion over [start, start+len) reaches.
fn collect_subtrees(start: u64, len: u64, out: &mut Vec<NodeId>) {
    if len == 0 {
        return;
    }
    if let Some(node) = aligned_node(start, len) {
        out.push(node);
        return;
    }
    let k = split_point(len);
    collect_subtrees(start, k, out);
    collect_subtrees(start + k, len - k, out);
}

/// The node covering exactly [start, start+len), if that is a perfect aligned subtree.
fn aligned_node(start: u64, len: u64) -> Option<NodeId> {
    if len.is_power_of_two() && start & (len - 1) == 0 {
        let level = len.trailing_zeros();
        Some(NodeId { level: level as u8, index: start >> level })
    } else {
        None
    }
}

/// RFC 9162's k: the largest power of two strictly smaller than `n` (for n >= 2).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Why a proof cannot be planned or produced.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// An inclusion proof was asked for a leaf the tree does not have.
    #[error("leaf index {index} is beyond a tree of size {size}")]
    LeafBeyondSize {
        /// The requested leaf.
        index: u64,
        /// The tree size the proof was asked against.
        size: u64,
    },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("consistency from size {from} to size {to}: the old size must not exceed the new one")]
    SizeOrder {
        /// The old (first) size.
        from: u64,
        /// The new (second) size.
        to: u64,
    },
    /// A consistency proof was asked from the empty tree, which every tree extends.
    #[error("consistency from size 0 to size {to}: every tree extends the empty tree, no proof is useful")]
    EmptyFrom {
        /// The new (second) size.
        to: u64,
    },
    /// A root or proof was asked for a size larger than the tree holds.
    #[error("tree size {size} asked for, but the tree holds only {have} leaves")]
    BeyondTree {
        /// The requested size.
        size: u64,
        /// The number of leaves held.
        have: u64,
    },
    /// A node the plan needs was not available.
    #[error(transparent)]
    Missing(#[from] MissingNode),
}

/// A node hash that [`range_hash`] needed but was not given.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
#[error("node at level {} index {} is missing", .0.level, .0.index)]
pub struct MissingNode(pub NodeId);

/// The ranges whose hashes form the root of a tree of `size` leaves, so roots use the same
/// machinery as proofs: [0, size), or `None` for the empty tree (whose root is [`EMPTY_ROOT`]).
pub fn root_range(size: u64) -> Option<LeafRange> {
    (size > 0).then_some(LeafRange { start: 0, end: size })
}

/// RFC 9162 §2.1.3.1 PATH(m, D[0:n]): the ranges of the audit path for leaf `index` in a tree of
/// `size`, in proof order (bottom-up), so a store can answer an inclusion proof from its nodes.
pub fn inclusion_plan(index: u64, size: u64) -> Result<Vec<LeafRange>, ProofError> {
    if index >= size {
        return Err(ProofError::LeafBeyondSize { index, size });
    }
    // Walk down from the root; each step adds the sibling range, so reverse at the end.
    let mut top_down = Vec::new();
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        let mid = lo + k;
        if index < mid {
            top_down.push(LeafRange { start: mid, end: hi });
            hi = mid;
        } else {
            top_down.push(LeafRange { start: lo, end: mid });
            lo = mid;
        }
    }
    top_down.reverse();
    Ok(top_down)
}

/// RFC 9162 §2.1.4.1 PROOF(m, D[0:n]): ranges of the consistency proof between sizes `from` and
/// `to`, in proof order, so a store can answer a consistency proof from its nodes.
/// Equal sizes need no proof (empty); `from == 0` and `from > to` are errors.
pub fn consistency_plan(from: u64, to: u64) -> Result<Vec<LeafRange>, ProofError> {
    if from > to {
        return Err(ProofError::SizeOrder { from, to });
    }
    if from == 0 {
        return Err(ProofError::EmptyFrom { to });
    }
    // SUBPROOF(m, D[lo:hi], b), unrolled: each step appends after the deeper part, so collect
    // top-down and reverse.
    let mut top_down = Vec::new();
    let (mut lo, mut hi, mut m, mut whole) = (0u64, to, from, true);
    while m < hi - lo {
        let k = split_point(hi - lo);
        if m <= k {
            top_down.push(LeafRange { start: lo + k, end: hi });
            hi = lo + k;
        } else {
            top_down.push(LeafRange { start: lo, end: lo + k });
            lo += k;
            m -= k;
            whole = false;
        }
    }
    // m == hi - lo: the old tree's own subtree, unless it is the whole old tree (then the
    // verifier already has it as the old root).
    if !whole {
        top_down.push(LeafRange { start: lo, end: hi });
    }
    top_down.reverse();
    Ok(top_down)
}

/// All perfect subtrees that `ranges` need, deduplicated and sorted, so a store can fetch them in
/// one query.
pub fn nodes_needed(ranges: &[LeafRange]) -> Vec<NodeId> {
    let mut nodes: Vec<NodeId> = ranges.iter().flat_map(|r| r.perfect_subtrees()).collect();
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

/// MTH(D[start:end]) from fetched node hashes, so proofs and roots never need the leaves.
/// Fails with the first node that `nodes` lacks; an empty range hashes to [`EMPTY_ROOT`].
pub fn range_hash(range: LeafRange, nodes: &HashMap<NodeId, Hash>) -> Result<Hash, MissingNode> {
    let len = range.len();
    if len == 0 {
        return Ok(EMPTY_ROOT);
    }
    subtree_hash(range.start, len, nodes)
}

/// MTH over [start, start+len) for len >= 1, by RFC 9162's split, down to stored aligned nodes.
fn subtree_hash(start: u64, len: u64, nodes: &HashMap<NodeId, Hash>) -> Result<Hash, MissingNode> {
    if let Some(node) = aligned_node(start, len) {
        return nodes.get(&node).copied().ok_or(MissingNode(node));
    }
    let k = split_point(len);
    let left = subtree_hash(start, k, nodes)?;
    let right = subtree_hash(start + k, len - k, nodes)?;
    Ok(node_hash(&left, &right))
}

/// Why [`Frontier::from_parts`] could not rebuild a frontier.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrontierError {
    /// The number of subtree hashes does not match the number of set bits of the size.
    #[error("a tree of size {size} has {expected} perfect subtrees, but {got} hashes were given")]
    WrongSubtreeCount {
        /// The tree size given.
        size: u64,
        /// The number of subtrees that size has.
        expected: usize,
        /// The number of hashes given.
        got: usize,
    },
}

/// The right edge of a growing tree (the "compact range"): one hash per set bit of the size.
///
/// Appending a leaf returns every perfect subtree it completes, so a store can persist the
/// hashes of complete subtrees and never rebuild the tree. O(log n) hashes per append worst
/// case, O(1) amortised.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    /// Number of leaves appended.
    size: u64,
    /// The perfect subtrees of [0, size), left (largest) to right (smallest).
    stack: Vec<(NodeId, Hash)>,
}

impl Frontier {
    /// The frontier of the empty tree, to start a new log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuild from a size and the hashes of the perfect subtrees of [0, size) (in the order of
    /// `LeafRange { start: 0, end: size }.perfect_subtrees()`), so a log can resume appending.
    pub fn from_parts(size: u64, subtrees: Vec<Hash>) -> Result<Self, FrontierError> {
        let ids = LeafRange { start: 0, end: size }.perfect_subtrees();
        if ids.len() != subtrees.len() {
            return Err(FrontierError::WrongSubtreeCount { size, expected: ids.len(), got: subtrees.len() });
        }
        Ok(Self { size, stack: ids.into_iter().zip(subtrees).collect() })
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The perfect subtrees of [0, size) with their hashes, largest first: what
    /// [`Frontier::from_parts`] takes back, for persisting the frontier itself.
    pub fn subtrees(&self) -> &[(NodeId, Hash)] {
        &self.stack
    }

    /// Append a leaf hash; returns the newly complete nodes (the leaf itself as level 0 first,
    /// then each parent it completed, upward), which are exactly the nodes a store must save.
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let mut node = NodeId::leaf(self.size);
        let mut hash = leaf;
        let mut completed = vec![(node, hash)];
        while let Some(&(left, left_hash)) = self.stack.last() {
            if left.level != node.level {
                break;
            }
            self.stack.pop();
            node = left.parent();
            hash = node_hash(&left_hash, &hash);
            completed.push((node, hash));
        }
        debug_assert_eq!(node.first_leaf() + (1 << node.level), self.size + 1);
        self.stack.push((node, hash));
        self.size += 1;
        completed
    }

    /// The root of the tree so far ([`EMPTY_ROOT`] when empty): the right-to-left fold of the
    /// subtrees.
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, last)) = iter.next() else {
            return EMPTY_ROOT;
        };
        iter.fold(last, |acc, (_, left)| node_hash(left, &acc))
    }
}

/// An in-memory tree over leaf hashes, for tests and for verifying a replay: keeps every
/// complete node, and answers through the same plans a store uses, so those are what is tested.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// The right edge, which produces the complete nodes.
    frontier: Frontier,
    /// Every complete node so far.
    nodes: HashMap<NodeId, Hash>,
}

impl MemoryTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append a leaf hash, keeping the nodes it completes.
    pub fn push(&mut self, leaf: Hash) {
        self.nodes.extend(self.frontier.push(leaf));
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The root of the tree as it was at `size` leaves, for checkpoints of earlier sizes.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        match root_range(size) {
            Some(range) => Ok(range_hash(range, &self.nodes)?),
            None => Ok(EMPTY_ROOT),
        }
    }

    /// The inclusion proof (audit path) for leaf `index` in the tree at `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        self.hashes(&inclusion_plan(index, size)?)
    }

    /// The consistency proof between the tree at `from` leaves and at `to` leaves.
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(to)?;
        self.hashes(&consistency_plan(from, to)?)
    }

    /// Refuses sizes beyond what the tree holds.
    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.size() {
            return Err(ProofError::BeyondTree { size, have: self.size() });
        }
        Ok(())
    }

    /// The hashes of planned ranges, in plan order.
    fn hashes(&self, ranges: &[LeafRange]) -> Result<Vec<Hash>, ProofError> {
        ranges.iter().map(|&r| range_hash(r, &self.nodes).map_err(ProofError::from)).collect()
    }
}

/// Why a proof was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The leaf index is not inside the tree the proof claims.
    #[error("leaf index {index} is beyond a tree of size {size}")]
    IndexBeyondSize {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The proof has the wrong number of hashes for the sizes claimed.
    #[error("proof has {got} hashes, but these sizes need exactly {expected}")]
    WrongProofLength {
        /// The number the sizes require.
        expected: usize,
        /// The number given.
        got: usize,
    },
    /// A leaf hash or root is not a 32-byte SHA-256 digest.
    #[error("{what} is {len} bytes long, not a 32-byte hash")]
    WrongHashLength {
        /// Which input ("leaf hash", "root", "root1", "root2").
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// A proof element is not a 32-byte SHA-256 digest.
    #[error("proof element {position} is {len} bytes long, not a 32-byte hash")]
    WrongProofElementLength {
        /// Its position in the proof.
        position: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// The root recomputed from the proof is not the root given.
    #[error("{which} mismatch: proof gives {computed}, expected {expected}")]
    RootMismatch {
        /// Which root ("root", "root1", "root2").
        which: &'static str,
        /// The root given, hex.
        expected: String,
        /// The root the proof leads to, hex.
        computed: String,
    },
    /// A consistency proof was claimed from a larger tree to a smaller one.
    #[error("size2 ({size2}) is smaller than size1 ({size1})")]
    SizeOrder {
        /// The old size.
        size1: u64,
        /// The new size.
        size2: u64,
    },
    /// A consistency proof from the empty tree proves nothing, so it is refused.
    #[error("consistency from size 0 to size {size2} is useless: every tree extends the empty tree")]
    EmptyFrom {
        /// The new size.
        size2: u64,
    },
    /// Equal sizes must have the same root.
    #[error("sizes are equal ({size}) but the roots differ")]
    EqualSizesRootsDiffer {
        /// The common size.
        size: u64,
    },
}

/// Reads a 32-byte hash or says which input was malformed.
fn as_hash(bytes: &[u8], what: &'static str) -> Result<Hash, VerifyError> {
    bytes.try_into().map_err(|_| VerifyError::WrongHashLength { what, len: bytes.len() })
}

/// Reads every proof element as a 32-byte hash, so garbage is refused instead of hashed.
fn proof_hashes<P: AsRef<[u8]>>(proof: &[P]) -> Result<Vec<Hash>, VerifyError> {
    proof
        .iter()
        .enumerate()
        .map(|(position, p)| {
            let p = p.as_ref();
            p.try_into().map_err(|_| VerifyError::WrongProofElementLength { position, len: p.len() })
        })
        .collect()
}

/// Compares a computed root with the given one.
fn check_root(which: &'static str, computed: &Hash, expected: &Hash) -> Result<(), VerifyError> {
    if computed == expected {
        Ok(())
    } else {
        Err(VerifyError::RootMismatch { which, expected: hex::encode(expected), computed: hex::encode(computed) })
    }
}

/// `x >> n`, 0 when n >= 64 instead of overflowing.
fn shr(x: u64, n: usize) -> u64 {
    u32::try_from(n).ok().and_then(|n| x.checked_shr(n)).unwrap_or(0)
}

/// Splits an inclusion proof for `index` in a tree of `size` into its inner part (siblings below
/// where the paths to `index` and to the last leaf meet) and border part (left siblings above).
fn decompose_inclusion(index: u64, size: u64) -> (usize, usize) {
    let inner = (64 - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = shr(index, inner).count_ones() as usize;
    (inner, border)
}

/// Hashes `seed` up through inner siblings; bit i of `index` says on which side sibling i is.
fn chain_inner(seed: Hash, proof: &[Hash], index: u64) -> Hash {
    proof.iter().enumerate().fold(
        seed,
        |acc, (i, h)| {
            if shr(index, i) & 1 == 0 { node_hash(&acc, h) } else { node_hash(h, &acc) }
        },
    )
}

/// Like [`chain_inner`], but only the left siblings: recomputes the old root in a consistency proof.
fn chain_inner_right(seed: Hash, proof: &[Hash], index: u64) -> Hash {
    proof.iter().enumerate().fold(seed, |acc, (i, h)| if shr(index, i) & 1 == 1 { node_hash(h, &acc) } else { acc })
}

/// Hashes `seed` up through border siblings, which are all on the left.
fn chain_border_right(seed: Hash, proof: &[Hash]) -> Hash {
    proof.iter().fold(seed, |acc, h| node_hash(h, &acc))
}

/// RFC 9162 §2.1.3.2 verification of an inclusion proof: does leaf `leaf_index`, hashing to
/// `leaf_hash`, belong to the tree of `tree_size` leaves with `root`? Inputs are raw bytes
/// (they come off the wire): anything not 32 bytes long is rejected, never hashed.
pub fn verify_inclusion<P: AsRef<[u8]>>(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &[u8],
    proof: &[P],
    root: &[u8],
) -> Result<(), VerifyError> {
    if leaf_index >= tree_size {
        return Err(VerifyError::IndexBeyondSize { index: leaf_index, size: tree_size });
    }
    let leaf = as_hash(leaf_hash, "leaf hash")?;
    let root = as_hash(root, "root")?;
    let (inner, border) = decompose_inclusion(leaf_index, tree_size);
    if proof.len() != inner + border {
        return Err(VerifyError::WrongProofLength { expected: inner + border, got: proof.len() });
    }
    let proof = proof_hashes(proof)?;
    let (inner_part, border_part) = proof.split_at(inner);
    let computed = chain_border_right(chain_inner(leaf, inner_part, leaf_index), border_part);
    check_root("root", &computed, &root)
}

/// RFC 9162 §2.1.4.2 verification of a consistency proof: is the tree of `size2` leaves with
/// `root2` an append-only extension of the tree of `size1` leaves with `root1`?
///
/// As in transparency-dev/merkle: equal sizes need an empty proof and byte-equal roots (of any
/// length); `size1 == 0` is refused (nothing to prove); otherwise roots and proof elements must
/// be 32-byte hashes and the proof exactly as long as the sizes require.
pub fn verify_consistency<P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    proof: &[P],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), VerifyError> {
    if size2 < size1 {
        return Err(VerifyError::SizeOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(VerifyError::EmptyFrom { size2 });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(VerifyError::WrongProofLength { expected: 0, got: proof.len() });
        }
        if root1 != root2 {
            return Err(VerifyError::EqualSizesRootsDiffer { size: size1 });
        }
        return Ok(());
    }
    // Now 0 < size1 < size2.
    let root1 = as_hash(root1, "root1")?;
    let root2 = as_hash(root2, "root2")?;
    let proof = proof_hashes(proof)?;

    // The proof is, in effect, the tail of an inclusion proof for leaf size1-1 in the new tree,
    // starting at the level of the rightmost perfect subtree of the old tree.
    let (inner, border) = decompose_inclusion(size1 - 1, size2);
    let shift = size1.trailing_zeros() as usize;
    let inner = inner.saturating_sub(shift);
    // That subtree's hash comes first, unless it is the whole old tree (then it is root1).
    let (seed, rest) = if size1.is_power_of_two() {
        (root1, &proof[..])
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => {
                return Err(VerifyError::WrongProofLength { expected: 1 + inner + border, got: 0 });
            }
        }
    };
    let start = proof.len() - rest.len();
    if rest.len() != inner + border {
        return Err(VerifyError::WrongProofLength { expected: start + inner + border, got: proof.len() });
    }
    let (inner_part, border_part) = rest.split_at(inner);
    let mask = shr(size1 - 1, shift);

    let hash1 = chain_border_right(chain_inner_right(seed, inner_part, mask), border_part);
    check_root("root1", &hash1, &root1)?;
    let hash2 = chain_border_right(chain_inner(seed, inner_part, mask), border_part);
    check_root("root2", &hash2, &root2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        let digest: Hash = Sha256::digest([]).into();
        assert_eq!(EMPTY_ROOT, digest);
    }

    #[test]
    fn a_subtree_is_completed_by_the_entry_of_its_last_leaf() {
        assert_eq!(NodeId::leaf(0).completed_by(), 1);
        assert_eq!(NodeId::leaf(199).completed_by(), 200);
        assert_eq!(NodeId { level: 3, index: 5 }.completed_by(), 48);
        let mut frontier = Frontier::new();
        for n in 1..=64u64 {
            for (id, _) in frontier.push(leaf_hash(&n.to_be_bytes())) {
                assert_eq!(id.completed_by(), n, "{id:?}");
            }
        }
    }

    #[test]
    fn perfect_subtrees_follow_the_binary_digits_of_the_length() {
        let r = |start, end| LeafRange { start, end };
        let n = |level, index| NodeId { level, index };
        assert_eq!(r(0, 0).perfect_subtrees(), vec![]);
        assert_eq!(r(0, 1).perfect_subtrees(), vec![n(0, 0)]);
        assert_eq!(r(0, 8).perfect_subtrees(), vec![n(3, 0)]);
        assert_eq!(r(0, 7).perfect_subtrees(), vec![n(2, 0), n(1, 2), n(0, 6)]);
        assert_eq!(r(8, 13).perfect_subtrees(), vec![n(2, 2), n(0, 12)]);
        assert_eq!(r(4, 6).perfect_subtrees(), vec![n(1, 2)]);
        assert_eq!(r(6, 7).perfect_subtrees(), vec![n(0, 6)]);
        // A range not aligned to its largest piece is split the RFC 9162 way.
        assert_eq!(r(1, 4).perfect_subtrees(), vec![n(0, 1), n(0, 2), n(0, 3)]);
    }

    #[test]
    fn perfect_subtrees_cover_the_range_exactly() {
        for start in 0..40u64 {
            for end in start..80 {
                let mut next = start;
                for node in (LeafRange { start, end }).perfect_subtrees() {
                    assert_eq!(node.first_leaf(), next, "[{start},{end}) gap at {node:?}");
                    next += 1 << node.level;
                }
                assert_eq!(next, end, "[{start},{end}) not covered");
            }
        }
    }

    #[test]
    fn range_hash_of_a_misaligned_range_follows_the_rfc_split() {
        let leaves: Vec<Hash> = (0u8..4).map(|i| leaf_hash(&[i])).collect();
        let mut tree = MemoryTree::new();
        for l in &leaves {
            tree.push(*l);
        }
        let want = node_hash(&node_hash(&leaves[1], &leaves[2]), &leaves[3]);
        let got = range_hash(LeafRange { start: 1, end: 4 }, &tree.nodes);
        assert_eq!(got, Ok(want));
    }

    #[test]
    fn range_hash_names_the_missing_node() {
        let nodes = HashMap::from([(NodeId { level: 2, index: 0 }, EMPTY_ROOT)]);
        let got = range_hash(LeafRange { start: 0, end: 5 }, &nodes);
        assert_eq!(got, Err(MissingNode(NodeId::leaf(4))));
    }

    #[test]
    fn plans_refuse_impossible_requests() {
        assert_eq!(inclusion_plan(3, 3), Err(ProofError::LeafBeyondSize { index: 3, size: 3 }));
        assert_eq!(consistency_plan(5, 4), Err(ProofError::SizeOrder { from: 5, to: 4 }));
        assert_eq!(consistency_plan(0, 4), Err(ProofError::EmptyFrom { to: 4 }));
        assert_eq!(consistency_plan(4, 4), Ok(vec![]));
        assert_eq!(inclusion_plan(0, 1), Ok(vec![]));
    }

    #[test]
    fn plans_match_rfc_9162_examples() {
        // RFC 9162 §2.1.5: tree of 7 leaves a..g.
        let r = |start, end| LeafRange { start, end };
        // Inclusion proof for d (index 3) is [c, g, h] = [c], [a,b], [e,f,g].
        assert_eq!(inclusion_plan(3, 7), Ok(vec![r(2, 3), r(0, 2), r(4, 7)]));
        // For a (index 0): [b, h, i] = [b], [c,d], [e,f,g].
        assert_eq!(inclusion_plan(0, 7), Ok(vec![r(1, 2), r(2, 4), r(4, 7)]));
        // Consistency 3 -> 7: [c, d, g, l] = [2,3), [3,4), [0,2), [4,7).
        assert_eq!(consistency_plan(3, 7), Ok(vec![r(2, 3), r(3, 4), r(0, 2), r(4, 7)]));
        // 4 -> 7: [l] = [4,7).
        assert_eq!(consistency_plan(4, 7), Ok(vec![r(4, 7)]));
        // 6 -> 7: [i, j, k] = [4,6), [6,7), [0,4).
        assert_eq!(consistency_plan(6, 7), Ok(vec![r(4, 6), r(6, 7), r(0, 4)]));
    }

    #[test]
    fn nodes_needed_are_sorted_and_unique() {
        let r = |start, end| LeafRange { start, end };
        let nodes = nodes_needed(&[r(4, 7), r(0, 4), r(4, 6), r(6, 7)]);
        let mut sorted = nodes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(nodes, sorted);
        assert_eq!(nodes, vec![NodeId::leaf(6), NodeId { level: 1, index: 2 }, NodeId { level: 2, index: 0 },]);
    }

    #[test]
    fn frontier_push_reports_every_completed_node() {
        let mut f = Frontier::new();
        let ids = |v: Vec<(NodeId, Hash)>| v.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        for i in 0..3 {
            f.push(leaf_hash(&[i]));
        }
        assert_eq!(
            ids(f.push(leaf_hash(&[3]))),
            vec![NodeId::leaf(3), NodeId { level: 1, index: 1 }, NodeId { level: 2, index: 0 },]
        );
        assert_eq!(ids(f.push(leaf_hash(&[4]))), vec![NodeId::leaf(4)]);
        assert_eq!(f.size(), 5);
        assert_eq!(
            Frontier::from_parts(5, vec![EMPTY_ROOT]).map(|f| f.size()),
            Err(FrontierError::WrongSubtreeCount { size: 5, expected: 2, got: 1 })
        );
    }
}
