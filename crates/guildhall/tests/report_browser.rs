//! "Report a problem" in a real browser (`tests/e2e/report.mjs`) against the seeded demo served
//! here, with JavaScript off: a pothole reported by postcode and address, check answers, the
//! confirmation naming the county's highways team, and the sandbox email that team received on
//! `/dev/notifications`; axe-core on every page. Then, from here, the stored report went to the
//! county only and its email left through the Notify sandbox. Needs Debian's chromium, node and
//! `npm ci --prefix tests/e2e` (`.ci/run` installs them); outside CI, `GUILDHALL_SKIP_BROWSER=1`
//! skips it when they are missing. A second test, over plain HTTP, sends a 10 MB photo through
//! the served pages (identity layer included) and a form without its anti-forgery token.

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_reports_a_pothole_with_javascript_off_and_the_county_highways_team_gets_the_email() {
    if !common::browser_ready() {
        return;
    }
    let t = store::testing::sqlite().await;
    common::seed_demo(&t).await;
    let base = common::serve_store(&t, true).await;
    let env = [
        ("E2E_COUNCIL", guildhall::demo::COUNCIL_SLUG),
        ("E2E_POSTCODE", "ZX1 1AA"),
        ("E2E_TEAM_EMAIL", "highways@exampleshire.example"),
    ];
    let stdout = common::run_e2e("report.mjs", &base, &env).await;
    assert!(stdout.contains("ok   the email to highways@exampleshire.example"), "{stdout}");

    let reference: i64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("reference "))
        .and_then(|r| r.trim().parse().ok())
        .expect("the script prints the reference");
    let council = store::Councils::new(t.store.clone())
        .by_slug(&store::CouncilSlug::parse(guildhall::demo::COUNCIL_SLUG).unwrap())
        .await
        .unwrap();
    let areas: std::sync::Arc<dyn reports::AreaLookup> = std::sync::Arc::new(NoAreas);
    let report = reports::Reports::new(t.store.clone(), areas).report(Some(council.id), reference).await.unwrap();
    let to: Vec<(&str, &str)> = report.destinations.iter().map(|d| (d.body_id.as_str(), d.state.as_str())).collect();
    assert_eq!(to, [(guildhall::demo_bodies::COUNTY_BODY, "sent")]);
    assert_eq!(report.title.as_deref(), Some("Deep pothole by the bus stop"));
    let delivered = notifications::SandboxProvider::messages(&t.store, Some(council.id), 100).await.unwrap();
    assert!(
        delivered.iter().any(|m| m.recipient == "highways@exampleshire.example"
            && m.body.contains(&format!("Report: {reference}"))),
        "{delivered:?}"
    );
    t.cleanup().await;
}

/// Reading a stored report needs no routing.
struct NoAreas;

impl reports::AreaLookup for NoAreas {
    fn areas_at(&self, _lon: f64, _lat: f64) -> reports::AreasFuture<'_> {
        Box::pin(std::future::ready(Vec::new()))
    }
}

/// A multipart body written out: text fields, then a `photo` part.
fn multipart(boundary: &str, fields: &[(&str, &str)], photo: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        let part = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
        body.extend_from_slice(part.as_bytes());
    }
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    );
    body.extend_from_slice(head.as_bytes());
    body.extend_from_slice(photo);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_served_pages_a_10_mb_photo_gets_the_field_error_and_a_form_without_its_token_is_refused() {
    let t = store::testing::sqlite().await;
    common::seed_demo(&t).await;
    let base = common::serve_store(&t, false).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let start = client.get(format!("{base}/exampleshire/report")).send().await.unwrap();
    let cookie = common::session_cookie(&start).expect("the start page starts a session");
    let csrf = common::csrf_token(&start.text().await.unwrap());
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf_token", csrf.clone()));
        client.post(format!("{base}{path}")).header("cookie", &cookie).form(&form).send()
    };
    let r = post("/exampleshire/report".into(), vec![("postcode", "ZX1 1AA".into())]).await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let draft = common::location(&r).trim_end_matches("/address").to_string();
    let page = client.get(format!("{base}{draft}/address")).header("cookie", &cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    let marker = r#"name="address" type="radio" value=""#;
    let at = html.find(marker).expect("an address to choose") + marker.len();
    let uprn = html[at..].split('"').next().unwrap().to_string();
    let r = post(format!("{draft}/address"), vec![("address", uprn)]).await.unwrap();
    assert_eq!(common::location(&r), format!("{draft}/category"));
    let r = post(format!("{draft}/category"), vec![("category", "Pothole".into())]).await.unwrap();
    assert_eq!(common::location(&r), format!("{draft}/details"));

    let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
    big.resize(10 * 1024 * 1024, 1);
    let boundary = "guildhall-report-browser-boundary";
    let fields = [("csrf_token", csrf.as_str()), ("title", "Pothole"), ("description", "Deep")];
    let r = client
        .post(format!("{base}{draft}/details"))
        .header("cookie", &cookie)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(multipart(boundary, &fields, &big))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("The photo must be smaller than 5 MB (this one is 10.0 MB)"), "{html}");

    let forged = [("title", "Pothole"), ("description", "Deep")];
    let r = client
        .post(format!("{base}{draft}/details"))
        .header("cookie", &cookie)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(multipart(boundary, &forged, b"\x89PNG\r\n\x1a\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    let reports: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM reports_reports").fetch_one(t.store.pool()).await.unwrap();
    assert_eq!(reports, 0);
    t.cleanup().await;
}
