//! The map's routes on a real port, on SQLite and PostgreSQL: the council's bodies' areas as
//! simplified GeoJSON from the area register (county first so parishes draw on top, each area
//! naming the bodies covering it), the vendored Leaflet and the map script, all public.

mod support;

use std::sync::Arc;

use reports::map::{LEAFLET_VERSION, MapState, router};
use serde_json::Value;
use support::*;

async fn serve(state: MapState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn the_councils_areas_are_served_as_geojson_with_their_bodies_and_leaflet_is_vendored() {
    for f in fixtures().await {
        let view = areas::AreaView::build(&registers::Registers::new(f.test.store.clone())).await.unwrap();
        let base = serve(MapState::new(f.reports.clone(), Arc::new(view))).await;

        let r = reqwest::get(format!("{base}/exampleshire/report-map/areas.geojson")).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/geo+json");
        let areas: Value = r.json().await.unwrap();
        let features = areas["features"].as_array().unwrap();
        let keys: Vec<&str> = features.iter().map(|f| f["properties"]["key"].as_str().unwrap()).collect();
        assert_eq!(keys, ["E10000001", "E07000001", "E07000002", "E04000001", "E04000002"]);
        let ashby = &features[3];
        assert_eq!(ashby["properties"]["bodies"], serde_json::json!(["Ashby Parish Council"]));
        assert_eq!(ashby["properties"]["tier"], "parish");
        assert_eq!(ashby["geometry"]["type"], "MultiPolygon");
        let ring = ashby["geometry"]["coordinates"][0][0].as_array().unwrap();
        assert_eq!(ring.len(), 5, "a rectangle stays a rectangle: {ring:?}");
        assert_eq!(ring.first(), ring.last(), "rings stay closed");
        assert_eq!(ring[0], serde_json::json!([0.2, 51.2]));
        // Served again from the cache while the bodies are unchanged, and rebuilt when one changes.
        let again: Value =
            reqwest::get(format!("{base}/exampleshire/report-map/areas.geojson")).await.unwrap().json().await.unwrap();
        assert_eq!(again, areas);
        let mut parish = parish("ashby-pc", "Ashby and Brookfield Parish Council", "E04000001");
        parish.areas.push("E04000002".into());
        f.reports.put_body(f.council, &parish).await.unwrap();
        let changed: Value =
            reqwest::get(format!("{base}/exampleshire/report-map/areas.geojson")).await.unwrap().json().await.unwrap();
        let brookfield = &changed["features"][4]["properties"]["bodies"];
        assert_eq!(
            *brookfield,
            serde_json::json!(["Ashby and Brookfield Parish Council", "Brookfield Parish Council"])
        );
        assert_eq!(reqwest::get(format!("{base}/nowhere/report-map/areas.geojson")).await.unwrap().status(), 404);
        assert_eq!(
            reqwest::get(format!("{base}/Not%20A%20Slug/report-map/areas.geojson")).await.unwrap().status(),
            404
        );

        for (file, kind, mentions) in [
            ("leaflet.js", "text/javascript", LEAFLET_VERSION),
            ("leaflet.css", "text/css", ".leaflet-container"),
            ("report-map.js", "text/javascript", "report-map"),
            ("LICENSE", "text/plain", "BSD 2-Clause"),
        ] {
            let r = reqwest::get(format!("{base}/reports/map/{file}")).await.unwrap();
            assert_eq!(r.status(), 200, "{file}");
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with(kind), "{file}");
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
            assert!(r.text().await.unwrap().contains(mentions), "{file}");
        }
        let icon = reqwest::get(format!("{base}/reports/map/images/marker-icon.png")).await.unwrap();
        assert_eq!(icon.status(), 200);
        assert!(icon.bytes().await.unwrap().starts_with(b"\x89PNG"));
        assert_eq!(reqwest::get(format!("{base}/reports/map/../Cargo.toml")).await.unwrap().status(), 404);
        assert_eq!(reqwest::get(format!("{base}/reports/map/nothing.js")).await.unwrap().status(), 404);
        f.test.cleanup().await;
    }
}
