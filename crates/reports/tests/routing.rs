//! Routing on a two-tier area with parishes, on SQLite and PostgreSQL: point → areas → bodies →
//! the union of categories → exactly the bodies the rules (data) select, and the boundary rule.

mod support;

use reports::{Location, NewReport, Photo, ReportError};
use support::*;

fn bodies_for(result: Result<(Vec<reports::Selection>, reports::Answers), ReportError>) -> Vec<String> {
    result.unwrap().0.into_iter().map(|s| s.body.id).collect()
}

#[tokio::test]
async fn speeding_on_a_parish_road_reaches_the_parish_clerk_and_a_pothole_there_reaches_county_highways() {
    for f in fixtures().await {
        let at = Location::new(ASHBY_ROAD.0, ASHBY_ROAD.1).unwrap();
        let located = f.reports.locate(f.council, at).await.unwrap();
        let mut covering: Vec<&str> = located.bodies.iter().map(|(b, _)| b.id.as_str()).collect();
        covering.sort();
        assert_eq!(covering, ["ashby-pc", "exampleshire-county", "west-exampleshire"]);

        let speeding = located.select("Speeding traffic", &answers(&[("speed_limit", "30")])).unwrap();
        assert_eq!(speeding.0.len(), 1);
        let clerk = &speeding.0[0];
        assert_eq!((clerk.body.id.as_str(), clerk.body.contact.name.as_str()), ("ashby-pc", "Parish Clerk"));
        assert_eq!(clerk.body.contact.email, "clerk@ashby-pc.org.uk");

        let pothole = located.select("Pothole", &answers(&[])).unwrap();
        assert_eq!(pothole.0.len(), 1);
        assert_eq!(pothole.0[0].body.id, "exampleshire-county");
        assert_eq!(pothole.0[0].body.contact.name, "Highways team");

        // The same shared category on a faster road goes to the county, by the county's rule.
        assert_eq!(
            bodies_for(located.select("Speeding traffic", &answers(&[("speed_limit", "60")]))),
            ["exampleshire-county"]
        );

        // Stored and sent to exactly the bodies selected.
        let submitted = f
            .reports
            .submit(f.council, new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "20")]))
            .await
            .unwrap();
        let names: Vec<&str> = submitted.sent_to.iter().map(|(id, _, _)| id.as_str()).collect();
        assert_eq!(names, ["ashby-pc"]);
        let stored = f.reports.report(Some(f.council), submitted.id).await.unwrap();
        assert_eq!(stored.destinations.len(), 1);
        assert_eq!(
            (stored.destinations[0].body_id.as_str(), stored.destinations[0].state.as_str()),
            ("ashby-pc", "queued")
        );
        f.test.cleanup().await;
    }
}

fn answers(pairs: &[(&str, &str)]) -> reports::Answers {
    pairs.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect()
}

#[tokio::test]
async fn the_citizen_sees_the_union_of_categories_with_a_shared_one_listed_once() {
    for f in fixtures().await {
        let located = f.reports.locate(f.council, Location::new(ASHBY_ROAD.0, ASHBY_ROAD.1).unwrap()).await.unwrap();
        let offers = located.offers();
        let names: Vec<&str> = offers.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["Fly-tipping", "Overgrown verge", "Pothole", "Speeding traffic"]);
        let speeding = offers.iter().find(|o| o.name == "Speeding traffic").unwrap();
        assert_eq!(speeding.bodies, ["ashby-pc", "exampleshire-county"]);
        assert_eq!(speeding.attributes.len(), 1, "the shared question is asked once");
        assert!(speeding.attributes[0].required);

        // Outside the parishes, the parish's categories' rules cannot pick a parish.
        let unparished = f.reports.locate(f.council, Location::new(UNPARISHED.0, UNPARISHED.1).unwrap()).await.unwrap();
        let r = unparished.select("Speeding traffic", &answers(&[("speed_limit", "30")]));
        assert!(matches!(r, Err(ReportError::NoBodySelected(_))), "{r:?}");
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_point_outside_every_body_is_refused_with_a_clear_message_and_nothing_is_stored() {
    for f in fixtures().await {
        let err = f.reports.submit(f.council, new_report(AT_SEA, "Pothole", &[])).await.unwrap_err();
        assert!(matches!(err, ReportError::OutsideEveryBody { .. }), "{err:?}");
        assert!(err.to_string().contains("no council or other body covers the point"), "{err}");
        let out_of_range = Location::new(95.0, 0.0).unwrap_err();
        assert!(out_of_range.to_string().contains("latitude 95 is out of range"), "{out_of_range}");
        assert!(Location::parse(None, Some("0.4")).is_err());
        assert_eq!(count_reports(&f).await, 0);
        f.test.cleanup().await;
    }
}

async fn count_reports(f: &Fixture) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM reports_reports").fetch_one(f.test.store.pool()).await.unwrap().get::<i64, _>(0)
}

#[tokio::test]
async fn a_point_on_a_shared_edge_goes_to_one_body_of_each_tier_the_one_whose_area_code_sorts_first() {
    for f in fixtures().await {
        let edge = f.reports.locate(f.council, Location::new(PARISH_EDGE.0, PARISH_EDGE.1).unwrap()).await.unwrap();
        let mut covering: Vec<&str> = edge.bodies.iter().map(|(b, _)| b.id.as_str()).collect();
        covering.sort();
        assert_eq!(
            covering,
            ["ashby-pc", "brookfield-pc", "exampleshire-county", "west-exampleshire"],
            "closed sets: both parishes hold the edge"
        );
        assert_eq!(bodies_for(edge.select("Speeding traffic", &answers(&[("speed_limit", "30")]))), ["ashby-pc"]);

        let districts =
            f.reports.locate(f.council, Location::new(DISTRICT_EDGE.0, DISTRICT_EDGE.1).unwrap()).await.unwrap();
        assert_eq!(bodies_for(districts.select("Fly-tipping", &answers(&[]))), ["west-exampleshire"]);
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn missing_or_invalid_answers_an_unknown_category_and_bad_details_are_refused_before_anything_is_stored() {
    for f in fixtures().await {
        let r = &f.reports;
        let c = f.council;
        let e = r.submit(c, new_report(ASHBY_ROAD, "Speeding traffic", &[])).await.unwrap_err();
        assert!(matches!(&e, ReportError::MissingAttribute(code) if code == "speed_limit"), "{e:?}");
        let e = r.submit(c, new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "fast")])).await.unwrap_err();
        assert!(matches!(&e, ReportError::InvalidAttribute { code, .. } if code == "speed_limit"), "{e:?}");
        let e = r.submit(c, new_report(ASHBY_ROAD, "Pothole", &[("depth_cm", "deep")])).await.unwrap_err();
        assert!(matches!(&e, ReportError::InvalidAttribute { .. }), "{e:?}");
        let e = r.submit(c, new_report(ASHBY_ROAD, "Dragons", &[])).await.unwrap_err();
        assert!(matches!(&e, ReportError::UnknownCategory(_)), "{e:?}");

        let mut blank = new_report(ASHBY_ROAD, "Pothole", &[]);
        blank.description = "   ".into();
        assert!(matches!(r.submit(c, blank).await, Err(ReportError::InvalidField(_))));

        let mut big = new_report(ASHBY_ROAD, "Pothole", &[]);
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
        bytes.resize(10 * 1024 * 1024, 0);
        big.photo = Some(Photo { content_type: "image/jpeg".into(), bytes });
        let e = r.submit(c, big).await.unwrap_err();
        assert!(matches!(e, ReportError::PhotoTooLarge { size: 10_485_760, .. }), "{e:?}");

        let mut fake = new_report(ASHBY_ROAD, "Pothole", &[]);
        fake.photo = Some(Photo { content_type: "image/jpeg".into(), bytes: b"<html>not a photo</html>".to_vec() });
        assert!(matches!(r.submit(c, fake).await, Err(ReportError::BadPhoto)));
        assert_eq!(count_reports(&f).await, 0, "no half-stored report");

        // A small real-looking photo and HTML in the description are stored as given (pages escape it).
        let mut ok: NewReport = new_report(ASHBY_ROAD, "Pothole", &[("depth_cm", "12")]);
        ok.description = "<script>alert(1)</script> a hole".into();
        ok.photo = Some(Photo { content_type: "image/png".into(), bytes: b"\x89PNG\r\n\x1a\n0000".to_vec() });
        let done = r.submit(c, ok).await.unwrap();
        let stored = r.report(Some(c), done.id).await.unwrap();
        assert_eq!(stored.description, "<script>alert(1)</script> a hole");
        assert!(stored.has_photo);
        assert_eq!(stored.answers["depth_cm"], ["12"]);
        assert!(stored.public().reporter.email.is_none(), "the public view hides personal details");
        assert_eq!(stored.reporter.email.as_deref(), Some("ada@example.org"));
        assert_eq!(count_reports(&f).await, 1);
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn body_definitions_are_checked_whole_and_belong_to_one_council() {
    for f in fixtures().await {
        let mut bad = parish("cheam-pc", "Cheam", "E04000009");
        bad.categories[0].when =
            serde_json::from_value(serde_json::json!({"attribute": {"code": "road_class", "op": "eq", "value": "A"}}))
                .unwrap();
        let e = f.reports.put_body(f.council, &bad).await.unwrap_err();
        assert!(e.to_string().contains("does not ask"), "{e}");
        let mut dup = county();
        dup.categories[1].code = "pothole".into();
        assert!(f.reports.put_body(f.council, &dup).await.is_err());
        // A new version of a body is recorded; another council cannot take its id.
        let at = Location::new(ASHBY_ROAD.0, ASHBY_ROAD.1).unwrap();
        assert!(f.reports.locate(f.council, at).await.unwrap().offer("Dropped kerb").is_none());
        let mut changed = county();
        let mut kerb = changed.categories[0].clone();
        (kerb.code, kerb.name) = ("kerb".into(), "Dropped kerb".into());
        changed.categories.push(kerb);
        assert_eq!(f.reports.put_body(f.council, &changed).await.unwrap(), 2);
        let offer = f.reports.locate(f.council, at).await.unwrap().offer("Dropped kerb");
        assert_eq!(offer.unwrap().bodies, ["exampleshire-county"], "a changed body is routed at once");
        let other = store::Councils::new(f.test.store.clone())
            .create(&store::CouncilSlug::parse("otherton").unwrap(), "Otherton")
            .await
            .unwrap();
        assert!(f.reports.put_body(other.id, &county()).await.is_err());
        assert!(f.reports.bodies(other.id).await.unwrap().is_empty());
        assert!(matches!(
            f.reports.locate(other.id, Location::new(ASHBY_ROAD.0, ASHBY_ROAD.1).unwrap()).await,
            Err(ReportError::OutsideEveryBody { .. })
        ));
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_bodys_staff_export_its_reports_as_csv_without_personal_details() {
    for f in fixtures().await {
        let mut r = new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "30")]);
        r.description = "=HYPERLINK(\"x\"), then \"racing\"".into();
        let id = f.reports.submit(f.council, r).await.unwrap().id;
        f.reports.submit(f.council, new_report(ASHBY_ROAD, "Pothole", &[])).await.unwrap();
        let filter = reports::ListFilter { limit: 100, ..Default::default() };
        let csv = f.reports.export_csv(f.council, "ashby-pc", &filter).await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{csv}");
        assert_eq!(lines[0], "id,created_at,status,category,service_code,lat,lon,address,description,sent,failure");
        assert!(lines[1].starts_with(&format!("{id},")), "{csv}");
        assert!(lines[1].contains(r#",open,Speeding traffic,speeding,51.4,0.4,"School Lane, Ashby","#), "{csv}");
        assert!(lines[1].contains(r#","'=HYPERLINK(""x""), then ""racing""",queued,"#), "{csv}");
        assert!(!csv.contains("ada@example.org") && !csv.contains("Ada"));
        f.test.cleanup().await;
    }
}
