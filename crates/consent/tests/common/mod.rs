//! Shared set-up for the consent tests: every store (SQLite, and PostgreSQL when configured)
//! with two councils, a national vehicle register, a local register of the first council, and
//! the brick on a clock the tests move by hand.
#![allow(dead_code)]

use std::sync::Arc;

use consent::{Consent, ConsentRequest, GrantId, ManualClock, RegisterRef, Scope, Service};
use registers::{NewEntry, Owner, RegisterName, Registers};
use serde_json::json;
use store::testing::TestStore;
use store::{CouncilSlug, Councils};

pub const ADA: &str = "citizen-ada";
pub const BOB: &str = "citizen-bob";
pub const PLATE: &str = "AB12CDE";

/// One store, set up.
pub struct World {
    pub test: TestStore,
    pub consent: Consent,
    pub clock: ManualClock,
    pub exampleshire: store::Council,
    pub otherborough: store::Council,
    pub parking: Service,
}

impl World {
    /// The national vehicle register.
    pub fn vehicle(&self) -> RegisterRef {
        RegisterRef::national("vehicle").unwrap()
    }

    /// Exampleshire's own resident register.
    pub fn resident(&self) -> RegisterRef {
        RegisterRef::council(self.exampleshire.id, "resident").unwrap()
    }

    /// A request from Exampleshire's parking service for Ada's vehicle's make and colour.
    pub fn parking_request(&self, citizen: &str, duration: time::Duration) -> ConsentRequest {
        ConsentRequest {
            service: self.parking.clone(),
            citizen: citizen.to_string(),
            scopes: vec![Scope::new(self.vehicle(), &["make", "colour"])],
            purpose: "To check your vehicle can have a residents' parking permit".into(),
            duration,
            return_to: "/exampleshire/parking/next".into(),
        }
    }

    /// Requests and agrees: a live grant for Ada lasting a day.
    pub async fn live_grant(&self) -> GrantId {
        let id = self.consent.request(&self.parking_request(ADA, time::Duration::days(1))).await.unwrap();
        self.consent.decide(&id, ADA, true).await.unwrap();
        id
    }
}

/// Every store, set up as [`World`] describes.
pub async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for (test, registers) in registers::testing::stores().await {
        Consent::migrate(&test.store).await.expect("consent migrations");
        let councils = Councils::new(test.store.clone());
        let exampleshire =
            councils.create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire County Council").await.unwrap();
        let otherborough =
            councils.create(&CouncilSlug::parse("otherborough").unwrap(), "Otherborough Council").await.unwrap();
        define(&registers, Owner::National, "vehicle", &["vehicle", "make", "colour", "keeper"]).await;
        append(
            &registers,
            Owner::National,
            "vehicle",
            PLATE,
            json!({"vehicle": PLATE, "make": "Ford", "colour": "Blue", "keeper": "Ada Lovelace"}),
        )
        .await;
        define(&registers, Owner::Council(exampleshire.id), "resident", &["resident", "name", "uprn"]).await;
        append(
            &registers,
            Owner::Council(exampleshire.id),
            "resident",
            "R1",
            json!({"resident": "R1", "name": "Ada Lovelace", "uprn": "100"}),
        )
        .await;
        let clock = ManualClock::new(time::macros::datetime!(2026-11-23 12:00 UTC));
        let consent = Consent::new(test.store.clone(), registers).with_clock(Arc::new(clock.clone()));
        let parking = Service::new(exampleshire.id, "parking-permit", "Apply for a parking permit");
        out.push(World { test, consent, clock, exampleshire, otherborough, parking });
    }
    out
}

async fn define(registers: &Registers, owner: Owner, name: &str, fields: &[&str]) {
    let info = registers.create(owner, &RegisterName::parse(name).unwrap(), false).await.unwrap();
    let mut entries = vec![NewEntry::system("name", json!({"name": name}))];
    for field in fields {
        entries.push(NewEntry::system(
            format!("field:{field}"),
            json!({"field": field, "datatype": "string", "cardinality": "1"}),
        ));
    }
    entries.push(NewEntry::system(format!("register:{name}"), json!({"register": name, "fields": fields})));
    registers.append(&info, entries).await.unwrap();
}

async fn append(registers: &Registers, owner: Owner, name: &str, key: &str, item: serde_json::Value) {
    let info = registers.get(owner, &RegisterName::parse(name).unwrap()).await.unwrap();
    registers.append(&info, vec![NewEntry::user(key, item)]).await.unwrap();
}
