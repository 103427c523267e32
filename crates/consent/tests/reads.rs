//! The consent brick's public API on real SQLite and PostgreSQL: reads are allowed only under a
//! live grant covering every field, every read (allowed or refused) is in the access log, and
//! nothing is returned when the log cannot be written.

mod common;

use common::{ADA, BOB, PLATE, worlds};
use consent::{Actor, ConsentError, GrantId, GrantState, Outcome, Scope, Service, StaffRead, StaffRole};

#[tokio::test]
async fn a_read_without_a_live_grant_is_refused_and_logged_as_refused() {
    for w in worlds().await {
        let none = w.consent.read(&w.parking, &GrantId("nope".into()), ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(none, Err(ConsentError::NoGrant)), "{none:?}");

        let unanswered = w.consent.request(&w.parking_request(ADA, time::Duration::days(1))).await.unwrap();
        let pending = w.consent.read(&w.parking, &unanswered, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(pending, Err(ConsentError::NotGranted)), "{pending:?}");

        let declined = w.consent.request(&w.parking_request(ADA, time::Duration::days(1))).await.unwrap();
        assert_eq!(w.consent.decide(&declined, ADA, false).await.unwrap().state, GrantState::Declined);
        let refused = w.consent.read(&w.parking, &declined, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(refused, Err(ConsentError::NotGranted)), "{refused:?}");

        let log = w.consent.access_log_of(ADA, 10).await.unwrap();
        assert_eq!(log.len(), 3);
        assert!(
            log.iter().all(|e| e.outcome == Outcome::Refused && e.key == PLATE && e.council_id == w.exampleshire.id)
        );
        assert_eq!(log[2].reason.as_deref(), Some("no consent grant"));
        assert_eq!(log[0].reason.as_deref(), Some("the citizen has not agreed to this request"));
        assert_eq!(log[0].grant_id.as_ref(), Some(&declined));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_granted_read_returns_only_the_granted_fields_and_is_logged() {
    for w in worlds().await {
        let grant = w.live_grant().await;
        let read = w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make", "colour"]).await.unwrap();
        assert_eq!(read.fields.len(), 2);
        assert_eq!(read.fields["make"], "Ford");
        assert_eq!(read.fields["colour"], "Blue");
        assert!(!read.fields.contains_key("keeper"));
        assert_eq!(read.entry_number, 1);

        let only_make = w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make"]).await.unwrap();
        assert_eq!(only_make.fields.keys().collect::<Vec<_>>(), vec!["make"]);

        let log = w.consent.access_log_of(ADA, 10).await.unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].id, only_make.log_id, "newest first");
        assert_eq!(log[1].id, read.log_id);
        let entry = &log[1];
        assert_eq!(entry.outcome, Outcome::Allowed);
        assert_eq!(entry.fields, vec!["make".to_string(), "colour".to_string()]);
        assert_eq!(entry.purpose, "To check your vehicle can have a residents' parking permit");
        assert_eq!(entry.grant_id.as_ref(), Some(&grant));
        assert_eq!(entry.register, w.vehicle());
        assert_eq!(
            entry.actor,
            Actor::Service { slug: "parking-permit".into(), name: "Apply for a parking permit".into() }
        );
        assert_eq!(entry.at, w.consent.now());
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_field_or_register_not_granted_is_refused_and_logged() {
    for w in worlds().await {
        let grant = w.live_grant().await;
        let keeper = w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make", "keeper"]).await;
        assert!(matches!(&keeper, Err(ConsentError::FieldNotGranted(f)) if f == "keeper"), "{keeper:?}");
        let resident = w.consent.read(&w.parking, &grant, ADA, &w.resident(), "R1", &["name"]).await;
        assert!(matches!(resident, Err(ConsentError::RegisterNotGranted(_))), "{resident:?}");
        let missing = w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), "ZZ99ZZZ", &["make"]).await;
        assert!(matches!(missing, Err(ConsentError::NotFound(_))), "{missing:?}");

        let log = w.consent.access_log_of(ADA, 10).await.unwrap();
        assert_eq!(log.len(), 3);
        assert!(log.iter().all(|e| e.outcome == Outcome::Refused));
        assert_eq!(log[2].reason.as_deref(), Some("the consent grant does not cover the field \"keeper\""));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn revoking_stops_the_next_read_at_once() {
    for w in worlds().await {
        let grant = w.live_grant().await;
        w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make"]).await.unwrap();
        let revoked = w.consent.revoke(&grant, ADA).await.unwrap();
        assert_eq!(revoked.state, GrantState::Revoked);
        let after = w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(after, Err(ConsentError::Revoked)), "{after:?}");
        assert!(matches!(w.consent.revoke(&grant, ADA).await, Err(ConsentError::NotRevocable)));
        let log = w.consent.access_log_of(ADA, 10).await.unwrap();
        assert_eq!((log[0].outcome, log[1].outcome), (Outcome::Refused, Outcome::Allowed));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_read_with_a_grant_the_caller_loaded_is_checked_as_strictly_as_a_read_by_id() {
    for w in worlds().await {
        let id = w.live_grant().await;
        let loaded = w.consent.grants_of(ADA).await.unwrap().into_iter().find(|g| g.id == id).expect("ada's grant");
        let read = w
            .consent
            .read_with_grant(&w.parking, Some(&loaded), ADA, &w.vehicle(), PLATE, &["make"])
            .await
            .expect("a live grant reads");
        assert_eq!(read.fields["make"], "Ford");

        // Revoked after the caller loaded it: the log writer's check at commit refuses the read.
        w.consent.revoke(&id, ADA).await.unwrap();
        let stale = w.consent.read_with_grant(&w.parking, Some(&loaded), ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(stale, Err(ConsentError::Revoked)), "{stale:?}");
        // Ada's grant in Bob's name, and no grant at all, are refused before any record is read.
        let bobs = w.consent.read_with_grant(&w.parking, Some(&loaded), BOB, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(bobs, Err(ConsentError::NoGrant)), "{bobs:?}");
        let none = w.consent.read_with_grant(&w.parking, None, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(none, Err(ConsentError::NoGrant)), "{none:?}");

        let log = w.consent.access_log_of(ADA, 10).await.unwrap();
        let outcomes: Vec<Outcome> = log.iter().map(|e| e.outcome).collect();
        assert_eq!(outcomes, [Outcome::Refused, Outcome::Refused, Outcome::Allowed], "{log:?}");
        assert_eq!(log[1].grant_id.as_ref(), Some(&id));
        assert_eq!(w.consent.access_log_of(BOB, 10).await.unwrap().len(), 1, "Bob's refused read is logged too");
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn expiry_stops_reads_from_the_moment_it_passes() {
    for w in worlds().await {
        let id = w.consent.request(&w.parking_request(ADA, time::Duration::hours(1))).await.unwrap();
        // The hour starts when Ada agrees, not when the service asked.
        w.clock.advance(time::Duration::minutes(30));
        w.consent.decide(&id, ADA, true).await.unwrap();
        w.clock.advance(time::Duration::minutes(59));
        w.consent.read(&w.parking, &id, ADA, &w.vehicle(), PLATE, &["make"]).await.unwrap();
        w.clock.advance(time::Duration::minutes(1));
        let expired = w.consent.read(&w.parking, &id, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(expired, Err(ConsentError::Expired)), "{expired:?}");
        assert_eq!(w.consent.grants_of(ADA).await.unwrap()[0].state, GrantState::Expired);
        assert_eq!(
            w.consent.access_log_of(ADA, 1).await.unwrap()[0].reason.as_deref(),
            Some("the consent grant has expired")
        );
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn another_council_or_service_cannot_use_a_grant() {
    for w in worlds().await {
        let grant = w.live_grant().await;
        let impostor = Service::new(w.otherborough.id, "parking-permit", "Apply for a parking permit");
        let other = w.consent.read(&impostor, &grant, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(other, Err(ConsentError::GrantForAnotherService)), "{other:?}");
        let sibling = Service::new(w.exampleshire.id, "waste", "Waste collections");
        let sibling = w.consent.read(&sibling, &grant, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(sibling, Err(ConsentError::GrantForAnotherService)), "{sibling:?}");
        let log = w.consent.access_log_of(ADA, 10).await.unwrap();
        assert_eq!(log[1].council_id, w.otherborough.id, "the refusal is logged against the council that tried");
        assert!(log.iter().all(|e| e.outcome == Outcome::Refused));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn another_citizen_can_neither_see_answer_revoke_nor_read_through_a_grant() {
    for w in worlds().await {
        let pending = w.consent.request(&w.parking_request(ADA, time::Duration::days(1))).await.unwrap();
        assert!(matches!(w.consent.grant(&pending, BOB).await, Err(ConsentError::UnknownRequest)));
        assert!(matches!(w.consent.decide(&pending, BOB, true).await, Err(ConsentError::UnknownRequest)));
        let grant = w.live_grant().await;
        assert!(matches!(w.consent.revoke(&grant, BOB).await, Err(ConsentError::UnknownRequest)));
        let as_bob = w.consent.read(&w.parking, &grant, BOB, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(as_bob, Err(ConsentError::NoGrant)), "{as_bob:?}");
        assert!(w.consent.grants_of(BOB).await.unwrap().is_empty());
        assert_eq!(w.consent.grants_of(ADA).await.unwrap().len(), 2);
        assert!(matches!(w.consent.decide(&grant, ADA, false).await, Err(ConsentError::AlreadyDecided)));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn staff_reads_are_logged_the_same_way_and_stay_within_their_council() {
    for w in worlds().await {
        let read = |council, register, key: &str| StaffRead {
            council_id: council,
            staff_id: "staff-7".into(),
            role: StaffRole::Caseworker,
            citizen: ADA.into(),
            register,
            key: key.into(),
            fields: vec!["name".into()],
            purpose: "Checking a council tax discount".into(),
        };
        let own = w.consent.read_as_staff(&read(w.exampleshire.id, w.resident(), "R1")).await.unwrap();
        assert_eq!(own.fields["name"], "Ada Lovelace");
        let other = w.consent.read_as_staff(&read(w.otherborough.id, w.resident(), "R1")).await;
        assert!(matches!(other, Err(ConsentError::OtherCouncilsRegister)), "{other:?}");
        let log = w.consent.access_log_of(ADA, 10).await.unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[1].actor, Actor::Staff { id: "staff-7".into(), role: StaffRole::Caseworker });
        assert_eq!((log[1].outcome, log[1].purpose.as_str()), (Outcome::Allowed, "Checking a council tax discount"));
        assert_eq!((log[0].outcome, log[0].council_id), (Outcome::Refused, w.otherborough.id));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn no_data_is_returned_when_the_access_log_cannot_be_written() {
    for w in worlds().await {
        let grant = w.live_grant().await;
        sqlx::query("DROP TABLE consent_access_log").execute(w.test.store.pool()).await.unwrap();
        let read = w.consent.read(&w.parking, &grant, ADA, &w.vehicle(), PLATE, &["make"]).await;
        assert!(matches!(read, Err(ConsentError::Database(_))), "{read:?}");
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn malformed_requests_are_refused_with_a_reason() {
    for w in worlds().await {
        let mut unknown_field = w.parking_request(ADA, time::Duration::days(1));
        unknown_field.scopes = vec![Scope::new(w.vehicle(), &["engine-size"])];
        let mut elsewhere = w.parking_request(ADA, time::Duration::days(1));
        elsewhere.return_to = "https://evil.example/".into();
        let mut foreign = w.parking_request(ADA, time::Duration::days(1));
        foreign.service = Service::new(w.otherborough.id, "parking-permit", "Parking");
        foreign.scopes = vec![Scope::new(w.resident(), &["name"])];
        let mut forever = w.parking_request(ADA, time::Duration::days(1));
        forever.duration = time::Duration::days(5000);
        let mut no_reason = w.parking_request(ADA, time::Duration::days(1));
        no_reason.purpose = "  ".into();
        for (what, request) in [
            ("field", unknown_field),
            ("return", elsewhere),
            ("foreign", foreign),
            ("long", forever),
            ("why", no_reason),
        ] {
            let refused = w.consent.request(&request).await;
            assert!(matches!(refused, Err(ConsentError::InvalidRequest(_))), "{what}: {refused:?}");
        }
        assert!(w.consent.grants_of(ADA).await.unwrap().is_empty());
        w.test.cleanup().await;
    }
}
