//! Shared helpers for the registers tests: fresh stores with both migrations, and the vectors.
#![allow(dead_code)]

pub use registers::testing::stores;

/// The directory of real GOV.UK RSF dumps.
pub fn rsf_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/rsf")
}

/// Every RSF file in the vectors, by name.
pub fn rsf_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(rsf_dir())
        .expect("../shared/vectors/rsf")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rsf"))
        .collect();
    files.sort();
    files
}

/// The root a file asserts on its last line.
pub fn asserted_root(text: &str) -> String {
    let last = text.lines().last().unwrap();
    last.strip_prefix("assert-root-hash\t").unwrap().to_string()
}
