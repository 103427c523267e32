//! The seeded generator and the Exampleshire demo set, through the registers brick (SQLite and
//! PostgreSQL): every keeper lives at a UPRN of the address register, every vehicle's keeper exists
//! and lists it, and seeding again writes nothing.

mod common;

use std::collections::{HashMap, HashSet};

use parking_registers::{
    Keeper, ParkingError, TaxStatus, Vehicle, addresses_on_streets, ensure_keeper_register, ensure_vehicle_register,
    seed_exampleshire,
};
use registers::Registers;

async fn all_records(registers: &Registers, info: &registers::RegisterInfo) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    loop {
        let page = registers.records(info, out.len() as u64, 10_000).await.unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page.iter().map(|r| r.items[0].value()));
    }
}

#[tokio::test]
async fn generated_keepers_live_at_real_uprns_and_every_vehicles_keeper_exists_and_lists_it() {
    for w in common::worlds().await {
        let seeded = seed_exampleshire(&w.registers, w.exampleshire.id, common::TODAY).await.unwrap();
        assert!(seeded.vehicles > 4000 && seeded.keepers > 3000, "{seeded:?}");
        assert_eq!(seeded.zones, 3);

        let uprns: HashSet<_> = addresses_on_streets(&w.registers, |_| true, usize::MAX)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.uprn)
            .collect();
        assert_eq!(uprns.len(), w.addresses.len());
        let keepers_info = ensure_keeper_register(&w.registers).await.unwrap();
        let vehicles_info = ensure_vehicle_register(&w.registers).await.unwrap();
        let keepers: HashMap<_, _> = all_records(&w.registers, &keepers_info)
            .await
            .iter()
            .map(|v| Keeper::from_item(v).unwrap())
            .map(|k| (k.reference.clone(), k))
            .collect();
        let vehicles: Vec<Vehicle> =
            all_records(&w.registers, &vehicles_info).await.iter().map(|v| Vehicle::from_item(v).unwrap()).collect();
        assert_eq!(keepers.len(), seeded.keepers);
        assert_eq!(vehicles.len(), seeded.vehicles);
        for k in keepers.values() {
            assert!(
                uprns.contains(&k.address),
                "keeper {} lives at {} which is not in the address register",
                k.reference,
                k.address
            );
        }
        for v in &vehicles {
            let keeper = v.keeper.as_ref().and_then(|r| keepers.get(r));
            let keeper =
                keeper.unwrap_or_else(|| panic!("vehicle {}'s keeper is not in the keeper register", v.registration));
            assert!(
                keeper.vehicles.contains(&v.registration),
                "keeper {} does not list {}",
                keeper.reference,
                v.registration
            );
        }
        let untaxed = vehicles.iter().filter(|v| !v.is_taxed_on(common::TODAY)).count();
        assert!(untaxed * 20 > vehicles.len(), "a mix of taxed and untaxed: {untaxed} of {}", vehicles.len());
        assert!(vehicles.iter().any(|v| v.tax_status == TaxStatus::Sorn));

        // The hand-made set is there as documented.
        assert_eq!(seeded.demo.len(), 6);
        let ex21 = vehicles.iter().find(|v| v.registration.as_str() == "EX21ABC").unwrap();
        assert!(ex21.is_taxed_on(common::TODAY));
        let ex18 = vehicles.iter().find(|v| v.registration.as_str() == "EX18GHJ").unwrap();
        assert!(!ex18.is_taxed_on(common::TODAY));
        assert!(seeded.demo.iter().all(|d| d.postcode.starts_with("ZX")), "{:?}", seeded.demo);

        // Seeding again writes nothing.
        let sizes = (vehicles_info.user_size, keepers_info.user_size);
        let again = seed_exampleshire(&w.registers, w.exampleshire.id, common::TODAY).await.unwrap();
        assert_eq!((again.vehicles, again.keepers, again.zones), (0, 0, 0));
        let after = (
            ensure_vehicle_register(&w.registers).await.unwrap().user_size,
            ensure_keeper_register(&w.registers).await.unwrap().user_size,
        );
        assert_eq!(after, sizes);
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn generating_over_records_already_holding_other_data_is_refused_before_writing() {
    for w in common::worlds().await {
        let mut options = parking_registers::GenerateOptions::new(1, common::TODAY);
        let first = parking_registers::generate(&w.addresses[..50], &options);
        parking_registers::append_generated(&w.registers, w.exampleshire.id, &first).await.unwrap();
        // The same seed again is a no-op.
        let again = parking_registers::append_generated(&w.registers, w.exampleshire.id, &first).await.unwrap();
        assert_eq!((again.vehicles, again.keepers, again.zones), (0, 0, 0));
        // Same keys, other items (tax reckoned from another day): refused, nothing written.
        options.as_of = common::TODAY.next_day().unwrap();
        let other = parking_registers::generate(&w.addresses[..50], &options);
        let before = ensure_vehicle_register(&w.registers).await.unwrap().user_size;
        let e = parking_registers::append_generated(&w.registers, w.exampleshire.id, &other).await.unwrap_err();
        assert!(matches!(e, ParkingError::KeyExists { .. }), "{e}");
        assert_eq!(ensure_vehicle_register(&w.registers).await.unwrap().user_size, before);
        w.test.cleanup().await;
    }
}
