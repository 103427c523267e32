//! Exampleshire's places for the demo's look-ups: its streets and about 5,000 addresses (the
//! addresses brick's made-up county, postcodes in the fictional area `ZX`), a county with two
//! districts, five wards and two parishes drawn around them, and the postcode register's `ZX`
//! postcodes, each with the GSS codes of the areas the area view finds for its point.
//! Everything goes in through the same bricks and registers a real import uses.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Context;
use registers::{NewEntry, Registers};
use serde_json::{Value, json};

/// The seed of the demo's addresses: the same county on every machine.
const SEED: u64 = 2026;

/// One made-up area: type, GSS code, name, parent's code, and its extent on the National Grid
/// (west, south, east, north, in metres).
type DemoArea = (&'static str, &'static str, &'static str, Option<&'static str>, [f64; 4]);

/// Exampleshire's areas, nested: county → districts → wards, and two parishes.
const AREAS: [DemoArea; 10] = [
    ("CTY", "E10999901", "Exampleshire", None, [438_000.0, 250_000.0, 470_000.0, 280_000.0]),
    ("DIS", "E07999901", "Exampleton District", Some("E10999901"), [438_000.0, 250_000.0, 456_500.0, 280_000.0]),
    ("DIS", "E07999902", "Stonebridge Vale", Some("E10999901"), [456_500.0, 250_000.0, 470_000.0, 280_000.0]),
    ("DIW", "E05999901", "Exampleton Central", Some("E07999901"), [448_000.0, 250_000.0, 456_500.0, 266_000.0]),
    ("DIW", "E05999902", "Northfield and Wendle", Some("E07999901"), [438_000.0, 266_000.0, 456_500.0, 280_000.0]),
    ("DIW", "E05999903", "Western Fields", Some("E07999901"), [438_000.0, 250_000.0, 448_000.0, 266_000.0]),
    ("DIW", "E05999904", "Stonebridge Town", Some("E07999902"), [456_500.0, 250_000.0, 470_000.0, 261_000.0]),
    ("DIW", "E05999905", "Little Ashby", Some("E07999902"), [456_500.0, 261_000.0, 470_000.0, 280_000.0]),
    ("CPC", "E04999901", "Upper Wendle", Some("E07999901"), [438_000.0, 266_000.0, 452_000.0, 280_000.0]),
    ("CPC", "E04999902", "Stonebridge", Some("E07999902"), [456_500.0, 250_000.0, 470_000.0, 280_000.0]),
];

/// What seeding the places did.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlacesSeeded {
    /// Addresses appended (0 when the register already held them).
    pub addresses: usize,
    /// Areas appended or changed.
    pub areas: usize,
    /// Postcodes appended or changed.
    pub postcodes: u64,
}

/// Loads Exampleshire's streets, addresses, areas and postcodes unless they are there already.
pub async fn seed(registers: &Registers) -> anyhow::Result<PlacesSeeded> {
    let mut seeded = PlacesSeeded::default();
    let (streets, addresses) = addresses::exampleshire(SEED);

    let area_file = areas_geojson();
    for type_code in ["CTY", "DIS", "DIW", "CPC"] {
        let features: Vec<Value> = area_file.iter().filter(|(t, _)| *t == type_code).map(|(_, f)| f.clone()).collect();
        let collection = json!({"type": "FeatureCollection", "features": features}).to_string();
        let mut options = areas::ImportOptions::new(type_code, areas::Crs::BritishNationalGrid);
        if type_code != "CTY" {
            options.parent_property = Some("parent".into());
        }
        let summary = areas::import_geojson(registers, collection.as_bytes(), &options)
            .await
            .with_context(|| format!("importing the demo's {type_code} areas"))?;
        seeded.areas += summary.imported;
    }

    let street_register = addresses::ensure_street_register(registers).await?;
    if street_register.user_size == 0 {
        let entries = streets.iter().map(|s| NewEntry::user(s.key(), s.to_item())).collect();
        registers.append(&street_register, entries).await.context("appending the demo's streets")?;
    }
    let address_register = addresses::ensure_address_register(registers).await?;
    if address_register.user_size == 0 {
        let entries: Vec<NewEntry> = addresses.iter().map(|a| NewEntry::user(a.key(), a.to_item())).collect();
        seeded.addresses = entries.len();
        registers.append(&address_register, entries).await.context("appending the demo's addresses")?;
    }

    let csv = postcodes_csv(registers, &addresses).await?;
    let summary = postcodes::import_code_point(
        registers,
        csv.as_bytes(),
        &postcodes::NoProgress,
        &postcodes::ImportOptions { strict: true, ..postcodes::ImportOptions::default() },
    )
    .await
    .context("importing the demo's postcodes")?;
    seeded.postcodes = summary.imported;
    Ok(seeded)
}

/// Each demo area as a GeoJSON feature in EPSG:27700, with its type.
fn areas_geojson() -> Vec<(&'static str, Value)> {
    AREAS
        .iter()
        .map(|&(type_code, code, name, parent, [w, s, e, n])| {
            let ring = json!([[w, s], [e, s], [e, n], [w, n], [w, s]]);
            let feature = json!({
                "type": "Feature",
                "properties": {"code": code, "name": name, "parent": parent},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            });
            (type_code, feature)
        })
        .collect()
}

/// Code-Point Open CSV for the demo's postcodes: each at the mean point of its addresses, with the
/// codes of the areas the area view finds there (the same answer `/point` gives).
async fn postcodes_csv(registers: &Registers, addresses: &[addresses::Address]) -> anyhow::Result<String> {
    let mut points: BTreeMap<String, (f64, f64, u32)> = BTreeMap::new();
    for a in addresses {
        let (Some(postcode), Some(e), Some(n)) = (&a.postcode, a.easting, a.northing) else { continue };
        let p = points.entry(postcode.clone()).or_insert((0.0, 0.0, 0));
        *p = (p.0 + e, p.1 + n, p.2 + 1);
    }
    let view = areas::AreaView::build(registers).await.context("building the demo's area view")?;
    let mut csv = String::from(
        "postcode,positional_quality,easting,northing,country_code,nhs_regional_ha_code,nhs_ha_code,admin_county_code,admin_district_code,admin_ward_code\n",
    );
    for (postcode, (e, n, count)) in points {
        let (e, n) = ((e / count as f64).round(), (n / count as f64).round());
        let found = view.areas_containing_in(areas::Crs::BritishNationalGrid, [e, n])?;
        let code = |t: &str| found.iter().find(|a| a.type_code == t).and_then(|a| a.code.clone()).unwrap_or_default();
        writeln!(csv, "{postcode},10,{e},{n},E92000001,,,{},{},{}", code("CTY"), code("DIS"), code("DIW"))?;
    }
    Ok(csv)
}
