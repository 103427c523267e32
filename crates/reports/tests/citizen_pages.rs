//! The citizen's "Report a problem" pages over real HTTP on 127.0.0.1, on SQLite and PostgreSQL:
//! the two-tier journey (speeding on a parish road to the parish clerk, a pothole on it to the
//! county's highways team), a point at sea, coordinates out of range, a 10 MB photo, a file that
//! is not an image, an unknown category, HTML in the description, and a replayed submit.

mod support;

use std::sync::Arc;

use reports::citizen_pages::{self, CitizenState, PlaceAddress, PlaceFuture, Places, PostcodeAnswer, PostcodePlace};
use reports::routing::Location;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use sqlx::Row;
use support::*;

/// One postcode on Ashby's parish road with two addresses; one valid postcode nobody holds.
struct TestPlaces;

impl Places for TestPlaces {
    fn postcode<'a>(&'a self, text: &'a str) -> PlaceFuture<'a> {
        Box::pin(async move {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
            match compact.as_str() {
                "ZX11AA" => PostcodeAnswer::Found(PostcodePlace {
                    postcode: "ZX1 1AA".into(),
                    centre: Some(Location::new(ASHBY_ROAD.0, ASHBY_ROAD.1).unwrap()),
                    addresses: vec![
                        PlaceAddress {
                            uprn: "100".into(),
                            label: "1 School Lane, Ashby, ZX1 1AA".into(),
                            location: Some(Location::new(ASHBY_ROAD.0, ASHBY_ROAD.1).unwrap()),
                        },
                        PlaceAddress {
                            uprn: "101".into(),
                            label: "3 School Lane, Ashby, ZX1 1AA".into(),
                            location: Some(Location::new(ASHBY_ROAD.0 + 0.001, ASHBY_ROAD.1).unwrap()),
                        },
                    ],
                }),
                "ZZ99ZZ" => PostcodeAnswer::Unknown("ZZ9 9ZZ".into()),
                _ => PostcodeAnswer::Invalid("it is not in the form of a UK postcode".into()),
            }
        })
    }
}

struct App {
    base: String,
    client: reqwest::Client,
    f: Fixture,
}

struct Reply {
    status: StatusCode,
    body: String,
    location: Option<String>,
    content_type: Option<String>,
    nosniff: bool,
    bytes: Vec<u8>,
}

async fn reply(r: reqwest::Response) -> Reply {
    let header =
        |name| r.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(String::from);
    let (status, location, content_type) = (r.status(), header(LOCATION), header(CONTENT_TYPE));
    let nosniff = r.headers().get("x-content-type-options").is_some_and(|v| v == "nosniff");
    let bytes = r.bytes().await.unwrap().to_vec();
    Reply { status, body: String::from_utf8_lossy(&bytes).into_owned(), location, content_type, nosniff, bytes }
}

const CSRF: &str = "test-session-token";

/// Serves the pages over the fixture's store to one visitor (the identity layer's part that
/// matters here: every request has that visitor, so one server is one session).
async fn serve(f: &Fixture, visitor: web::Visitor) -> String {
    let councils = vec![
        web::Council::new("exampleshire", "Exampleshire", "#1d70b8").unwrap(),
        web::Council::new("otherborough", "Otherborough", "#1d70b8").unwrap(),
    ];
    let state = CitizenState {
        reports: f.reports.clone(),
        web: web::WebState::new("Guildhall", councils).unwrap(),
        councils: store::Councils::new(f.test.store.clone()),
        places: Arc::new(TestPlaces),
    };
    let router = citizen_pages::router(state).layer(axum::Extension(visitor));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

async fn start(f: Fixture) -> App {
    let base = serve(&f, web::Visitor::anonymous(CSRF)).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    App { base, client, f }
}

impl App {
    async fn get(&self, path: &str) -> Reply {
        reply(self.client.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let mut fields = vec![("csrf_token", CSRF)];
        fields.extend_from_slice(form);
        reply(self.client.post(format!("{}{path}", self.base)).form(&fields).send().await.unwrap()).await
    }

    /// A multipart post, written out by hand: text fields and an optional file part.
    async fn post_multipart(&self, path: &str, form: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Reply {
        let boundary = "----guildhall-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, value) in [("csrf_token", CSRF)].iter().chain(form) {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((file_name, content_type, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{file_name}\"\r\n\
                     Content-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        reply(request.send().await.unwrap()).await
    }

    async fn count(&self, table: &str) -> i64 {
        let row =
            sqlx::query(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(self.f.test.store.pool()).await.unwrap();
        row.try_get(0).unwrap()
    }
}

/// The draft's path (`/exampleshire/report/{id}`) from a redirect into it.
fn draft_of(r: &Reply) -> String {
    let location = r.location.clone().unwrap_or_else(|| panic!("no redirect: {} {}", r.status, r.body));
    let mut parts: Vec<&str> = location.split('/').collect();
    parts.truncate(4);
    parts.join("/")
}

/// Walks a journey from the place to check answers and returns the draft's path.
async fn to_check(
    app: &App,
    place: &[(&str, &str)],
    category: &str,
    details: &[(&str, &str)],
    photo: Option<(&str, &str, &[u8])>,
) -> String {
    let r = app.post("/exampleshire/report", place).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let draft = draft_of(&r);
    if r.location.as_deref().is_some_and(|l| l.ends_with("/address")) {
        let page = app.get(&format!("{draft}/address")).await;
        assert!(page.body.contains("3 School Lane, Ashby, ZX1 1AA"), "{}", page.body);
        let r = app.post(&format!("{draft}/address"), &[("address", "100")]).await;
        assert_eq!(r.location.as_deref(), Some(format!("{draft}/category").as_str()));
    }
    let r = app.post(&format!("{draft}/category"), &[("category", category)]).await;
    assert_eq!(r.location.as_deref(), Some(format!("{draft}/details").as_str()), "{}", r.body);
    let r = app.post_multipart(&format!("{draft}/details"), details, photo).await;
    assert_eq!(r.location.as_deref(), Some(format!("{draft}/contact").as_str()), "{}", r.body);
    let r = app.post(&format!("{draft}/contact"), &[("name", "Ada Lovelace"), ("email", "ada@example.org")]).await;
    assert_eq!(r.location.as_deref(), Some(format!("{draft}/check").as_str()), "{}", r.body);
    draft
}

/// Submits and follows to the confirmation; returns its body and the report's id.
async fn submit(app: &App, draft: &str) -> (String, i64) {
    let r = app.post(&format!("{draft}/check"), &[]).await;
    assert_eq!(r.location.as_deref(), Some(format!("{draft}/confirmation").as_str()), "{}", r.body);
    let page = app.get(&format!("{draft}/confirmation")).await;
    assert_eq!(page.status, StatusCode::OK);
    let id = page
        .body
        .split(r#"Your reference number<br><strong id="reference">"#)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no reference in {}", page.body));
    (page.body, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speeding_on_a_parish_road_reaches_the_parish_clerk_and_a_pothole_there_the_county_highways_team() {
    for f in fixtures().await {
        let app = start(f).await;
        let start = app.get("/exampleshire/report").await;
        assert_eq!(start.status, StatusCode::OK);
        assert!(start.body.contains(r#"id="report-map""#) && start.body.contains("csrf_token"), "{}", start.body);

        // A pothole, by postcode then address: to the county's highways team.
        let draft = to_check(
            &app,
            &[("postcode", "zx1 1aa")],
            "Pothole",
            &[("title", "Deep pothole"), ("description", "Outside number 1"), ("attribute[depth_cm]", "12")],
            None,
        )
        .await;
        let check = app.get(&format!("{draft}/check")).await;
        assert!(
            check.body.contains("1 School Lane, Ashby, ZX1 1AA") && check.body.contains("Change"),
            "{}",
            check.body
        );
        assert!(check.body.contains("How deep is it, in cm?") && check.body.contains("12"));
        let (confirmation, id) = submit(&app, &draft).await;
        assert!(confirmation.contains("Exampleshire County Council (Highways team)"), "{confirmation}");
        assert!(!confirmation.contains("Parish Clerk"));
        let stored = app.f.reports.report(Some(app.f.council), id).await.unwrap();
        let to: Vec<&str> = stored.destinations.iter().map(|d| d.body_id.as_str()).collect();
        assert_eq!(to, ["exampleshire-county"]);
        assert_eq!(stored.title.as_deref(), Some("Deep pothole"));
        assert_eq!(stored.reporter.email.as_deref(), Some("ada@example.org"));

        // Speeding on the same parish road, by latitude and longitude, 30 mph: to the parish clerk.
        let (lat, lon) = (ASHBY_ROAD.0.to_string(), ASHBY_ROAD.1.to_string());
        let draft = to_check(
            &app,
            &[("lat", &lat), ("lon", &lon)],
            "Speeding traffic",
            &[("title", "Cars racing"), ("description", "At school time"), ("attribute[speed_limit]", "30")],
            None,
        )
        .await;
        let (confirmation, id) = submit(&app, &draft).await;
        assert!(confirmation.contains("Ashby Parish Council (Parish Clerk)"), "{confirmation}");
        assert!(!confirmation.contains("Exampleshire County Council"));
        let stored = app.f.reports.report(Some(app.f.council), id).await.unwrap();
        assert_eq!(stored.destinations[0].body_id, "ashby-pc");

        // The public page hides the contact details; the list links to it.
        let public = app.get(&format!("/exampleshire/reports/{id}")).await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(public.body.contains("Cars racing") && public.body.contains("Ashby Parish Council"));
        assert!(!public.body.contains("ada@example.org") && !public.body.contains("Ada Lovelace"), "{}", public.body);
        let list = app.get("/exampleshire/reports").await;
        assert!(list.body.contains(&format!("/exampleshire/reports/{id}")) && list.body.contains("Deep pothole"));
        assert_eq!(app.get("/exampleshire/reports/999999").await.status, StatusCode::NOT_FOUND);
        app.f.test.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_point_at_sea_and_coordinates_out_of_range_get_field_errors_and_nothing_is_stored() {
    for f in fixtures().await {
        let app = start(f).await;
        let (lat, lon) = (AT_SEA.0.to_string(), AT_SEA.1.to_string());
        let sea = app.post("/exampleshire/report", &[("lat", &lat), ("lon", &lon)]).await;
        assert_eq!(sea.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(sea.body.contains("does not take reports for this place"), "{}", sea.body);
        assert!(sea.body.contains("govuk-error-summary") && sea.body.contains(r##"href="#lat""##));

        let out = app.post("/exampleshire/report", &[("lat", "95"), ("lon", "0.4")]).await;
        assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(out.body.contains("latitude 95 is out of range"), "{}", out.body);
        let grid = app.post("/exampleshire/report", &[("easting", "9000000"), ("northing", "100")]).await;
        assert_eq!(grid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(grid.body.contains("an easting from 0 to 700000"), "{}", grid.body);
        let words = app.post("/exampleshire/report", &[("lat", "north"), ("lon", "west")]).await;
        assert!(words.body.contains("is not a number"), "{}", words.body);
        let unknown = app.post("/exampleshire/report", &[("postcode", "ZZ9 9ZZ")]).await;
        assert!(unknown.body.contains("We do not know the postcode ZZ9 9ZZ"), "{}", unknown.body);
        let nothing = app.post("/exampleshire/report", &[]).await;
        assert!(nothing.body.contains("Enter a postcode"), "{}", nothing.body);

        assert_eq!(app.count("reports_drafts").await, 0);
        assert_eq!(app.count("reports_reports").await, 0);
        app.f.test.cleanup().await;
    }
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_10_mb_photo_and_a_file_that_is_not_an_image_get_field_errors_and_are_not_kept() {
    for f in fixtures().await {
        let app = start(f).await;
        let r = app.post("/exampleshire/report", &[("postcode", "ZX1 1AA")]).await;
        let draft = draft_of(&r);
        app.post(&format!("{draft}/address"), &[("address", "101")]).await;
        app.post(&format!("{draft}/category"), &[("category", "Pothole")]).await;
        let details = [("title", "Pothole"), ("description", "A big one")];

        let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
        big.resize(10 * 1024 * 1024, 7);
        let r = app.post_multipart(&format!("{draft}/details"), &details, Some(("big.jpg", "image/jpeg", &big))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("The photo must be smaller than 5 MB (this one is 10.0 MB)"), "{}", r.body);
        assert!(r.body.contains(r##"href="#photo""##) && r.body.contains(r#"enctype="multipart/form-data""#));

        let fake = b"<html><script>alert(1)</script></html>";
        let r = app.post_multipart(&format!("{draft}/details"), &details, Some(("cat.jpg", "image/jpeg", fake))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("The photo must be a JPG, PNG or WebP image"), "{}", r.body);
        let photos = sqlx::query("SELECT COUNT(*) FROM reports_drafts WHERE photo IS NOT NULL")
            .fetch_one(app.f.test.store.pool())
            .await
            .unwrap();
        assert_eq!(photos.try_get::<i64, _>(0).unwrap(), 0, "no photo kept from refused forms");

        // A PNG (named .jpg: the bytes decide) is kept, stored with the report, served as PNG.
        let png = png();
        let r =
            app.post_multipart(&format!("{draft}/details"), &details, Some(("small.jpg", "image/jpeg", &png))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        app.post(&format!("{draft}/contact"), &[("name", "Ada"), ("email", "ada@example.org")]).await;
        let (_, id) = submit(&app, &draft).await;
        let photo = app.get(&format!("/exampleshire/reports/{id}/photo")).await;
        assert_eq!(photo.status, StatusCode::OK);
        assert_eq!(photo.content_type.as_deref(), Some("image/png"));
        assert!(photo.nosniff, "X-Content-Type-Options: nosniff");
        assert_eq!(photo.bytes, png);
        assert!(app.get(&format!("/exampleshire/reports/{id}")).await.body.contains(&format!("/reports/{id}/photo")));
        app.f.test.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_category_is_refused_on_its_page_and_html_in_the_description_is_escaped_everywhere() {
    for f in fixtures().await {
        let app = start(f).await;
        let r = app.post("/exampleshire/report", &[("lat", "51.8"), ("lon", "1.5")]).await;
        let draft = draft_of(&r);
        let r = app.post(&format!("{draft}/category"), &[("category", "Alien landing")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("“Alien landing” is not a problem we take reports of here"), "{}", r.body);
        let page = app.get(&format!("{draft}/category")).await;
        assert!(page.body.contains("Fly-tipping") && page.body.contains("Pothole") && !page.body.contains("Alien"));

        app.post(&format!("{draft}/category"), &[("category", "Fly-tipping")]).await;
        let html = "<script>alert('x')</script><b>bold</b>";
        let r = app
            .post_multipart(&format!("{draft}/details"), &[("title", "<i>Sofa</i>"), ("description", html)], None)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        app.post(
            &format!("{draft}/contact"),
            &[("name", "<b>Eve</b>"), ("email", "eve@example.org"), ("show_name", "yes")],
        )
        .await;
        let check = app.get(&format!("{draft}/check")).await;
        let (confirmation, id) = submit(&app, &draft).await;
        assert!(confirmation.contains("East Exampleshire District Council (Street scene team)"), "{confirmation}");
        let public = app.get(&format!("/exampleshire/reports/{id}")).await;
        let list = app.get("/exampleshire/reports").await;
        for (page, body) in [("check", &check.body), ("report", &public.body), ("list", &list.body)] {
            assert!(
                !body.contains("<script>alert") && !body.contains("<b>") && !body.contains("<i>Sofa"),
                "{page}: {body}"
            );
        }
        assert!(
            public.body.contains("&lt;script&gt;alert(") && public.body.contains("&lt;b&gt;Eve&lt;/b&gt;"),
            "{}",
            public.body
        );
        assert!(list.body.contains("&lt;i&gt;Sofa"), "{}", list.body);
        app.f.test.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_or_doubled_submit_shows_the_same_report_and_stores_it_once() {
    for f in fixtures().await {
        let app = Arc::new(start(f).await);
        let draft = to_check(
            &app,
            &[("postcode", "ZX1 1AA")],
            "Pothole",
            &[("title", "Pothole"), ("description", "Twice?")],
            None,
        )
        .await;
        // Five submits at once, then one more after.
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (app, path) = (app.clone(), format!("{draft}/check"));
            tasks.push(tokio::spawn(async move { app.post(&path, &[]).await }));
        }
        for t in tasks {
            let r = t.await.unwrap();
            assert_eq!(
                r.location.as_deref(),
                Some(format!("{draft}/confirmation").as_str()),
                "{} {}",
                r.status,
                r.body
            );
        }
        let (_, first) = submit(&app, &draft).await;
        let (_, again) = submit(&app, &draft).await;
        assert_eq!(first, again);
        assert_eq!(app.count("reports_reports").await, 1);
        assert_eq!(app.count("reports_destinations").await, 1);
        let jobs = sqlx::query("SELECT COUNT(*) FROM reports_jobs WHERE report_id = $1")
            .bind(first)
            .fetch_one(app.f.test.store.pool())
            .await
            .unwrap();
        assert_eq!(jobs.try_get::<i64, _>(0).unwrap(), 1, "one email queued to the body");
        let app = Arc::into_inner(app).expect("the submits are done");
        app.f.test.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_citizen_reports_with_their_account_and_drafts_and_reports_stay_with_their_session_and_council() {
    for f in fixtures().await {
        store::Councils::new(f.test.store.clone())
            .create(&store::CouncilSlug::parse("otherborough").unwrap(), "Otherborough")
            .await
            .unwrap();
        let mut app = start(f).await;
        let r = app.post("/exampleshire/report", &[("postcode", "ZX1 1AA")]).await;
        let anonymous_draft = draft_of(&r);

        // Grace, signed in, is another session: the anonymous draft is not hers.
        let grace = web::Visitor {
            citizen: Some(web::VisitorCitizen {
                id: "citizen-7".into(),
                name: "Grace Hopper".into(),
                email: "grace@example.org".into(),
            }),
            staff: None,
            csrf_token: "grace-session".into(),
        };
        app.base = serve(&app.f, grace).await;
        let theirs = app.get(&format!("{anonymous_draft}/category")).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        assert!(theirs.body.contains("Your answers have expired"), "{}", theirs.body);

        let (lat, lon) = (ASHBY_ROAD.0.to_string(), ASHBY_ROAD.1.to_string());
        let r = app.post("/exampleshire/report", &[("lat", &lat), ("lon", &lon)]).await;
        let draft = draft_of(&r);
        app.post(&format!("{draft}/category"), &[("category", "Pothole")]).await;
        app.post_multipart(&format!("{draft}/details"), &[("title", "Hole"), ("description", "Big")], None).await;
        let contact = app.get(&format!("{draft}/contact")).await;
        assert!(contact.body.contains("grace@example.org") && !contact.body.contains(r#"name="email""#));
        assert!(contact.body.contains(r#"value="Grace Hopper""#), "{}", contact.body);
        let r =
            app.post(&format!("{draft}/contact"), &[("name", "Grace Hopper"), ("email", "mallory@example.org")]).await;
        assert_eq!(r.location.as_deref(), Some(format!("{draft}/check").as_str()), "{}", r.body);
        let (_, id) = submit(&app, &draft).await;
        let stored = app.f.reports.report(Some(app.f.council), id).await.unwrap();
        assert_eq!(
            stored.reporter.email.as_deref(),
            Some("grace@example.org"),
            "the account's address, not a typed one"
        );
        assert_eq!(stored.reporter.account_id.as_deref(), Some("citizen-7"));

        // The county's update shows on the public page.
        let update = "Crew booked for Tuesday <script>";
        let status = reports::Status::InProgress;
        app.f
            .reports
            .add_update(app.f.council, id, Some("exampleshire-county"), status, update, "highways")
            .await
            .unwrap();
        let public = app.get(&format!("/exampleshire/reports/{id}")).await;
        assert!(public.body.contains("In progress") && public.body.contains("Crew booked for Tuesday &lt;script&gt;"));
        assert!(public.body.contains("by Exampleshire County Council"), "{}", public.body);

        // Another council's paths see neither the report nor the draft.
        assert_eq!(app.get(&format!("/otherborough/reports/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&format!("/otherborough/reports/{id}/photo")).await.status, StatusCode::NOT_FOUND);
        let elsewhere = draft.replacen("/exampleshire/", "/otherborough/", 1);
        assert_eq!(app.get(&format!("{elsewhere}/check")).await.status, StatusCode::NOT_FOUND);
        assert!(!app.get("/otherborough/reports").await.body.contains(&format!("/reports/{id}")));
        assert_eq!(app.get("/nowhere/report").await.status, StatusCode::NOT_FOUND);
        app.f.test.cleanup().await;
    }
}
