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

/// `guildhall --database-url URL serve --port 0` with `env` added and both outputs piped, not yet
/// started: [`Server::start_with`] runs it, and a test of a refused start-up reads its stderr.
pub fn serve_command(url: &str, env: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_guildhall"));
    command
        .args(["--database-url", url, "serve", "--port", "0"])
        .env_remove("GUILDHALL_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command
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
        Server::start_with(url, &[])
    }

    /// [`Server::start`] with these environment variables added (configuration such as
    /// `GUILDHALL_NOTIFY__…`), so a test can serve with settings only the environment gives.
    pub fn start_with(url: &str, env: &[(&str, String)]) -> Server {
        let mut command = serve_command(url, env);
        command.stderr(Stdio::inherit());
        let mut child = command.spawn().expect("start guildhall serve");
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

/// Migrates `t`'s store as the server would and seeds the demo (Exampleshire and Northtown, their
/// staff, bodies, registers and vehicles): the start of every test on the demo's data.
pub async fn seed_demo(t: &store::testing::TestStore) -> guildhall::demo::Seeded {
    guildhall::startup::open_store(&t.url).await.unwrap().close().await;
    guildhall::demo::seed(&t.store).await.unwrap()
}

/// Serves `t`'s store from this process on a free port, with the `/dev` pages (the sandbox
/// mailboxes the browser journeys read) when `dev_pages`; returns the base URL. It names
/// `localhost`, not 127.0.0.1: passkeys need a host name, and the session cookie is not Secure
/// only there.
pub async fn serve_store(t: &store::testing::TestStore, dev_pages: bool) -> String {
    let settings =
        guildhall::configuration::Settings { database_url: t.url.clone(), port: 0, dev_pages, ..Default::default() };
    let app = guildhall::startup::Application::build_with_store(settings, t.store.clone()).await.unwrap();
    let base = format!("http://localhost:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    base
}

/// Runs `node tests/e2e/SCRIPT` from the repository root against `base` (its `E2E_BASE_URL`) with
/// `env` added, off the runtime so a server in this process keeps answering. Asserts the script
/// succeeded, showing both its outputs when not, prints its stdout and returns it for the
/// test's own checks.
pub async fn run_e2e(script: &str, base: &str, env: &[(&str, &str)]) -> String {
    let path = format!("tests/e2e/{script}");
    let mut command = Command::new("node");
    command.arg(&path).env("E2E_BASE_URL", base).current_dir(repository_root());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output()).await.expect("join").expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{path} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    println!("{stdout}");
    stdout
}

/// Creates Exampleshire and a test Pay key named `name` for it through the CLI, as a service's
/// scripts would; returns the key (the last line of stdout).
pub fn exampleshire_pay_key(url: &str, name: &str) -> String {
    let created = guildhall(url, &["council", "create", "exampleshire", "Exampleshire Council"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let out = guildhall(url, &["pay", "key", "create", "--council", "exampleshire", "--type", "test", name]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().last().expect("the key on the last line").trim().to_string()
}

/// The last line of a successful command's stdout: what scripts take (an id or a key).
pub fn last_line(out: &Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out).lines().last().unwrap_or_default().trim().to_string()
}

/// Creates Exampleshire, a Notify service named `name` for it and a live key named `ci` through
/// the CLI; returns the service id and the key.
pub fn notify_service(url: &str, name: &str) -> (String, String) {
    assert!(guildhall(url, &["council", "create", "exampleshire", "Exampleshire County Council"]).status.success());
    let service = last_line(&guildhall(url, &["notify", "service", "create", "--council", "exampleshire", name]));
    let key = last_line(&guildhall(url, &["notify", "key", "create", "--service", &service, "--type", "live", "ci"]));
    (service, key)
}

/// Creates a `kind` template named `name` for `service` through the CLI, its body written to a
/// file in `dir` as an outside script would; returns the template id.
pub fn notify_template(
    url: &str,
    dir: &std::path::Path,
    service: &str,
    kind: &str,
    name: &str,
    subject: Option<&str>,
    body: &str,
) -> String {
    let file = dir.join(format!("{kind}.txt"));
    std::fs::write(&file, body).unwrap();
    let file = file.display().to_string();
    let mut args = vec!["notify", "template", "create", "--service", service, "--type", kind, "--name", name];
    if let Some(subject) = subject {
        args.extend(["--subject", subject]);
    }
    args.extend(["--body-file", &file]);
    last_line(&guildhall(url, &args))
}

/// Whether GOV.UK Notify's official Python client is installed (a failure on CI, said aloud
/// elsewhere).
#[allow(unused_imports)]
pub use notifications::testing::python_client_available;

/// Runs the notifications crate's client script `SCRIPT` (under its `tests/clients`) with
/// python3 and `env`; asserts it succeeded, showing both its outputs when not; returns stdout.
pub async fn run_python_client(script: &str, env: &[(&str, &str)]) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../notifications/tests/clients").join(script);
    let mut command = tokio::process::Command::new("python3");
    command.arg(path);
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().await.expect("run python3");
    let (out_text, err_text) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "python client {script} failed\nstdout:\n{out_text}\nstderr:\n{err_text}");
    out_text.into_owned()
}

/// Signs in at `/{council}/staff/sign-in` with the code from the sandbox mailbox, as a member of
/// staff would; returns the session cookie, checking that signing in replaced the anonymous
/// session.
pub async fn staff_sign_in(
    http: &reqwest::Client,
    base: &str,
    store: &store::Store,
    council: &str,
    email: &str,
) -> String {
    let page = http.get(format!("{base}/{council}/staff/sign-in")).send().await.unwrap();
    let anonymous = session_cookie(&page).expect("the sign-in page starts a session");
    let csrf = csrf_token(&page.text().await.unwrap());
    let sent = http
        .post(format!("{base}/{council}/staff/sign-in"))
        .header("cookie", &anonymous)
        .form(&[("csrf_token", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303, "{}", sent.text().await.unwrap());
    let code_url = format!("{base}{}", location(&sent));
    let identity = identity::Identity::new(store.clone(), identity::IdentityConfig::new(base));
    let mail = identity.sandbox().list(10).await.unwrap();
    let body = &mail.iter().find(|m| m.to == email).expect("a code was emailed").body_text;
    let code: String = body
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a 6-digit code in the email")
        .to_string();
    let entered = http
        .post(&code_url)
        .header("cookie", &anonymous)
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(entered.status(), 303, "{}", entered.text().await.unwrap());
    let signed_in = session_cookie(&entered).expect("signing in sets a new session");
    assert_ne!(signed_in, anonymous, "a new session id on sign-in");
    signed_in
}
