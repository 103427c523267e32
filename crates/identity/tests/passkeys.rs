//! Passkeys over real HTTP on 127.0.0.1, on SQLite and (when configured) PostgreSQL, driven by
//! a software authenticator written here from the WebAuthn spec (a P-256 key, "none"
//! attestation, CBOR by hand): a citizen adds a passkey and signs in with it in a new session;
//! and the refusals: a wrong challenge, a replayed assertion, another citizen's credential, a
//! counter that does not move on, a missing or wrong anti-forgery token, a failed-attempt limit,
//! renaming and removing (only one's own), and the pages with passkeys unavailable.

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use identity::{Identity, IdentityConfig, IdentityState};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::testing::TestStore;

struct App {
    base: String,
    origin: String,
    identity: Identity,
    _server: tokio::task::JoinHandle<()>,
}

/// The identity routes on 127.0.0.1; the instance's public URL is `http://localhost:{port}`
/// (a relying party id must be a host name), or `http://127.0.0.1:{port}` when `by_ip`.
async fn spawn(test_store: &TestStore, by_ip: bool, tweak: impl FnOnce(&mut IdentityConfig)) -> App {
    let store = test_store.store.clone();
    Identity::migrate(&store).await.expect("migrate identity");
    let councils = store::Councils::new(store.clone());
    councils.create(&store::CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire County Council").await.unwrap();
    let web_state = web::WebState::new(
        "Guildhall",
        vec![web::Council::new("exampleshire", "Exampleshire County Council", "#00703c").unwrap()],
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let origin = if by_ip { format!("http://127.0.0.1:{port}") } else { format!("http://localhost:{port}") };
    let mut config = IdentityConfig::new(&origin);
    tweak(&mut config);
    let identity = Identity::new(store, config);
    let state = IdentityState::new(identity.clone(), web_state.clone());
    let app = identity::router(state.clone()).merge(web::router(web_state)).layer(identity::layer(state));
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    App { base: format!("http://127.0.0.1:{port}"), origin, identity, _server: server }
}

struct Browser {
    client: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
}

impl Browser {
    fn new(app: &App) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { client, jar, base: app.base.clone() }
    }

    fn session_cookie(&self) -> Option<String> {
        let header = self.jar.cookies(&self.base.parse().unwrap())?;
        header
            .to_str()
            .unwrap()
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| *k == identity::SESSION_COOKIE)
            .map(|(_, v)| v.to_string())
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()
    }

    async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send().await.unwrap()
    }

    async fn csrf(&self, path: &str) -> String {
        csrf_of(&self.get(path).await.text().await.unwrap())
    }
}

fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// Signs `browser` in by emailed code as a citizen named `name`.
async fn sign_in_by_code(app: &App, browser: &Browser, email: &str, name: &str) {
    let token = browser.csrf("/exampleshire/sign-in").await;
    let response = browser.post("/exampleshire/sign-in", &[("csrf_token", &token), ("email", email)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let token = browser.csrf("/exampleshire/sign-in/code").await;
    let emails = app.identity.sandbox().list(50).await.unwrap();
    let code = emails.iter().find(|e| e.to == email).unwrap().subject.split_whitespace().next().unwrap().to_string();
    let response = browser.post("/exampleshire/sign-in/code", &[("csrf_token", &token), ("code", &code)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let token = browser.csrf("/exampleshire/account/name").await;
    let response = browser.post("/exampleshire/account/name", &[("csrf_token", &token), ("name", name)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// A software authenticator: one P-256 credential, a signature counter, "none" attestation.
#[derive(Clone)]
struct SoftAuthenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    user_handle: Vec<u8>,
    counter: u32,
    origin: String,
}

/// A CBOR byte-string header for `len` bytes (RFC 8949 major type 2).
fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes.len() {
        n @ 0..=23 => out.push(0x40 | n as u8),
        n @ 24..=255 => out.extend([0x58, n as u8]),
        n => out.extend([0x59, (n >> 8) as u8, n as u8]),
    }
    out.extend(bytes);
}

impl SoftAuthenticator {
    fn new(origin: &str) -> SoftAuthenticator {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let credential_id: Vec<u8> = (0..16).map(|_| rand::random::<u8>()).collect();
        SoftAuthenticator { key, credential_id, user_handle: Vec::new(), counter: 0, origin: origin.to_string() }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    /// The COSE_Key of the public key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cbor_bytes(&mut out, point.x().unwrap());
        out.push(0x22);
        cbor_bytes(&mut out, point.y().unwrap());
        out
    }

    fn auth_data(&self, rp_id: &str, flags: u8, attested: bool) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(self.counter.to_be_bytes());
        if attested {
            data.extend([0u8; 16]); // AAGUID
            data.extend((self.credential_id.len() as u16).to_be_bytes());
            data.extend(&self.credential_id);
            data.extend(self.cose_key());
        }
        data
    }

    /// `navigator.credentials.create` for `options` (as the server sent them).
    fn create(&mut self, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let challenge = public_key["challenge"].as_str().unwrap();
        let rp_id = public_key["rp"]["id"].as_str().unwrap();
        self.user_handle = B64.decode(public_key["user"]["id"].as_str().unwrap()).unwrap();
        // User present (0x01), user verified (0x04), attested credential data (0x40).
        let auth_data = self.auth_data(rp_id, 0x45, true);
        let mut attestation = vec![0xa3, 0x63];
        attestation.extend(b"fmt");
        attestation.push(0x64);
        attestation.extend(b"none");
        attestation.push(0x67);
        attestation.extend(b"attStmt");
        attestation.push(0xa0);
        attestation.push(0x68);
        attestation.extend(b"authData");
        cbor_bytes(&mut attestation, &auth_data);
        let id = B64.encode(&self.credential_id);
        json!({
            "id": id, "rawId": id, "type": "public-key", "extensions": {},
            "response": {
                "attestationObject": B64.encode(attestation),
                "clientDataJSON": B64.encode(self.client_data("webauthn.create", challenge)),
            },
        })
    }

    /// `navigator.credentials.get` for `options`, counting one more signature.
    fn get(&mut self, options: &Value) -> Value {
        self.counter += 1;
        self.sign(options["publicKey"]["challenge"].as_str().unwrap(), options)
    }

    /// An assertion over `challenge` with the current counter.
    fn sign(&self, challenge: &str, options: &Value) -> Value {
        let rp_id = options["publicKey"]["rpId"].as_str().unwrap();
        let auth_data = self.auth_data(rp_id, 0x05, false);
        let client_data = self.client_data("webauthn.get", challenge);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature: DerSignature = self.key.sign(&signed);
        let id = B64.encode(&self.credential_id);
        json!({
            "id": id, "rawId": id, "type": "public-key", "extensions": {},
            "response": {
                "authenticatorData": B64.encode(auth_data),
                "clientDataJSON": B64.encode(client_data),
                "signature": B64.encode(signature.as_bytes()),
                "userHandle": B64.encode(&self.user_handle),
            },
        })
    }
}

/// Adds a passkey to the signed-in `browser`'s account through the JSON endpoints.
async fn add_passkey(browser: &Browser, authenticator: &mut SoftAuthenticator) -> reqwest::Response {
    let token = browser.csrf("/exampleshire/account").await;
    let options = browser.post_json("/exampleshire/passkeys/registration/options", Some(&token), &json!({})).await;
    assert_eq!(options.status(), StatusCode::OK);
    let options: Value = options.json().await.unwrap();
    let credential = authenticator.create(&options);
    browser.post_json("/exampleshire/passkeys/registration", Some(&token), &json!({ "credential": credential })).await
}

/// Starts a passkey sign-in on the sign-in page; returns the token and the options.
async fn sign_in_options(browser: &Browser) -> (String, Value) {
    let token = browser.csrf("/exampleshire/sign-in").await;
    let response = browser.post_json("/exampleshire/passkeys/sign-in/options", Some(&token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    (token, response.json().await.unwrap())
}

async fn finish_sign_in(browser: &Browser, token: &str, credential: &Value) -> reqwest::Response {
    browser.post_json("/exampleshire/passkeys/sign-in", Some(token), &json!({ "credential": credential })).await
}

async fn signed_in(browser: &Browser) -> bool {
    browser.get("/exampleshire/account").await.status() == StatusCode::OK
}

#[tokio::test]
async fn a_citizen_adds_a_passkey_and_signs_in_with_it_in_a_new_session() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, false, |_| {}).await;
        let browser = Browser::new(&app);
        sign_in_by_code(&app, &browser, "grace@example.com", "Grace Hopper").await;
        let account = browser.get("/exampleshire/account").await.text().await.unwrap();
        assert!(account.contains(r#"data-passkey-action="register""#) && account.contains("/identity/passkeys.js"));
        assert!(account.contains("You have not added a passkey."));

        let mut authenticator = SoftAuthenticator::new(&app.origin);
        let response = add_passkey(&browser, &mut authenticator).await;
        assert_eq!(response.status(), StatusCode::OK);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["redirect"], "/exampleshire/account");
        let account = browser.get("/exampleshire/account").await.text().await.unwrap();
        assert!(account.contains("Passkey 1") && account.contains("not used yet"), "{account}");

        // A new visitor with no email address signs in with the passkey alone.
        let visitor = Browser::new(&app);
        let (token, options) = sign_in_options(&visitor).await;
        assert!(options["publicKey"]["allowCredentials"].as_array().is_none_or(|a| a.is_empty()));
        assert!(options.get("mediation").is_none_or(Value::is_null), "{options}");
        let before = visitor.session_cookie().unwrap();
        let response = finish_sign_in(&visitor, &token, &authenticator.get(&options)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["redirect"], "/exampleshire/account");
        let after = visitor.session_cookie().unwrap();
        assert_ne!(before, after, "a passkey sign-in must start a new session");
        let page = visitor.get("/exampleshire/account").await.text().await.unwrap();
        assert!(page.contains("grace@example.com") && page.contains("Grace Hopper"));
        assert!(!page.contains("not used yet"), "the passkey's last use is recorded");

        // The session from before sign-in is dead.
        let stale = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = stale
            .get(format!("{}/exampleshire/account", app.base))
            .header("cookie", format!("guildhall_session={before}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        // It works again with the counter moved on, and keeps the return_to it is given.
        let again = Browser::new(&app);
        let (token, options) = sign_in_options(&again).await;
        let body = json!({ "credential": authenticator.get(&options), "return_to": "/exampleshire/permits" });
        let response = again.post_json("/exampleshire/passkeys/sign-in", Some(&token), &body).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.json::<Value>().await.unwrap()["redirect"], "/exampleshire/permits");
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn wrong_challenges_replays_stale_counters_and_other_citizens_credentials_are_refused() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, false, |_| {}).await;
        let grace = Browser::new(&app);
        sign_in_by_code(&app, &grace, "grace@example.com", "Grace Hopper").await;
        let mut graces_key = SoftAuthenticator::new(&app.origin);
        assert_eq!(add_passkey(&grace, &mut graces_key).await.status(), StatusCode::OK);
        let alan = Browser::new(&app);
        sign_in_by_code(&app, &alan, "alan@example.com", "Alan Turing").await;
        let mut alans_key = SoftAuthenticator::new(&app.origin);
        assert_eq!(add_passkey(&alan, &mut alans_key).await.status(), StatusCode::OK);

        // A signature over another challenge.
        let visitor = Browser::new(&app);
        let (token, options) = sign_in_options(&visitor).await;
        graces_key.counter += 1;
        let forged = graces_key.sign(&B64.encode(b"a challenge the server never issued"), &options);
        assert_eq!(finish_sign_in(&visitor, &token, &forged).await.status(), StatusCode::BAD_REQUEST);
        assert!(!signed_in(&visitor).await);

        // The ceremony is used up by that attempt: even a good answer to it is refused now.
        let good = graces_key.sign(options["publicKey"]["challenge"].as_str().unwrap(), &options);
        assert_eq!(finish_sign_in(&visitor, &token, &good).await.status(), StatusCode::CONFLICT);

        // A successful assertion replayed: once with no ceremony, once into a fresh one.
        let (token, options) = sign_in_options(&visitor).await;
        let assertion = graces_key.get(&options);
        assert_eq!(finish_sign_in(&visitor, &token, &assertion).await.status(), StatusCode::OK);
        let thief = Browser::new(&app);
        let (token, _) = sign_in_options(&thief).await;
        assert_eq!(finish_sign_in(&thief, &token, &assertion).await.status(), StatusCode::BAD_REQUEST);
        let stale = thief.csrf("/exampleshire/sign-in").await;
        assert_eq!(finish_sign_in(&thief, &stale, &assertion).await.status(), StatusCode::CONFLICT);
        assert!(!signed_in(&thief).await);

        // A cloned authenticator whose counter did not move on (here: the same value again).
        let (token, options) = sign_in_options(&thief).await;
        let clone = graces_key.sign(options["publicKey"]["challenge"].as_str().unwrap(), &options);
        assert_eq!(finish_sign_in(&thief, &token, &clone).await.status(), StatusCode::BAD_REQUEST);
        assert!(!signed_in(&thief).await);

        // Alan's credential claiming to be Grace's account (her user handle).
        let (token, options) = sign_in_options(&thief).await;
        let mut impostor = alans_key.clone();
        impostor.user_handle = graces_key.user_handle.clone();
        let claim = impostor.get(&options);
        assert_eq!(finish_sign_in(&thief, &token, &claim).await.status(), StatusCode::BAD_REQUEST);
        // Grace's user handle with an unknown key under Alan's credential id: the signature fails.
        let (token, options) = sign_in_options(&thief).await;
        let mut stranger = SoftAuthenticator::new(&app.origin);
        stranger.credential_id = alans_key.credential_id.clone();
        stranger.user_handle = alans_key.user_handle.clone();
        stranger.counter = 1000;
        assert_eq!(finish_sign_in(&thief, &token, &stranger.get(&options)).await.status(), StatusCode::BAD_REQUEST);
        assert!(!signed_in(&thief).await);

        // Alan's own key still signs him in (the refusals did not move his counter).
        let (token, options) = sign_in_options(&thief).await;
        assert_eq!(finish_sign_in(&thief, &token, &alans_key.get(&options)).await.status(), StatusCode::OK);
        assert!(thief.get("/exampleshire/account").await.text().await.unwrap().contains("alan@example.com"));

        // The same credential cannot be registered to a second account.
        let mut copy = graces_key.clone();
        let response = add_passkey(&alan, &mut copy).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let alan_id = app.identity.citizen_by_email("alan@example.com").await.unwrap().unwrap().id;
        assert_eq!(app.identity.passkeys_of(&alan_id).await.unwrap().len(), 1);
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn the_json_endpoints_check_the_sessions_token_and_who_is_signed_in() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, false, |_| {}).await;
        let browser = Browser::new(&app);
        let token = browser.csrf("/exampleshire/sign-in").await;
        let path = "/exampleshire/passkeys/sign-in/options";
        assert_eq!(browser.post_json(path, None, &json!({})).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(browser.post_json(path, Some("forged"), &json!({})).await.status(), StatusCode::FORBIDDEN);
        // A token from another session is no good either.
        let other = Browser::new(&app);
        let others_token = other.csrf("/exampleshire/sign-in").await;
        assert_eq!(browser.post_json(path, Some(&others_token), &json!({})).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(browser.post_json(path, Some(&token), &json!({})).await.status(), StatusCode::OK);

        // Adding a passkey needs a signed-in citizen.
        let response = browser.post_json("/exampleshire/passkeys/registration/options", Some(&token), &json!({})).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

        // Garbage for an answer is a 400, and stores nothing.
        sign_in_by_code(&app, &browser, "ada@example.com", "Ada Lovelace").await;
        let token = browser.csrf("/exampleshire/account").await;
        let response = browser.post_json("/exampleshire/passkeys/registration/options", Some(&token), &json!({})).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = json!({ "credential": { "id": "nonsense" } });
        let response = browser.post_json("/exampleshire/passkeys/registration", Some(&token), &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let ada = app.identity.citizen_by_email("ada@example.com").await.unwrap().unwrap().id;
        assert!(app.identity.passkeys_of(&ada).await.unwrap().is_empty());
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn failed_passkey_sign_ins_are_rate_limited_per_ip() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, false, |c| c.rate_limits.wrong_codes_per_ip = 2).await;
        let browser = Browser::new(&app);
        let mut unknown = SoftAuthenticator::new(&app.origin);
        unknown.user_handle = uuid::Uuid::new_v4().as_bytes().to_vec();
        for expected in [StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST, StatusCode::TOO_MANY_REQUESTS] {
            let (token, options) = sign_in_options(&browser).await;
            let response = finish_sign_in(&browser, &token, &unknown.get(&options)).await;
            assert_eq!(response.status(), expected);
        }
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn citizens_rename_and_remove_only_their_own_passkeys_with_plain_forms() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, false, |_| {}).await;
        let grace = Browser::new(&app);
        sign_in_by_code(&app, &grace, "grace@example.com", "Grace Hopper").await;
        let mut key = SoftAuthenticator::new(&app.origin);
        assert_eq!(add_passkey(&grace, &mut key).await.status(), StatusCode::OK);
        let grace_id = app.identity.citizen_by_email("grace@example.com").await.unwrap().unwrap().id;
        let passkey = app.identity.passkeys_of(&grace_id).await.unwrap().remove(0);
        let rename = format!("/exampleshire/account/passkeys/{}/rename", passkey.id);
        let remove = format!("/exampleshire/account/passkeys/{}/remove", passkey.id);

        let token = grace.csrf(&rename).await;
        let response = grace.post(&rename, &[("csrf_token", &token), ("name", "  ")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("Enter a name for the passkey"));
        let response = grace.post(&rename, &[("csrf_token", &token), ("name", "Work laptop")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(grace.get("/exampleshire/account").await.text().await.unwrap().contains("Work laptop"));
        // Without the anti-forgery token the middleware refuses the form.
        assert_eq!(grace.post(&remove, &[]).await.status(), StatusCode::FORBIDDEN);

        // Another citizen cannot see, rename or remove it.
        let alan = Browser::new(&app);
        sign_in_by_code(&app, &alan, "alan@example.com", "Alan Turing").await;
        assert_eq!(alan.get(&rename).await.status(), StatusCode::NOT_FOUND);
        let token = alan.csrf("/exampleshire/account").await;
        assert_eq!(
            alan.post(&rename, &[("csrf_token", &token), ("name", "Mine")]).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(alan.post(&remove, &[("csrf_token", &token)]).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.identity.passkeys_of(&grace_id).await.unwrap()[0].name, "Work laptop");

        // Removed, it no longer signs in.
        let token = grace.csrf("/exampleshire/account").await;
        let response = grace.post(&remove, &[("csrf_token", &token)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/exampleshire/account");
        assert!(app.identity.passkeys_of(&grace_id).await.unwrap().is_empty());
        let visitor = Browser::new(&app);
        let (token, options) = sign_in_options(&visitor).await;
        assert_eq!(finish_sign_in(&visitor, &token, &key.get(&options)).await.status(), StatusCode::BAD_REQUEST);
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn the_passkey_blocks_are_hidden_until_the_script_runs_and_absent_without_a_host_name() {
    let test_store = store::testing::sqlite().await;
    let app = spawn(&test_store, false, |_| {}).await;
    let browser = Browser::new(&app);
    let html = browser.get("/exampleshire/sign-in").await.text().await.unwrap();
    let block = html.split("data-passkey-action=\"sign-in\"").nth(1).expect("a passkey block");
    assert!(block.split('>').next().unwrap().contains(" hidden"), "the block is hidden with JavaScript off");
    assert!(html.contains(r#"<script src="/identity/passkeys.js" defer></script>"#));
    let script = browser.get("/identity/passkeys.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(script.text().await.unwrap().contains("navigator.credentials.create"));
    // Staff sign in by code only.
    let staff = browser.get("/exampleshire/staff/sign-in").await.text().await.unwrap();
    assert!(!staff.contains("data-passkey-action"));

    // An IP address cannot be a relying party id: no passkey offer, and the endpoint says so.
    let ip_store = store::testing::sqlite().await;
    let by_ip = spawn(&ip_store, true, |_| {}).await;
    let browser = Browser::new(&by_ip);
    let html = browser.get("/exampleshire/sign-in").await.text().await.unwrap();
    assert!(!html.contains("data-passkey-action"));
    let token = csrf_of(&html);
    let response = browser.post_json("/exampleshire/passkeys/sign-in/options", Some(&token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    ip_store.cleanup().await;
    test_store.cleanup().await;
}
