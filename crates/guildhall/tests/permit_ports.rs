//! The service engine's ports over the real bricks, on the seeded demo (SQLite and PostgreSQL):
//! addresses by postcode with their streets, the parking zone found by street, the vehicle and
//! keeper registers read only under consent (refused and logged before, read and logged after),
//! one consent request covering both reads, a fee as a sandbox payment (one per application),
//! an email through the council's "Council services" Notify service to the account's address,
//! and a permit issued into the parking-permit register once however often it is asked.

mod common;

use std::sync::Arc;

use consent::{Consent, GrantId};
use serde_json::{Map, Value, json};
use services::RegisterOwner;
use services::ports::{
    ConsentAsk, ConsentPrompt, ConsentRead, NotificationRequest, PaymentRequest, PaymentState, PortError,
    RecordRequest, RegisterOutput,
};
use store::{CouncilSlug, Councils};

fn request(council: store::CouncilId, citizen: &str, register: &str, key: &str, fields: &[&str]) -> RecordRequest {
    RecordRequest {
        council,
        service: "parking-permit".into(),
        service_name: "Apply for a residents' parking permit".into(),
        citizen: citizen.into(),
        register: register.into(),
        owner: RegisterOwner::National,
        key: key.into(),
        by: None,
        fields: fields.iter().map(|f| f.to_string()).collect(),
        purpose: Some("To check your vehicle".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ports_read_under_consent_take_fees_notify_and_issue_a_permit_once() {
    for (t, registers) in common::stores().await {
        let store = guildhall::startup::open_store(&t.url).await.unwrap();
        let seeded = guildhall::demo::seed(&store).await.unwrap();
        let council =
            Councils::new(store.clone()).by_slug(&CouncilSlug::parse("exampleshire").unwrap()).await.unwrap().id;
        let address_register = addresses::ensure_address_register(&registers).await.unwrap();
        let view = Arc::new(address_search::AddressView::replay(registers.clone(), address_register).await.unwrap());
        let identity = identity::Identity::new(store.clone(), identity::IdentityConfig::new("http://localhost:1"));
        let notify = notifications::Notify::new(store.clone());
        let consent = Consent::new(store.clone(), registers.clone());
        let bricks = guildhall::services_ports::Bricks {
            store: store.clone(),
            registers: registers.clone(),
            consent: consent.clone(),
            identity: identity.clone(),
            notify: notify.clone(),
            payments: payments::Payments::new(store.clone()),
            addresses: view,
            public_url: "http://localhost:1".into(),
        };
        let (ports, _) = guildhall::services_ports::ports(&bricks);
        let ada = identity.create_citizen("ada@example.com", "Ada").await.unwrap();
        let citizen = ada.id.0.clone();

        // Addresses in the first demo vehicle's postcode, each with its street; its keeper lives
        // at the lowest UPRN on High Street (USRN 47100001).
        let demo = &seeded.vehicles[0];
        assert_eq!(demo.registration, "EX21ABC");
        let listed = ports.addresses.in_postcode(council, &demo.postcode).await.unwrap();
        assert!(listed.iter().all(|a| a.postcode == demo.postcode && !a.usrn.is_empty()), "{listed:?}");
        let home = listed
            .iter()
            .filter(|a| a.usrn == "47100001")
            .min_by_key(|a| a.uprn.parse::<u64>().unwrap())
            .expect("a High Street address")
            .clone();
        assert!(ports.addresses.in_postcode(council, "ZZ9 9ZZ").await.unwrap().is_empty());

        // The zone register holds no personal data: read without consent, found by street.
        let mut zone = request(council, &citizen, "parking-zone", &home.usrn, &["parking-zone", "name"]);
        zone.owner = RegisterOwner::Council;
        zone.by = Some("streets".into());
        zone.purpose = None;
        let found = ports.records.read(&zone).await.unwrap().expect("High Street is in a zone");
        assert_eq!(found.fields["parking-zone"], json!("A"));
        assert_eq!(found.access_log_id, None);
        zone.key = "47100016".into();
        assert_eq!(ports.records.read(&zone).await.unwrap(), None, "The Green is in no zone");

        // Without consent the vehicle register is refused, and the refusal is logged.
        let vehicle = request(council, &citizen, "vehicle", "EX21ABC", &["vehicle", "tax-status", "keeper"]);
        assert_eq!(ports.records.read(&vehicle).await, Err(PortError::NoConsent { register: "vehicle".into() }));
        let log = consent.access_log_of(&citizen, 10).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].outcome, consent::Outcome::Refused);

        // One request covers both reads; once agreed, nothing more is asked.
        let prompt = guildhall::services_ports::ConsentRequests::new(consent.clone(), Councils::new(store.clone()));
        let read = |register: &str, fields: &[&str]| ConsentRead {
            register: register.into(),
            owner: RegisterOwner::National,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            purpose: format!("To check the {register}"),
        };
        let ask = ConsentAsk {
            council,
            service: "parking-permit".into(),
            service_name: "Apply for a residents' parking permit".into(),
            citizen: citizen.clone(),
            reads: vec![read("vehicle", &["vehicle", "tax-status", "keeper"]), read("keeper", &["keeper", "address"])],
            return_to: "/exampleshire/applications/x/check-answers".into(),
        };
        let url = prompt.ask(&ask).await.unwrap().expect("consent is asked for");
        let id = url.strip_prefix("/exampleshire/consent/").expect("the consent brick's request page");
        let grant = consent.decide(&GrantId(id.to_string()), &citizen, true).await.unwrap();
        assert_eq!(grant.scopes.len(), 2);
        assert_eq!(prompt.ask(&ask).await.unwrap(), None, "covered now");

        // Under consent: the fields come back with the access-log row that recorded the read.
        let car = ports.records.read(&vehicle).await.unwrap().expect("the vehicle is registered");
        assert_eq!(car.fields["tax-status"], json!("Taxed"));
        assert!(car.access_log_id.is_some());
        let keeper_ref = car.fields["keeper"].as_str().unwrap().to_string();
        let keeper = request(council, &citizen, "keeper", &keeper_ref, &["keeper", "address"]);
        let kept = ports.records.read(&keeper).await.unwrap().expect("the keeper is registered");
        assert_eq!(kept.fields["address"], json!(home.uprn));
        let unknown = request(council, &citizen, "vehicle", "ZZ99ZZZ", &["vehicle", "tax-status", "keeper"]);
        assert_eq!(ports.records.read(&unknown).await.unwrap(), None);
        let allowed = consent
            .access_log_of(&citizen, 10)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.outcome == consent::Outcome::Allowed)
            .count();
        assert_eq!(allowed, 2);

        // A fee is one sandbox payment per application, paid on the hosted card page.
        let pay = PaymentRequest {
            council,
            application: "app-1".into(),
            pence: 5000,
            description: "Residents' parking permit, one year".into(),
            return_url: "/exampleshire/applications/app-1/paid".into(),
        };
        let started = ports.fees.start(&pay).await.unwrap();
        assert!(started.next_url.starts_with("/exampleshire/pay/secure/"), "{}", started.next_url);
        assert_eq!(ports.fees.state(council, &started.payment_id).await.unwrap(), PaymentState::Pending);
        let again = ports.fees.start(&pay).await.unwrap();
        assert_eq!(again, started, "a repeat is the same payment");
        assert!(ports.fees.state(council, "no-such-payment").await.is_err());

        // Email to the citizen's account address through the council's "Council services" service.
        let mut personalisation = Map::new();
        for (k, v) in [("reference", "PP-TEST-0001"), ("service", "Parking"), ("reasons", ""), ("decision_reason", "")]
        {
            personalisation.insert(k.into(), Value::String(v.into()));
        }
        let note = NotificationRequest {
            council,
            to: services::Recipient::Citizen,
            citizen: citizen.clone(),
            email: None,
            template: "parking-permit-issued".into(),
            personalisation,
            idempotency_key: "case-1-approved-notify-0".into(),
        };
        let sent = ports.notifier.send(&note).await.unwrap();
        let service =
            notify.services(council).await.unwrap().into_iter().find(|s| s.name == "Council services").unwrap();
        let stored = notify.notification(&service.id, sent.parse().unwrap()).await.unwrap();
        assert_eq!(stored.recipient, "ada@example.com");
        assert!(stored.subject.unwrap_or_default().contains("PP-TEST-0001"));

        // The permit is issued once, with a link to its entry on the register's API.
        let mut item = Map::new();
        for (k, v) in [("zone", "A"), ("vehicle", "EX21ABC"), ("price", "5000"), ("start-date", "2026-11-24")] {
            item.insert(k.into(), Value::String(v.into()));
        }
        item.insert("address".into(), Value::String(home.uprn.clone()));
        let output = RegisterOutput {
            council,
            register: "parking-permit".into(),
            owner: RegisterOwner::Council,
            key: "PP-TEST-0001".into(),
            item,
            idempotency_key: "case-1-approved-register-1".into(),
        };
        let receipt = ports.outputs.append(&output).await.unwrap();
        assert_eq!(
            receipt.link,
            format!("/councils/exampleshire/registers/parking-permit/entries/{}", receipt.entry_number)
        );
        assert_eq!(ports.outputs.append(&output).await.unwrap(), receipt, "issued once");
        let permits = registers
            .get(registers::Owner::Council(council), &registers::RegisterName::parse("parking-permit").unwrap())
            .await
            .unwrap();
        assert_eq!(permits.user_size, receipt.entry_number);
        store.close().await;
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_publishes_each_shipped_service_for_the_council_it_names_once() {
    for (t, registers) in common::stores().await {
        let store = guildhall::startup::open_store(&t.url).await.unwrap();
        guildhall::demo::seed(&store).await.unwrap();
        let outbox = services::testing::MemoryOutbox::default();
        let ports = services::Ports {
            records: Arc::new(services::testing::RegistersRecordSource::new(registers.clone())),
            addresses: Arc::new(services::testing::RegisterAddressBook::new(registers.clone())),
            fees: Arc::new(services::testing::MemoryFees::default()),
            notifier: Arc::new(outbox.clone()),
            outputs: Arc::new(services::testing::RegistersOutputs::new(registers.clone(), outbox)),
        };
        let engine = services::Engine::new(store.clone(), ports);
        let councils = Councils::new(store.clone());
        let exampleshire = councils.by_slug(&CouncilSlug::parse("exampleshire").unwrap()).await.unwrap().id;
        let published = engine.services(exampleshire).await.unwrap();
        let mut slugs: Vec<(&str, i64)> = published.iter().map(|d| (d.slug.as_str(), d.version)).collect();
        slugs.sort();
        assert_eq!(slugs, [("bulky-waste", 1), ("parking-permit", 1)]);
        assert_eq!(
            *published.iter().find(|d| d.slug == "parking-permit").unwrap().definition,
            services::check(include_str!("../../../services/parking-permit.yaml")).unwrap()
        );
        for council in councils.list().await.unwrap().into_iter().filter(|c| c.id != exampleshire) {
            assert!(engine.services(council.id).await.unwrap().is_empty(), "{} has none", council.slug);
        }
        // Seeding again publishes nothing: the newest versions are the shipped files already.
        assert!(guildhall::services_wiring::publish_shipped(&store).await.unwrap().is_empty());
        assert_eq!(engine.current(exampleshire, "parking-permit").await.unwrap().version, 1);
        store.close().await;
        t.cleanup().await;
    }
}
