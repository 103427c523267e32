//! Real data, real check: the 32 Scottish council areas (4.6 M vertices, British National Grid)
//! and the 7,681 English wards of 2013 (lon/lat) are imported into a register, replayed into a
//! view, and every GB postcode point of OS Code-Point Open is looked up; the area found must carry
//! the postcode's own district code. Rates are printed; only loose floors are asserted (the ward
//! file is simplified and of 2013, Code-Point of 2025). Runs on SQLite (the data is large; the
//! PostgreSQL path is the same code, proved by the other tests).

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read};
use std::time::Instant;

use areas::{AreaVersion, AreaView, Crs, ImportOptions, import_geojson, record_areas};
use registers::Registers;

const DATA: &str = "../../../shared/data";

fn gz(name: &str) -> impl Read {
    let file = std::fs::File::open(format!("{DATA}/{name}")).unwrap_or_else(|e| panic!("{DATA}/{name}: {e}"));
    flate2::read::GzDecoder::new(BufReader::with_capacity(1 << 20, file))
}

async fn sqlite_registers() -> (store::testing::TestStore, Registers) {
    let t = store::testing::sqlite().await;
    Registers::migrate(&t.store).await.unwrap();
    let registers = Registers::new(t.store.clone());
    (t, registers)
}

/// Code-Point rows with a real point: (postcode, easting, northing, country, district).
fn postcodes(mut keep: impl FnMut(&str) -> bool, mut each: impl FnMut(&str, f64, f64, &str)) {
    let mut reader = csv::Reader::from_reader(gz("gb-postcodes-codepoint-open-2025-05.csv.gz"));
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (pc, e, n, country, district) =
        (col("postcode"), col("easting"), col("northing"), col("country_code"), col("admin_district_code"));
    let mut row = csv::StringRecord::new();
    while reader.read_record(&mut row).unwrap() {
        if !keep(&row[country]) {
            continue;
        }
        let (Ok(x), Ok(y)) = (row[e].parse::<f64>(), row[n].parse::<f64>()) else { continue };
        if x == 0.0 && y == 0.0 {
            continue; // no coordinates for this postcode
        }
        each(&row[pc], x, y, &row[district]);
    }
}

#[tokio::test]
async fn every_scottish_postcode_falls_in_the_council_area_code_point_names() {
    let (t, registers) = sqlite_registers().await;
    let started = Instant::now();
    let options = ImportOptions::new("UTA", Crs::BritishNationalGrid);
    let summary =
        import_geojson(&registers, gz("scotland-council-areas-epsg27700.geojson.gz"), &options).await.unwrap();
    let imported = started.elapsed();
    assert_eq!((summary.read, summary.imported), (32, 32), "{:?}", summary.rejected);
    let started = Instant::now();
    let view = AreaView::build(&registers).await.unwrap();
    let built = started.elapsed();

    let (mut total, mut agree, mut none, mut several) = (0u64, 0u64, 0u64, 0u64);
    let mut misses: HashMap<String, u64> = HashMap::new();
    let started = Instant::now();
    postcodes(
        |country| country == "S92000003",
        |postcode, e, n, district| {
            total += 1;
            let found = view.areas_containing_in(Crs::BritishNationalGrid, [e, n]).unwrap();
            several += (found.len() > 1) as u64;
            if found.is_empty() {
                none += 1;
                if none <= 5 {
                    println!("  no council for {postcode} ({e}, {n}), Code-Point says {district}");
                }
            } else if found.iter().any(|a| a.key == district) {
                agree += 1;
            } else {
                *misses.entry(format!("{district} -> {}", found[0].key)).or_default() += 1;
            }
        },
    );
    let looked_up = started.elapsed();
    let rate = agree as f64 / total as f64;
    println!(
        "Scotland: {} vertices imported in {imported:.1?}, view built in {built:.1?}; {total} postcodes looked up in \
         {looked_up:.1?}: {agree} agree ({:.3}%), {none} in no council, {several} on a shared boundary",
        summary.vertices,
        rate * 100.0
    );
    let mut misses: Vec<_> = misses.into_iter().collect();
    misses.sort_by_key(|m| std::cmp::Reverse(m.1));
    println!("  commonest disagreements (Code-Point -> polygon): {:?}", &misses[..misses.len().min(8)]);
    assert!(total > 150_000, "only {total} Scottish postcodes read");
    assert!(rate >= 0.995, "agreement {rate}");
    t.cleanup().await;
}

#[tokio::test]
async fn english_postcodes_find_their_district_through_the_ward_that_holds_them() {
    let (t, registers) = sqlite_registers().await;
    let started = Instant::now();
    let mut options = ImportOptions::new("DIW", Crs::Wgs84);
    options.parent_property = Some("district_code".into());
    let summary = import_geojson(&registers, gz("england-wards-2013-wgs84.geojson.gz"), &options).await.unwrap();
    assert_eq!(summary.read, 7681);
    println!(
        "England: {} wards, {} vertices imported in {:.1?}",
        summary.imported,
        summary.vertices,
        started.elapsed()
    );
    assert!(summary.imported >= 7600, "{:?}", &summary.rejected[..summary.rejected.len().min(5)]);

    // The districts the wards name, as areas without boundaries, so the hierarchy resolves.
    let names: HashMap<String, String> =
        serde_json::from_reader(std::fs::File::open(format!("{DATA}/gss-names/districts.json")).unwrap()).unwrap();
    let view = AreaView::build(&registers).await.unwrap();
    let districts: HashSet<String> = view.areas_of_type("DIW").into_iter().filter_map(|w| w.parent).collect();
    let versions = districts
        .iter()
        .map(|code| AreaVersion {
            key: code.clone(),
            name: names.get(code).cloned().unwrap_or_else(|| code.clone()),
            type_code: match &code[..3] {
                "E06" => "UTA",
                "E08" => "MTD",
                "E09" => "LBO",
                _ => "DIS",
            }
            .into(),
            code: Some(code.clone()),
            parent: None,
            generation: 1,
            start_date: None,
            end_date: None,
            geometry: None,
        })
        .collect();
    record_areas(&registers, versions).await.unwrap();
    let mut view = view;
    view.catch_up(&registers).await.unwrap();
    let ward = view.areas_of_type("DIW").remove(0);
    let parent = view.area(ward.parent_id.expect("wards link to their district")).unwrap();
    assert_eq!(Some(parent.key.clone()), ward.parent);
    assert!(!view.children(parent.id).is_empty());

    let (mut total, mut agree, mut none) = (0u64, 0u64, 0u64);
    let started = Instant::now();
    postcodes(
        |country| country == "E92000001",
        |_, e, n, district| {
            total += 1;
            let wards = view.areas_containing_in(Crs::BritishNationalGrid, [e, n]).unwrap();
            if wards.is_empty() {
                none += 1;
            } else if wards.iter().any(|w| w.parent.as_deref() == Some(district)) {
                agree += 1;
            }
        },
    );
    let rate = agree as f64 / total as f64;
    println!(
        "England: {total} postcodes looked up in {:.1?}: district via ward agrees for {agree} ({:.2}%), {none} in no ward \
         (2013 wards vs 2025 districts: merged councils such as Buckinghamshire, Dorset, North Yorkshire disagree by design)",
        started.elapsed(),
        rate * 100.0
    );
    assert!(total > 1_300_000, "only {total} English postcodes read");
    assert!(rate >= 0.80, "agreement {rate}");
    t.cleanup().await;
}
