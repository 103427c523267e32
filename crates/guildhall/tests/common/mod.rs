//! Helpers shared by the guildhall tests: migrated test stores and running the real binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub use registers::testing::stores;

/// The RSF test vectors shipped beside the workspace.
pub fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/rsf").join(name)
}

/// The root an RSF file asserts on its last line.
pub fn asserted_root(text: &str) -> String {
    text.lines()
        .last()
        .and_then(|l| l.strip_prefix("assert-root-hash\t"))
        .expect("last line asserts a root")
        .to_string()
}

/// Runs `guildhall --database-url URL ARGS…` to completion, with a clean environment for config.
pub fn guildhall(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("GUILDHALL_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run guildhall")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
