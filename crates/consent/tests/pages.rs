//! The consent pages over real HTTP on 127.0.0.1, on SQLite and PostgreSQL: the request page,
//! "Your data" with its grants and access log, revocation, sign-in redirects and 404s for
//! another citizen's grants. A tiny layer stands in for the identity brick: it makes the
//! citizen named in the `x-test-citizen` header the signed-in visitor.

mod common;

use axum::extract::Request;
use axum::middleware::Next;
use common::{ADA, BOB, PLATE, World, worlds};
use consent::{ConsentError, ConsentState, GrantId};
use reqwest::StatusCode;
use scraper::{Html, Selector};

const CSRF: &str = "test-token";

async fn as_visitor(mut request: Request, next: Next) -> axum::response::Response {
    let citizen = request.headers().get("x-test-citizen").and_then(|v| v.to_str().ok()).map(|id| web::VisitorCitizen {
        id: id.to_string(),
        name: format!("Citizen {id}"),
        email: format!("{id}@example.com"),
    });
    let mut visitor = web::Visitor::anonymous(CSRF);
    visitor.citizen = citizen;
    request.extensions_mut().insert(visitor);
    next.run(request).await
}

struct App {
    base: String,
    client: reqwest::Client,
}

impl App {
    async fn start(w: &World) -> App {
        let councils = vec![
            web::Council::new("exampleshire", "Exampleshire County Council", "#00703c").unwrap(),
            web::Council::new("otherborough", "Otherborough Council", "#1d70b8").unwrap(),
        ];
        let web_state = web::WebState::new("Guildhall", councils).unwrap();
        let app = consent::router(ConsentState::new(w.consent.clone(), web_state.clone()))
            .merge(web::router(web_state))
            .layer(axum::middleware::from_fn(as_visitor));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        App { base, client }
    }

    async fn get(&self, path: &str, citizen: Option<&str>) -> (StatusCode, String, Option<String>) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(citizen) = citizen {
            request = request.header("x-test-citizen", citizen);
        }
        let response = request.send().await.unwrap();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        (response.status(), response.text().await.unwrap(), location)
    }

    async fn post(&self, path: &str, citizen: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-test-citizen", citizen)
            .form(form)
            .send()
            .await
            .unwrap();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        (response.status(), response.text().await.unwrap(), location)
    }
}

/// The text of every cell of every row of the table with this id.
fn table_rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let document = Html::parse_document(html);
    let rows = Selector::parse(&format!("#{id} tbody tr")).unwrap();
    let cells = Selector::parse("td").unwrap();
    document
        .select(&rows)
        .map(|row| {
            row.select(&cells)
                .map(|c| c.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn pages_ask_sign_in_first() {
    for w in worlds().await {
        let app = App::start(&w).await;
        let (status, _, location) = app.get("/exampleshire/your-data", None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some("/exampleshire/sign-in?return_to=%2Fexampleshire%2Fyour-data"));
        let id = w.consent.request(&w.parking_request(ADA, time::Duration::days(90))).await.unwrap();
        let (status, _, location) = app.get(&format!("/exampleshire/consent/{id}"), None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, Some(format!("/exampleshire/sign-in?return_to=%2Fexampleshire%2Fconsent%2F{id}")));
        let (status, _, _) = app.get("/nowhere/your-data", Some(ADA)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn the_citizen_reads_the_request_and_agrees_then_goes_back_to_the_service() {
    for w in worlds().await {
        let app = App::start(&w).await;
        let id = w.consent.request(&w.parking_request(ADA, time::Duration::days(90))).await.unwrap();
        let path = format!("/exampleshire/consent/{id}");
        let (status, html, _) = app.get(&path, Some(ADA)).await;
        assert_eq!(status, StatusCode::OK);
        for shown in [
            "Apply for a parking permit, Exampleshire County Council is asking to see your information",
            "Vehicle (national register):",
            "<li>Make</li>",
            "<li>Colour</li>",
            "To check your vehicle can have a residents&#39; parking permit",
            "21 February 2027",
            "90 days from when you agree",
            r#"<input type="hidden" name="csrf_token" value="test-token">"#,
        ] {
            assert!(html.contains(shown), "{shown} missing from\n{html}");
        }
        assert!(!html.contains("Keeper"));

        let (status, html, _) = app.post(&path, ADA, &[("csrf_token", CSRF)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("govuk-error-summary") && html.contains("Select yes if you agree to share this information")
        );

        let (status, _, location) = app.post(&path, ADA, &[("csrf_token", CSRF), ("decision", "agree")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some("/exampleshire/parking/next"));
        w.consent.read(&w.parking, &id, ADA, &w.vehicle(), PLATE, &["make"]).await.unwrap();

        let (status, html, _) = app.get(&path, Some(ADA)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("You have answered this request") && html.contains("Active"));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn declining_on_the_page_stops_reads() {
    for w in worlds().await {
        let app = App::start(&w).await;
        let id = w.consent.request(&w.parking_request(ADA, time::Duration::days(1))).await.unwrap();
        let path = format!("/exampleshire/consent/{id}");
        let (status, _, _) = app.post(&path, ADA, &[("csrf_token", CSRF), ("decision", "decline")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let read = w.consent.read(&w.parking, &id, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(read, Err(ConsentError::NotGranted)), "{read:?}");
        let (_, html, _) = app.get("/exampleshire/your-data", Some(ADA)).await;
        let grants = table_rows(&html, "grants");
        assert_eq!(grants.len(), 1);
        assert!(grants[0][3].contains("Declined"), "{grants:?}");
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn every_read_appears_on_your_data_newest_first_and_revoking_there_stops_the_next_read() {
    for w in worlds().await {
        let app = App::start(&w).await;
        let grant = w.live_grant().await;
        w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make", "colour"]).await.unwrap();
        w.clock.advance(time::Duration::minutes(5));
        w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["colour"]).await.unwrap();
        w.clock.advance(time::Duration::minutes(5));
        let _ = w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["keeper"]).await;

        let (status, html, _) = app.get("/exampleshire/your-data", Some(ADA)).await;
        assert_eq!(status, StatusCode::OK);
        let reads = table_rows(&html, "access-log");
        assert_eq!(reads.len(), 3, "{reads:?}");
        let who = "Apply for a parking permit, Exampleshire County Council";
        let purpose = "To check your vehicle can have a residents' parking permit";
        assert_eq!(
            reads[2],
            vec![
                "23 November 2026 at 12:00pm".to_string(),
                who.into(),
                format!("Vehicle (national register), record {PLATE}"),
                "Make, Colour".into(),
                purpose.into(),
                "Allowed".into()
            ]
        );
        assert_eq!(reads[1][0], "23 November 2026 at 12:05pm");
        assert_eq!((reads[1][3].as_str(), reads[1][5].as_str()), ("Colour", "Allowed"));
        assert!(reads[0][5].starts_with("Refused") && reads[0][5].contains("keeper"), "{:?}", reads[0]);

        let grants = table_rows(&html, "grants");
        assert_eq!(grants.len(), 1);
        assert!(grants[0][3].contains("Active") && grants[0][5].contains("Revoke"), "{grants:?}");
        assert!(html.contains(&format!(r#"action="/exampleshire/your-data/grants/{grant}/revoke""#)));

        let revoke = format!("/exampleshire/your-data/grants/{grant}/revoke");
        let (status, _, location) = app.post(&revoke, ADA, &[("csrf_token", CSRF)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some("/exampleshire/your-data"));
        let after = w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(after, Err(ConsentError::Revoked)), "{after:?}");
        let (_, html, _) = app.get("/exampleshire/your-data", Some(ADA)).await;
        let grants = table_rows(&html, "grants");
        assert!(grants[0][3].contains("Revoked") && !grants[0][5].contains("Revoke"), "{grants:?}");
        assert_eq!(table_rows(&html, "access-log").len(), 4);
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn another_citizen_gets_404_on_your_grant_and_its_revocation() {
    for w in worlds().await {
        let app = App::start(&w).await;
        let pending = w.consent.request(&w.parking_request(ADA, time::Duration::days(1))).await.unwrap();
        let grant = w.live_grant().await;
        for id in [&pending, &grant] {
            let (status, html, _) = app.get(&format!("/exampleshire/consent/{id}"), Some(BOB)).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert!(!html.contains("parking permit"));
        }
        let (status, _, _) = app
            .post(&format!("/exampleshire/consent/{pending}"), BOB, &[("csrf_token", CSRF), ("decision", "agree")])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) =
            app.post(&format!("/exampleshire/your-data/grants/{grant}/revoke"), BOB, &[("csrf_token", CSRF)]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Under the wrong council's prefix the request does not exist either.
        let (status, _, _) = app.get(&format!("/otherborough/consent/{pending}"), Some(ADA)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = app.get(&format!("/exampleshire/consent/{}", GrantId("unknown".into())), Some(ADA)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        assert_eq!(w.consent.grant(&pending, ADA).await.unwrap().state, consent::GrantState::Requested);
        w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make"]).await.unwrap();
        let (_, html, _) = app.get("/exampleshire/your-data", Some(BOB)).await;
        assert!(table_rows(&html, "grants").is_empty() && table_rows(&html, "access-log").is_empty());
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn staff_reads_and_unanswered_requests_show_on_your_data_with_forms_carrying_the_token() {
    for w in worlds().await {
        let app = App::start(&w).await;
        let pending = w.consent.request(&w.parking_request(ADA, time::Duration::days(1))).await.unwrap();
        w.live_grant().await;
        let staff = consent::StaffRead {
            council_id: w.exampleshire.id,
            staff_id: "staff-7".into(),
            role: consent::StaffRole::RegisterCustodian,
            citizen: ADA.into(),
            register: w.resident(),
            key: "R1".into(),
            fields: vec!["name".into(), "uprn".into()],
            purpose: "Correcting the register".into(),
        };
        w.consent.read_as_staff(&staff).await.unwrap();
        let (status, html, _) = app.get("/otherborough/your-data", Some(ADA)).await;
        assert_eq!(status, StatusCode::OK);
        let reads = table_rows(&html, "access-log");
        assert_eq!(reads.len(), 1);
        assert_eq!(reads[0][1], "A register custodian (staff-7), Exampleshire County Council");
        assert_eq!(reads[0][2], "Resident (Exampleshire County Council), record R1");
        assert_eq!(reads[0][3], "Name, Uprn");
        let grants = table_rows(&html, "grants");
        assert_eq!(grants.len(), 2);
        assert!(grants.iter().any(|g| g[5].contains("Answer")), "{grants:?}");
        // The request is answered under the prefix of the council that asked.
        assert!(html.contains(&format!(r#"href="/exampleshire/consent/{pending}""#)));
        let document = Html::parse_document(&html);
        let forms = Selector::parse("form").unwrap();
        let token = Selector::parse(r#"input[name="csrf_token"][value="test-token"]"#).unwrap();
        let forms: Vec<_> = document.select(&forms).collect();
        assert!(!forms.is_empty());
        assert!(forms.iter().all(|f| f.select(&token).next().is_some()));
        w.test.cleanup().await;
    }
}
