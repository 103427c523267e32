//! The Merkle log against RFC 9162 test vectors (transparency-dev/merkle `testdata/`, read from
//! `/work/shared/vectors/rfc9162`) and against itself on generated trees.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use registers::merkle::{
    Frontier, Hash, LeafRange, MemoryTree, leaf_hash, node_hash, verify_consistency, verify_inclusion,
};
use serde::Deserialize;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/rfc9162");

/// The number of vector files of each kind; pinned so the vector tests cannot pass vacuously.
const INCLUSION_FILES: usize = 98;
const CONSISTENCY_FILES: usize = 98;

/// The standard 8 leaves of the vectors (hex).
const LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

/// Roots of the standard tree by size, from the vectors' README.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionCase {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyCase {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {d:?}: {e}"));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn load<T: for<'de> Deserialize<'de>>(kind: &str) -> Vec<(PathBuf, T)> {
    json_files(&Path::new(VECTORS).join(kind))
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            let case = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            (path, case)
        })
        .collect()
}

fn b64(s: &str) -> Vec<u8> {
    STANDARD.decode(s).expect("base64 in a vector")
}

fn b64_proof(p: &Option<Vec<String>>) -> Vec<Vec<u8>> {
    p.iter().flatten().map(|s| b64(s)).collect()
}

fn standard_tree() -> MemoryTree {
    let mut tree = MemoryTree::new();
    for leaf in LEAVES {
        tree.push(leaf_hash(&hex::decode(leaf).expect("hex leaf")));
    }
    tree
}

fn standard_root(size: u64) -> Vec<u8> {
    hex::decode(ROOTS[size as usize]).expect("hex root")
}

/// Checks every case, returning (accepted, rejected).
fn check_cases<T>(
    cases: &[(PathBuf, T)],
    verify: impl Fn(&T) -> Result<(), registers::merkle::VerifyError>,
    expect: impl Fn(&T) -> (bool, &str),
) -> (usize, usize) {
    let (mut accepted, mut rejected) = (0, 0);
    for (path, case) in cases {
        let (want_err, desc) = expect(case);
        match verify(case) {
            Ok(()) if want_err => panic!("{path:?} ({desc}): accepted, but should be rejected"),
            Err(e) if !want_err => {
                panic!("{path:?} ({desc}): rejected ({e}), but should be accepted")
            }
            Ok(()) => accepted += 1,
            Err(_) => rejected += 1,
        }
    }
    (accepted, rejected)
}

#[test]
fn every_inclusion_vector_is_accepted_or_rejected_as_it_says() {
    let cases: Vec<(PathBuf, InclusionCase)> = load("inclusion");
    assert_eq!(cases.len(), INCLUSION_FILES, "inclusion vector files found");
    let (accepted, rejected) = check_cases(
        &cases,
        |c| verify_inclusion(c.leaf_idx, c.tree_size, &b64(&c.leaf_hash), &b64_proof(&c.proof), &b64(&c.root)),
        |c| (c.want_err, c.desc.as_str()),
    );
    eprintln!("inclusion vectors: {accepted} accepted, {rejected} rejected");
    assert!(accepted > 0 && rejected > 0);
}

#[test]
fn every_consistency_vector_is_accepted_or_rejected_as_it_says() {
    let cases: Vec<(PathBuf, ConsistencyCase)> = load("consistency");
    assert_eq!(cases.len(), CONSISTENCY_FILES, "consistency vector files found");
    let (accepted, rejected) = check_cases(
        &cases,
        |c| verify_consistency(c.size1, c.size2, &b64_proof(&c.proof), &b64(&c.root1), &b64(&c.root2)),
        |c| (c.want_err, c.desc.as_str()),
    );
    eprintln!("consistency vectors: {accepted} accepted, {rejected} rejected");
    assert!(accepted > 0 && rejected > 0);
}

#[test]
fn memory_tree_roots_of_the_standard_leaves_match_the_published_table() {
    let tree = standard_tree();
    for size in 0..=8 {
        assert_eq!(tree.root_at(size).map(|r| r.to_vec()), Ok(standard_root(size)), "root at size {size}");
    }
    assert!(tree.root_at(9).is_err());
}

#[test]
fn every_inclusion_proof_of_the_standard_tree_verifies() {
    let tree = standard_tree();
    for size in 1..=8u64 {
        let root = standard_root(size);
        for index in 0..size {
            let leaf = leaf_hash(&hex::decode(LEAVES[index as usize]).expect("hex leaf"));
            let proof = tree.inclusion_proof(index, size).expect("proof");
            assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()), "leaf {index} in size {size}");
        }
    }
}

#[test]
fn every_consistency_proof_of_the_standard_tree_verifies() {
    let tree = standard_tree();
    for to in 1..=8u64 {
        for from in 1..=to {
            let proof = tree.consistency_proof(from, to).expect("proof");
            assert_eq!(
                verify_consistency(from, to, &proof, &standard_root(from), &standard_root(to)),
                Ok(()),
                "{from} -> {to}"
            );
        }
    }
}

#[test]
fn happy_path_vector_proofs_are_the_proofs_we_generate() {
    let tree = standard_tree();
    let mut compared = 0;
    for (path, c) in load::<InclusionCase>("inclusion") {
        if c.want_err || c.tree_size > 8 || b64(&c.root) != standard_root(c.tree_size) {
            continue;
        }
        let ours = tree.inclusion_proof(c.leaf_idx, c.tree_size).expect("proof");
        let ours: Vec<Vec<u8>> = ours.iter().map(|h| h.to_vec()).collect();
        assert_eq!(ours, b64_proof(&c.proof), "{path:?} ({})", c.desc);
        compared += 1;
    }
    for (path, c) in load::<ConsistencyCase>("consistency") {
        if c.want_err
            || c.size2 > 8
            || c.size1 == 0
            || b64(&c.root1) != standard_root(c.size1)
            || b64(&c.root2) != standard_root(c.size2)
        {
            continue;
        }
        let ours = tree.consistency_proof(c.size1, c.size2).expect("proof");
        let ours: Vec<Vec<u8>> = ours.iter().map(|h| h.to_vec()).collect();
        assert_eq!(ours, b64_proof(&c.proof), "{path:?} ({})", c.desc);
        compared += 1;
    }
    // inclusion/{0..4} and consistency/{0..4} happy paths are all over the standard leaves.
    assert_eq!(compared, 10, "happy-path vectors compared");
}

/// A small deterministic generator (Knuth's MMIX LCG), so the test needs no new dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 11
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// MTH straight from RFC 9162 §2.1.1 over the leaf hashes: an independent reference.
fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => registers::merkle::EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

fn ceil_log2(n: u64) -> usize {
    (64 - (n - 1).leading_zeros()) as usize
}

#[test]
fn generated_trees_up_to_300_leaves_prove_verify_and_resume() {
    const N: u64 = 300;
    let mut rng = Lcg(0x5eed);
    let leaves: Vec<Hash> = (0..N)
        .map(|_| {
            let len = rng.below(40) as usize;
            let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            leaf_hash(&data)
        })
        .collect();

    let mut tree = MemoryTree::new();
    let mut frontier = Frontier::new();
    let mut roots = vec![reference_root(&[])];
    let mut snapshots = vec![frontier.clone()];
    for leaf in &leaves {
        tree.push(*leaf);
        frontier.push(*leaf);
        let size = tree.size();
        let want = reference_root(&leaves[..size as usize]);
        assert_eq!(frontier.root(), want, "frontier root at {size}");
        assert_eq!(tree.root_at(size), Ok(want), "tree root at {size}");
        assert_eq!(frontier.subtrees().len(), size.count_ones() as usize);
        roots.push(want);
        snapshots.push(frontier.clone());
    }

    let mut checked = 0;
    for size in 1..=N {
        let root = roots[size as usize];
        // Every leaf for small trees, a sample for larger ones.
        let indices: Vec<u64> = if size <= 64 {
            (0..size).collect()
        } else {
            let mut v: Vec<u64> = (0..8).map(|_| rng.below(size)).collect();
            v.extend([0, size - 1]);
            v
        };
        for index in indices {
            let proof = tree.inclusion_proof(index, size).expect("inclusion proof");
            assert!(proof.len() <= ceil_log2(size), "{index} in {size}: {} hashes", proof.len());
            let leaf = leaves[index as usize];
            assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()), "{index} in {size}");
            if let Some(first) = proof.first() {
                let mut bad = proof.clone();
                bad[0][0] ^= first[0] | 1;
                assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
            }
            checked += 1;
        }
        let froms: Vec<u64> = if size <= 64 {
            (1..=size).collect()
        } else {
            let mut v: Vec<u64> = (0..8).map(|_| 1 + rng.below(size)).collect();
            v.extend([1, size - 1, size]);
            v
        };
        for from in froms {
            let proof = tree.consistency_proof(from, size).expect("consistency proof");
            let old = roots[from as usize];
            assert_eq!(verify_consistency(from, size, &proof, &old, &root), Ok(()), "{from} -> {size}");
            if from < size {
                assert!(verify_consistency(from, size, &proof, &root, &old).is_err());
            }
            checked += 1;
        }

        // The frontier at this size, rebuilt from its parts, carries on like the original.
        let snap = &snapshots[size as usize];
        let parts: Vec<Hash> = snap.subtrees().iter().map(|(_, h)| *h).collect();
        let ids: Vec<_> = snap.subtrees().iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, LeafRange { start: 0, end: size }.perfect_subtrees());
        let mut resumed = Frontier::from_parts(size, parts).expect("from_parts");
        assert_eq!(resumed.size(), size);
        assert_eq!(resumed.root(), root);
        for leaf in &leaves[size as usize..(size as usize + 5).min(N as usize)] {
            resumed.push(*leaf);
        }
        assert_eq!(resumed.root(), roots[resumed.size() as usize], "resumed from {size}");
    }
    assert!(checked > 5_000, "only {checked} proofs checked");
}
