//! Starting the API and hosted pages on a real port over a test store, and driving the
//! hosted page's forms with plain HTTP (JavaScript off).
#![allow(dead_code)]

pub mod pay_client;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use payments::{KeyType, Payments};
use store::{CouncilSlug, Councils};

pub const CSRF: &str = "test-anti-forgery-token";
pub const RETURN_URL: &str = "https://service.example/return/42";

/// Everything logged by any test of this binary, for the card-number scan.
pub fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || LogWriter(writer.clone()))
            .try_init();
        buffer
    })
    .clone()
}

pub struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct App {
    pub base: String,
    pub payments: Payments,
    pub council: store::Council,
    pub key: String,
    pub http: reqwest::Client,
    pub openapi: utoipa::openapi::OpenApi,
}

impl App {
    pub fn client(&self) -> pay_client::PayClient {
        pay_client::PayClient { base: self.base.clone(), key: self.key.clone(), http: self.http.clone() }
    }
}

/// Puts an anonymous visitor with a known token on every request, as the identity layer would,
/// and refuses form posts without that token (as the identity layer does).
async fn visitor_layer(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut visitor = web::Visitor::anonymous(CSRF);
    // `x-test-staff: SLUG` stands for a member of that council's staff signed in.
    if let Some(slug) = req.headers().get("x-test-staff").and_then(|v| v.to_str().ok()) {
        visitor.staff = Some(web::VisitorStaff {
            id: format!("staff-{slug}"),
            name: format!("Finance officer of {slug}"),
            council_id: 0,
            council_slug: slug.to_string(),
            roles: vec!["admin".to_string()],
        });
    }
    req.extensions_mut().insert(visitor);
    let is_form = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if req.method() == axum::http::Method::POST && is_form {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
        let form: HashMap<String, String> = serde_urlencoded_pairs(&bytes);
        if form.get(web::CSRF_FIELD).map(String::as_str) != Some(CSRF) {
            return (axum::http::StatusCode::FORBIDDEN, "missing anti-forgery token").into_response();
        }
        return next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await;
    }
    next.run(req).await
}

fn serde_urlencoded_pairs(bytes: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(bytes)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let decode =
                |s: &str| urlencoding::decode(&s.replace('+', " ")).map(|c| c.into_owned()).unwrap_or_default();
            (decode(k), decode(v))
        })
        .collect()
}

pub async fn spawn(t: &store::testing::TestStore, payments: Option<Payments>) -> App {
    logs();
    Payments::migrate(&t.store).await.expect("migrate");
    let council = match Councils::new(t.store.clone()).by_slug(&CouncilSlug::parse("exampleshire").expect("slug")).await
    {
        Ok(c) => c,
        Err(_) => Councils::new(t.store.clone())
            .create(&CouncilSlug::parse("exampleshire").expect("slug"), "Exampleshire County Council")
            .await
            .expect("council"),
    };
    let payments = payments.unwrap_or_else(|| Payments::new(t.store.clone()));
    let key = payments.create_key(council.id, KeyType::Test, "tests").await.expect("key");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (api, openapi) =
        payments::api::router(payments::api::ApiState { payments: payments.clone(), base_url: Some(base.clone()) });
    let councils = vec![web::Council::new("exampleshire", "Exampleshire County Council", "#00703c").expect("council")];
    let web_state = web::WebState::new("Guildhall", councils).expect("web state");
    let pages = payments::pages::router(payments::pages::PagesState { payments: payments.clone(), web: web_state });
    let app = api.merge(pages).layer(axum::middleware::from_fn(visitor_layer));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    App { base, payments, council, key, http, openapi }
}

pub fn create_request(reference: &str, amount: i64) -> pay_client::CreateCardPaymentRequest {
    pay_client::CreateCardPaymentRequest {
        amount,
        reference: reference.to_string(),
        description: "Resident parking permit".to_string(),
        return_url: RETURN_URL.to_string(),
        ..Default::default()
    }
}

pub fn card_form(number: &str) -> Vec<(&'static str, String)> {
    vec![
        (web::CSRF_FIELD, CSRF.to_string()),
        ("card-number", number.to_string()),
        ("expiry-month", "12".to_string()),
        ("expiry-year", "2035".to_string()),
        ("cardholder-name", "Ada Lovelace".to_string()),
        ("cvc", "123".to_string()),
        ("address-line-1", "1 High Street".to_string()),
        ("address-city", "Exampleton".to_string()),
        ("address-postcode", "ZX1 1AA".to_string()),
        ("address-country", "GB".to_string()),
        ("email", "ada@example.com".to_string()),
    ]
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Opens next_url and returns the card page's URL (absolute).
pub async fn open(app: &App, next_url: &str) -> String {
    let res = app.http.get(next_url).send().await.expect("next_url");
    assert_eq!(res.status().as_u16(), 303, "next_url redirects to the card page");
    format!("{}{}", app.base, location(&res))
}

/// Where a redirect points.
pub fn redirect_target(res: &reqwest::Response) -> String {
    location(res)
}

/// Submits the card form; returns (status, location, body).
pub async fn submit_card(app: &App, card_url: &str, number: &str) -> (u16, String, String) {
    let page = app.http.get(card_url).send().await.expect("card page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains(&format!(r#"name="csrf_token" value="{CSRF}""#)), "card form carries the anti-forgery token");
    let res = app.http.post(card_url).form(&card_form(number)).send().await.expect("submit");
    let status = res.status().as_u16();
    let loc = location(&res);
    (status, loc, res.text().await.unwrap_or_default())
}

/// Pays through the hosted pages with a card that succeeds; returns where the citizen lands.
pub async fn pay(app: &App, next_url: &str, number: &str) -> String {
    let card_url = open(app, next_url).await;
    let (status, loc, body) = submit_card(app, &card_url, number).await;
    assert_eq!(status, 303, "authorised card goes to confirm: {body}");
    let confirm_url = format!("{}{}", app.base, loc);
    let page = app.http.get(&confirm_url).send().await.expect("confirm page");
    let html = page.text().await.expect("html");
    assert!(html.contains("Confirm your payment"));
    let res = app.http.post(&confirm_url).form(&[(web::CSRF_FIELD, CSRF)]).send().await.expect("confirm");
    assert_eq!(res.status().as_u16(), 303);
    location(&res)
}
