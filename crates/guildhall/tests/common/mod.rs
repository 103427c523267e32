//! Helpers shared by the guildhall tests: migrated test stores and running the real binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

#[allow(unused_imports)]
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

/// Two real Code-Point Open rows (OS OpenData, May 2025): Cambridge postcodes and their points.
pub const CODE_POINT_SLICE: &str = "postcode,positional_quality,easting,northing,country_code,nhs_regional_ha_code,nhs_ha_code,admin_county_code,admin_district_code,admin_ward_code
CB2 1AA,10,545452,257933,E92000001,E19000001,E18000006,E10000003,E07000008,E05013057
CB2 1AB,10,545374,258014,E92000001,E19000001,E18000006,E10000003,E07000008,E05013057
";

/// A made-up square county (lon/lat) around those postcodes.
pub const COUNTY_GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"E10000003","name":"Cambridgeshire"},
 "geometry":{"type":"Polygon","coordinates":[[[-0.2,52.0],[0.4,52.0],[0.4,52.4],[-0.2,52.4],[-0.2,52.0]]]}}
]}"#;

/// Two made-up districts in that county: one holding the postcodes, one away from them.
pub const DISTRICTS_GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"E07000008","name":"Cambridge","parent":"E10000003"},
 "geometry":{"type":"Polygon","coordinates":[[[0.05,52.15],[0.2,52.15],[0.2,52.25],[0.05,52.25],[0.05,52.15]]]}},
{"type":"Feature","properties":{"code":"E07000012","name":"South Cambridgeshire","parent":"E10000003"},
 "geometry":{"type":"Polygon","coordinates":[[[-0.15,52.02],[0.0,52.02],[0.0,52.1],[-0.15,52.1],[-0.15,52.02]]]}}
]}"#;

/// A made-up ward inside the Cambridge square, for a second import with another type.
pub const WARD_GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"E05013057","name":"Market","district_code":"E07000008"},
 "geometry":{"type":"Polygon","coordinates":[[[0.1,52.18],[0.15,52.18],[0.15,52.22],[0.1,52.22],[0.1,52.18]]]}}
]}"#;

/// Writes the look-up fixtures into `dir` and imports them through the real CLI: postcodes,
/// areas (county, districts, a ward), and five generated addresses in those postcodes.
/// Returns the generated AddressBase CSV's text.
pub fn seed_lookups(url: &str, dir: &std::path::Path) -> String {
    let code_point = dir.join("code-point.csv");
    std::fs::write(&code_point, CODE_POINT_SLICE).unwrap();
    let counties = dir.join("county.geojson");
    std::fs::write(&counties, COUNTY_GEOJSON).unwrap();
    let districts = dir.join("districts.geojson");
    std::fs::write(&districts, DISTRICTS_GEOJSON).unwrap();
    let wards = dir.join("wards.geojson");
    std::fs::write(&wards, WARD_GEOJSON).unwrap();
    let addresses = dir.join("addresses.csv");
    let steps: Vec<Vec<String>> = vec![
        vec!["import".into(), "postcodes".into(), code_point.display().to_string()],
        vec!["import".into(), "areas".into(), counties.display().to_string(), "--type".into(), "CTY".into()],
        vec![
            "import".into(),
            "areas".into(),
            districts.display().to_string(),
            "--type".into(),
            "DIS".into(),
            "--parent-property".into(),
            "parent".into(),
        ],
        vec![
            "import".into(),
            "areas".into(),
            wards.display().to_string(),
            "--type".into(),
            "DIW".into(),
            "--parent-property".into(),
            "district_code".into(),
        ],
        vec![
            "generate".into(),
            "addresses".into(),
            "--count".into(),
            "5".into(),
            "--seed".into(),
            "3".into(),
            "--postcodes".into(),
            code_point.display().to_string(),
            "--output".into(),
            addresses.display().to_string(),
        ],
        vec!["import".into(), "addresses".into(), addresses.display().to_string()],
    ];
    for args in steps {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = guildhall(url, &args);
        assert!(out.status.success(), "guildhall {args:?} failed: {}{}", stdout(&out), stderr(&out));
    }
    std::fs::read_to_string(addresses).unwrap()
}

/// A running `guildhall serve`, SIGKILLed when dropped so no test leaves one behind.
pub struct Server {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// Starts `guildhall --database-url URL serve --port 0` and waits for its address.
    pub fn start(url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_guildhall"))
            .args(["--database-url", url, "serve", "--port", "0"])
            .env_remove("GUILDHALL_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start guildhall serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("serve printed its address before exiting").expect("read stdout");
            if let Some(addr) = line.strip_prefix("Guildhall listening on ") {
                break format!("http://{}", addr.trim().trim_start_matches("http://"));
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    /// SIGKILL: no shutdown hooks, no flushing, as a power cut would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where a redirect points.
pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// The `guildhall_session=…` pair a response sets, if any.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("guildhall_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// The anti-forgery token a page's form carries.
pub fn csrf_token(html: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("the form carries an anti-forgery token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The repository root (where `tests/e2e` lives).
pub fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether the browser journeys can run: Debian's chromium, node and `tests/e2e`'s npm packages.
/// When they cannot, this panics, except outside CI with `GUILDHALL_SKIP_BROWSER=1`, where it
/// says SKIPPED and returns false, so a browser test is never skipped silently.
pub fn browser_ready() -> bool {
    let ready = std::path::Path::new("/usr/bin/chromium").exists()
        && repository_root().join("tests/e2e/node_modules/playwright-core").exists()
        && Command::new("node").arg("--version").output().is_ok();
    if ready {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let message = "the browser journeys need /usr/bin/chromium, node and `npm ci --prefix tests/e2e`";
    if !ci && std::env::var("GUILDHALL_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED: {message}");
        return false;
    }
    panic!("{message} (outside CI, GUILDHALL_SKIP_BROWSER=1 skips this test)");
}
