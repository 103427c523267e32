//! Reports routed per second at GB scale of areas, on real boundaries and real points:
//! point → areas → bodies → rules (routed), then routed, stored and queued (one transaction each).
//!
//! Areas (from `../shared/data`, see its README): the 7,681 English wards of 2013 (WGS84), the 32
//! Scottish council areas (EPSG:27700, 4.6 M vertices, converted through OSTN15), and a parish
//! layer nested in the wards (a copy of every other ward's boundary as a CPC area: real shapes,
//! made-up parishes). Bodies: each ward's district or unitary council covering its wards, the 2025
//! counties over their districts' wards (from Code-Point's county and district codes), one
//! parish council per parish, and the 32 Scottish councils. Points: every Nth GB postcode of
//! OS Code-Point Open in England and Scotland. Half the reports say 30 mph (parish where there
//! is one), half 60 mph (county or unitary).
//!
//! The area view is built once (from a SQLite register) and shared: it is per node and in memory
//! whichever database holds the reports. Reports are stored on a fresh SQLite file and, when
//! `GUILDHALL_TEST_POSTGRES_URL` is set, a fresh PostgreSQL database (both dropped afterwards).
//!
//! Run: `bench/reports.sh` (or `cargo run --release -p reports --example gb_route_bench`), with
//! `BENCH_REPORTS` (default 5000) and `BENCH_CONCURRENCY` (default 8). Prints figures; asserts
//! nothing beyond every point being routed or refused with the brick's own error.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Read};
use std::sync::Arc;
use std::time::Instant;

use areas::{AreaView, Crs, ImportOptions, import_geojson};
use registers::Registers;
use reports::{Body, Location, NewReport, ReportError, Reporter, Reports};
use serde_json::{Value, json};
use store::{CouncilSlug, Councils};

const DATA: &str = "../shared/data";

fn gz(name: &str) -> impl Read {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(DATA).join(name);
    let file = std::fs::File::open(&here).unwrap_or_else(|e| panic!("{}: {e}", here.display()));
    flate2::read::GzDecoder::new(BufReader::with_capacity(1 << 20, file))
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Sampled postcode points (lat, lon) and each 2025 district's county, from Code-Point Open.
fn postcodes(every: usize) -> (Vec<Location>, HashMap<String, String>) {
    let mut reader = csv::Reader::from_reader(gz("gb-postcodes-codepoint-open-2025-05.csv.gz"));
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (e, n, country, county, district) =
        (col("easting"), col("northing"), col("country_code"), col("admin_county_code"), col("admin_district_code"));
    let (mut points, mut counties, mut row, mut seen) = (Vec::new(), HashMap::new(), csv::StringRecord::new(), 0usize);
    while reader.read_record(&mut row).expect("row") {
        if !matches!(&row[country], "E92000001" | "S92000003") {
            continue;
        }
        if row[county].starts_with("E10") {
            counties.insert(row[district].to_string(), row[county].to_string());
        }
        let (Ok(x), Ok(y)) = (row[e].parse::<f64>(), row[n].parse::<f64>()) else { continue };
        if x == 0.0 && y == 0.0 {
            continue;
        }
        seen += 1;
        if seen.is_multiple_of(every)
            && let Ok([lon, lat]) = Crs::BritishNationalGrid.to_lon_lat([x, y])
        {
            points.push(Location::new(lat, lon).expect("a GB point"));
        }
    }
    (points, counties)
}

fn speed_limit() -> Value {
    json!([{"code": "speed_limit", "description": "Speed limit", "datatype": "number", "required": true}])
}

fn category(code: &str, name: &str, to: &str, when: Option<(&str, i64)>) -> Value {
    let mut c = json!({"code": code, "name": name, "route": {"type": "email", "to": to}});
    if code == "speeding" {
        c["attributes"] = speed_limit();
    }
    if let Some((op, value)) = when {
        c["when"] = json!({"attribute": {"code": "speed_limit", "op": op, "value": value}});
    }
    c
}

fn body(id: &str, name: &str, tier: &str, areas: Vec<String>, categories: Vec<Value>) -> Body {
    serde_json::from_value(json!({"id": id, "name": name, "tier": tier, "areas": areas,
        "contact": {"name": "Team", "email": format!("team@{id}.example")}, "categories": categories}))
    .expect("bench body")
}

/// The wards file, and the parish layer made from every other ward (same boundary, CPC).
fn wards_and_parishes() -> (String, String, Vec<(String, String)>) {
    let mut text = String::new();
    gz("england-wards-2013-wgs84.geojson.gz").read_to_string(&mut text).expect("wards");
    let wards: Value = serde_json::from_str(&text).expect("wards json");
    let mut parishes = Vec::new();
    let mut pairs = Vec::new();
    for (i, f) in wards["features"].as_array().expect("features").iter().enumerate() {
        let code = f["properties"]["code"].as_str().unwrap_or_default();
        let district = f["properties"]["district_code"].as_str().unwrap_or_default();
        pairs.push((code.to_string(), district.to_string()));
        if i.is_multiple_of(2) {
            let key = format!("E04{}", &code[3..]);
            parishes.push(json!({"type": "Feature", "geometry": f["geometry"],
                "properties": {"code": key, "name": format!("{} parish", f["properties"]["name"].as_str().unwrap_or("")),
                               "parent_code": code}}));
        }
    }
    let parishes = json!({"type": "FeatureCollection", "features": parishes}).to_string();
    (text, parishes, pairs)
}

async fn bodies(
    reports: &Reports,
    council: store::CouncilId,
    view: &AreaView,
    wards: &[(String, String)],
    counties: &HashMap<String, String>,
) -> (usize, std::time::Duration) {
    let mut by_district: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (ward, district) in wards {
        if view.area_by_key(ward).is_some() {
            by_district.entry(district.as_str()).or_default().push(ward.clone());
        }
    }
    let mut by_county: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut list = Vec::new();
    for (district, keys) in &by_district {
        let id = format!("d-{}", district.to_lowercase());
        match counties.get(*district).filter(|_| district.starts_with("E07")) {
            Some(county) => {
                by_county.entry(county.as_str()).or_default().extend(keys.iter().cloned());
                list.push(body(
                    &id,
                    district,
                    "district",
                    keys.clone(),
                    vec![category("flytip", "Fly-tipping", "d@x.example", None)],
                ));
            }
            None => list.push(body(
                &id,
                district,
                "unitary",
                keys.clone(),
                vec![
                    category("pothole", "Pothole", "u@x.example", None),
                    category("flytip", "Fly-tipping", "u@x.example", None),
                    category("speeding", "Speeding traffic", "u@x.example", Some(("gt", 30))),
                ],
            )),
        }
    }
    for (county, keys) in by_county {
        list.push(body(
            &format!("c-{}", county.to_lowercase()),
            county,
            "county",
            keys,
            vec![
                category("pothole", "Pothole", "c@x.example", None),
                category("speeding", "Speeding traffic", "c@x.example", Some(("gt", 30))),
            ],
        ));
    }
    for parish in view.areas_of_type("CPC") {
        list.push(body(
            &format!("p-{}", parish.key.to_lowercase()),
            &parish.name,
            "parish",
            vec![parish.key.clone()],
            vec![category("speeding", "Speeding traffic", "p@x.example", Some(("le", 30)))],
        ));
    }
    for council_area in view.areas_of_type("UTA") {
        list.push(body(
            &format!("s-{}", council_area.key.to_lowercase()),
            &council_area.name,
            "unitary",
            vec![council_area.key.clone()],
            vec![
                category("pothole", "Pothole", "s@x.example", None),
                category("speeding", "Speeding traffic", "s@x.example", None),
            ],
        ));
    }
    let started = Instant::now();
    for b in &list {
        reports.put_body(council, b).await.expect("put body");
    }
    (list.len(), started.elapsed())
}

fn report(n: usize, at: Location) -> NewReport {
    let limit = if n.is_multiple_of(2) { "30" } else { "60" };
    NewReport {
        location: at,
        category: "Speeding traffic".into(),
        description: format!("Bench report {n}"),
        answers: [("speed_limit".to_string(), vec![limit.to_string()])].into_iter().collect(),
        address: None,
        reporter: Reporter { email: Some("bench@example.org".into()), ..Reporter::default() },
        photo: None,
        source: "bench".into(),
    }
}

async fn run(
    name: &str,
    test: store::testing::TestStore,
    view: Arc<AreaView>,
    wards: &[(String, String)],
    counties: &HashMap<String, String>,
    points: &[Location],
    concurrency: usize,
) {
    let store = test.store.clone();
    Reports::migrate(&store).await.expect("migrate");
    let council =
        Councils::new(store.clone()).create(&CouncilSlug::parse("gb").expect("slug"), "GB").await.expect("council").id;
    let reports = Reports::new(store.clone(), view.clone());
    let (count, took) = bodies(&reports, council, &view, wards, counties).await;
    println!("[{name}] bodies: {count} recorded in {took:.2?}");

    let started = Instant::now();
    let (mut selected, mut refused, mut tiers) = (0usize, 0usize, BTreeMap::<String, usize>::new());
    for (n, at) in points.iter().enumerate() {
        match reports.locate(council, *at).await {
            Ok(located) => {
                let answers = report(n, *at).answers;
                match located.select("Speeding traffic", &answers) {
                    Ok((s, _)) => {
                        selected += s.len();
                        for s in s {
                            *tiers.entry(s.body.tier.as_str().to_string()).or_default() += 1;
                        }
                    }
                    Err(ReportError::NoBodySelected(_) | ReportError::UnknownCategory(_)) => refused += 1,
                    Err(e) => panic!("{e}"),
                }
            }
            Err(ReportError::OutsideEveryBody { .. }) => refused += 1,
            Err(e) => panic!("{e}"),
        }
    }
    let routed = started.elapsed();
    println!(
        "[{name}] routed (point → areas → bodies → rules): {} in {routed:.2?} = {:.0}/s; {selected} selections {tiers:?}, {refused} refused (outside every body or no body takes it)",
        points.len(),
        points.len() as f64 / routed.as_secs_f64()
    );

    let started = Instant::now();
    let mut stored = 0;
    for (n, at) in points.iter().enumerate() {
        stored += reports.submit(council, report(n, *at)).await.is_ok() as usize;
    }
    let took = started.elapsed();
    println!(
        "[{name}] routed, stored and queued, one at a time: {stored} in {took:.2?} = {:.0}/s",
        stored as f64 / took.as_secs_f64()
    );

    let started = Instant::now();
    let chunks: Vec<Vec<(usize, Location)>> = (0..concurrency)
        .map(|c| points.iter().copied().enumerate().filter(|(n, _)| n % concurrency == c).collect())
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let reports = reports.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for (n, at) in chunk {
                ok += reports.submit(council, report(n, at)).await.is_ok() as usize;
            }
            ok
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await.expect("task");
    }
    let took = started.elapsed();
    println!(
        "[{name}] routed, stored and queued, {concurrency} at once: {stored} in {took:.2?} = {:.0}/s",
        stored as f64 / took.as_secs_f64()
    );
    test.cleanup().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let wanted = env("BENCH_REPORTS", 5000);
    let concurrency = env("BENCH_CONCURRENCY", 8);
    let started = Instant::now();
    let total_points = 1_700_000;
    let (mut points, counties) = postcodes((total_points / wanted).max(1));
    points.truncate(wanted);
    println!("points: {} GB postcodes (England and Scotland) read in {:.2?}", points.len(), started.elapsed());

    let areas_store = store::testing::sqlite().await;
    Registers::migrate(&areas_store.store).await.expect("migrate registers");
    let registers = Registers::new(areas_store.store.clone());
    let started = Instant::now();
    let (wards, parishes, pairs) = wards_and_parishes();
    let mut ward_options = ImportOptions::new("DIW", Crs::Wgs84);
    ward_options.parent_property = Some("district_code".into());
    ward_options.skip_invalid = true;
    let mut parish_options = ImportOptions::new("CPC", Crs::Wgs84);
    parish_options.parent_property = Some("parent_code".into());
    parish_options.skip_invalid = true;
    let mut scotland = ImportOptions::new("UTA", Crs::BritishNationalGrid);
    scotland.skip_invalid = true;
    let mut vertices = 0;
    for (what, reader, options) in [
        ("England wards", Box::new(wards.as_bytes()) as Box<dyn Read>, ward_options),
        ("parishes", Box::new(parishes.as_bytes()), parish_options),
        ("Scottish council areas", Box::new(gz("scotland-council-areas-epsg27700.geojson.gz")), scotland),
    ] {
        let summary = import_geojson(&registers, reader, &options).await.expect("import");
        vertices += summary.vertices;
        println!("  {what}: {} of {} imported ({} vertices)", summary.imported, summary.read, summary.vertices);
    }
    let view = Arc::new(AreaView::build(&registers).await.expect("view"));
    println!("areas: {} ({vertices} vertices) imported and indexed in {:.2?}", view.len(), started.elapsed());

    run("SQLite", store::testing::sqlite().await, view.clone(), &pairs, &counties, &points, concurrency).await;
    if let Some(pg) = store::testing::postgres().await {
        run("PostgreSQL", pg, view.clone(), &pairs, &counties, &points, concurrency).await;
    } else {
        println!("PostgreSQL: skipped (set GUILDHALL_TEST_POSTGRES_URL)");
    }
    areas_store.cleanup().await;
}
