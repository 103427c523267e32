//! Issuing permits (SQLite and PostgreSQL): exactly one entry per application reference however
//! often and however concurrently it is asked, a proof that verifies, refusals that write nothing,
//! and bad registration numbers refused.

mod common;

use addresses::Usrn;
use parking_registers::{
    IssuedPermit, ParkingError, PermitApplication, Registration, Vehicle, ZoneCode, ensure_permit_register,
    issue_permit, seed_exampleshire,
};
use serde_json::json;
use time::Duration;

fn application(w: &common::World, reference: &str) -> PermitApplication {
    let home = w.addresses.iter().filter(|a| a.usrn.map(Usrn::get) == Some(47100001)).map(|a| a.uprn).min().unwrap();
    PermitApplication {
        reference: reference.to_string(),
        zone: ZoneCode::parse("A").unwrap(),
        vehicle: Registration::parse("EX21 ABC").unwrap(),
        address: home,
        valid_from: common::TODAY,
        valid_to: common::TODAY + Duration::days(364),
        price: 6000,
    }
}

async fn permit_entries(w: &common::World) -> u64 {
    ensure_permit_register(&w.registers, w.exampleshire.id).await.unwrap().user_size
}

#[tokio::test]
async fn a_permit_is_appended_once_per_application_however_often_and_concurrently_it_is_asked() {
    for w in common::worlds().await {
        seed_exampleshire(&w.registers, w.exampleshire.id, common::TODAY).await.unwrap();
        let first = issue_permit(&w.registers, w.exampleshire.id, &application(&w, "APP-0001")).await.unwrap();
        assert!(first.newly_issued);
        assert_eq!(first.entry_number, 1);
        assert!(first.permit.number.as_str().starts_with("PP-"));
        let again = issue_permit(&w.registers, w.exampleshire.id, &application(&w, "APP-0001")).await.unwrap();
        assert!(!again.newly_issued);
        assert_eq!(
            (again.entry_number, again.item_hash, &again.permit),
            (first.entry_number, first.item_hash, &first.permit)
        );
        assert_eq!(permit_entries(&w).await, 1);

        // Eight requests at once for a new application: one append, eight identical answers.
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let registers = w.registers.clone();
                let council = w.exampleshire.id;
                let app = application(&w, "APP-0002");
                tokio::spawn(async move { issue_permit(&registers, council, &app).await })
            })
            .collect();
        let mut answers: Vec<IssuedPermit> = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap().unwrap());
        }
        assert_eq!(answers.iter().filter(|a| a.newly_issued).count(), 1);
        assert!(answers.iter().all(|a| a.entry_number == 2 && a.permit == answers[0].permit));
        assert_eq!(permit_entries(&w).await, 2);

        // The proof link's proof verifies against the root of that size.
        let register = ensure_permit_register(&w.registers, w.exampleshire.id).await.unwrap();
        let n = first.entry_number;
        let proof = w.registers.inclusion_proof(&register, n, n).await.unwrap();
        let root = w.registers.root(&register, n).await.unwrap();
        let leaf = w.registers.leaf_hash(&register, n).await.unwrap();
        registers::merkle::verify_inclusion(n - 1, n, &leaf, &proof, &root).unwrap();
        assert_eq!(
            first.proof_path("exampleshire"),
            "/councils/exampleshire/registers/parking-permit/proof/entry/1/1/merkle:sha-256"
        );
        let entry = w.registers.entry(&register, n).await.unwrap();
        assert_eq!(entry.item_hashes, vec![first.item_hash]);

        // The same reference at another council is another council's permit.
        seed_zone_for(&w).await;
        let elsewhere = issue_permit(&w.registers, w.northtown.id, &application(&w, "APP-0001")).await.unwrap();
        assert!(elsewhere.newly_issued);
        assert_ne!(elsewhere.permit.number, first.permit.number);
        assert_eq!(permit_entries(&w).await, 2);
        w.test.cleanup().await;
    }
}

/// Gives Northtown a zone A too (its own register).
async fn seed_zone_for(w: &common::World) {
    let register = parking_registers::ensure_zone_register(&w.registers, w.northtown.id).await.unwrap();
    let zone = parking_registers::exampleshire_zones().remove(0);
    w.registers.append(&register, vec![registers::NewEntry::user(zone.key(), zone.to_item())]).await.unwrap();
}

#[tokio::test]
async fn bad_applications_are_refused_and_write_nothing() {
    for w in common::worlds().await {
        seed_exampleshire(&w.registers, w.exampleshire.id, common::TODAY).await.unwrap();
        let mut unknown_zone = application(&w, "APP-1");
        unknown_zone.zone = ZoneCode::parse("Q9").unwrap();
        let mut backwards = application(&w, "APP-2");
        backwards.valid_to = common::TODAY - Duration::days(1);
        let mut no_reference = application(&w, "");
        no_reference.reference = " padded ".into();
        let mut nowhere = application(&w, "APP-3");
        nowhere.address = addresses::Uprn::new(999_999_999_999).unwrap();
        for (app, expect) in [
            (unknown_zone, "no current parking zone"),
            (backwards, "cannot end before it starts"),
            (no_reference, "1 to 100 printable characters"),
            (nowhere, "no address with UPRN"),
        ] {
            let e = issue_permit(&w.registers, w.exampleshire.id, &app).await.unwrap_err();
            assert!(e.is_bad_input() && e.to_string().contains(expect), "{e}");
        }
        // A council with no zones at all refuses too.
        let e = issue_permit(&w.registers, w.northtown.id, &application(&w, "APP-4")).await.unwrap_err();
        assert!(matches!(e, ParkingError::UnknownZone(_)), "{e}");
        assert_eq!(permit_entries(&w).await, 0);
        // A refused application can be issued once put right.
        let ok = issue_permit(&w.registers, w.exampleshire.id, &application(&w, "APP-1")).await.unwrap();
        assert!(ok.newly_issued);
        w.test.cleanup().await;
    }
}

#[test]
fn bad_registration_numbers_are_refused_everywhere_they_enter() {
    for bad in ["", "AB12 CIE", "Q123 ABC", "AB12CDEF", "12345678", "A-B", "IB12 CDE"] {
        let e = Registration::parse(bad).unwrap_err();
        assert!(e.to_string().contains("is not a UK registration number"), "{bad}: {e}");
    }
    let item = json!({"vehicle": "AB12 CIE", "make": "FORD", "colour": "RED", "tax-status": "Taxed"});
    let e = Vehicle::from_item(&item).unwrap_err();
    assert!(matches!(e, ParkingError::Registration(_)), "{e}");
    let item = json!({"vehicle": "AB12CDE", "make": "FORD", "colour": "RED", "tax-status": "Taxed-ish"});
    assert!(Vehicle::from_item(&item).unwrap_err().to_string().contains("tax-status"));
}
