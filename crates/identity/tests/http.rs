//! The identity brick over real HTTP on 127.0.0.1, on SQLite and (when configured) PostgreSQL:
//! sign-in by emailed code, session rotation, cookie flags, CSRF, rate limits, sign-out
//! everywhere, used and expired codes, and staff of one council refused another's page.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use identity::{Identity, IdentityConfig, IdentityState, Role};
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{LOCATION, SET_COOKIE};
use store::testing::TestStore;

struct App {
    base: String,
    identity: Identity,
    exampleshire: store::CouncilId,
    _server: tokio::task::JoinHandle<()>,
}

async fn spawn(test_store: &TestStore, tweak: impl FnOnce(&mut IdentityConfig)) -> App {
    let store = test_store.store.clone();
    Identity::migrate(&store).await.expect("migrate identity");
    let councils = store::Councils::new(store.clone());
    let exampleshire = councils
        .create(&store::CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire County Council")
        .await
        .unwrap();
    councils.create(&store::CouncilSlug::parse("otherborough").unwrap(), "Otherborough Council").await.unwrap();
    let web_state = web::WebState::new(
        "Guildhall",
        vec![
            web::Council::new("exampleshire", "Exampleshire County Council", "#00703c").unwrap(),
            web::Council::new("otherborough", "Otherborough Council", "#1d70b8").unwrap(),
        ],
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = IdentityConfig::new(&format!("http://127.0.0.1:{port}"));
    tweak(&mut config);
    let identity = Identity::new(store, config);
    let state = IdentityState::new(identity.clone(), web_state.clone());
    // A form and a JSON API of "another brick", to prove the middleware guards both correctly.
    let other_brick = Router::new()
        .route("/exampleshire/test-form", post(|| async { "form accepted" }))
        .route("/api/test-json", post(|| async { "json accepted" }));
    let app = identity::router(state.clone())
        .merge(identity::dev_router(state.clone()))
        .merge(other_brick)
        .merge(web::router(web_state))
        .layer(identity::layer(state));
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    App { base: format!("http://127.0.0.1:{port}"), identity, exampleshire: exampleshire.id, _server: server }
}

/// A browser: a cookie jar, no automatic redirects (so each step's answer can be checked).
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
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
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

    /// The anti-forgery token of the page at `path`.
    async fn csrf(&self, path: &str) -> String {
        let html = self.get(path).await.text().await.unwrap();
        csrf_of(&html)
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

/// The code in the newest sandbox email to `to`.
async fn latest_code(app: &App, to: &str) -> String {
    let emails = app.identity.sandbox().list(50).await.unwrap();
    let email = emails.iter().find(|e| e.to == to).expect("an email was sent");
    email.subject.split_whitespace().next().unwrap().to_string()
}

/// Signs `browser` in as `email` through the pages; returns where the code step redirected.
async fn sign_in(app: &App, browser: &Browser, council: &str, email: &str, staff: bool) -> reqwest::Response {
    let path = if staff { format!("/{council}/staff/sign-in") } else { format!("/{council}/sign-in") };
    let token = browser.csrf(&path).await;
    let response = browser.post(&path, &[("csrf_token", &token), ("email", email)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("/{council}/sign-in/code"));
    let token = browser.csrf(&format!("/{council}/sign-in/code")).await;
    let code = latest_code(app, email).await;
    browser.post(&format!("/{council}/sign-in/code"), &[("csrf_token", &token), ("code", &code)]).await
}

#[tokio::test]
async fn a_citizen_signs_in_with_an_emailed_code_in_a_new_session_with_safe_cookie_flags() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, |_| {}).await;
        let browser = Browser::new(&app);

        let page = browser.get("/exampleshire/sign-in").await;
        assert_eq!(page.status(), StatusCode::OK);
        let set_cookie = page.headers().get(SET_COOKIE).expect("an anonymous session is set").to_str().unwrap();
        assert!(set_cookie.starts_with("guildhall_session="), "{set_cookie}");
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(set_cookie.contains(flag), "{flag} missing from {set_cookie}");
        }
        assert!(!set_cookie.contains("Secure"), "plain-HTTP localhost cookies cannot be Secure: {set_cookie}");
        let html = page.text().await.unwrap();
        assert!(html.contains("Sign in to your account"));
        let anonymous_id = browser.session_cookie().unwrap();

        let response = sign_in(&app, &browser, "exampleshire", "Ada@Example.com", false).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(location(&response).starts_with("/exampleshire/account/name"), "{}", location(&response));
        let signed_in_cookie = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_string();
        assert!(signed_in_cookie.contains("HttpOnly") && signed_in_cookie.contains("SameSite=Lax"));
        let signed_in_id = browser.session_cookie().unwrap();
        assert_ne!(anonymous_id, signed_in_id, "signing in must start a new session (fixation)");

        // The id from before sign-in is dead: presenting it gets nobody signed in.
        let stale = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = stale
            .get(format!("{}/exampleshire/account", app.base))
            .header("cookie", format!("guildhall_session={anonymous_id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(location(&response).starts_with("/exampleshire/sign-in?return_to="));

        // A new account is asked for a name, then sees its account page.
        let token = browser.csrf("/exampleshire/account/name").await;
        let response = browser.post("/exampleshire/account/name", &[("csrf_token", &token), ("name", "")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("Enter your name"));
        let response =
            browser.post("/exampleshire/account/name", &[("csrf_token", &token), ("name", "Ada Lovelace")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let account = browser.get("/exampleshire/account").await;
        assert_eq!(account.status(), StatusCode::OK);
        let html = account.text().await.unwrap();
        assert!(html.contains("Ada Lovelace") && html.contains("Ada@Example.com") && html.contains("Signed in as"));

        // The same person signing in again (any case) reaches the same account, not a new one.
        let citizen = app.identity.citizen_by_email("ada@example.com").await.unwrap().unwrap();
        assert_eq!(citizen.name, "Ada Lovelace");
        let again = Browser::new(&app);
        let response = sign_in(&app, &again, "otherborough", "ADA@example.COM", false).await;
        assert_eq!(location(&response), "/otherborough/account");

        // Signing out ends the session.
        let token = browser.csrf("/exampleshire/sign-out").await;
        let response = browser.post("/exampleshire/sign-out", &[("csrf_token", &token)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(browser.get("/exampleshire/account").await.status(), StatusCode::SEE_OTHER);
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused_and_json_passes() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, |_| {}).await;
        let browser = Browser::new(&app);

        // No session at all.
        let response = browser.post("/exampleshire/test-form", &[("a", "1")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);

        let token = browser.csrf("/exampleshire/sign-in").await;
        let response = browser.post("/exampleshire/test-form", &[("a", "1")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "missing token");
        let html = response.text().await.unwrap();
        assert!(html.contains("govuk-template") && html.contains("reload the page"), "a GOV.UK-style 403 page");
        let wrong = format!("{}x", &token[..token.len() - 1]);
        let response = browser.post("/exampleshire/test-form", &[("csrf_token", &wrong), ("a", "1")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "wrong token");
        let response = browser.post("/exampleshire/test-form", &[("csrf_token", &token), ("a", "1")]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "form accepted");

        // Multipart forms are checked too.
        let url = format!("{}/exampleshire/test-form", app.base);
        let multipart = |t: &str| {
            let body = format!(
                "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\n\
                 Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{t}\r\n--XyZ--\r\n"
            );
            browser.client.post(&url).header("content-type", "multipart/form-data; boundary=XyZ").body(body).send()
        };
        assert_eq!(multipart(&wrong).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(multipart(&token).await.unwrap().status(), StatusCode::OK);

        // A JSON API is not a form: no token needed, no session written.
        let response = reqwest::Client::new()
            .post(format!("{}/api/test-json", app.base))
            .json(&serde_json::json!({"a": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get(SET_COOKIE).is_none());
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn too_many_code_requests_or_wrong_codes_get_429() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, |c| {
            c.rate_limits.code_requests_per_email = 2;
            c.rate_limits.wrong_codes_per_ip = 3;
        })
        .await;
        let browser = Browser::new(&app);
        let token = browser.csrf("/exampleshire/sign-in").await;
        for _ in 0..2 {
            let response =
                browser.post("/exampleshire/sign-in", &[("csrf_token", &token), ("email", "bob@example.com")]).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
        }
        let response =
            browser.post("/exampleshire/sign-in", &[("csrf_token", &token), ("email", "BOB@example.com")]).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().get("retry-after").is_some());
        assert!(response.text().await.unwrap().contains("too many attempts"));

        // Wrong codes from one IP: three are told "not correct", the fourth is refused outright.
        let response =
            browser.post("/exampleshire/sign-in", &[("csrf_token", &token), ("email", "cy@example.com")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let code = latest_code(&app, "cy@example.com").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..3 {
            let response = browser.post("/exampleshire/sign-in/code", &[("csrf_token", &token), ("code", wrong)]).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(response.text().await.unwrap().contains("The code is not correct"));
        }
        let response = browser.post("/exampleshire/sign-in/code", &[("csrf_token", &token), ("code", &code)]).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "even the right code waits out the limit");
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn sign_out_everywhere_ends_the_other_sessions_of_the_account() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, |_| {}).await;
        app.identity.create_citizen("dee@example.com", "Dee").await.unwrap();
        let laptop = Browser::new(&app);
        let phone = Browser::new(&app);
        assert_eq!(
            location(&sign_in(&app, &laptop, "exampleshire", "dee@example.com", false).await),
            "/exampleshire/account"
        );
        assert_eq!(
            location(&sign_in(&app, &phone, "exampleshire", "dee@example.com", false).await),
            "/exampleshire/account"
        );
        assert_eq!(phone.get("/exampleshire/account").await.status(), StatusCode::OK);

        let token = laptop.csrf("/exampleshire/account").await;
        let response = laptop.post("/exampleshire/account/sign-out-everywhere", &[("csrf_token", &token)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        for browser in [&laptop, &phone] {
            let response = browser.get("/exampleshire/account").await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
            assert!(location(&response).starts_with("/exampleshire/sign-in"));
        }
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn used_expired_and_overtried_codes_are_refused() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, |_| {}).await;
        let email = identity::EmailAddress::parse("eve@example.com").unwrap();
        let citizen = identity::CodeAudience::Citizen;

        // Used once, never again.
        let request = app.identity.request_code(citizen, &email, "192.0.2.1").await.unwrap();
        let code = latest_code(&app, "eve@example.com").await;
        assert_eq!(app.identity.verify_code(&request.code_id, &code, "192.0.2.1").await.unwrap(), email);
        assert!(matches!(
            app.identity.verify_code(&request.code_id, &code, "192.0.2.1").await,
            Err(identity::IdentityError::CodeNotUsable)
        ));

        // Dead after five wrong tries, even with the right code.
        let request = app.identity.request_code(citizen, &email, "192.0.2.2").await.unwrap();
        let code = latest_code(&app, "eve@example.com").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            assert!(matches!(
                app.identity.verify_code(&request.code_id, wrong, "192.0.2.2").await,
                Err(identity::IdentityError::WrongCode)
            ));
        }
        assert!(matches!(
            app.identity.verify_code(&request.code_id, &code, "192.0.2.3").await,
            Err(identity::IdentityError::CodeNotUsable)
        ));

        // An expired code is refused through the pages.
        let browser = Browser::new(&app);
        let token = browser.csrf("/exampleshire/sign-in").await;
        browser.post("/exampleshire/sign-in", &[("csrf_token", &token), ("email", "fay@example.com")]).await;
        let code = latest_code(&app, "fay@example.com").await;
        let code_id: String = {
            use sqlx::Row;
            sqlx::query("SELECT id FROM identity_sign_in_codes WHERE email_key = $1")
                .bind("fay@example.com")
                .fetch_one(test_store.store.pool())
                .await
                .unwrap()
                .get(0)
        };
        app.identity.expire_code(&code_id).await.unwrap();
        let response = browser.post("/exampleshire/sign-in/code", &[("csrf_token", &token), ("code", &code)]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("expired"));
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn staff_of_one_council_are_refused_another_councils_staff_page() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, |_| {}).await;
        app.identity
            .create_staff(
                app.exampleshire,
                "sam@exampleshire.gov.uk",
                "Sam Clerk",
                &[Role::Caseworker, Role::RegisterCustodian],
            )
            .await
            .unwrap();

        // Not signed in: sent to the staff sign-in.
        let browser = Browser::new(&app);
        let response = browser.get("/exampleshire/staff").await;
        assert_eq!(location(&response), "/exampleshire/staff/sign-in");

        let response = sign_in(&app, &browser, "exampleshire", "sam@exampleshire.gov.uk", true).await;
        assert_eq!(location(&response), "/exampleshire/staff");
        let home = browser.get("/exampleshire/staff").await;
        assert_eq!(home.status(), StatusCode::OK);
        let html = home.text().await.unwrap();
        assert!(html.contains("Exampleshire County Council") && html.contains("caseworker, register-custodian"));
        let other = browser.get("/otherborough/staff").await;
        assert_eq!(other.status(), StatusCode::FORBIDDEN);
        assert!(!other.text().await.unwrap().contains("Sam Clerk</dd>"));

        // Someone with no staff account in that council gets no code.
        let stranger = Browser::new(&app);
        let token = stranger.csrf("/otherborough/staff/sign-in").await;
        let response = stranger
            .post("/otherborough/staff/sign-in", &[("csrf_token", &token), ("email", "sam@exampleshire.gov.uk")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "the answer does not reveal who is staff");
        let sent = app.identity.sandbox().list(50).await.unwrap();
        assert_eq!(sent.iter().filter(|e| e.to == "sam@exampleshire.gov.uk").count(), 1);

        // A citizen session is not a staff session.
        let citizen = Browser::new(&app);
        sign_in(&app, &citizen, "exampleshire", "sam@exampleshire.gov.uk", false).await;
        assert_eq!(location(&citizen.get("/exampleshire/staff").await), "/exampleshire/staff/sign-in");
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn the_sandbox_mailbox_page_lists_sent_codes_and_external_subjects_link_to_one_citizen() {
    for test_store in store::testing::all().await {
        let app = spawn(&test_store, |_| {}).await;
        let browser = Browser::new(&app);
        let token = browser.csrf("/exampleshire/sign-in").await;
        browser.post("/exampleshire/sign-in", &[("csrf_token", &token), ("email", "gil@example.com")]).await;
        let page = browser.get("/dev/emails").await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("gil@example.com") && html.contains("Your sign-in code is"));

        let first = app
            .identity
            .citizen_for_external_subject("https://idp.example", "sub-1", "Hal@example.com", Some("Hal"))
            .await
            .unwrap();
        let again = app
            .identity
            .citizen_for_external_subject("https://idp.example", "sub-1", "other@example.com", None)
            .await
            .unwrap();
        assert_eq!(first, again);
        let by_email = app
            .identity
            .citizen_for_external_subject("https://other.example", "x", "hal@EXAMPLE.com", None)
            .await
            .unwrap();
        assert_eq!(first, by_email);
        assert_eq!(app.identity.citizen(&first).await.unwrap().unwrap().name, "Hal");
        let session = app.identity.start_citizen_session(&first, None).await.unwrap();
        assert!(session.set_cookie.starts_with("guildhall_session=") && session.set_cookie.contains("HttpOnly"));
        test_store.cleanup().await;
    }
}
