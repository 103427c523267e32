//! Shared fixtures: a two-tier area with parishes built from GeoJSON written here, imported into
//! the real `area` register on each backend, and the bodies that cover it.
#![allow(dead_code)]

use std::sync::Arc;

use areas::{AreaView, Crs, ImportOptions, import_geojson};
use registers::testing::stores;
use reports::{Body, Reports};
use serde_json::{Value, json};
use store::testing::TestStore;
use store::{CouncilId, CouncilSlug, Councils};

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
}

fn layer(features: &[(&str, &str, Value)]) -> String {
    let features: Vec<Value> = features
        .iter()
        .map(|(code, name, g)| json!({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": g}))
        .collect();
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// A point on a parish road in Ashby parish (West District, Exampleshire county).
pub const ASHBY_ROAD: (f64, f64) = (51.40, 0.40);
/// A point on the edge Ashby and Brookfield parishes share (lon 0.6).
pub const PARISH_EDGE: (f64, f64) = (51.40, 0.60);
/// A point on the edge the two districts share (lon 1.0), outside every parish.
pub const DISTRICT_EDGE: (f64, f64) = (51.80, 1.00);
/// A point in the county outside every parish.
pub const UNPARISHED: (f64, f64) = (51.80, 1.50);
/// A point in the sea, outside every body.
pub const AT_SEA: (f64, f64) = (50.50, 3.00);

/// Imports the county (lon 0–2, lat 51–52), two districts split at lon 1, and two parishes
/// side by side (lon 0.2–0.6 and 0.6–1.0, lat 51.2–51.6).
pub async fn import_areas(registers: &registers::Registers) -> AreaView {
    let layers = [
        ("CTY", layer(&[("E10000001", "Exampleshire", rect(0.0, 51.0, 2.0, 52.0))])),
        (
            "DIS",
            layer(&[
                ("E07000001", "West Exampleshire", rect(0.0, 51.0, 1.0, 52.0)),
                ("E07000002", "East Exampleshire", rect(1.0, 51.0, 2.0, 52.0)),
            ]),
        ),
        (
            "CPC",
            layer(&[
                ("E04000001", "Ashby", rect(0.2, 51.2, 0.6, 51.6)),
                ("E04000002", "Brookfield", rect(0.6, 51.2, 1.0, 51.6)),
            ]),
        ),
    ];
    for (kind, text) in layers {
        let summary = import_geojson(registers, text.as_bytes(), &ImportOptions::new(kind, Crs::Wgs84)).await.unwrap();
        assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    }
    AreaView::build(registers).await.unwrap()
}

fn speed_limit(required: bool) -> Value {
    json!({"code": "speed_limit", "description": "What is the speed limit on this road?", "datatype": "singlevaluelist",
           "required": required, "order": 1,
           "values": [{"key": "20", "name": "20 mph"}, {"key": "30", "name": "30 mph"}, {"key": "40", "name": "40 mph"},
                      {"key": "60", "name": "60 mph"}]})
}

/// The county: highways by email; speeding and verges only where the limit is over 30.
pub fn county() -> Body {
    serde_json::from_value(json!({
        "id": "exampleshire-county", "name": "Exampleshire County Council", "tier": "county",
        "areas": ["E10000001"],
        "contact": {"name": "Highways team", "email": "highways@exampleshire.gov.uk", "phone": "01234 567890"},
        "categories": [
            {"code": "pothole", "name": "Pothole", "group": "Roads", "description": "A hole in the road surface",
             "route": {"type": "email", "to": "highways@exampleshire.gov.uk"},
             "attributes": [{"code": "depth_cm", "description": "How deep is it, in cm?", "datatype": "number", "order": 1}]},
            {"code": "speeding", "name": "Speeding traffic", "group": "Roads",
             "route": {"type": "email", "to": "roadsafety@exampleshire.gov.uk"},
             "attributes": [speed_limit(true)],
             "when": {"attribute": {"code": "speed_limit", "op": "gt", "value": 30}}},
            {"code": "verge", "name": "Overgrown verge", "group": "Roads",
             "route": {"type": "email", "to": "highways@exampleshire.gov.uk"},
             "attributes": [speed_limit(true)],
             "when": {"attribute": {"code": "speed_limit", "op": "gt", "value": 30}}}
        ]
    }))
    .unwrap()
}

/// A district: fly-tipping by email.
pub fn district(id: &str, name: &str, area: &str) -> Body {
    serde_json::from_value(json!({
        "id": id, "name": name, "tier": "district", "areas": [area],
        "contact": {"name": "Street scene team", "email": format!("streetscene@{id}.gov.uk")},
        "categories": [
            {"code": "flytipping", "name": "Fly-tipping", "group": "Street cleaning",
             "route": {"type": "email", "to": format!("streetscene@{id}.gov.uk")}}
        ]
    }))
    .unwrap()
}

/// A parish: speeding and verges where the limit is 30 or less, to the clerk.
pub fn parish(id: &str, name: &str, area: &str) -> Body {
    let clerk = format!("clerk@{id}.org.uk");
    serde_json::from_value(json!({
        "id": id, "name": name, "tier": "parish", "areas": [area],
        "contact": {"name": "Parish Clerk", "email": clerk},
        "categories": [
            {"code": "speeding", "name": "Speeding traffic", "group": "Roads", "route": {"type": "email", "to": clerk},
             "attributes": [speed_limit(true)],
             "when": {"attribute": {"code": "speed_limit", "op": "le", "value": 30}}},
            {"code": "verge", "name": "Overgrown verge", "group": "Roads", "route": {"type": "email", "to": clerk},
             "attributes": [speed_limit(true)],
             "when": {"attribute": {"code": "speed_limit", "op": "le", "value": 30}}}
        ]
    }))
    .unwrap()
}

/// One backend's fixture: the store, the council, and the brick with every body recorded.
pub struct Fixture {
    pub test: TestStore,
    pub council: CouncilId,
    pub reports: Reports,
}

/// A fixture per backend (SQLite always, PostgreSQL when configured; required on CI).
pub async fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for (test, registers) in stores().await {
        let view = import_areas(&registers).await;
        Reports::migrate(&test.store).await.unwrap();
        let council = Councils::new(test.store.clone())
            .create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire")
            .await
            .unwrap()
            .id;
        let reports = Reports::new(test.store.clone(), Arc::new(view));
        for body in [
            county(),
            district("west-exampleshire", "West Exampleshire District Council", "E07000001"),
            district("east-exampleshire", "East Exampleshire District Council", "E07000002"),
            parish("ashby-pc", "Ashby Parish Council", "E04000001"),
            parish("brookfield-pc", "Brookfield Parish Council", "E04000002"),
        ] {
            reports.put_body(council, &body).await.unwrap();
        }
        out.push(Fixture { test, council, reports });
    }
    out
}

/// A report of `category` at a point with answers, from a citizen.
pub fn new_report(at: (f64, f64), category: &str, answers: &[(&str, &str)]) -> reports::NewReport {
    reports::NewReport {
        location: reports::Location::new(at.0, at.1).unwrap(),
        category: category.to_string(),
        description: "Cars race past the school at home time".to_string(),
        answers: answers.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect(),
        address: Some("School Lane, Ashby".to_string()),
        reporter: reports::Reporter {
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.org".into()),
            phone: None,
            account_id: None,
        },
        photo: None,
        source: "web".to_string(),
    }
}
