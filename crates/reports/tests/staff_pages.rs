//! The staff pages on a real port, on SQLite and PostgreSQL, over the two-tier fixture: the
//! council's caseworkers list and filter its reports, see one with the reporter's contact and why
//! a send failed, change its status (the reporter is emailed, Open311's servicerequestupdates
//! shows it) and pass a misrouted report to another body (sent to it again); another council's
//! staff, staff without the role, citizens and anonymous visitors do not get in.

mod support;

use std::sync::{Arc, Mutex};

use axum::Extension;
use reports::staff_pages::{StaffState, router};
use reports::{Email, Mailer, SendConfig, SendFailure, SendFuture, Senders, Status};
use serde_json::{Value, json};
use store::{CouncilId, CouncilSlug, Councils};
use support::*;

fn staff(slug: &str, council: CouncilId, roles: &[&str]) -> web::Visitor {
    let mut visitor = web::Visitor::anonymous("token");
    visitor.staff = Some(web::VisitorStaff {
        id: "s1".into(),
        name: "Sam Clerk".into(),
        council_id: council.0,
        council_slug: slug.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    });
    visitor
}

/// Serves the staff pages and the Open311 server as `visitor` sees them.
async fn serve(reports: &reports::Reports, visitor: web::Visitor) -> String {
    let councils = vec![
        web::Council::new("exampleshire", "Exampleshire", "#1d70b8").unwrap(),
        web::Council::new("otherborough", "Otherborough", "#00703c").unwrap(),
    ];
    let web = web::WebState::new("Guildhall", councils).unwrap();
    let app = router(StaffState::new(reports.clone(), web))
        .layer(Extension(visitor))
        .merge(reports::open311::router(reports.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(url: &str) -> (u16, String) {
    let r = client().get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(url: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = client().post(url).form(form).send().await.unwrap();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), location, r.text().await.unwrap())
}

/// Records every email; refuses those to `refuse` as a provider would, permanently.
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<Email>>,
    refuse: Option<String>,
}

impl Mailer for Outbox {
    fn send<'a>(&'a self, _council: CouncilId, email: &'a Email) -> SendFuture<'a> {
        Box::pin(async move {
            if self.refuse.as_deref() == Some(email.to.as_str()) {
                return Err(SendFailure {
                    permanent: true,
                    reason: format!("{} is on the suppression list", email.to),
                });
            }
            let mut sent = self.sent.lock().unwrap();
            sent.push(email.clone());
            Ok(format!("email-{}", sent.len()))
        })
    }
}

async fn send_all(reports: &reports::Reports, outbox: Arc<Outbox>) {
    let senders = Senders { mailer: outbox, http: reqwest::Client::new() };
    while reports.send_due(&senders, &SendConfig::default()).await.unwrap() > 0 {}
}

#[tokio::test]
async fn caseworkers_list_and_filter_their_councils_reports_and_nobody_else_gets_in() {
    for f in fixtures().await {
        let speeding = f
            .reports
            .submit(f.council, new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "30")]))
            .await
            .unwrap();
        let pothole = f.reports.submit(f.council, new_report(ASHBY_ROAD, "Pothole", &[])).await.unwrap();
        f.reports.add_update(f.council, pothole.id, None, Status::Fixed, "Filled", "test").await.unwrap();
        let other = Councils::new(f.test.store.clone())
            .create(&CouncilSlug::parse("otherborough").unwrap(), "Otherborough")
            .await
            .unwrap()
            .id;

        let base = serve(&f.reports, staff("exampleshire", f.council, &["caseworker"])).await;
        let (code, html) = get(&format!("{base}/exampleshire/staff/reports")).await;
        assert_eq!(code, 200, "{html}");
        for id in [speeding.id, pothole.id] {
            assert!(html.contains(&format!("/exampleshire/staff/reports/{id}\"")), "{html}");
        }
        assert!(html.contains("Ashby Parish Council") && html.contains("Exampleshire County Council"));
        assert!(html.contains("id=\"staff-report-map\""), "the map's hook is on the list");
        let (_, html) = get(&format!("{base}/exampleshire/staff/reports?status=fixed")).await;
        assert!(
            html.contains(&format!("reports/{}\"", pothole.id))
                && !html.contains(&format!("reports/{}\"", speeding.id))
        );
        let (_, html) = get(&format!("{base}/exampleshire/staff/reports?body=ashby-pc")).await;
        assert!(
            html.contains(&format!("reports/{}\"", speeding.id))
                && !html.contains(&format!("reports/{}\"", pothole.id))
        );
        assert!(html.contains("reports.csv?body=ashby-pc"), "{html}");
        let (_, html) = get(&format!("{base}/exampleshire/staff/reports?category=Pothole")).await;
        assert!(
            html.contains(&format!("reports/{}\"", pothole.id))
                && !html.contains(&format!("reports/{}\"", speeding.id))
        );
        let (code, html) = get(&format!("{base}/exampleshire/staff/reports?status=lost")).await;
        assert_eq!(code, 400);
        assert!(html.contains("govuk-error-summary") && html.contains("Choose a status from the list"), "{html}");

        let (code, geo) = get(&format!("{base}/exampleshire/staff/reports.geojson?body=ashby-pc")).await;
        assert_eq!(code, 200);
        let geo: Value = serde_json::from_str(&geo).unwrap();
        assert_eq!(geo["features"].as_array().unwrap().len(), 1, "{geo}");
        assert_eq!(geo["features"][0]["geometry"]["coordinates"], json!([ASHBY_ROAD.1, ASHBY_ROAD.0]));

        let r = client()
            .get(format!("{base}/exampleshire/staff/reports.csv?body=exampleshire-county"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with("id,created_at,status,") && csv.contains(&format!("\n{},", pothole.id)), "{csv}");
        assert!(!csv.contains("ada@example.org"), "the CSV has no personal details");
        assert_eq!(get(&format!("{base}/exampleshire/staff/reports.csv")).await.0, 400);
        assert_eq!(get(&format!("{base}/exampleshire/staff/reports.csv?body=no-such-body")).await.0, 404);

        let (code, html) = get(&format!("{base}/otherborough/staff/reports")).await;
        assert_eq!(code, 403, "staff of one council do not see another's reports: {html}");
        let theirs = serve(&f.reports, staff("otherborough", other, &["admin"])).await;
        assert_eq!(get(&format!("{theirs}/exampleshire/staff/reports")).await.0, 403);
        assert_eq!(get(&format!("{theirs}/exampleshire/staff/reports/{}", speeding.id)).await.0, 403);
        assert_eq!(get(&format!("{theirs}/exampleshire/staff/reports.csv?body=ashby-pc")).await.0, 403);
        let (code, html) = get(&format!("{theirs}/otherborough/staff/reports")).await;
        assert_eq!(code, 200);
        assert!(!html.contains(&format!("reports/{}\"", speeding.id)), "another council's list is its own");
        let (code, _) = get(&format!("{theirs}/otherborough/staff/reports/{}", speeding.id)).await;
        assert_eq!(code, 404, "a report of another council through this council's URL");

        let custodian = serve(&f.reports, staff("exampleshire", f.council, &["register-custodian"])).await;
        assert_eq!(get(&format!("{custodian}/exampleshire/staff/reports")).await.0, 403);
        let anonymous = serve(&f.reports, web::Visitor::anonymous("token")).await;
        let r = client().get(format!("{anonymous}/exampleshire/staff/reports")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303);
        assert_eq!(r.headers()["location"], "/exampleshire/staff/sign-in");
        let mut citizen = web::Visitor::anonymous("token");
        citizen.citizen =
            Some(web::VisitorCitizen { id: "c1".into(), name: "Ada".into(), email: "ada@example.org".into() });
        let citizen = serve(&f.reports, citizen).await;
        assert_eq!(get(&format!("{citizen}/exampleshire/staff/reports/{}", speeding.id)).await.0, 303);
        let (code, _, _) = post(
            &format!("{citizen}/exampleshire/staff/reports/{}/status", speeding.id),
            &[("status", "closed"), ("update", "x")],
        )
        .await;
        assert_eq!(code, 303);
        assert_eq!(
            f.reports.report(None, speeding.id).await.unwrap().status,
            Status::Open,
            "a citizen changed nothing"
        );
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_status_change_is_a_public_update_emailed_to_the_reporter_and_seen_through_open311() {
    for f in fixtures().await {
        let mut report = new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "30")]);
        report.description = "Cars <script>alert(1)</script> race".into();
        let speeding = f.reports.submit(f.council, report).await.unwrap();
        let base = serve(&f.reports, staff("exampleshire", f.council, &["caseworker"])).await;
        let page = format!("{base}/exampleshire/staff/reports/{}", speeding.id);
        let (code, html) = get(&page).await;
        assert_eq!(code, 200, "{html}");
        assert!(html.contains("ada@example.org") && html.contains("Ada Lovelace"), "staff see the reporter");
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>alert"), "{html}");
        assert!(html.contains("Ashby Parish Council") && html.contains("queued"), "{html}");
        assert!(html.contains("name=\"csrf_token\" value=\"token\""), "every form carries the token");

        let (code, _, html) = post(&format!("{page}/status"), &[("status", "fixed"), ("update", "  ")]).await;
        assert_eq!(code, 400);
        assert!(html.contains("govuk-error-summary") && html.contains("Enter the public update"), "{html}");
        let (code, _, html) = post(&format!("{page}/status"), &[("update", "Done")]).await;
        assert_eq!(code, 400);
        assert!(html.contains("Choose a status for the report"), "{html}");
        assert_eq!(f.reports.updates(f.council, speeding.id).await.unwrap().len(), 0, "nothing stored");

        let (code, location, _) = post(
            &format!("{page}/status"),
            &[("csrf_token", "token"), ("status", "in_progress"), ("update", "Speed watch booked for <Monday>")],
        )
        .await;
        assert_eq!(
            (code, location.as_str()),
            (303, format!("/exampleshire/staff/reports/{}?done=status", speeding.id).as_str())
        );
        assert_eq!(f.reports.report(None, speeding.id).await.unwrap().status, Status::InProgress);
        let (_, html) = get(&format!("{page}?done=status")).await;
        assert!(html.contains("Status changed") && html.contains("Speed watch booked for &lt;Monday&gt;"), "{html}");

        let outbox = Arc::new(Outbox::default());
        send_all(&f.reports, outbox.clone()).await;
        let sent = outbox.sent.lock().unwrap().clone();
        let to_reporter: Vec<&Email> = sent.iter().filter(|e| e.to == "ada@example.org").collect();
        assert_eq!(to_reporter.len(), 1, "{sent:?}");
        assert!(
            to_reporter[0].body.contains("Speed watch booked for <Monday>")
                && to_reporter[0].body.contains("in progress")
        );
        assert!(sent.iter().any(|e| e.to == "clerk@ashby-pc.org.uk"), "the report itself went to the clerk");

        let (code, updates) =
            get(&format!("{base}/open311/v2/servicerequestupdates.json?jurisdiction_id=ashby-pc")).await;
        assert_eq!(code, 200, "{updates}");
        let updates: Value = serde_json::from_str(&updates).unwrap();
        assert_eq!(updates[0]["service_request_id"], speeding.id.to_string());
        assert_eq!(updates[0]["status"], "IN_PROGRESS");
        assert_eq!(updates[0]["description"], "Speed watch booked for <Monday>");
        let (_, html) = get(&page).await;
        assert!(html.contains("sent") && html.contains("reporter email"), "attempts are listed: {html}");
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_misrouted_report_is_passed_to_another_body_and_sent_to_it_and_failures_show_why() {
    for f in fixtures().await {
        let speeding = f
            .reports
            .submit(f.council, new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "30")]))
            .await
            .unwrap();
        let base = serve(&f.reports, staff("exampleshire", f.council, &["admin"])).await;
        let page = format!("{base}/exampleshire/staff/reports/{}", speeding.id);
        let (_, html) = get(&page).await;
        assert!(html.contains("value=\"exampleshire-county/speeding\""), "{html}");
        assert!(!html.contains("value=\"ashby-pc/speeding\""), "not back to where it is");

        let (code, _, html) = post(&format!("{page}/reassign"), &[("from", "ashby-pc"), ("to", "")]).await;
        assert_eq!(code, 400);
        assert!(html.contains("govuk-error-summary") && html.contains("Choose the body and category"), "{html}");
        let (code, _, html) =
            post(&format!("{page}/reassign"), &[("from", "ashby-pc"), ("to", "exampleshire-county/nope")]).await;
        assert_eq!(code, 400, "{html}");
        let (code, _, _) =
            post(&format!("{page}/reassign"), &[("from", "exampleshire-county"), ("to", "brookfield-pc/speeding")])
                .await;
        assert_eq!(code, 400, "only from a body it went to");

        // The parish's first send fails for good: staff see why.
        let outbox = Arc::new(Outbox { refuse: Some("clerk@ashby-pc.org.uk".into()), ..Outbox::default() });
        send_all(&f.reports, outbox.clone()).await;
        let (_, html) = get(&page).await;
        assert!(html.contains("clerk@ashby-pc.org.uk is on the suppression list"), "{html}");
        let (_, list) = get(&format!("{base}/exampleshire/staff/reports")).await;
        assert!(list.contains("Not sent"), "{list}");

        let (code, location, _) =
            post(&format!("{page}/reassign"), &[("from", "ashby-pc"), ("to", "exampleshire-county/speeding")]).await;
        assert_eq!(code, 303);
        assert!(location.ends_with("?done=reassign"));
        let report = f.reports.report(Some(f.council), speeding.id).await.unwrap();
        let bodies: Vec<&str> = report.destinations.iter().map(|d| d.body_id.as_str()).collect();
        assert_eq!(bodies, ["exampleshire-county"]);
        assert_eq!(report.destinations[0].state, "queued");

        let outbox = Arc::new(Outbox::default());
        send_all(&f.reports, outbox.clone()).await;
        let sent = outbox.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].to, "roadsafety@exampleshire.gov.uk");
        assert!(sent[0].body.contains("Cars race past the school"), "{}", sent[0].body);
        assert_eq!(f.reports.report(None, speeding.id).await.unwrap().destinations[0].state, "sent");

        let (_, html) = get(&format!("{page}?done=reassign")).await;
        assert!(html.contains("Passed from Ashby Parish Council to Exampleshire County Council"), "{html}");
        let (_, list) = get(&format!("{base}/exampleshire/staff/reports?body=exampleshire-county")).await;
        assert!(list.contains(&format!("reports/{}\"", speeding.id)));
        let (_, list) = get(&format!("{base}/exampleshire/staff/reports?body=ashby-pc")).await;
        assert!(!list.contains(&format!("reports/{}\"", speeding.id)));
        let (code, _, _) = post(
            &format!("{page}/reassign"),
            &[("from", "exampleshire-county"), ("to", "exampleshire-county/pothole")],
        )
        .await;
        assert_eq!(code, 400, "not to a body it is already with");
        f.test.cleanup().await;
    }
}
