//! Runs the browser tests in `tests/e2e/` (`node tests/e2e/run.mjs`) against the demonstration
//! app served here on 127.0.0.1, so `cargo test --workspace` runs them: Debian's chromium,
//! axe-core on every page with JavaScript on and off, screenshots in `target/e2e-artifacts/`.
//!
//! Missing chromium, node or `tests/e2e/node_modules` fails the test, with the commands to fix
//! it; only outside CI, `GUILDHALL_SKIP_BROWSER=1` turns that failure into a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What is missing to run the browser tests, if anything.
fn missing_prerequisites(root: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        missing.push(format!("no chromium at {chromium}: run `apt-get install -y chromium`"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("no `node` on PATH: run `apt-get install -y nodejs npm`".into());
    }
    for package in ["playwright-core", "axe-core"] {
        if !root.join("tests/e2e/node_modules").join(package).exists() {
            missing.push(format!("no tests/e2e/node_modules/{package}: run `npm ci --prefix tests/e2e`"));
        }
    }
    missing
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_chromium_with_javascript_on_and_off() {
    let root = repository_root();
    let missing = missing_prerequisites(&root);
    if !missing.is_empty() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let skip = std::env::var("GUILDHALL_SKIP_BROWSER").is_ok_and(|v| v == "1");
        let message = format!("the browser tests cannot run:\n  {}", missing.join("\n  "));
        if skip && !ci {
            eprintln!("{message}\nskipped because GUILDHALL_SKIP_BROWSER=1");
            return;
        }
        panic!("{message}\n(outside CI, GUILDHALL_SKIP_BROWSER=1 skips this test)");
    }

    let app = web::demo::app().expect("demonstration app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });

    let script = root.join("tests/e2e/run.mjs");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(script).env("E2E_BASE_URL", &url).current_dir(&root).output()
    })
    .await
    .expect("join")
    .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(output.status.success(), "browser tests failed:\n{stdout}\n{stderr}");
}
