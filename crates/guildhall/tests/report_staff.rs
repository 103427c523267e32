//! Report a problem's staff pages and map in a live application on the demo's data, on SQLite
//! and PostgreSQL: Exampleshire's admin, signed in through the real staff sign-in, lists a
//! report, changes its status through the form (refused without the anti-forgery token), and
//! gets 403 under another council's prefix; the map's vendored Leaflet and the council's areas
//! as GeoJSON are served without any sign-in. `guildhall bodies import|list` runs through the
//! real binary: a bad file is refused naming line and field, with nothing recorded. A second
//! start over the same database makes no new Notify keys for the platform's own senders.

mod common;

use std::sync::Arc;

use common::{csrf_token, guildhall, location, stderr, stdout};
use reqwest::redirect::Policy;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_councils_admin_works_a_report_on_the_staff_pages_and_the_map_is_served_offline() {
    for (t, registers) in common::stores().await {
        common::seed_demo(&t).await;
        let slug = store::CouncilSlug::parse("exampleshire").unwrap();
        let council = store::Councils::new(t.store.clone()).by_slug(&slug).await.unwrap().id;
        let view = areas::AreaView::build(&registers).await.unwrap();
        let [lon, lat] = areas::Crs::BritishNationalGrid.to_lon_lat([460_000.0, 265_000.0]).unwrap();
        let reports = reports::Reports::new(t.store.clone(), Arc::new(view));
        let report = reports::NewReport {
            location: reports::Location::new(lat, lon).unwrap(),
            category: "Pothole".into(),
            description: "A deep hole by the bus stop".into(),
            answers: Default::default(),
            address: None,
            reporter: reports::Reporter { email: Some("resident@example.org".into()), ..Default::default() },
            photo: None,
            source: "web".into(),
        };
        let pothole = reports.submit(council, report).await.unwrap();

        let base = common::serve_store(&t, false).await;
        // A second start over the same database (a restart, or another node) sends as the same
        // Notify keys: one "reports worker" key per "Report a problem" service, one "service
        // engine" key per "Council services" service.
        common::serve_store(&t, false).await;
        for (key, service) in [("reports worker", "Report a problem"), ("service engine", "Council services")] {
            let count = |sql: &'static str, name: &'static str| {
                let pool = t.store.pool().clone();
                async move { sqlx::query_scalar::<_, i64>(sql).bind(name).fetch_one(&pool).await.unwrap() }
            };
            let keys = count("SELECT COUNT(*) FROM notify_api_keys WHERE name = $1", key).await;
            let services = count("SELECT COUNT(*) FROM notify_services WHERE name = $1", service).await;
            assert!(services > 0 && keys == services, "{keys} {key:?} keys for {services} {service:?} services");
        }
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();

        let r = http.get(format!("{base}/exampleshire/staff/reports")).send().await.unwrap();
        assert_eq!((r.status().as_u16(), location(&r).as_str()), (303, "/exampleshire/staff/sign-in"));
        let cookie = common::staff_sign_in(&http, &base, &t.store, "exampleshire", "admin@exampleshire.example").await;
        let list =
            http.get(format!("{base}/exampleshire/staff/reports")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(list.status(), 200);
        let list = list.text().await.unwrap();
        assert!(list.contains(&format!("/exampleshire/staff/reports/{}\"", pothole.id)), "{list}");
        assert!(list.contains("Exampleshire County Council") && list.contains("/reports/map/report-map.js"));

        let page = format!("{base}/exampleshire/staff/reports/{}", pothole.id);
        let html = http.get(&page).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("resident@example.org"), "staff see the reporter's contact");
        let csrf = csrf_token(&html);
        let forged = http
            .post(format!("{page}/status"))
            .header("cookie", &cookie)
            .form(&[("status", "fixed"), ("update", "Filled")])
            .send()
            .await
            .unwrap();
        assert!(forged.status().is_client_error(), "a form without the token is refused: {}", forged.status());
        assert_eq!(reports.report(None, pothole.id).await.unwrap().status, reports::Status::Open);
        let posted = http
            .post(format!("{page}/status"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("status", "fixed"), ("update", "Filled on Tuesday")])
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 303);
        assert_eq!(reports.report(None, pothole.id).await.unwrap().status, reports::Status::Fixed);
        let updates = reports.updates(council, pothole.id).await.unwrap();
        assert_eq!(updates.last().map(|u| u.description.as_str()), Some("Filled on Tuesday"));

        for other in ["/northtown/staff/reports", "/northtown/staff/reports.csv?body=exampleshire-county"] {
            let r = http.get(format!("{base}{other}")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(r.status(), 403, "{other}");
        }
        let other = format!("/northtown/staff/reports/{}", pothole.id);
        let r = http.get(format!("{base}{other}")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), 403, "{other}");

        let leaflet = http.get(format!("{base}/reports/map/leaflet.js")).send().await.unwrap();
        assert_eq!(leaflet.status(), 200);
        assert!(leaflet.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
        assert!(leaflet.text().await.unwrap().contains("1.9.4"));
        let areas = http.get(format!("{base}/exampleshire/report-map/areas.geojson")).send().await.unwrap();
        assert_eq!(areas.status(), 200);
        let areas: Value = areas.json().await.unwrap();
        let keys: Vec<&str> =
            areas["features"].as_array().unwrap().iter().filter_map(|f| f["properties"]["key"].as_str()).collect();
        assert!(keys.contains(&"E10999901") && keys.contains(&"E04999901"), "{keys:?}");
        assert_eq!(keys.first(), Some(&"E10999901"), "the county is drawn first, under the others");
        assert_eq!(http.get(format!("{base}/nowhere/report-map/areas.geojson")).send().await.unwrap().status(), 404);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bodies_are_imported_from_a_file_and_listed_and_a_bad_file_names_its_line_and_field() {
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        guildhall::startup::open_store(url).await.unwrap().close().await;
        let out = guildhall(url, &["council", "create", "exampleshire", "Exampleshire"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("bodies.json");
        std::fs::write(
            &good,
            r#"[
  {"id": "ashby-pc", "name": "Ashby Parish Council", "tier": "parish", "areas": ["E04000001"],
   "contact": {"name": "Parish Clerk", "email": "clerk@ashby.example"},
   "categories": [{"code": "verge", "name": "Overgrown verge", "route": {"type": "email", "to": "clerk@ashby.example"}}]},
  {"id": "county", "name": "Exampleshire County Council", "tier": "county", "areas": ["E10000001"],
   "contact": {"name": "Highways", "email": "highways@county.example"},
   "categories": [{"code": "pothole", "name": "Pothole", "route": {"type": "guildhall"}}]}
]"#,
        )
        .unwrap();
        let out = guildhall(url, &["bodies", "import", "--council", "exampleshire", good.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), "recorded\tashby-pc\tversion 1\nrecorded\tcounty\tversion 1\n");
        let warned = stderr(&out);
        assert!(
            warned.contains("bodies.json:2:82: [0].areas[0]: warning: area \"E04000001\" is not in the area register"),
            "{warned}"
        );
        let out = guildhall(url, &["bodies", "import", "--council", "exampleshire", good.to_str().unwrap()]);
        assert_eq!(stdout(&out), "unchanged\tashby-pc\nunchanged\tcounty\n", "{}", stderr(&out));
        let out = guildhall(url, &["bodies", "list", "--council", "exampleshire"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(
                "county\tcounty\tExampleshire County Council\tHighways <highways@county.example>\tE10000001\tpothole"
            ),
            "{}",
            stdout(&out)
        );
        let out = guildhall(url, &["bodies", "list", "--council", "exampleshire", "--json"]);
        let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 2);

        let bad = dir.path().join("bad.json");
        std::fs::write(
            &bad,
            r#"[
  {"id": "county", "name": "Exampleshire County Council", "tier": "county", "areas": ["E10000001"],
   "contact": {"name": "Highways", "email": "highways@county.example"},
   "categories": [{"code": "pothole", "name": "Pothole", "route": {"type": "fax"}}]}
]"#,
        )
        .unwrap();
        let out = guildhall(url, &["bodies", "import", "--council", "exampleshire", bad.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("bad.json:4:") && err.contains("[0].categories[0].route") && err.contains("fax"), "{err}");
        let invalid = dir.path().join("invalid.json");
        std::fs::write(
            &invalid,
            r#"[
  {"id": "fine", "name": "Fine", "tier": "other", "areas": ["E10000001"],
   "contact": {"name": "Team", "email": "team@fine.example"}, "categories": []},
  {"id": "Bad Id", "name": "Bad", "tier": "other", "areas": [],
   "contact": {"name": "Team", "email": "team@bad.example"}, "categories": []}
]"#,
        )
        .unwrap();
        let out = guildhall(url, &["bodies", "import", "--council", "exampleshire", invalid.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("invalid.json:4:3: [1]: body \"Bad Id\" is not valid"), "{err}");
        assert!(err.contains("nothing was recorded"), "{err}");
        let out = guildhall(url, &["bodies", "list", "--council", "exampleshire"]);
        assert!(!stdout(&out).contains("fine"), "nothing from the refused file was recorded");
        let out = guildhall(url, &["bodies", "list", "--council", "nowhere"]);
        assert_eq!(out.status.code(), Some(2));
        t.cleanup().await;
    }
}
