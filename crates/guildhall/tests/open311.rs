//! Report a problem through a live `guildhall serve` on the demo's two-tier Exampleshire, on
//! SQLite and PostgreSQL: the PyPI Open311 client `georeport` reads the county's services and a
//! service definition from the instance, a pothole posted in Upper Wendle parish is routed to the
//! county and reads back with its agency, a point at sea and a bad key get the spec's errors, and
//! the sending worker emails the county's highways team through the notifications outbox.

mod common;

use common::Server;
use serde_json::Value;

/// Inside Upper Wendle parish, Exampleton District, Exampleshire county (National Grid).
const IN_UPPER_WENDLE: (f64, f64) = (445_000.0, 273_000.0);

fn lat_lon(easting: f64, northing: f64) -> (f64, f64) {
    let p = geography::grid_to_lon_lat(geography::GridPoint::new(easting, northing)).unwrap();
    (p.lat, p.lon)
}

/// Runs the `georeport` client (PyPI) against `base` and returns what it read.
fn georeport(base: &str, jurisdiction: &str, key: &str) -> Value {
    let script = r#"
import json, sys
from georeport import GeoReport
root, jurisdiction, key = sys.argv[1:4]
out = {}
for fmt in ("json", "xml"):
    client = GeoReport(root, jurisdiction=jurisdiction, api_key=key, output_format=fmt)
    out[fmt] = {"services": client.get_service_list(), "definition": client.get_service_definition("pothole")}
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, &format!("{base}/open311/v2/"), jurisdiction, key])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "the georeport client failed (pip install georeport==0.3.1): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn open311_clients_read_and_post_problem_reports_routed_through_the_demo_areas() {
    for (t, _registers) in common::stores().await {
        let store = guildhall::startup::open_store(&t.url).await.unwrap();
        let seeded = guildhall::demo::seed(&store).await.unwrap();
        store.close().await;
        let server = Server::start(&t.url);
        let county = guildhall::demo_bodies::COUNTY_BODY;

        let read = georeport(&server.base, county, &seeded.open311_key);
        for fmt in ["json", "xml"] {
            let services = read[fmt]["services"].to_string();
            assert!(services.contains("pothole") && services.contains("Street light"), "{fmt}: {services}");
            assert!(!services.contains("flytipping"), "{fmt}: the county lists only its own services: {services}");
            assert!(read[fmt]["definition"].to_string().contains("depth_cm"), "{fmt}: {}", read[fmt]["definition"]);
        }

        let http = reqwest::Client::new();
        let (lat, long) = lat_lon(IN_UPPER_WENDLE.0, IN_UPPER_WENDLE.1);
        let post = |lat: f64, long: f64, key: &str| {
            http.post(format!("{}/open311/v2/requests.json", server.base))
                .form(&[
                    ("jurisdiction_id", county.to_string()),
                    ("api_key", key.to_string()),
                    ("service_code", "pothole".to_string()),
                    ("lat", lat.to_string()),
                    ("long", long.to_string()),
                    ("description", "A deep pothole by the bus stop <b>outside the school</b>".to_string()),
                    ("email", "reporter@example.org".to_string()),
                    ("attribute[depth_cm]", "12".to_string()),
                ])
                .send()
        };
        let created = post(lat, long, &seeded.open311_key).await.unwrap();
        assert_eq!(created.status(), 200, "{}", created.text().await.unwrap());
        let created: Value = created.json().await.unwrap();
        let id = created[0]["service_request_id"].as_i64().unwrap_or_else(|| panic!("{created}"));

        let read: Value = http
            .get(format!("{}/open311/v2/requests/{id}.json?jurisdiction_id={county}", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(read[0]["agency_responsible"], "Exampleshire County Council", "{read}");
        assert_eq!(read[0]["service_code"], "pothole", "{read}");
        assert!(!read.to_string().contains("reporter@example.org"), "personal details stay hidden: {read}");

        let at_sea = lat_lon(600_000.0, 60_000.0);
        let refused = post(at_sea.0, at_sea.1, &seeded.open311_key).await.unwrap();
        assert_eq!(refused.status(), 400);
        let refused: Value = refused.json().await.unwrap();
        assert!(refused[0]["code"] == 400 && refused[0]["description"].is_string(), "{refused}");
        let bad_key = post(lat, long, "not-a-key").await.unwrap();
        assert_eq!(bad_key.status(), 403, "{}", bad_key.text().await.unwrap());

        // The worker hands the report to the county's "Report a problem" Notify service.
        let notify = notifications::Notify::new(guildhall::startup::open_store(&t.url).await.unwrap());
        let council = store::Councils::new(notify.store().clone())
            .by_slug(&store::CouncilSlug::parse("exampleshire").unwrap())
            .await
            .unwrap();
        let service = notify.services(council.id).await.unwrap().into_iter().find(|s| s.name == "Report a problem");
        let service = service.expect("start-up provisions the council's Report a problem Notify service");
        let mut sent = Vec::new();
        for _ in 0..150 {
            sent = notify.recent_notifications(council.id, &service.id, 50).await.unwrap();
            if sent.iter().any(|n| n.recipient == "highways@exampleshire.example") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let recipients: Vec<_> = sent.iter().map(|n| n.recipient.clone()).collect();
        assert!(
            recipients.iter().any(|r| r == "highways@exampleshire.example"),
            "the highways team was not emailed: {recipients:?}"
        );
        notify.store().close().await;
        drop(server);
        t.cleanup().await;
    }
}
