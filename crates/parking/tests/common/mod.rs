//! Shared set-up for the parking tests: every store (SQLite, and PostgreSQL when configured)
//! migrated for registers and parking, with two councils, Exampleshire's streets and addresses
//! (the address brick's demo county) and the ward that zone S is drawn by.
#![allow(dead_code)]

use addresses::Address;
use registers::{NewEntry, Registers};
use serde_json::json;
use store::testing::TestStore;
use store::{Council, CouncilSlug, Councils};
use time::Date;
use time::macros::date;

/// The seed of Exampleshire's addresses in these tests (the demo's).
pub const ADDRESS_SEED: u64 = 2026;
/// "Today" for every test, so dates are reproducible.
pub const TODAY: Date = date!(2026 - 11 - 23);

/// One store, set up.
pub struct World {
    pub test: TestStore,
    pub registers: Registers,
    pub exampleshire: Council,
    pub northtown: Council,
    pub addresses: Vec<Address>,
}

/// Every store, each migrated with councils and places loaded.
pub async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for (test, registers) in registers::testing::stores().await {
        parking_registers::migrate(&test.store).await.expect("parking migrations");
        let councils = Councils::new(test.store.clone());
        let exampleshire = councils.create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire").await.unwrap();
        let northtown = councils.create(&CouncilSlug::parse("northtown").unwrap(), "Northtown").await.unwrap();
        let (streets, addresses) = addresses::exampleshire(ADDRESS_SEED);
        let street_register = addresses::ensure_street_register(&registers).await.unwrap();
        registers
            .append(&street_register, streets.iter().map(|s| NewEntry::user(s.key(), s.to_item())).collect())
            .await
            .unwrap();
        let address_register = addresses::ensure_address_register(&registers).await.unwrap();
        registers
            .append(&address_register, addresses.iter().map(|a| NewEntry::user(a.key(), a.to_item())).collect())
            .await
            .unwrap();
        let ward = json!({"type": "FeatureCollection", "features": [{
            "type": "Feature",
            "properties": {"code": "E05999904", "name": "Stonebridge Town"},
            "geometry": {"type": "Polygon", "coordinates": [[[456500.0, 250000.0], [470000.0, 250000.0], [470000.0, 261000.0], [456500.0, 261000.0], [456500.0, 250000.0]]]},
        }]});
        let options = areas::ImportOptions::new("DIW", areas::Crs::BritishNationalGrid);
        areas::import_geojson(&registers, ward.to_string().as_bytes(), &options).await.unwrap();
        out.push(World { test, registers, exampleshire, northtown, addresses });
    }
    out
}
