//! Reports routed per second: point → areas → bodies → stored → queued, over a county of many
//! parishes (a grid of `PARISHES`² parish polygons, 10 districts, one county) on an SQLite file.
//! Run: `cargo run --release -p reports --example route_bench [parishes-per-side] [reports]`.
//! Prints figures; asserts nothing (timing goals live here, never in tests).

use std::sync::Arc;
use std::time::Instant;

use areas::{AreaView, Crs, ImportOptions, import_geojson};
use registers::Registers;
use reports::{Body, Location, NewReport, Reporter, Reports};
use serde_json::{Value, json};
use store::{CouncilSlug, Councils, Store};

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
}

fn layer(features: Vec<(String, String, Value)>) -> String {
    let features: Vec<Value> = features
        .into_iter()
        .map(|(code, name, g)| json!({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": g}))
        .collect();
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn body(id: &str, tier: &str, area: &str, categories: Value) -> Body {
    serde_json::from_value(json!({"id": id, "name": id, "tier": tier, "areas": [area],
        "contact": {"name": "Clerk", "email": format!("clerk@{id}.example")}, "categories": categories}))
    .expect("bench body")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let side: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let count: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let dir = std::env::temp_dir().join(format!("reports-bench-{}", std::process::id()));
    let store = Store::connect(&format!("sqlite://{}/bench.sqlite", dir.display())).await?;
    store.migrate_core().await?;
    Registers::migrate(&store).await?;
    Reports::migrate(&store).await?;
    let registers = Registers::new(store.clone());

    let step = 2.0 / side as f64;
    let mut parishes = Vec::new();
    for i in 0..side {
        for j in 0..side {
            let (x, y) = (i as f64 * step, 51.0 + j as f64 * step / 2.0);
            parishes.push((
                format!("E04{:06}", i * side + j),
                format!("Parish {i}-{j}"),
                rect(x, y, x + step, y + step / 2.0),
            ));
        }
    }
    let districts = (0..10).map(|d| {
        let x = d as f64 * 0.2;
        (format!("E07{:06}", d), format!("District {d}"), rect(x, 51.0, x + 0.2, 52.0))
    });
    let started = Instant::now();
    for (kind, text) in [
        ("CTY", layer(vec![("E10000001".into(), "County".into(), rect(0.0, 51.0, 2.0, 52.0))])),
        ("DIS", layer(districts.collect())),
        ("CPC", layer(parishes.clone())),
    ] {
        import_geojson(&registers, text.as_bytes(), &ImportOptions::new(kind, Crs::Wgs84)).await?;
    }
    let view = AreaView::build(&registers).await?;
    println!("areas: {} imported and indexed in {:.2?}", view.len(), started.elapsed());

    let council = Councils::new(store.clone()).create(&CouncilSlug::parse("bench")?, "Bench").await?.id;
    let reports = Reports::new(store.clone(), Arc::new(view));
    let limit = json!([{"code": "speed_limit", "description": "Limit", "datatype": "number", "required": true}]);
    reports
        .put_body(
            council,
            &body(
                "county",
                "county",
                "E10000001",
                json!([
            {"code": "pothole", "name": "Pothole", "route": {"type": "email", "to": "highways@county.example"}},
            {"code": "speeding", "name": "Speeding traffic", "route": {"type": "email", "to": "roads@county.example"},
             "attributes": limit, "when": {"attribute": {"code": "speed_limit", "op": "gt", "value": 30}}}]),
            ),
        )
        .await?;
    for d in 0..10 {
        let id = format!("district-{d}");
        let cats = json!([{"code": "flytip", "name": "Fly-tipping", "route": {"type": "email", "to": format!("{id}@d.example")}}]);
        reports.put_body(council, &body(&id, "district", &format!("E07{d:06}"), cats)).await?;
    }
    for (code, _, _) in &parishes {
        let id = format!("parish-{}", code.to_lowercase());
        let cats = json!([{"code": "speeding", "name": "Speeding traffic", "route": {"type": "email", "to": format!("{id}@p.example")},
            "attributes": limit, "when": {"attribute": {"code": "speed_limit", "op": "le", "value": 30}}}]);
        reports.put_body(council, &body(&id, "parish", code, cats)).await?;
    }
    println!("bodies: {} (1 county, 10 districts, {} parishes)", 11 + parishes.len(), parishes.len());

    let points: Vec<Location> = (0..count)
        .map(|n| {
            let f = (n as f64 * 0.618_033_988_75) % 1.0;
            let g = (n as f64 * 0.414_213_562_37) % 1.0;
            Location::new(51.0 + g * 0.999, f * 1.999).expect("in range")
        })
        .collect();
    let started = Instant::now();
    let mut selected = 0;
    for (n, at) in points.iter().enumerate() {
        let located = reports.locate(council, *at).await?;
        let limit = if n % 2 == 0 { "30" } else { "60" };
        let answers = [("speed_limit".to_string(), vec![limit.to_string()])].into_iter().collect();
        selected += located.select("Speeding traffic", &answers)?.0.len();
    }
    let routed = started.elapsed();
    println!(
        "routed (point → areas → bodies → rules): {count} in {routed:.2?} = {:.0}/s ({selected} selections)",
        count as f64 / routed.as_secs_f64()
    );

    let started = Instant::now();
    for (n, at) in points.iter().enumerate() {
        let limit = if n % 2 == 0 { "30" } else { "60" };
        let report = NewReport {
            location: *at,
            category: "Speeding traffic".into(),
            description: format!("Bench report {n}"),
            answers: [("speed_limit".to_string(), vec![limit.to_string()])].into_iter().collect(),
            address: None,
            reporter: Reporter { email: Some("bench@example.org".into()), ..Reporter::default() },
            photo: None,
            source: "bench".into(),
        };
        reports.submit(council, report).await?;
    }
    let stored = started.elapsed();
    println!(
        "routed, stored and queued (one transaction each, SQLite, fsync on): {count} in {stored:.2?} = {:.0}/s",
        count as f64 / stored.as_secs_f64()
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
