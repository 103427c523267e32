//! The engine end to end on SQLite and PostgreSQL: page flow and branching over every question
//! kind, saved answers, fees, register checks under consent, automatic approval with a permit
//! issued into the register, a refused check landing in the caseworker queue, exactly-once
//! submission, versioned definitions, tenancy, and the outbox's retries.

mod common;

use common::{ADA, BOB, form, repo_file, worlds};
use registers::{Owner, RegisterName};
use serde_json::json;
use services::flow::Next;
use services::{CaseState, QueueFilter, ServiceError};

async fn parking_answers(w: &common::World, app: &str, who: &str, registration: &str) {
    let c = w.exampleshire.id;
    let next = w
        .engine
        .answer(c, app, who, "address", &form(&[("address-postcode", "zx1 1aa"), ("address-uprn", "100")]))
        .await
        .unwrap();
    assert_eq!(next, Next::Page("registration".into()));
    let next = w.engine.answer(c, app, who, "registration", &form(&[("registration", registration)])).await.unwrap();
    assert_eq!(next, Next::CheckAnswers);
}

async fn pay(w: &common::World, app: &str, who: &str) {
    let started = w.engine.start_payment(w.exampleshire.id, app, who, "/back").await.unwrap();
    w.fees.settle(&started.payment_id, true);
}

#[tokio::test]
async fn a_parking_permit_is_issued_on_the_spot_when_the_registers_agree() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, &repo_file("services/parking-permit.yaml")).await.unwrap();
        let app = w.engine.start(c, "parking-permit", ADA).await.unwrap();
        parking_answers(&w, &app.id, ADA, "ab12cde").await;

        // Leave and come back: the answers were saved.
        let again = w.engine.application(c, &app.id, ADA).await.unwrap();
        assert_eq!(again.answers["address"]["usrn"], json!("U1"));
        assert_eq!(w.engine.next(&again), Next::CheckAnswers);
        assert_eq!(w.engine.fee(&again).unwrap(), Some((5000, "Residents' parking permit, one year".into())));

        assert!(matches!(w.engine.submit(c, &app.id, ADA).await, Err(ServiceError::FeeUnpaid)));
        pay(&w, &app.id, ADA).await;
        match w.engine.submit(c, &app.id, ADA).await {
            Err(ServiceError::ConsentNeeded(register)) => assert_eq!(register, "vehicle"),
            other => panic!("consent must be asked first: {other:?}"),
        }
        w.records.consent(ADA, "vehicle");
        w.records.consent(ADA, "keeper");
        let submitted = w.engine.submit(c, &app.id, ADA).await.unwrap();
        assert!(!submitted.replayed);
        assert_eq!(submitted.case.state, CaseState::Approved, "{:?}", submitted.case.reasons);
        assert!(submitted.case.reference.starts_with("PP-"));

        // The permit is in the register, keyed by the reference, with fields from answers and records.
        let permits =
            w.registers.get(Owner::Council(c), &RegisterName::parse("parking-permit").unwrap()).await.unwrap();
        let permit = w.registers.record(&permits, &submitted.case.reference).await.expect("permit issued");
        let item = permit.items[0].value();
        assert_eq!(item["vehicle"], json!("AB12CDE"));
        assert_eq!(item["zone"], json!("A"));
        assert_eq!(item["address"], json!("100"));
        assert_eq!(item["price"], json!("5000"));

        // The history holds every check's evidence, the decision and the output's entry number.
        let detail = w.engine.case(c, submitted.case.id).await.unwrap();
        let kinds: Vec<&str> = detail.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "register-check").count(), 3, "{kinds:?}");
        // In the order they happened: submitted, the three checks, the decision, then the rest.
        assert_eq!(kinds[..5], ["submitted", "register-check", "register-check", "register-check", "decision"]);
        assert!(
            kinds.contains(&"decision") && kinds.contains(&"output") && kinds.contains(&"notification"),
            "{kinds:?}"
        );
        let output = detail.events.iter().find(|e| e.kind == "output").unwrap();
        assert_eq!(output.detail["entry_number"], json!(permit.entry.number));
        assert_eq!(detail.evidence[1].fields["tax-status"], json!("Taxed"));
        assert!(detail.evidence.iter().all(|e| e.passed && e.entry_number.is_some()));

        // The citizen was emailed, once; a replayed submission changes nothing.
        let sent = w.outbox.notifications.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].template, "parking-permit-issued");
        assert_eq!(sent[0].email, None, "no email question: the account's address is used");
        assert_eq!(sent[0].personalisation["reference"], json!(submitted.case.reference));
        let replay = w.engine.submit(c, &app.id, ADA).await.unwrap();
        assert!(replay.replayed);
        assert_eq!(replay.case.id, submitted.case.id);
        assert_eq!(w.outbox.notifications.lock().unwrap().len(), 1);
        assert_eq!(w.engine.queue(c, &QueueFilter::default()).await.unwrap().len(), 1);
        assert!(matches!(
            w.engine.answer(c, &app.id, ADA, "registration", &form(&[("registration", "XY99ZZZ")])).await,
            Err(ServiceError::AlreadySubmitted)
        ));

        // "Your applications" shows it; another citizen and another council see nothing.
        let mine = w.engine.applications_of(c, ADA).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].status, "approved");
        assert_eq!(mine[0].reference.as_deref(), Some(submitted.case.reference.as_str()));
        assert!(w.engine.applications_of(c, BOB).await.unwrap().is_empty());
        assert!(matches!(w.engine.application(c, &app.id, BOB).await, Err(ServiceError::UnknownApplication)));
        assert!(matches!(
            w.engine.application(w.otherborough.id, &app.id, ADA).await,
            Err(ServiceError::UnknownApplication)
        ));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_refused_check_lands_in_the_caseworker_queue_with_its_reason_and_the_decision_notifies_the_citizen() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, &repo_file("services/parking-permit.yaml")).await.unwrap();
        w.engine.publish(w.otherborough.id, &repo_file("services/parking-permit.yaml")).await.unwrap();
        let app = w.engine.start(c, "parking-permit", BOB).await.unwrap();
        parking_answers(&w, &app.id, BOB, "XY99ZZZ").await;
        pay(&w, &app.id, BOB).await;
        w.records.consent(BOB, "vehicle");
        w.records.consent(BOB, "keeper");
        let case = w.engine.submit(c, &app.id, BOB).await.unwrap().case;
        assert_eq!(case.state, CaseState::Queued);
        assert_eq!(
            case.reasons,
            vec![
                "The vehicle register says this vehicle is not taxed".to_string(),
                "The keeper register does not show this vehicle kept at your address".to_string()
            ]
        );
        let permits =
            w.registers.get(Owner::Council(c), &RegisterName::parse("parking-permit").unwrap()).await.unwrap();
        assert!(w.registers.record(&permits, &case.reference).await.is_err(), "no permit while queued");

        let filter =
            QueueFilter { service: Some("parking-permit".into()), state: Some(CaseState::Queued), assigned_to: None };
        let queue = w.engine.queue(c, &filter).await.unwrap();
        assert_eq!(queue.iter().map(|q| q.id).collect::<Vec<_>>(), vec![case.id]);
        assert!(w.engine.queue(w.otherborough.id, &QueueFilter::default()).await.unwrap().is_empty());
        assert!(matches!(w.engine.case(w.otherborough.id, case.id).await, Err(ServiceError::UnknownCase)));
        assert!(matches!(
            w.engine.decide(w.otherborough.id, case.id, "eve", true, "ok").await,
            Err(ServiceError::UnknownCase)
        ));
        let other_filter = QueueFilter { service: Some("bulky-waste".into()), ..QueueFilter::default() };
        assert!(w.engine.queue(c, &other_filter).await.unwrap().is_empty());

        w.engine.assign(c, case.id, "carol").await.unwrap();
        let mine = QueueFilter { assigned_to: Some("carol".into()), ..QueueFilter::default() };
        assert_eq!(w.engine.queue(c, &mine).await.unwrap().len(), 1);
        assert!(matches!(w.engine.decide(c, case.id, "carol", false, "  ").await, Err(ServiceError::ReasonRequired)));
        let decided = w.engine.decide(c, case.id, "carol", false, "The vehicle is not taxed").await.unwrap();
        assert_eq!(decided.state, CaseState::Refused);
        assert!(matches!(
            w.engine.decide(c, case.id, "carol", true, "changed my mind").await,
            Err(ServiceError::WrongState(_))
        ));

        let templates: Vec<String> =
            w.outbox.notifications.lock().unwrap().iter().map(|n| n.template.clone()).collect();
        assert_eq!(
            templates,
            ["parking-permit-being-checked", "parking-permit-needs-caseworker", "parking-permit-refused"]
        );
        let refused = w.outbox.notifications.lock().unwrap()[2].clone();
        assert_eq!(refused.personalisation["decision_reason"], json!("The vehicle is not taxed"));
        let detail = w.engine.case(c, case.id).await.unwrap();
        let kinds: Vec<&str> = detail.events.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"assigned"));
        assert_eq!(detail.events.iter().filter(|e| e.kind == "decision").count(), 2);
        assert!(w.registers.record(&permits, &case.reference).await.is_err(), "no permit when refused");
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn an_application_keeps_the_definition_version_it_started_on() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        let v1 = w.engine.publish(c, &repo_file("services/bulky-waste.yaml")).await.unwrap();
        let old = w.engine.start(c, "bulky-waste", ADA).await.unwrap();
        let changed = repo_file("services/bulky-waste.yaml")
            .replace("name: Book a bulky waste collection", "name: Book a large item collection")
            .replace("pages:\n", "pages:\n  - id: permission\n    kind: radios\n    question: Do you own the items?\n    options:\n      - { value: \"yes\", label: \"Yes\" }\n");
        let v2 = w.engine.publish(c, &changed).await.unwrap();
        assert_eq!((v1.version, v2.version), (1, 2));
        let old = w.engine.application(c, &old.id, ADA).await.unwrap();
        assert_eq!(old.definition.version, 1);
        assert_eq!(w.engine.next(&old), Next::Page("address".into()));
        let new = w.engine.start(c, "bulky-waste", ADA).await.unwrap();
        assert_eq!(new.definition.version, 2);
        assert_eq!(w.engine.next(&new), Next::Page("permission".into()));
        assert!(matches!(
            w.engine.answer(c, &old.id, ADA, "permission", &form(&[("permission", "yes")])).await,
            Err(ServiceError::PageNotInFlow(_))
        ));
        let names: Vec<String> =
            w.engine.applications_of(c, ADA).await.unwrap().into_iter().map(|a| a.service_name).collect();
        assert!(
            names.contains(&"Book a bulky waste collection".to_string())
                && names.contains(&"Book a large item collection".to_string())
        );
        // A definition with errors is never stored.
        let broken = changed.replace("kind: phone", "kind: telephone");
        assert!(matches!(w.engine.publish(c, &broken).await, Err(ServiceError::InvalidDefinition(e)) if e.len() == 1));
        assert_eq!(w.engine.current(c, "bulky-waste").await.unwrap().version, 2);
        assert!(matches!(
            w.engine.current(w.otherborough.id, "bulky-waste").await,
            Err(ServiceError::UnknownService(_))
        ));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn every_question_kind_and_branch_validates_and_routes() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, &repo_file("services/bulky-waste.yaml")).await.unwrap();
        let app = w.engine.start(c, "bulky-waste", ADA).await.unwrap().id;
        let answer = |page: &'static str, pairs: Vec<(&'static str, String)>| {
            let f = form(&pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
            let (engine, app) = (w.engine.clone(), app.clone());
            async move { engine.answer(c, &app, ADA, page, &f).await }
        };
        let field_error = |r: Result<Next, ServiceError>| match r {
            Err(ServiceError::Answer(e)) => (e.field, e.message),
            other => panic!("expected a field error, got {other:?}"),
        };
        // A page out of order (tampered URL) is refused; so is an address not in the postcode.
        assert!(matches!(answer("date", vec![("date-day", "1".into())]).await, Err(ServiceError::PageNotInFlow(_))));
        assert!(matches!(
            answer("other-item", vec![("other-item", "x".into())]).await,
            Err(ServiceError::PageNotInFlow(_))
        ));
        assert_eq!(field_error(answer("address", vec![]).await).1, "Enter a postcode");
        assert_eq!(
            field_error(answer("address", vec![("address-postcode", "nonsense".into())]).await).1,
            "Enter a real postcode, like ZX1 1AA"
        );
        assert_eq!(
            field_error(answer("address", vec![("address-postcode", "ZX1 1AA".into())]).await).0,
            "address-uprn"
        );
        let tampered =
            answer("address", vec![("address-postcode", "ZX1 1AA".into()), ("address-uprn", "999".into())]).await;
        assert_eq!(field_error(tampered).1, "Select an address from the list for that postcode");
        answer("address", vec![("address-postcode", "ZX11AA".into()), ("address-uprn", "102".into())]).await.unwrap();

        // Checkboxes: nothing, a forged option, then five items including the two that branch.
        assert_eq!(field_error(answer("items", vec![]).await).1, "Select at least one option");
        assert_eq!(
            field_error(answer("items", vec![("items", "piano".into())]).await).1,
            "Select only the options shown"
        );
        let mut items = form(&[]);
        for i in ["sofa", "fridge", "table", "wardrobe", "other"] {
            items.entry("items".into()).or_default().push(i.into());
        }
        assert_eq!(w.engine.answer(c, &app, ADA, "items", &items).await.unwrap(), Next::Page("other-item".into()));
        assert_eq!(
            field_error(answer("other-item", vec![("other-item", "x".repeat(101))]).await).1,
            "Your answer must be 100 characters or fewer"
        );
        assert_eq!(
            answer("other-item", vec![("other-item", "Piano".into())]).await.unwrap(),
            Next::Page("fridge-gas".into())
        );
        assert_eq!(
            field_error(answer("fridge-gas", vec![("fridge-gas", "maybe".into())]).await).1,
            "Select one of the options shown"
        );
        assert_eq!(answer("fridge-gas", vec![("fridge-gas", "no".into())]).await.unwrap(), Next::Page("date".into()));

        // Dates: missing part, impossible, too soon (a validation rule), then fine.
        let today = w.engine.today();
        let date = |d: time::Date| {
            vec![
                ("date-day", d.day().to_string()),
                ("date-month", (d.month() as u8).to_string()),
                ("date-year", d.year().to_string()),
            ]
        };
        assert_eq!(
            field_error(answer("date", vec![("date-day", "1".into()), ("date-month", "2".into())]).await).1,
            "The date must include a year"
        );
        assert_eq!(
            field_error(
                answer(
                    "date",
                    vec![("date-day", "31".into()), ("date-month", "2".into()), ("date-year", "2027".into())]
                )
                .await
            )
            .1,
            "The date must be a real date"
        );
        assert_eq!(
            field_error(answer("date", date(today + time::Duration::days(1))).await).1,
            "The collection date must be at least 3 days from today"
        );
        assert_eq!(
            field_error(answer("date", date(today + time::Duration::days(90))).await).1,
            "The collection date must be within the next 8 weeks"
        );
        assert_eq!(answer("date", date(today + time::Duration::days(7))).await.unwrap(), Next::Page("where".into()));

        // Location (optional): outside the UK refused, skipped allowed; phone (optional) checked when given.
        assert_eq!(
            field_error(answer("where", vec![("where-lat", "40.0".into()), ("where-lon", "-1".into())]).await).1,
            "Choose a location in the United Kingdom"
        );
        assert_eq!(
            answer("where", vec![("where-lat", "52.2".into()), ("where-lon", "-1.5".into())]).await.unwrap(),
            Next::Page("phone".into())
        );
        assert_eq!(field_error(answer("phone", vec![("phone", "call me".into())]).await).0, "phone");
        assert_eq!(answer("phone", vec![("phone", "".into())]).await.unwrap(), Next::CheckAnswers);

        // Fee from the amount rule: 5 items = 2500 + 2 × 800.
        let a = w.engine.application(c, &app, ADA).await.unwrap();
        assert_eq!(w.engine.fee(&a).unwrap().unwrap().0, 4100);
        assert_eq!(a.answers["where"], json!({"lat": 52.2, "lon": -1.5}));

        // Unticking the branching items hides their pages and their answers stop counting.
        let mut fewer = form(&[]);
        for i in ["sofa", "table"] {
            fewer.entry("items".into()).or_default().push(i.into());
        }
        assert_eq!(w.engine.answer(c, &app, ADA, "items", &fewer).await.unwrap(), Next::CheckAnswers);
        let a = w.engine.application(c, &app, ADA).await.unwrap();
        let shown: Vec<&str> = services::flow::visible(&a.definition.definition, &a.answers, today)
            .iter()
            .map(|q| q.id.as_str())
            .collect();
        assert_eq!(shown, ["address", "items", "date", "where", "phone"]);
        assert_eq!(w.engine.fee(&a).unwrap().unwrap().0, 2500);

        pay(&w, &app, ADA).await;
        let case = w.engine.submit(c, &app, ADA).await.unwrap().case;
        assert_eq!(case.state, CaseState::Approved);
        let detail = w.engine.case(c, case.id).await.unwrap();
        assert!(!detail.answers.contains_key("other-item") && !detail.answers.contains_key("fridge-gas"));
        let hooks = w.outbox.webhooks.lock().unwrap().clone();
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].body["reference"], json!(case.reference));
        assert_eq!(w.outbox.notifications.lock().unwrap().len(), 2);
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_submissions_make_one_case_and_failed_deliveries_are_retried_once() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, &repo_file("services/parking-permit.yaml")).await.unwrap();
        let app = w.engine.start(c, "parking-permit", ADA).await.unwrap();
        parking_answers(&w, &app.id, ADA, "AB12CDE").await;
        pay(&w, &app.id, ADA).await;
        w.records.consent(ADA, "vehicle");
        w.records.consent(ADA, "keeper");
        *w.outbox.failing.lock().unwrap() = true;
        let (a, b, d) = tokio::join!(
            w.engine.submit(c, &app.id, ADA),
            w.engine.submit(c, &app.id, ADA),
            w.engine.submit(c, &app.id, ADA)
        );
        let ids: Vec<i64> = [a, b, d].into_iter().map(|s| s.unwrap().case.id).collect();
        assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
        assert_eq!(w.engine.queue(c, &QueueFilter::default()).await.unwrap().len(), 1);
        assert!(w.outbox.notifications.lock().unwrap().is_empty(), "notifications were down");
        *w.outbox.failing.lock().unwrap() = false;
        // A failed row waits out its back-off rather than being retried at once (and for ever).
        assert_eq!(w.engine.run_outbox(100).await.unwrap(), 0, "retried before its back-off ended");
        // When the back-off has passed (moved here by hand), the retry delivers it, once.
        sqlx::query("UPDATE service_outbox SET locked_at = '2000-01-01T00:00:00Z' WHERE done_at IS NULL")
            .execute(w.test.store.pool())
            .await
            .unwrap();
        assert_eq!(w.engine.run_outbox(100).await.unwrap(), 1);
        assert_eq!(w.engine.run_outbox(100).await.unwrap(), 0);
        assert_eq!(w.outbox.notifications.lock().unwrap().len(), 1);
        assert_eq!(w.fees.count(), 1, "one payment for one application");
        w.test.cleanup().await;
    }
}
