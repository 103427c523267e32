//! Shared set-up for the engine tests: every store (SQLite, and PostgreSQL when configured),
//! two councils, the registers the shipped services read and write (filled with a few real
//! records), and the engine over the in-crate ports.
#![allow(dead_code)]

use std::sync::Arc;

use registers::{NewEntry, Owner, RegisterName, Registers};
use serde_json::json;
use services::answers::FormInput;
use services::testing::{MemoryFees, MemoryOutbox, RegisterAddressBook, RegistersOutputs, RegistersRecordSource};
use services::{Engine, Ports};
use store::testing::TestStore;
use store::{Council, CouncilSlug, Councils};

pub const ADA: &str = "citizen-ada";
pub const BOB: &str = "citizen-bob";

pub struct World {
    pub test: TestStore,
    pub registers: Registers,
    pub engine: Engine,
    pub records: RegistersRecordSource,
    pub fees: MemoryFees,
    pub outbox: MemoryOutbox,
    pub exampleshire: Council,
    pub otherborough: Council,
}

pub fn repo_file(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path);
    std::fs::read_to_string(root).unwrap()
}

/// A form with single values.
pub fn form(pairs: &[(&str, &str)]) -> FormInput {
    let mut f = FormInput::new();
    for (k, v) in pairs {
        f.entry(k.to_string()).or_default().push(v.to_string());
    }
    f
}

pub async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for (test, registers) in registers::testing::stores().await {
        Engine::migrate(&test.store).await.expect("services migrations");
        let councils = Councils::new(test.store.clone());
        let exampleshire = councils.create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire").await.unwrap();
        let otherborough = councils.create(&CouncilSlug::parse("otherborough").unwrap(), "Otherborough").await.unwrap();
        let council = Owner::Council(exampleshire.id);
        define(&registers, Owner::National, "address", &["address", "street", "name", "postcode"]).await;
        define(&registers, Owner::National, "vehicle", &["vehicle", "make", "colour", "tax-status", "keeper"]).await;
        define(&registers, Owner::National, "keeper", &["keeper", "address"]).await;
        define(&registers, council, "parking-zone", &["parking-zone", "name", "streets"]).await;
        define(&registers, council, "parking-permit", &["zone", "vehicle", "address", "price", "start-date"]).await;
        for (uprn, usrn, name) in [
            ("100", "U1", "1 Mill Lane, Exampleton"),
            ("101", "U1", "2 Mill Lane, Exampleton"),
            ("102", "U9", "3 Far Road, Exampleton"),
        ] {
            append(
                &registers,
                Owner::National,
                "address",
                uprn,
                json!({"address": uprn, "street": usrn, "name": name, "postcode": "ZX1 1AA"}),
            )
            .await;
        }
        append(
            &registers,
            Owner::National,
            "vehicle",
            "AB12CDE",
            json!({"vehicle": "AB12CDE", "make": "Ford", "colour": "Blue", "tax-status": "Taxed", "keeper": "K1"}),
        )
        .await;
        append(
            &registers,
            Owner::National,
            "vehicle",
            "XY99ZZZ",
            json!({"vehicle": "XY99ZZZ", "make": "Fiat", "colour": "Red", "tax-status": "Untaxed", "keeper": "K2"}),
        )
        .await;
        append(&registers, Owner::National, "keeper", "K1", json!({"keeper": "K1", "address": "100"})).await;
        append(&registers, Owner::National, "keeper", "K2", json!({"keeper": "K2", "address": "101"})).await;
        append(
            &registers,
            council,
            "parking-zone",
            "A",
            json!({"parking-zone": "A", "name": "Mill Lane zone", "streets": "U1;U2"}),
        )
        .await;
        let records = RegistersRecordSource::new(registers.clone());
        let fees = MemoryFees::default();
        let outbox = MemoryOutbox::default();
        let ports = Ports {
            records: Arc::new(records.clone()),
            addresses: Arc::new(RegisterAddressBook::new(registers.clone())),
            fees: Arc::new(fees.clone()),
            notifier: Arc::new(outbox.clone()),
            outputs: Arc::new(RegistersOutputs::new(registers.clone(), outbox.clone())),
        };
        let engine = Engine::new(test.store.clone(), ports);
        out.push(World { test, registers, engine, records, fees, outbox, exampleshire, otherborough });
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
