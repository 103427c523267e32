//! Figures for the generator: makes keepers and vehicles for N synthetic addresses (pure, in
//! memory), then appends them through the registers brick to a fresh SQLite file, and prints
//! the time of each and vehicles per second. Also prints Exampleshire's hand-made demo set.
//!
//! `cargo run --release -p parking-registers --example bench_generate -- 830000`
//! (about 1.2 vehicles per keeper and 0.9 keepers per address: 830,000 addresses ≈ 1M vehicles).

use std::time::Instant;

use addresses::{Address, Uprn, Usrn};
use parking_registers::{GenerateOptions, append_generated, generate, registered_vehicles, seed_exampleshire};
use registers::{NewEntry, Registers};
use store::{CouncilSlug, Councils, Store};
use time::macros::date;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("parking-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Store::connect(&format!("sqlite://{}/bench.sqlite", dir.display())).await?;
    store.migrate_core().await?;
    Registers::migrate(&store).await?;
    parking_registers::migrate(&store).await?;
    let registers = Registers::new(store.clone());
    let council = Councils::new(store.clone()).create(&CouncilSlug::parse("exampleshire")?, "Exampleshire").await?;

    // The demo set, on Exampleshire's addresses.
    let (streets, addresses) = addresses::exampleshire(2026);
    let street_register = addresses::ensure_street_register(&registers).await?;
    registers.append(&street_register, streets.iter().map(|s| NewEntry::user(s.key(), s.to_item())).collect()).await?;
    let address_register = addresses::ensure_address_register(&registers).await?;
    registers
        .append(&address_register, addresses.iter().map(|a| NewEntry::user(a.key(), a.to_item())).collect())
        .await?;
    let started = Instant::now();
    let seeded = seed_exampleshire(&registers, council.id, date!(2026 - 11 - 23)).await?;
    println!(
        "exampleshire: {} vehicles, {} keepers, {} zones seeded in {:.2?}",
        seeded.vehicles,
        seeded.keepers,
        seeded.zones,
        started.elapsed()
    );
    for d in &seeded.demo {
        println!("  {:8} {:9} {} — {}", d.registration, d.postcode, d.address, d.expect);
    }

    // N synthetic addresses, 25 to a street, UPRNs and USRNs clear of Exampleshire's.
    let synthetic: Vec<Address> = (0..n)
        .map(|i| Address {
            usrn: Usrn::new(10_000_000 + i / 25).ok(),
            ..Address::new(Uprn::new(200_000_000_000 + i).unwrap())
        })
        .collect();
    let mut options = GenerateOptions::new(7, date!(2026 - 11 - 23));
    options.reserved = registered_vehicles(&registers).await?;
    let started = Instant::now();
    let generated = generate(&synthetic, &options);
    let made = started.elapsed();
    let vehicles = generated.vehicles.len();
    println!(
        "generate: {n} addresses → {} keepers, {vehicles} vehicles, {} zones in {made:.2?} ({:.0} vehicles/s)",
        generated.keepers.len(),
        generated.zones.len(),
        vehicles as f64 / made.as_secs_f64()
    );
    let started = Instant::now();
    let appended = append_generated(&registers, council.id, &generated).await?;
    let took = started.elapsed();
    println!(
        "append (SQLite): {} vehicles, {} keepers, {} zones in {took:.2?} ({:.0} vehicles/s, all three registers)",
        appended.vehicles,
        appended.keepers,
        appended.zones,
        appended.vehicles as f64 / took.as_secs_f64()
    );
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
