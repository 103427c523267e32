//! Signs in against a real, certified OpenID Provider: panva's `oidc-provider` (npm), started by
//! `tests/provider/provider.mjs` on an ephemeral port. A reqwest client with a cookie jar plays
//! the browser: it follows the authorization URL, submits the provider's login and consent forms
//! and stops at the redirect to the callback URL.
//!
//! Needs `node` and `npm ci --prefix crates/oidc-login/tests/provider`; without them each test
//! says so and passes, except when `CI=true`, where it fails.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::response::{IntoResponse, Response};
use oidc_login::{
    CallbackParams, ClientAuthMethod, ExternalSignIn, OidcConfig, OidcError, OidcLogin, PendingCookie, PendingLogin,
    Url, VerifiedLogin,
};

const SECRET: &str = "guildhall-test-secret-0123456789abcdef";
const UNSERVED_CALLBACK: &str = "http://127.0.0.1:9/oidc/callback";

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/provider")
}

fn key_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test-client-key.pem")
}

/// The running provider; killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider with its clients redirecting to `redirect_uri`, or `None` (after saying
/// why) when node or the package is missing outside CI.
fn start_provider(redirect_uri: &str) -> Option<Provider> {
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
    let pem = std::fs::read_to_string(key_path()).unwrap();
    let jwk = oidc_login::public_jwk(&pem, Some("test-key-1")).unwrap();
    let options = serde_json::json!({ "redirect_uri": redirect_uri, "jwks": { "keys": [jwk] } });
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .arg(options.to_string())
        .current_dir(provider_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ready: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("provider said {line:?}: {e}"));
    Some(Provider { child, issuer: ready["issuer"].as_str().unwrap().to_string() })
}

fn config(provider: &Provider, client_id: &str, auth: ClientAuthMethod, redirect_url: &str) -> OidcConfig {
    let mut config = OidcConfig::new(&provider.issuer, client_id, redirect_url);
    config.client_auth = auth;
    config.scopes = vec!["openid".into(), "email".into(), "profile".into()];
    config.display_name = "Test IdP".into();
    match auth {
        ClientAuthMethod::PrivateKeyJwt => {
            config.private_key_path = Some(key_path());
            config.private_key_id = Some("test-key-1".into());
        }
        _ => config.client_secret = Some(SECRET.into()),
    }
    config
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Plays the citizen at the provider: follows redirects and submits the login form (as "ada")
/// and the consent form, until the provider redirects to a URL starting with `callback`.
async fn sign_in_at_provider(browser: &reqwest::Client, start: Url, callback: &str) -> Url {
    let mut response = browser.get(start.clone()).send().await.unwrap();
    let mut here = start;
    for _ in 0..12 {
        if response.status().is_redirection() {
            let location = response.headers()["location"].to_str().unwrap();
            let next = here.join(location).unwrap();
            if next.as_str().starts_with(callback) {
                return next;
            }
            response = browser.get(next.clone()).send().await.unwrap();
            here = next;
            continue;
        }
        let status = response.status();
        let html = response.text().await.unwrap();
        assert!(status.is_success(), "provider answered {status}: {html}");
        let (action, fields) = first_form(&html);
        let action = here.join(&action).unwrap();
        response = browser.post(action.clone()).form(&fields).send().await.unwrap();
        here = action;
    }
    panic!("the provider never redirected to {callback}");
}

/// The first form's action and the fields a person would send: hidden inputs as they are,
/// the login as "ada" and any password.
fn first_form(html: &str) -> (String, Vec<(String, String)>) {
    let document = scraper::Html::parse_document(html);
    let form = document
        .select(&scraper::Selector::parse("form").unwrap())
        .next()
        .unwrap_or_else(|| panic!("no form in {html}"));
    let action = form.value().attr("action").unwrap().to_string();
    let mut fields = Vec::new();
    for input in form.select(&scraper::Selector::parse("input").unwrap()) {
        let Some(name) = input.value().attr("name") else { continue };
        let value = match name {
            "login" => "ada".to_string(),
            "password" => "any password".to_string(),
            _ => input.value().attr("value").unwrap_or_default().to_string(),
        };
        fields.push((name.to_string(), value));
    }
    (action, fields)
}

fn query(url: &Url) -> CallbackParams {
    let mut params = CallbackParams::default();
    for (name, value) in url.query_pairs() {
        let value = Some(value.into_owned());
        match name.as_ref() {
            "code" => params.code = value,
            "state" => params.state = value,
            "iss" => params.iss = value,
            "error" => params.error = value,
            "error_description" => params.error_description = value,
            _ => {}
        }
    }
    params
}

/// Discovery, begin, the provider's pages, and the callback's query for the given client.
async fn started(
    provider: &Provider,
    client_id: &str,
    auth: ClientAuthMethod,
) -> (OidcLogin, PendingLogin, CallbackParams) {
    let login = OidcLogin::discover(config(provider, client_id, auth, UNSERVED_CALLBACK)).await.unwrap();
    let (authorize_url, pending) = login.begin("/exampleshire/account").unwrap();
    let pairs: Vec<(String, String)> = authorize_url.query_pairs().into_owned().collect();
    let param = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert!(param("nonce").is_some() && param("state").is_some() && param("code_challenge").is_some());
    assert_eq!(param("scope").as_deref(), Some("openid email profile"));
    let callback = sign_in_at_provider(&browser(), authorize_url, UNSERVED_CALLBACK).await;
    (login, pending, query(&callback))
}

fn assert_is_ada(verified: &VerifiedLogin, provider: &Provider) {
    assert_eq!(verified.issuer, provider.issuer);
    assert_eq!(verified.subject, "ada");
    assert_eq!(verified.email.as_deref(), Some("ada@example.test"));
    assert!(verified.email_verified);
    assert_eq!(verified.name.as_deref(), Some("Ada Lovelace"));
}

#[tokio::test]
async fn a_citizen_signs_in_with_client_secret_basic_and_the_email_and_name_are_verified() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, params) = started(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic).await;
    assert_eq!(params.iss.as_deref(), Some(provider.issuer.as_str()));
    assert_eq!(pending.return_to(), "/exampleshire/account");
    // Through the signed cookie and back, as the routes keep it.
    let cookie = PendingCookie::new(&[42; 32], false).unwrap();
    let pending = cookie.unseal(&cookie.seal(&pending)).unwrap();
    let verified = login.complete_callback(pending, &params).await.unwrap();
    assert_is_ada(&verified, &provider);
}

#[tokio::test]
async fn a_citizen_signs_in_with_client_secret_post() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, params) = started(&provider, "guildhall-post", ClientAuthMethod::ClientSecretPost).await;
    let verified = login.complete_callback(pending, &params).await.unwrap();
    assert_is_ada(&verified, &provider);
}

#[tokio::test]
async fn a_citizen_signs_in_with_private_key_jwt_as_one_login_requires() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, params) = started(&provider, "guildhall-jwt", ClientAuthMethod::PrivateKeyJwt).await;
    let verified = login.complete_callback(pending, &params).await.unwrap();
    assert_is_ada(&verified, &provider);
}

#[tokio::test]
async fn an_answer_with_another_state_is_refused() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, params) = started(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic).await;
    let code = params.code.clone().unwrap();
    let error = login.complete(pending.clone(), &code, "a-state-from-another-sign-in").await.unwrap_err();
    assert!(matches!(error, OidcError::StateMismatch), "{error}");
    // Refusing it did not spend the code: the real answer still completes.
    login.complete_callback(pending, &params).await.unwrap();
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, params) = started(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic).await;
    login.complete_callback(pending.clone(), &params).await.unwrap();
    let error = login.complete_callback(pending, &params).await.unwrap_err();
    assert!(matches!(&error, OidcError::TokenRefused(m) if m.contains("invalid_grant")), "{error}");
}

#[tokio::test]
async fn a_tampered_code_is_refused() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, mut params) = started(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic).await;
    params.code = Some(format!("{}x", params.code.unwrap()));
    let error = login.complete_callback(pending, &params).await.unwrap_err();
    assert!(matches!(&error, OidcError::TokenRefused(m) if m.contains("invalid_grant")), "{error}");
}

#[tokio::test]
async fn an_id_token_for_another_nonce_is_refused() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, params) = started(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic).await;
    let mut json = serde_json::to_value(&pending).unwrap();
    json["nonce"] = "a-nonce-from-another-sign-in".into();
    let other: PendingLogin = serde_json::from_value(json).unwrap();
    let error = login.complete_callback(other, &params).await.unwrap_err();
    assert!(matches!(error, OidcError::NonceMismatch), "{error}");
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused_by_the_provider() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, params) = started(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic).await;
    let mut json = serde_json::to_value(&pending).unwrap();
    json["pkce_verifier"] = "an-attacker-does-not-know-the-verifier-0123456789abcdefghijklm".into();
    let other: PendingLogin = serde_json::from_value(json).unwrap();
    let error = login.complete_callback(other, &params).await.unwrap_err();
    assert!(matches!(&error, OidcError::TokenRefused(m) if m.contains("invalid_grant")), "{error}");
}

#[tokio::test]
async fn an_answer_naming_another_issuer_is_refused() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let (login, pending, mut params) = started(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic).await;
    params.iss = Some("https://evil.example".into());
    let error = login.complete_callback(pending, &params).await.unwrap_err();
    assert!(matches!(error, OidcError::IssuerMismatch { .. }), "{error}");
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_by_the_provider() {
    let Some(provider) = start_provider(UNSERVED_CALLBACK) else { return };
    let mut config = config(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic, UNSERVED_CALLBACK);
    config.client_secret = Some("not-the-secret".into());
    let login = OidcLogin::discover(config).await.unwrap();
    let (authorize_url, pending) = login.begin("/").unwrap();
    let callback = sign_in_at_provider(&browser(), authorize_url, UNSERVED_CALLBACK).await;
    let error = login.complete_callback(pending, &query(&callback)).await.unwrap_err();
    assert!(matches!(&error, OidcError::TokenRefused(m) if m.contains("invalid_client")), "{error}");
}

#[tokio::test]
async fn discovery_of_an_unreachable_issuer_says_so() {
    let config = OidcConfig {
        client_secret: Some(SECRET.into()),
        ..OidcConfig::new("http://127.0.0.1:9", "guildhall", UNSERVED_CALLBACK)
    };
    let error = OidcLogin::discover(config).await.unwrap_err();
    assert!(matches!(error, OidcError::Discovery { .. }), "{error}");
}

/// The instance's side in the routes test: records who signed in and answers with a page.
#[derive(Default)]
struct Recorder {
    logins: Mutex<Vec<(VerifiedLogin, Option<String>, String)>>,
}

impl ExternalSignIn for Recorder {
    async fn signed_in(&self, login: VerifiedLogin, council: Option<String>, return_to: String) -> Response {
        let body = format!("signed in as {} for {council:?}, going to {return_to}", login.subject);
        self.logins.lock().unwrap().push((login, council, return_to));
        body.into_response()
    }
}

#[tokio::test]
async fn the_routes_take_a_browser_from_the_council_sign_in_link_to_a_verified_login() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let callback = format!("{base}{}", oidc_login::http::CALLBACK_PATH);
    let Some(provider) = start_provider(&callback) else { return };
    let login = OidcLogin::discover(config(&provider, "guildhall", ClientAuthMethod::ClientSecretBasic, &callback))
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    let cookie = PendingCookie::new(&[42; 32], false).unwrap();
    let app = oidc_login::router(Arc::new(login), cookie, recorder.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let browser = browser();
    let start: Url = format!("{base}/exampleshire/sign-in/oidc?return_to=/exampleshire/permits").parse().unwrap();
    let answer = sign_in_at_provider(&browser, start, &callback).await;
    let response = browser.get(answer.clone()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let cleared = response.headers().get_all("set-cookie").iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("guildhall_oidc_pending=;") && v.contains("Max-Age=0")
    });
    assert!(cleared, "the pending-login cookie is removed");
    assert_eq!(
        response.text().await.unwrap(),
        "signed in as ada for Some(\"exampleshire\"), going to /exampleshire/permits"
    );
    let logins = recorder.logins.lock().unwrap().clone();
    assert_eq!(logins.len(), 1);
    assert_is_ada(&logins[0].0, &provider);

    // The same answer again: the cookie is gone, so it belongs to no sign-in in progress.
    let again = browser.get(answer).send().await.unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("no sign-in is in progress"));

    // A return address off the site is refused before the provider is involved.
    let off_site =
        browser.get(format!("{base}/exampleshire/sign-in/oidc?return_to=//evil.example/")).send().await.unwrap();
    assert_eq!(off_site.status(), 400);
}
