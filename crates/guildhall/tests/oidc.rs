//! Sign-in through an external OpenID Provider with the real binary: panva's certified
//! `oidc-provider` (npm, started by crates/oidc-login/tests/provider/provider.mjs) and a live
//! `guildhall serve` configured for it with an `[oidc]` table. An HTTP client keeping cookies
//! plays the citizen: the council's sign-in page links to the provider, the provider's login
//! and consent forms are submitted as "ada", and the callback signs her in to her account
//! (created from her verified email); a callback whose `state` was tampered with is refused with
//! a GOV.UK page that leads back to sign-in, and signs nobody in. A cookie key shorter than 32 bytes stops start-up with a clear message.
//! Runs on SQLite, and on PostgreSQL when configured.
//!
//! Needs node and `npm ci --prefix crates/oidc-login/tests/provider`; without them the test says
//! so and passes, except when `CI=true`, where it fails.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{guildhall, stderr};
use reqwest::redirect::Policy;
use reqwest::{Response, Url};

const COUNCIL: &str = "exampleshire";
const COOKIE_KEY: &str = "test-only-cookie-key-0123456789abcdef-0123456789";
const SECRET: &str = "guildhall-test-secret-0123456789abcdef";

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../oidc-login/tests/provider")
}

/// A child process killed when dropped (the provider, the server).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the provider with its clients redirecting to `redirect_uri` and returns it with its
/// issuer, or `None` (after saying why) when node or the package is missing outside CI.
fn start_provider(redirect_uri: &str) -> Option<(Running, String)> {
    let node_ok = Command::new("node").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    let installed = provider_dir().join("node_modules/oidc-provider/package.json").exists();
    if !node_ok || !installed {
        let why =
            if node_ok { "run `npm ci --prefix crates/oidc-login/tests/provider`" } else { "node is not installed" };
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("the OpenID Provider test needs node and oidc-provider: {why}");
        }
        eprintln!("SKIPPED: the OpenID Provider test needs node and oidc-provider: {why}");
        return None;
    }
    let options = serde_json::json!({ "redirect_uri": redirect_uri });
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .arg(options.to_string())
        .current_dir(provider_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ready: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("provider said {line:?}: {e}"));
    Some((Running(child), ready["issuer"].as_str().unwrap().to_string()))
}

/// A port free a moment ago: the provider must know guildhall's callback before guildhall starts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn write_config(dir: &Path, name: &str, port: u16, issuer: &str, cookie_key: &str) -> PathBuf {
    let path = dir.join(name);
    let text = format!(
        "public_url = \"http://127.0.0.1:{port}\"\n\n[oidc]\nissuer = \"{issuer}\"\nclient_id = \"guildhall\"\n\
         client_secret = \"{SECRET}\"\nscopes = [\"openid\", \"email\", \"profile\"]\n\
         display_name = \"Exampleshire ID\"\ncookie_key = \"{cookie_key}\"\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts `guildhall --config CONFIG serve --port PORT` and waits until it listens.
fn serve(url: &str, config: &Path, port: u16) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .args(["--database-url", url, "--config"])
        .arg(config)
        .args(["serve", "--port", &port.to_string()])
        .env_remove("GUILDHALL_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start guildhall serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("serve printed its address before exiting").unwrap();
        if line.starts_with("Guildhall listening on ") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Running(child)
}

/// The citizen's browser: follows no redirect by itself and keeps cookies by name (the provider's
/// all start with `_`, guildhall's do not, so one jar serves both hosts).
struct Browser {
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new() -> Browser {
        Browser { http: reqwest::Client::builder().redirect(Policy::none()).build().unwrap(), cookies: BTreeMap::new() }
    }

    fn keep(&mut self, response: &Response) {
        for line in response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
            let mut parts = line.split(';');
            let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else { continue };
            let expired = parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if value.is_empty() || expired {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().to_string(), value.to_string());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn get(&mut self, url: &Url) -> Response {
        let response = self.http.get(url.clone()).header("cookie", self.cookie_header()).send().await.unwrap();
        self.keep(&response);
        response
    }

    async fn post(&mut self, url: &Url, form: &[(String, String)]) -> Response {
        let response =
            self.http.post(url.clone()).header("cookie", self.cookie_header()).form(form).send().await.unwrap();
        self.keep(&response);
        response
    }
}

/// An attribute's value in one HTML tag (`name="value"`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(tag[start..].split('"').next()?.replace("&amp;", "&"))
}

/// The first form's action and the fields a person would send: hidden inputs as they are, the
/// login as "ada" and any password.
fn first_form(html: &str) -> (String, Vec<(String, String)>) {
    let start = html.find("<form").unwrap_or_else(|| panic!("no form in {html}"));
    let form = &html[start..html[start..].find("</form>").map_or(html.len(), |end| start + end)];
    let action = attribute(&form[..form.find('>').unwrap()], "action").expect("the form has an action");
    let mut fields = Vec::new();
    for input in form.split("<input").skip(1) {
        let tag = &input[..input.find('>').unwrap_or(input.len())];
        let Some(name) = attribute(tag, "name") else { continue };
        let value = match name.as_str() {
            "login" => "ada".to_string(),
            "password" => "any password".to_string(),
            _ => attribute(tag, "value").unwrap_or_default(),
        };
        fields.push((name, value));
    }
    (action, fields)
}

/// From the council's sign-in page to the provider's redirect back to the callback (not
/// followed): follows the "Sign in with" link and plays the citizen at the provider.
async fn to_callback(browser: &mut Browser, base: &Url) -> Url {
    let sign_in_page = base.join(&format!("/{COUNCIL}/sign-in")).unwrap();
    let page = browser.get(&sign_in_page).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let link = format!("/{COUNCIL}/sign-in/oidc?return_to=%2F{COUNCIL}%2Faccount");
    assert!(html.contains(&format!("href=\"{link}\"")), "the sign-in page links to the provider: {html}");
    assert!(html.contains("Sign in with Exampleshire ID"), "{html}");
    let mut here = base.join(&link).unwrap();
    let mut response = browser.get(&here).await;
    assert_eq!(response.status(), 303, "the link starts the journey");
    for _ in 0..12 {
        if response.status().is_redirection() {
            let location = response.headers()["location"].to_str().unwrap().to_string();
            let next = here.join(&location).unwrap();
            if next.path() == "/oidc/callback" && next.port() == base.port() {
                return next;
            }
            response = browser.get(&next).await;
            here = next;
            continue;
        }
        let status = response.status();
        let html = response.text().await.unwrap();
        assert!(status.is_success(), "provider answered {status}: {html}");
        let (action, fields) = first_form(&html);
        let action = here.join(&action).unwrap();
        response = browser.post(&action, &fields).await;
        here = action;
    }
    panic!("the provider never redirected to the callback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_signs_in_with_the_councils_openid_provider_through_a_live_server() {
    let dir = tempfile::tempdir().unwrap();
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        let port = free_port();
        let Some((_provider, issuer)) = start_provider(&format!("http://127.0.0.1:{port}/oidc/callback")) else {
            return;
        };
        assert!(guildhall(url, &["council", "create", COUNCIL, "Exampleshire Council"]).status.success());

        let short = write_config(dir.path(), "short.toml", port, &issuer, &"k".repeat(31));
        let refused = guildhall(url, &["--config", short.to_str().unwrap(), "serve", "--port", "0"]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(stderr(&refused).contains("oidc.cookie_key is 31 bytes"), "{}", stderr(&refused));

        let config = write_config(dir.path(), "guildhall.toml", port, &issuer, COOKIE_KEY);
        let _server = serve(url, &config, port);
        let base = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let account = base.join(&format!("/{COUNCIL}/account")).unwrap();

        // A callback whose state was changed is refused and signs nobody in.
        let mut browser = Browser::new();
        let staff_page = browser.get(&base.join(&format!("/{COUNCIL}/staff/sign-in")).unwrap()).await;
        assert_eq!(staff_page.status(), 200);
        let staff_html = staff_page.text().await.unwrap();
        assert!(!staff_html.contains("Sign in with Exampleshire ID"), "staff sign in with their council's codes only");
        let mut callback = to_callback(&mut browser, &base).await;
        let pairs: Vec<(String, String)> = callback
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" { format!("{v}x") } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        assert!(pairs.iter().any(|(k, _)| k == "state"), "{callback}");
        callback.query_pairs_mut().clear().extend_pairs(&pairs);
        let tampered = browser.get(&callback).await;
        assert_eq!(tampered.status(), 400);
        let html = tampered.text().await.unwrap();
        assert!(html.contains("govuk-template"), "a GOV.UK page in the council's layout: {html}");
        assert!(html.contains("Sorry, we could not sign you in") && html.contains("Exampleshire"), "{html}");
        assert!(html.contains(&format!("href=\"/{COUNCIL}/sign-in\"")), "the way back to sign in: {html}");
        let not_signed_in = browser.get(&account).await;
        assert_eq!(not_signed_in.status(), 303, "the account page still asks to sign in");
        assert!(not_signed_in.headers()["location"].to_str().unwrap().contains("/sign-in"));

        // The real answer signs Ada in to an account made from her verified email and name.
        let callback = to_callback(&mut browser, &base).await;
        let signed_in = browser.get(&callback).await;
        assert_eq!(signed_in.status(), 303, "{}", signed_in.text().await.unwrap());
        assert_eq!(signed_in.headers()["location"], format!("/{COUNCIL}/account").as_str());
        let page = browser.get(&account).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("ada@example.test"), "signed in as the provider's subject's email: {html}");
        assert!(html.contains("Ada Lovelace"), "{html}");

        // The same answer again is refused: the pending sign-in was used up.
        let replayed = browser.get(&callback).await;
        assert_eq!(replayed.status(), 400);
        let html = replayed.text().await.unwrap();
        assert!(html.contains("Sorry, we could not sign you in"), "{html}");
        assert!(html.contains("Go back to sign in") || html.contains("Choose your council to sign in again"), "{html}");
    }
}
