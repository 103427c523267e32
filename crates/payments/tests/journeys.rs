//! The hosted journey's harder paths over real HTTP on SQLite and PostgreSQL: a 3-D Secure
//! challenge passed and failed, the whole journey in Welsh, the staff settlement page (and its
//! CSV) for that council's staff only, and webhooks queued in the very transaction that
//! finishes a payment.

mod support;

use serde_json::json;
use sqlx::Row;
use support::{CSRF, RETURN_URL, create_request, open, redirect_target, spawn, submit_card};

fn next_url(created: &support::pay_client::Payment) -> String {
    created.links.next_url.clone().expect("next_url").href
}

#[tokio::test]
async fn the_three_d_secure_card_goes_through_a_challenge_that_authorises_or_fails() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let client = app.client();

        // Passed: challenge page, then confirm, then success.
        let created = client.create_payment(&create_request("3DS-PASS", 4200), None).await.expect("create");
        let card_url = open(&app, &next_url(&created)).await;
        let (status, location, _) = submit_card(&app, &card_url, payments::THREE_DS_CARD).await;
        assert_eq!((status, location.ends_with("/3ds")), (303, true), "the issuer asks for a challenge");
        let read = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!(read.state.status, "started", "Pay shows a payment awaiting 3-D Secure as started");
        let challenge_url = format!("{}{location}", app.base);
        let card_again = app.http.get(&card_url).send().await.expect("card page");
        assert_eq!(redirect_target(&card_again), location, "the card page sends the citizen back to the challenge");
        let page = app.http.get(&challenge_url).send().await.expect("challenge").text().await.expect("html");
        assert!(page.contains("Confirm it’s you") && page.contains(CSRF), "{page}");
        let refused = app.http.post(&challenge_url).form(&[(web::CSRF_FIELD, CSRF), ("result", "maybe")]).send().await;
        assert_eq!(refused.expect("post").status().as_u16(), 400, "an unknown answer is refused");
        let passed = app
            .http
            .post(&challenge_url)
            .form(&[(web::CSRF_FIELD, CSRF), ("result", "authenticated")])
            .send()
            .await
            .expect("pass");
        assert!(redirect_target(&passed).ends_with("/confirm"));
        assert_eq!(client.get_payment(&created.payment_id).await.expect("read").state.status, "submitted");
        let confirm_url = format!("{}{}", app.base, redirect_target(&passed));
        let done = app.http.post(&confirm_url).form(&[(web::CSRF_FIELD, CSRF)]).send().await.expect("confirm");
        assert_eq!(redirect_target(&done), RETURN_URL);
        let read = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!(read.state.status, "success");
        assert_eq!(read.card_details.expect("card").last_digits_card_number.as_deref(), Some("3184"));

        // Failed: the payment fails with P0010 and the citizen is told so.
        let created = client.create_payment(&create_request("3DS-FAIL", 4200), None).await.expect("create");
        let card_url = open(&app, &next_url(&created)).await;
        let (_, location, _) = submit_card(&app, &card_url, payments::THREE_DS_CARD).await;
        let challenge_url = format!("{}{location}", app.base);
        let failed = app
            .http
            .post(&challenge_url)
            .form(&[(web::CSRF_FIELD, CSRF), ("result", "failed")])
            .send()
            .await
            .expect("fail");
        assert_eq!(failed.status().as_u16(), 303);
        let result = app.http.get(&card_url).send().await.expect("result").text().await.expect("html");
        assert!(result.contains("Your payment has been declined"), "{result}");
        let read = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!((read.state.status.as_str(), read.state.code.as_deref()), ("failed", Some("P0010")));
        let again =
            app.http.post(&challenge_url).form(&[(web::CSRF_FIELD, CSRF), ("result", "authenticated")]).send().await;
        assert!(!redirect_target(&again.expect("again")).ends_with("/confirm"), "a failed challenge cannot be redone");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_welsh_payment_shows_every_hosted_page_in_welsh() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let client = app.client();
        let mut request = create_request("CY-1", 1500);
        request.language = Some("cy".to_string());
        let created = client.create_payment(&request, None).await.expect("create");
        assert_eq!(created.language, "cy");
        let card_url = open(&app, &next_url(&created)).await;
        let page = app.http.get(&card_url).send().await.expect("card").text().await.expect("html");
        for welsh in
            ["Rhowch fanylion y cerdyn", "Rhif y cerdyn", "Cod diogelwch y cerdyn", "Cyfeiriad bilio", "Parhau"]
        {
            assert!(page.contains(welsh), "{welsh} missing");
        }
        assert!(page.contains(r#"lang="cy""#), "the Welsh content is marked as Welsh for screen readers");
        assert!(!page.contains("Enter card details"), "no English heading left");

        let (status, _, body) = submit_card(&app, &card_url, "4444333322221112").await;
        assert_eq!(status, 422);
        assert!(body.contains("Rhowch rif cerdyn dilys") && body.contains("Mae problem wedi codi"), "{body}");
        assert!(body.contains("<title>Gwall: "), "the title says there is an error, in Welsh");
        let (status, _, body) = submit_card(&app, &card_url, "4000000000000002").await;
        assert_eq!(status, 402);
        assert!(body.contains("Mae eich taliad wedi cael ei wrthod"), "{body}");

        let (_, location, _) = submit_card(&app, &card_url, "4444333322221111").await;
        let confirm_url = format!("{}{location}", app.base);
        let page = app.http.get(&confirm_url).send().await.expect("confirm").text().await.expect("html");
        assert!(page.contains("Cadarnhewch eich taliad") && page.contains("Cadarnhau’r taliad"), "{page}");

        // The same journey in English stays English.
        let created = client.create_payment(&create_request("EN-1", 1500), None).await.expect("create");
        let card_url = open(&app, &next_url(&created)).await;
        let page = app.http.get(&card_url).send().await.expect("card").text().await.expect("html");
        assert!(page.contains("Enter card details") && !page.contains("Rhif y cerdyn"));
        t.cleanup().await;
    }
}

async fn paid(app: &support::App, reference: &str, amount: i64, fund: &str) -> String {
    let mut request = create_request(reference, amount);
    let mut metadata = serde_json::Map::new();
    metadata.insert("fund".into(), json!(fund));
    metadata.insert("cost_centre".into(), json!("CC-42"));
    request.metadata = Some(metadata);
    let created = app.client().create_payment(&request, None).await.expect("create");
    support::pay(app, &next_url(&created), "4444333322221111").await;
    created.payment_id
}

#[tokio::test]
async fn the_settlement_page_shows_the_days_ledger_balancing_to_zero_to_that_councils_staff_only() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let first = paid(&app, "SET-1", 2500, "PARKING").await;
        paid(&app, "SET-2", 1000, "LICENSING").await;
        let refund = support::pay_client::PaymentRefundRequest { amount: 700, refund_amount_available: None };
        app.client().refund(&first, &refund).await.expect("refund");
        let day = &app.payments.clock().timestamp()[..10];
        let url = format!("{}/exampleshire/staff/payments/settlement?day={day}", app.base);

        let page = app.http.get(&url).header("x-test-staff", "exampleshire").send().await.expect("page");
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.expect("html");
        assert!(html.contains(&format!("Settlement for {day}")), "{html}");
        assert!(
            html.contains(&first) && html.contains("PARKING") && html.contains("LICENSING") && html.contains("CC-42")
        );
        // 25.00 + 10.00 captured, 7.00 refunded: debits £42.00 = credits £42.00.
        assert!(
            html.contains(r#"id="total-debits">£42.00<"#) && html.contains(r#"id="total-credits">£42.00<"#),
            "{html}"
        );
        assert!(html.contains("<strong>£0.00</strong>"), "the day balances to zero");
        let csv_href = format!("/exampleshire/staff/payments/settlement.csv?day={day}");
        assert!(html.contains(&csv_href), "the page links its CSV");

        let csv = app
            .http
            .get(format!("{}{csv_href}", app.base))
            .header("x-test-staff", "exampleshire")
            .send()
            .await
            .expect("csv");
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let body = csv.text().await.expect("csv body");
        assert_eq!(body.lines().count(), 1 + 6 + 1, "header, three debit/credit pairs, TOTAL: {body}");
        assert!(body.trim_end().ends_with(&format!("{day},TOTAL,,,,,4200,4200")), "{body}");

        let other = app.http.get(&url).header("x-test-staff", "northtown").send().await.expect("other");
        assert_eq!(other.status().as_u16(), 403, "staff of another council are refused");
        let other_csv = app
            .http
            .get(format!("{}{csv_href}", app.base))
            .header("x-test-staff", "northtown")
            .send()
            .await
            .expect("other csv");
        assert_eq!(other_csv.status().as_u16(), 403);
        let anonymous = app.http.get(&url).send().await.expect("anonymous");
        assert_eq!(anonymous.status().as_u16(), 303);
        assert_eq!(redirect_target(&anonymous), "/exampleshire/staff/sign-in");
        let citizen_csv = app.http.get(format!("{}{csv_href}", app.base)).send().await.expect("anonymous csv");
        assert_eq!(citizen_csv.status().as_u16(), 303, "no CSV without signing in");

        let bad = app
            .http
            .get(format!("{}/exampleshire/staff/payments/settlement?day=2026-02-30", app.base))
            .header("x-test-staff", "exampleshire")
            .send()
            .await
            .expect("bad day");
        assert_eq!(bad.status().as_u16(), 400);
        assert!(bad.text().await.expect("html").contains("Enter a real day"));
        let empty = app
            .http
            .get(format!("{}/exampleshire/staff/payments/settlement?day=2001-01-01", app.base))
            .header("x-test-staff", "exampleshire")
            .send()
            .await
            .expect("empty day");
        let html = empty.text().await.expect("html");
        assert!(
            html.contains("No payments were captured or refunded on this day")
                && html.contains("<strong>£0.00</strong>")
        );
        t.cleanup().await;
    }
}

/// Makes every webhook delivery insert fail, as a full disk or a lost connection would.
async fn refuse_webhook_rows(t: &store::testing::TestStore) {
    let pool = t.store.pool();
    if t.url.starts_with("sqlite") {
        sqlx::query(
            "CREATE TRIGGER refuse_deliveries BEFORE INSERT ON pay_webhook_deliveries \
             BEGIN SELECT RAISE(ABORT, 'deliveries refused'); END",
        )
        .execute(pool)
        .await
        .expect("sqlite trigger");
    } else {
        sqlx::query(
            "CREATE FUNCTION refuse_deliveries() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'deliveries refused'; END; $$ LANGUAGE plpgsql",
        )
        .execute(pool)
        .await
        .expect("pg function");
        sqlx::query(
            "CREATE TRIGGER refuse_deliveries BEFORE INSERT ON pay_webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_deliveries()",
        )
        .execute(pool)
        .await
        .expect("pg trigger");
    }
}

#[tokio::test]
async fn a_payment_is_not_cancelled_unless_its_webhook_is_queued_in_the_same_transaction() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        app.payments.add_webhook(app.council.id, "http://127.0.0.1:9/hook").await.expect("webhook");
        let client = app.client();
        let kept = client.create_payment(&create_request("HOOK-OK", 500), None).await.expect("create");
        client.cancel_payment(&kept.payment_id).await.expect("cancel");
        let queued: i64 = sqlx::query("SELECT COUNT(*) FROM pay_webhook_deliveries WHERE council_id = $1")
            .bind(app.council.id.0)
            .fetch_one(t.store.pool())
            .await
            .expect("count")
            .get(0);
        assert_eq!(queued, 1, "the cancellation queued its webhook");

        let created = client.create_payment(&create_request("HOOK-TX", 500), None).await.expect("create");
        refuse_webhook_rows(&t).await;
        assert!(client.cancel_payment(&created.payment_id).await.is_err(), "the cancel fails with its webhook");
        let read = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!(read.state.status, "created", "the state change rolled back with the webhook row");
        let events = sqlx::query("SELECT COUNT(*) FROM pay_events WHERE payment_id = $1")
            .bind(&created.payment_id)
            .fetch_one(t.store.pool())
            .await
            .expect("events")
            .get::<i64, _>(0);
        assert_eq!(events, 1, "no cancelled event was committed");
        t.cleanup().await;
    }
}
