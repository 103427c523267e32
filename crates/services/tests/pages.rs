//! The service pages over real HTTP on 127.0.0.1, on SQLite and PostgreSQL: every question kind
//! and branch walked from the start page to a case, the parking permit through consent and the
//! fee to "Permit issued", a refused check decided by a caseworker and seen on "Your
//! applications", bad input at every step, and an application keeping its version.

#[path = "pages/app.rs"]
mod app;
mod common;

use app::{App, Who, assert_accessible, h1, texts};
use common::{ADA, BOB, repo_file, worlds};
use reqwest::StatusCode;
use services::{CaseState, QueueFilter};

const EVERY_KIND: &str = r#"version: 1
id: every-kind
name: Try every kind of question
owner: exampleshire
sign_in: true
start: |
  A service that asks one question of each kind.

  It proves the pages work for any definition.
pages:
  - id: home
    kind: address
    question: What is your address?
  - id: pets
    kind: number
    question: How many pets do you have?
    min: 0
    max: 20
  - id: pet-names
    kind: text
    question: What are your pets called?
    skip_if: 'answers.pets == 0'
  - id: born
    kind: date
    question: When were you born?
    hint: For example, 27 3 1990
  - id: colour
    kind: radios
    question: What is your favourite colour?
    options:
      - { value: red, label: Red }
      - { value: other, label: Something else }
  - id: other-colour
    kind: text
    question: Which colour?
    show_if: 'answers.colour == "other"'
  - id: days
    kind: checkboxes
    question: Which days suit you?
    options:
      - { value: mon, label: Monday }
      - { value: tue, label: Tuesday }
  - id: email
    kind: email
    question: What is your email address?
  - id: phone
    kind: phone
    question: What is your phone number?
    required: false
  - id: spot
    kind: location
    question: Where is the problem?
decision:
  auto_approve: true
confirmation:
  title: All questions answered
  text: |
    Thank you.
"#;

fn citizen(who: &str) -> Who<'_> {
    Who::Citizen(who)
}

/// The application id and page of `/exampleshire/applications/{id}/{page}`.
fn app_and_page(location: &str) -> (String, String) {
    let rest = location.strip_prefix("/exampleshire/applications/").unwrap_or_else(|| panic!("{location}"));
    let (id, page) = rest.split_once('/').unwrap();
    (id.to_string(), page.to_string())
}

/// Starts an application with the start page's form and returns its id and first page.
async fn start(app: &App, service: &str, who: &str) -> (String, String) {
    let r = app.post(&format!("/exampleshire/services/{service}"), citizen(who), &[]).await;
    app_and_page(r.redirect())
}

/// GETs a page, checks it, and returns its body.
async fn page(app: &App, path: &str, who: &str) -> String {
    let r = app.get(path, citizen(who)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", texts(&r.body, "main"));
    assert_accessible(&r.body);
    r.body
}

/// Posts a page's answer and returns where it went.
async fn answer(app: &App, id: &str, page: &str, who: &str, form: &[(&str, &str)]) -> String {
    let r = app.post(&format!("/exampleshire/applications/{id}/{page}"), citizen(who), form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}: {:?}", app::texts(&r.body, "main"));
    r.redirect().to_string()
}

fn at(id: &str, page: &str) -> String {
    format!("/exampleshire/applications/{id}/{page}")
}

#[tokio::test]
async fn every_question_kind_and_branch_is_walked_over_http_from_the_start_page_to_a_case() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, EVERY_KIND).await.unwrap();
        let app = App::start(&w).await;

        // The start page: nobody signed in gets a link to sign in that comes back here.
        let r = app.get("/exampleshire/services/every-kind", Who::Nobody).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_accessible(&r.body);
        assert_eq!(h1(&r.body), "Try every kind of question");
        assert_eq!(texts(&r.body, "main p.govuk-body")[1], "It proves the pages work for any definition.");
        // Signing in comes back to `…/start`, which starts the application straight away.
        assert!(r.body.contains("/exampleshire/sign-in?return_to=%2Fexampleshire%2Fservices%2Fevery-kind%2Fstart"));
        let r = app.post("/exampleshire/services/every-kind", Who::Nobody, &[]).await;
        assert!(r.redirect().starts_with("/exampleshire/sign-in?return_to="));
        let r = app.get("/exampleshire/services/every-kind/start", citizen(ADA)).await;
        let started = r.redirect().to_string();
        assert!(started.ends_with("/home"), "{started}");
        // A second GET (a reload) reuses the untouched draft instead of making another.
        let r = app.get("/exampleshire/services/every-kind/start", citizen(ADA)).await;
        assert_eq!(r.redirect(), started);
        let body = page(&app, "/exampleshire/services/every-kind", ADA).await;
        assert!(body.contains("govuk-button--start") && body.contains(r#"method="post""#));

        let (id, first) = start(&app, "every-kind", ADA).await;
        assert_eq!(first, "home");
        // Address: postcode first (a GET form), then the addresses in it.
        let body = page(&app, &at(&id, "home"), ADA).await;
        assert_eq!(h1(&body), "What is your address?");
        assert!(body.contains(r#"name="postcode""#) && body.contains(r#"method="get""#));
        let body = page(&app, &format!("{}?postcode=zx11aa", at(&id, "home")), ADA).await;
        assert_eq!(texts(&body, ".govuk-radios__label").len(), 3, "{body}");
        assert!(body.contains(r#"value="ZX1 1AA""#));
        let next = answer(&app, &id, "home", ADA, &[("home-postcode", "ZX1 1AA"), ("home-uprn", "101")]).await;
        assert_eq!(next, at(&id, "pets"));
        // Coming back to the address shows the saved choice, and the back link goes to the start.
        let body = page(&app, &at(&id, "home"), ADA).await;
        assert!(body.contains(r#"value="101" checked"#), "{body}");
        assert!(body.contains(r#"href="/exampleshire/services/every-kind""#));

        // Number 0 skips the pet names page (skip_if).
        let body = page(&app, &at(&id, "pets"), ADA).await;
        assert!(body.contains(&format!(r#"href="{}""#, at(&id, "home"))), "back link to the address");
        assert_eq!(answer(&app, &id, "pets", ADA, &[("pets", "0")]).await, at(&id, "born"));
        let body = page(&app, &at(&id, "born"), ADA).await;
        assert_eq!(texts(&body, "legend h1"), vec!["When were you born?"]);
        assert_eq!(texts(&body, ".govuk-date-input__item label"), vec!["Day", "Month", "Year"]);
        assert!(body.contains(&format!(r#"href="{}""#, at(&id, "pets"))), "back link skips the skipped page");
        let next =
            answer(&app, &id, "born", ADA, &[("born-day", "7"), ("born-month", "3"), ("born-year", "1990")]).await;
        assert_eq!(next, at(&id, "colour"));
        // Radios "other" shows the follow-up page (show_if).
        let body = page(&app, &at(&id, "colour"), ADA).await;
        assert_eq!(texts(&body, "legend h1"), vec!["What is your favourite colour?"]);
        assert_eq!(answer(&app, &id, "colour", ADA, &[("colour", "other")]).await, at(&id, "other-colour"));
        page(&app, &at(&id, "other-colour"), ADA).await;
        assert_eq!(answer(&app, &id, "other-colour", ADA, &[("other-colour", "Teal")]).await, at(&id, "days"));
        let body = page(&app, &at(&id, "days"), ADA).await;
        assert_eq!(texts(&body, ".govuk-checkboxes__label"), vec!["Monday", "Tuesday"]);
        let next = answer(&app, &id, "days", ADA, &[("days", "mon"), ("days", "tue")]).await;
        assert_eq!(next, at(&id, "email"));
        let body = page(&app, &at(&id, "email"), ADA).await;
        assert!(body.contains(r#"type="email""#));
        assert_eq!(answer(&app, &id, "email", ADA, &[("email", "ada@example.com")]).await, at(&id, "phone"));
        let body = page(&app, &at(&id, "phone"), ADA).await;
        assert_eq!(h1(&body), "What is your phone number? (optional)");
        assert_eq!(answer(&app, &id, "phone", ADA, &[("phone", "")]).await, at(&id, "spot"));
        let body = page(&app, &at(&id, "spot"), ADA).await;
        assert!(body.contains(r#"data-module="guildhall-location-map""#));
        let next = answer(&app, &id, "spot", ADA, &[("spot-lat", "52.2"), ("spot-lon", "-1.5")]).await;
        assert_eq!(next, at(&id, "check-answers"));

        // Check your answers: every shown page with a Change link, the skipped one absent.
        let body = page(&app, &at(&id, "check-answers"), ADA).await;
        let keys = texts(&body, "#answers .govuk-summary-list__key");
        assert_eq!(keys.len(), 9, "{keys:?}");
        assert!(!keys.contains(&"What are your pets called?".to_string()));
        let values = texts(&body, "#answers .govuk-summary-list__value");
        assert!(values.contains(&"2 Mill Lane, Exampleton, ZX1 1AA".to_string()), "{values:?}");
        assert!(values.contains(&"7 March 1990".to_string()), "{values:?}");
        assert!(values.contains(&"Monday, Tuesday".to_string()), "{values:?}");
        assert!(body.contains(&format!(r#"href="{}""#, at(&id, "colour"))));
        // Changing an answer that hides a page: the page goes and the answers still count.
        assert_eq!(answer(&app, &id, "colour", ADA, &[("colour", "red")]).await, at(&id, "check-answers"));
        let body = page(&app, &at(&id, "check-answers"), ADA).await;
        assert_eq!(texts(&body, "#answers .govuk-summary-list__key").len(), 8);

        let r = app.post(&at(&id, "check-answers"), citizen(ADA), &[]).await;
        assert_eq!(r.redirect(), at(&id, "confirmation"));
        let body = page(&app, &at(&id, "confirmation"), ADA).await;
        assert_eq!(texts(&body, ".govuk-panel__title"), vec!["All questions answered"]);
        let reference = texts(&body, "#reference").pop().unwrap_or_else(|| panic!("{body}"));
        assert!(reference.starts_with("EK-"), "{reference}");

        let queue = w.engine.queue(c, &QueueFilter::default()).await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!((queue[0].reference.as_str(), queue[0].state), (reference.as_str(), CaseState::Approved));
        let detail = w.engine.case(c, queue[0].id).await.unwrap();
        assert_eq!(detail.answers["colour"], "red");
        assert!(detail.answers.get("other-colour").is_none(), "the hidden page's answer does not count");
        assert_eq!(detail.answers["spot"]["lat"], 52.2);

        let body = page(&app, "/exampleshire/your-applications", ADA).await;
        let row = texts(&body, "#applications tbody tr td");
        assert_eq!(&row[..2], &["Try every kind of question".to_string(), reference.clone()]);
        assert_eq!(row[3], "Approved");
        w.test.cleanup().await;
    }
}

/// Answers the parking permit's pages over HTTP.
async fn parking_answers(app: &App, id: &str, who: &str, registration: &str) {
    answer(app, id, "address", who, &[("address-postcode", "ZX1 1AA"), ("address-uprn", "100")]).await;
    let next = answer(app, id, "registration", who, &[("registration", registration)]).await;
    assert_eq!(next, at(id, "check-answers"));
}

/// Consents (through the test consent page), pays, and returns the confirmation's address.
async fn consent_pay_and_send(w: &common::World, app: &App, id: &str, who: &str) -> String {
    consent_pay_and_send_after(w, app, id, who, false).await
}

/// As [`consent_pay_and_send`], with a declined card first when `decline_first`.
async fn consent_pay_and_send_after(w: &common::World, app: &App, id: &str, who: &str, decline_first: bool) -> String {
    let r = app.post(&at(id, "check-answers"), citizen(who), &[]).await;
    let mut next = r.redirect().to_string();
    if next.starts_with("/testing/consent?") {
        let r = app.get(&next, citizen(who)).await;
        assert_eq!(r.redirect(), at(id, "continue"));
        // Having agreed, the citizen goes straight on to the fee, not back to their answers.
        let r = app.get(&at(id, "continue"), citizen(who)).await;
        next = r.redirect().to_string();
        assert!(next.starts_with("/pay/"), "{next}");
        let body = page(app, &at(id, "check-answers"), who).await;
        assert!(body.contains("Continue to payment"));
    }
    if decline_first {
        let declined = next.strip_prefix("/pay/").unwrap_or_else(|| panic!("{next}")).to_string();
        w.fees.settle(&declined, false);
        let r = app.get(&at(id, "paid"), citizen(who)).await;
        assert_eq!(r.redirect(), at(id, "check-answers"), "not paid: not sent");
        let body = page(app, &at(id, "check-answers"), who).await;
        assert!(body.contains("Your payment was not completed"), "{body}");
        let r = app.post(&at(id, "check-answers"), citizen(who), &[]).await;
        next = r.redirect().to_string();
        assert_ne!(next, format!("/pay/{declined}"), "a new payment after a failed one");
    }
    let payment = next;
    let payment_id = payment.strip_prefix("/pay/").unwrap_or_else(|| panic!("{payment}"));
    w.fees.settle(payment_id, true);
    let r = app.get(&at(id, "paid"), citizen(who)).await;
    r.redirect().to_string()
}

#[tokio::test]
async fn the_parking_permit_asks_consent_takes_the_fee_and_shows_the_permit_with_its_register_entry() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, &repo_file("services/parking-permit.yaml")).await.unwrap();
        let app = App::start(&w).await;
        let (id, _) = start(&app, "parking-permit", ADA).await;
        parking_answers(&app, &id, ADA, "ab12cde").await;

        let body = page(&app, &at(&id, "check-answers"), ADA).await;
        assert!(body.contains("£50.00"));
        assert!(body.contains("the vehicle register") && body.contains("the keeper register"));
        let r = app.post(&at(&id, "check-answers"), citizen(ADA), &[]).await;
        assert!(r.redirect().starts_with("/testing/consent?"), "consent is asked before paying");
        // Back from the consent page without agreeing: to the answers, not round to consent again.
        let r = app.get(&at(&id, "continue"), citizen(ADA)).await;
        assert_eq!(r.redirect(), at(&id, "check-answers"));
        let done = consent_pay_and_send_after(&w, &app, &id, ADA, true).await;
        assert_eq!(done, at(&id, "confirmation"));
        let ask = app.consent.asks.lock().unwrap()[0].clone();
        assert_eq!(ask.reads.iter().map(|r| r.register.as_str()).collect::<Vec<_>>(), vec!["vehicle", "keeper"]);
        assert_eq!(ask.return_to, at(&id, "continue"));

        let body = page(&app, &done, ADA).await;
        assert_eq!(texts(&body, ".govuk-panel__title"), vec!["Permit issued"]);
        let reference = texts(&body, "#reference").remove(0);
        let receipt = texts(&body, "#receipts li").remove(0);
        assert!(receipt.starts_with("Entry ") && receipt.contains("parking-permit register"), "{receipt}");
        let permits = w
            .registers
            .get(registers::Owner::Council(c), &registers::RegisterName::parse("parking-permit").unwrap())
            .await
            .unwrap();
        let permit = w.registers.record(&permits, &reference).await.expect("the permit is in the register");
        let n = permit.entry.number;
        assert!(body.contains(&format!(r#"href="/registers/parking-permit/entries/{n}""#)), "{body}");
        assert!(body.contains(&format!(r#"href="/registers/parking-permit/proof/entries/{n}/{n}/merkle:sha-256""#)));

        // Sending again (a replayed post, the back button) shows the same case; nothing doubles.
        let r = app.post(&at(&id, "check-answers"), citizen(ADA), &[]).await;
        assert_eq!(r.redirect(), format!("{}?sent=again", at(&id, "confirmation")));
        let body = page(&app, &format!("{}?sent=again", at(&id, "confirmation")), ADA).await;
        assert!(body.contains("You have already sent this application"));
        assert_eq!(texts(&body, "#reference"), vec![reference.clone()]);
        let r = app.get(&at(&id, "paid"), citizen(ADA)).await;
        assert_eq!(r.redirect(), format!("{}?sent=again", at(&id, "confirmation")));
        assert_eq!(w.engine.queue(c, &QueueFilter::default()).await.unwrap().len(), 1);
        assert_eq!(w.fees.count(), 2, "the declined payment and the paid one, nothing more");
        assert_eq!(w.outbox.notifications.lock().unwrap().len(), 1, "one email");
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn a_refused_check_reaches_the_caseworker_whose_decision_the_citizen_sees_and_is_told_of() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, &repo_file("services/parking-permit.yaml")).await.unwrap();
        let app = App::start(&w).await;
        let (id, _) = start(&app, "parking-permit", BOB).await;
        parking_answers(&app, &id, BOB, "XY99ZZZ").await;
        let done = consent_pay_and_send(&w, &app, &id, BOB).await;
        let body = page(&app, &done, BOB).await;
        assert_eq!(texts(&body, ".govuk-panel__title"), vec!["Application received"]);
        let reasons = texts(&body, "#reasons li");
        assert!(reasons.contains(&"The vehicle register says this vehicle is not taxed".to_string()), "{reasons:?}");
        let reference = texts(&body, "#reference").remove(0);
        let body = page(&app, "/exampleshire/your-applications", BOB).await;
        assert_eq!(texts(&body, "#applications tbody tr td")[3], "Being checked");

        // Who may see the queue.
        let sam = Who::Staff { id: "sam", council: "exampleshire", roles: "caseworker" };
        let r = app.get("/exampleshire/staff/cases", Who::Nobody).await;
        assert_eq!(r.redirect(), "/exampleshire/staff/sign-in");
        let r =
            app.get("/exampleshire/staff/cases", Who::Staff { id: "o", council: "otherborough", roles: "admin" }).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .get(
                "/exampleshire/staff/cases",
                Who::Staff { id: "r", council: "exampleshire", roles: "register-custodian" },
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r =
            app.get("/exampleshire/staff/cases", Who::Staff { id: "a", council: "exampleshire", roles: "admin" }).await;
        assert_eq!(r.status, StatusCode::OK);

        // The queue, filtered, with the reason.
        let r = app.get("/exampleshire/staff/cases?service=parking-permit&state=queued", sam).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_accessible(&r.body);
        let cells = texts(&r.body, "#cases tbody td");
        assert_eq!(cells[0], reference);
        assert!(cells[5].contains("not taxed"), "{cells:?}");
        let r = app.get("/exampleshire/staff/cases?state=approved", sam).await;
        assert!(texts(&r.body, "#no-cases").len() == 1);
        let r = app.get("/exampleshire/staff/cases?assigned=me", sam).await;
        assert!(texts(&r.body, "#no-cases").len() == 1);

        // The case: answers, evidence with entry numbers, then assign and decide.
        let case = w.engine.queue(c, &QueueFilter::default()).await.unwrap().remove(0);
        let path = format!("/exampleshire/staff/cases/{}", case.id);
        let r = app.get(&path, sam).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_accessible(&r.body);
        let history = texts(&r.body, "#history tbody tr");
        assert!(history.iter().any(|h| h.contains("vehicle register, key XY99ZZZ: failed")), "{history:?}");
        let evidence = texts(&r.body, "#evidence tbody tr");
        assert_eq!(evidence.len(), 3);
        assert!(evidence[1].contains("vehicle") && evidence[1].contains("XY99ZZZ") && evidence[1].contains("Failed"));
        assert!(texts(&r.body, "#answers .govuk-summary-list__value").contains(&"XY99ZZZ".to_string()));
        let r = app.get(&path, Who::Staff { id: "o", council: "otherborough", roles: "caseworker" }).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(app.post(&format!("{path}/assign"), sam, &[]).await.redirect(), path);
        let r = app.get("/exampleshire/staff/cases?assigned=me", sam).await;
        assert_eq!(texts(&r.body, "#cases tbody td")[0], reference);

        let r = app.post(&format!("{path}/decide"), sam, &[("decision", "refuse"), ("reason", " ")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_accessible(&r.body);
        assert!(texts(&r.body, ".govuk-error-summary a").contains(&"Give a reason for your decision".to_string()));
        let reason = "The vehicle is not taxed; tax it and apply again";
        let r = app.post(&format!("{path}/decide"), sam, &[("decision", "refuse"), ("reason", reason)]).await;
        assert_eq!(r.redirect(), path);
        let r = app.post(&format!("{path}/decide"), sam, &[("decision", "approve"), ("reason", "Replayed")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a second decision is refused");
        assert_eq!(w.engine.case_summary(c, case.id).await.unwrap().state, CaseState::Refused);

        let body = page(&app, "/exampleshire/your-applications", BOB).await;
        assert_eq!(texts(&body, "#applications tbody tr td")[3], "Refused");
        let body = page(&app, &done, BOB).await;
        assert_eq!(texts(&body, "#decision-reason"), vec![reason.to_string()]);
        let sent: Vec<String> = w.outbox.notifications.lock().unwrap().iter().map(|n| n.template.clone()).collect();
        assert!(sent.contains(&"parking-permit-refused".to_string()), "{sent:?}");

        // Another application, approved by the caseworker.
        let (id2, _) = start(&app, "parking-permit", BOB).await;
        parking_answers(&app, &id2, BOB, "XY99ZZZ").await;
        consent_pay_and_send(&w, &app, &id2, BOB).await;
        let case2 = w.engine.case_of_application(c, &id2).await.unwrap();
        let path2 = format!("/exampleshire/staff/cases/{}", case2.id);
        let r =
            app.post(&format!("{path2}/decide"), sam, &[("decision", "approve"), ("reason", "Tax paid today")]).await;
        assert_eq!(r.redirect(), path2);
        let body = page(&app, "/exampleshire/your-applications", BOB).await;
        let statuses: Vec<String> = texts(&body, "#applications tbody tr")
            .iter()
            .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert!(statuses.iter().any(|r| r.contains("Approved")) && statuses.iter().any(|r| r.contains("Refused")));
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_message_and_never_a_second_case() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, EVERY_KIND).await.unwrap();
        let app = App::start(&w).await;
        let (id, _) = start(&app, "every-kind", ADA).await;
        assert_eq!(start(&app, "every-kind", ADA).await.0, id, "a replayed Start now reuses the empty draft");
        let post = |page: &'static str, form: Vec<(&'static str, &'static str)>| {
            let (app, id) = (&app, id.clone());
            async move { app.post(&at(&id, page), citizen(ADA), &form).await }
        };

        // Missing answer and a postcode with no addresses.
        let r = post("home", vec![]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_accessible(&r.body);
        assert_eq!(texts(&r.body, ".govuk-error-summary a"), vec!["Enter a postcode"]);
        assert!(r.body.contains("<title>Error: "));
        let body = app.get(&format!("{}?postcode=ZZ9+9ZZ", at(&id, "home")), citizen(ADA)).await.body;
        assert!(texts(&body, ".govuk-error-summary a")[0].starts_with("We could not find any addresses in ZZ9 9ZZ"));
        // A tampered hidden postcode or address.
        let r = post("home", vec![("home-postcode", "ZX1 1AA"), ("home-uprn", "999")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_accessible(&r.body);
        assert_eq!(texts(&r.body, ".govuk-error-summary a"), vec!["Select an address from the list for that postcode"]);
        answer(&app, &id, "home", ADA, &[("home-postcode", "ZX1 1AA"), ("home-uprn", "100")]).await;
        // A page not in the definition, a page further on, a page not asked.
        let r = app.get(&at(&id, "no-such-page"), citizen(ADA)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("There is no page called"));
        assert_accessible(&r.body);
        let r = app.get(&at(&id, "email"), citizen(ADA)).await;
        assert_eq!(r.redirect(), at(&id, "pets"));
        let r = post("email", vec![("email", "ada@example.com")]).await;
        assert_eq!(r.redirect(), at(&id, "pets"));
        answer(&app, &id, "pets", ADA, &[("pets", "0")]).await;
        let r = app.get(&at(&id, "pet-names"), citizen(ADA)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("This question is not asked"));
        let r = post("pet-names", vec![("pet-names", "Rex")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Invalid dates, a number out of range, a forged option.
        let r = post("born", vec![("born-day", "31"), ("born-month", "2"), ("born-year", "1990")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_accessible(&r.body);
        assert_eq!(texts(&r.body, ".govuk-error-summary a"), vec!["The date must be a real date"]);
        assert!(r.body.contains(r#"value="31""#), "the posted date is kept");
        let r = post("born", vec![("born-day", "3"), ("born-month", "")]).await;
        assert_eq!(texts(&r.body, ".govuk-error-summary a"), vec!["The date must include a month"]);
        assert_accessible(&r.body);
        let r = post("pets", vec![("pets", "99")]).await;
        assert_eq!(texts(&r.body, ".govuk-error-summary a"), vec!["Enter a number of 20 or less"]);
        answer(&app, &id, "born", ADA, &[("born-day", "1"), ("born-month", "1"), ("born-year", "1980")]).await;
        let r = post("colour", vec![("colour", "ultraviolet")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_accessible(&r.body);
        // A replayed post answers the same and goes to the same place.
        let first = answer(&app, &id, "colour", ADA, &[("colour", "red")]).await;
        assert_eq!(answer(&app, &id, "colour", ADA, &[("colour", "red")]).await, first);
        answer(&app, &id, "days", ADA, &[("days", "tue")]).await;
        answer(&app, &id, "email", ADA, &[("email", "ada@example.com")]).await;
        answer(&app, &id, "phone", ADA, &[]).await;
        let r = post("spot", vec![("spot-lat", "0"), ("spot-lon", "0")]).await;
        assert_eq!(texts(&r.body, ".govuk-error-summary a"), vec!["Choose a location in the United Kingdom"]);
        answer(&app, &id, "spot", ADA, &[("spot-lat", "52.2"), ("spot-lon", "-1.5")]).await;

        // Another citizen cannot open, answer or send it (the id is not theirs): 404.
        assert_eq!(app.get(&at(&id, "home"), citizen(BOB)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&at(&id, "check-answers"), citizen(BOB)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.post(&at(&id, "colour"), citizen(BOB), &[("colour", "red")]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.post(&at(&id, "check-answers"), citizen(BOB), &[]).await.status, StatusCode::NOT_FOUND);
        let other = app.get(&format!("/otherborough/applications/{id}/home"), citizen(ADA)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "another council's address");

        // Sent twice: one case, and the second shows the first's confirmation.
        let r = app.get(&at(&id, "paid"), citizen(ADA)).await;
        assert_eq!(r.redirect(), at(&id, "check-answers"), "no payment was started, so /paid does not send");
        assert!(w.engine.queue(c, &QueueFilter::default()).await.unwrap().is_empty());
        let r = app.post(&at(&id, "check-answers"), citizen(ADA), &[]).await;
        assert_eq!(r.redirect(), at(&id, "confirmation"));
        let r = app.post(&at(&id, "check-answers"), citizen(ADA), &[]).await;
        assert_eq!(r.redirect(), format!("{}?sent=again", at(&id, "confirmation")));
        let r = post("colour", vec![("colour", "other")]).await;
        assert_eq!(r.redirect(), format!("{}?sent=again", at(&id, "confirmation")), "no change after sending");
        assert_eq!(app.get(&at(&id, "colour"), citizen(ADA)).await.redirect(), at(&id, "confirmation"));
        assert_eq!(w.engine.queue(c, &QueueFilter::default()).await.unwrap().len(), 1);
        assert_eq!(w.engine.case_of_application(c, &id).await.unwrap().state, CaseState::Approved);
        // An unknown service and an unknown application are 404s.
        assert_eq!(app.get("/exampleshire/services/nothing", citizen(ADA)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&at("0123", "home"), citizen(ADA)).await.status, StatusCode::NOT_FOUND);
        w.test.cleanup().await;
    }
}

#[tokio::test]
async fn an_application_keeps_its_version_over_http_after_the_definition_is_republished() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, EVERY_KIND).await.unwrap();
        let app = App::start(&w).await;
        let (old, _) = start(&app, "every-kind", ADA).await;
        answer(&app, &old, "home", ADA, &[("home-postcode", "ZX1 1AA"), ("home-uprn", "100")]).await;
        let v2 = EVERY_KIND
            .replace("How many pets do you have?", "How many animals live with you?")
            .replace("name: Try every kind of question", "name: Try every kind of question again");
        assert_eq!(w.engine.publish(c, &v2).await.unwrap().version, 2);

        let body = page(&app, &at(&old, "pets"), ADA).await;
        assert_eq!(h1(&body), "How many pets do you have?", "the started application keeps version 1");
        let body = page(&app, "/exampleshire/services/every-kind", ADA).await;
        assert_eq!(h1(&body), "Try every kind of question again");
        assert!(body.contains(&format!(r#"href="{}""#, at(&old, "check-answers"))), "the draft can be continued");
        let (new, _) = start(&app, "every-kind", ADA).await;
        answer(&app, &new, "home", ADA, &[("home-postcode", "ZX1 1AA"), ("home-uprn", "100")]).await;
        assert_eq!(h1(&page(&app, &at(&new, "pets"), ADA).await), "How many animals live with you?");
        // "Continue" on Your applications resumes the old one where it was left.
        let body = page(&app, "/exampleshire/your-applications", ADA).await;
        assert_eq!(texts(&body, "#applications tbody tr").len(), 2);
        assert_eq!(app.get(&at(&old, "check-answers"), citizen(ADA)).await.redirect(), at(&old, "pets"));
        w.test.cleanup().await;
    }
}

/// A prompt that wrongly says consent is in place the first time it is asked (as if the citizen
/// revoked it a moment later), then asks the real one.
struct StaleOnce {
    asked: std::sync::atomic::AtomicBool,
    real: services::testing::RecordSourceConsent,
}

impl services::ports::ConsentPrompt for StaleOnce {
    fn ask<'a>(
        &'a self,
        request: &'a services::ports::ConsentAsk,
    ) -> services::ports::BoxFuture<'a, Result<Option<String>, services::ports::PortError>> {
        if !self.asked.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Box::pin(async { Ok(None) });
        }
        self.real.ask(request)
    }
}

const VEHICLE_CHECK: &str = r#"version: 1
id: vehicle-check
name: Check a vehicle
owner: exampleshire
sign_in: true
start: Check a vehicle is taxed.
pages:
  - id: registration
    kind: text
    question: What is the registration number?
checks:
  - id: vehicle
    register: vehicle
    key: upper(answers.registration)
    fields: [vehicle, tax-status]
    consent: To check the vehicle is taxed
    rule: 'record["tax-status"] == "Taxed"'
    reason: The vehicle is not taxed
decision:
  auto_approve: true
"#;

#[tokio::test]
async fn consent_missing_when_the_engine_reads_sends_the_citizen_to_the_consent_page_not_an_error() {
    for w in worlds().await {
        let c = w.exampleshire.id;
        w.engine.publish(c, VEHICLE_CHECK).await.unwrap();
        let real = services::testing::RecordSourceConsent::new(w.records.clone());
        let prompt = StaleOnce { asked: false.into(), real: real.clone() };
        let app = App::start_with(&w, real, std::sync::Arc::new(prompt)).await;
        let (id, _) = start(&app, "vehicle-check", ADA).await;
        assert_eq!(
            answer(&app, &id, "registration", ADA, &[("registration", "AB12CDE")]).await,
            at(&id, "check-answers")
        );
        // The prompt says yes, the engine's read finds no consent: the citizen is asked, no case yet.
        let r = app.post(&at(&id, "check-answers"), citizen(ADA), &[]).await;
        let consent = r.redirect().to_string();
        assert!(consent.starts_with("/testing/consent?"), "{consent}");
        assert!(w.engine.queue(c, &QueueFilter::default()).await.unwrap().is_empty());
        assert_eq!(app.get(&consent, citizen(ADA)).await.redirect(), at(&id, "continue"));
        let r = app.get(&at(&id, "continue"), citizen(ADA)).await;
        assert_eq!(r.redirect(), at(&id, "confirmation"));
        assert_eq!(w.engine.case_of_application(c, &id).await.unwrap().state, CaseState::Approved);
        w.test.cleanup().await;
    }
}
