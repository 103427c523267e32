//! The payments brick through real HTTP on SQLite and PostgreSQL: a client written to Pay's
//! OpenAPI file creates, pays through the hosted pages (forms driven with plain HTTP, as with
//! JavaScript off), reads, refunds and searches; bad input gets Pay's errors and stores
//! nothing; concurrency keeps refunds within what was captured and idempotency keys to one
//! payment; no card number reaches the database or the logs.

mod support;

use payments::{CardProvider, Clock, KeyType, PaymentState, Payments};
use serde_json::json;
use support::pay_client::{PaymentRefundRequest, RequestError};
use support::{RETURN_URL, create_request, open, pay, spawn, submit_card};

async fn count_payments(t: &store::testing::TestStore) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM pay_payments").fetch_one(t.store.pool()).await.expect("count").get(0)
}

#[tokio::test]
async fn a_client_written_to_pays_openapi_creates_pays_reads_refunds_and_searches() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let client = app.client();
        let mut req = create_request("PERMIT-1", 4500);
        req.metadata = Some(json!({"fund": "PARKING", "cost_centre": "CC100"}).as_object().cloned().expect("map"));
        let created = client.create_payment(&req, None).await.expect("created");
        assert_eq!(created.state.status, "created");
        assert!(!created.state.finished);
        assert_eq!(created.payment_provider, "sandbox");
        let next_url = created.links.next_url.clone().expect("next_url").href;

        let landed = pay(&app, &next_url, "4444333322221111").await;
        assert_eq!(landed, RETURN_URL);
        // next_url is single use.
        let again = app.http.get(&next_url).send().await.expect("reuse");
        assert_eq!(again.status().as_u16(), 404);

        let paid = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!(paid.state.status, "success");
        assert!(paid.state.finished);
        assert!(paid.links.next_url.is_none());
        let card = paid.card_details.expect("card details");
        assert_eq!(card.last_digits_card_number.as_deref(), Some("1111"));
        assert_eq!(card.card_brand.as_deref(), Some("Visa"));
        assert_eq!(card.cardholder_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(paid.refund_summary.amount_available, 4500);

        let events = client.get_events(&created.payment_id).await.expect("events");
        let states: Vec<&str> = events.events.iter().map(|e| e.state.status.as_str()).collect();
        assert_eq!(states, ["created", "started", "submitted", "success"]);

        let refund = client
            .refund(&created.payment_id, &PaymentRefundRequest { amount: 1000, refund_amount_available: Some(4500) })
            .await
            .expect("refund");
        assert_eq!((refund.amount, refund.status.as_str()), (1000, "success"));
        let mismatch = client
            .refund(&created.payment_id, &PaymentRefundRequest { amount: 1, refund_amount_available: Some(4500) })
            .await
            .expect_err("stale guard");
        assert_eq!(mismatch.0, 412);
        let too_much = client
            .refund(&created.payment_id, &PaymentRefundRequest { amount: 3501, refund_amount_available: None })
            .await
            .expect_err("more than left");
        assert_eq!((too_much.0, too_much.1.map(|e| e.code)), (400, Some("P0603".to_string())));
        let after = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!((after.refund_summary.amount_available, after.refund_summary.amount_submitted), (3500, 1000));

        for i in 0..4 {
            client.create_payment(&create_request(&format!("OTHER-{i}"), 100 + i), None).await.expect("more");
        }
        let found = client.search_payments(&[("reference", "PERMIT-1")]).await.expect("search");
        assert_eq!((found.total, found.count), (1, 1));
        assert_eq!(found.results[0].payment_id, created.payment_id);
        let by_card =
            client.search_payments(&[("last_digits_card_number", "1111"), ("state", "success")]).await.expect("s");
        assert_eq!(by_card.total, 1);
        let page1 = client.search_payments(&[("display_size", "2")]).await.expect("page 1");
        assert_eq!((page1.total, page1.count, page1.page), (5, 2, 1));
        assert!(page1.links.prev_page.is_none());
        let page2 = client.follow(&page1.links.next_page.expect("next").href).await.expect("page 2");
        assert_eq!((page2.page, page2.count), (2, 2));
        let last = client.follow(&page2.links.last_page.expect("last").href).await.expect("page 3");
        assert_eq!((last.page, last.count), (3, 1));
        assert!(last.links.next_page.is_none());
        let bad = client.search_payments(&[("display_size", "501")]).await.expect_err("too big");
        assert_eq!((bad.0, bad.1.map(|e| e.code)), (422, Some("P0401".to_string())));

        let refunds = client.search_refunds(&[]).await.expect("refunds");
        assert_eq!((refunds.total, refunds.results[0].amount), (1, 1000));

        // The ledger balances and carries the fund and cost centre from the metadata.
        let day = &paid.created_date[..10];
        let rows = app.payments.ledger_rows(app.council.id, day).await.expect("ledger");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows.iter().map(|r| r.amount).sum::<i64>(), 0);
        assert!(rows.iter().all(|r| r.fund == "PARKING" && r.cost_centre == "CC100"));
        let csv = app.payments.settlement_csv(app.council.id, day).await.expect("csv");
        assert!(csv.ends_with(&format!("{day},TOTAL,,,,,5500,5500\n")), "{csv}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_gets_pays_error_for_it_and_stores_nothing() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let url = format!("{}/v1/payments", app.base);
        let good = json!({"amount": 1000, "reference": "R", "description": "D", "return_url": RETURN_URL});
        let cases = [
            (
                json!({"amount": 0, "reference": "R", "description": "D", "return_url": RETURN_URL}),
                422,
                "P0102",
                "amount",
            ),
            (
                json!({"amount": 10_000_001, "reference": "R", "description": "D", "return_url": RETURN_URL}),
                422,
                "P0102",
                "amount",
            ),
            (
                json!({"amount": 1000, "reference": "R", "description": "D", "return_url": "not a url"}),
                422,
                "P0102",
                "return_url",
            ),
            (json!({"reference": "R", "description": "D", "return_url": RETURN_URL}), 400, "P0101", "amount"),
            (
                json!({"amount": 1000, "reference": "R", "description": "D", "return_url": RETURN_URL,
                       "metadata": {"k": "x".repeat(101)}}),
                422,
                "P0102",
                "metadata",
            ),
        ];
        for (body, status, code, field) in cases {
            let res = app.http.post(&url).bearer_auth(&app.key).json(&body).send().await.expect("send");
            assert_eq!(res.status().as_u16(), status, "{body}");
            let error: RequestError = res.json().await.expect("error body");
            assert_eq!((error.code.as_str(), error.field.as_deref()), (code, Some(field)), "{body}");
        }
        let res = app.http.post(&url).bearer_auth(&app.key).body("{not json").send().await.expect("send");
        assert_eq!(res.status().as_u16(), 400);
        let wrong = app.http.post(&url).bearer_auth("api_test_wrongwrongwrong").json(&good).send().await.expect("send");
        assert_eq!(wrong.status().as_u16(), 401);
        let other_key = payments::keys::generate(KeyType::Test);
        let unknown = app.http.post(&url).bearer_auth(&other_key).json(&good).send().await.expect("send");
        assert_eq!(unknown.status().as_u16(), 401);
        let none = app.http.post(&url).json(&good).send().await.expect("send");
        assert_eq!(none.status().as_u16(), 401);
        assert_eq!(count_payments(&t).await, 0);
        let missing = app.client().get_payment("nosuchpayment").await.expect_err("404");
        assert_eq!((missing.0, missing.1.map(|e| e.code)), (404, Some("P0200".to_string())));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_same_idempotency_key_from_twenty_parallel_requests_creates_one_payment() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let client = app.client();
            tasks.push(tokio::spawn(async move {
                client.create_payment(&create_request("IDEM", 700), Some("key-123")).await.expect("create").payment_id
            }));
        }
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.expect("task"));
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "one payment for one key");
        assert_eq!(count_payments(&t).await, 1);
        let conflict =
            app.client().create_payment(&create_request("IDEM", 701), Some("key-123")).await.expect_err("409");
        assert_eq!(conflict.0, 409);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn fifty_simultaneous_refunds_never_exceed_the_captured_amount() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let client = app.client();
        let created = client.create_payment(&create_request("REFUNDS", 1000), None).await.expect("create");
        pay(&app, &created.links.next_url.expect("next").href, "4444333322221111").await;
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let client = app.client();
            let id = created.payment_id.clone();
            tasks.push(tokio::spawn(async move {
                client.refund(&id, &PaymentRefundRequest { amount: 30, refund_amount_available: None }).await.is_ok()
            }));
        }
        let mut accepted = 0;
        for task in tasks {
            if task.await.expect("task") {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 33, "1000p captured allows 33 refunds of 30p");
        let after = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!((after.refund_summary.amount_submitted, after.refund_summary.amount_available), (990, 10));
        let day = &after.created_date[..10];
        let rows = app.payments.ledger_rows(app.council.id, day).await.expect("ledger");
        assert_eq!(rows.iter().map(|r| r.amount).sum::<i64>(), 0);
        assert_eq!(rows.iter().filter(|r| r.account == "income").map(|r| r.amount).sum::<i64>(), -1000 + 990);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_declined_card_shows_the_error_and_the_citizen_can_try_again() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let client = app.client();
        let created = client.create_payment(&create_request("DECLINE", 2500), None).await.expect("create");
        let card_url = open(&app, &created.links.next_url.expect("next").href).await;
        let (status, _, body) = submit_card(&app, &card_url, "4000000000000002").await;
        assert_eq!(status, 402);
        assert!(body.contains("Your payment has been declined"), "{body}");
        assert!(!body.contains("4000000000000002"), "the card number is not echoed back");
        let (status, _, body) = submit_card(&app, &card_url, "4000000000000069").await;
        assert_eq!(status, 402);
        assert!(body.contains("The card has expired"));
        let (status, _, body) = submit_card(&app, &card_url, "4444333322221112").await;
        assert_eq!(status, 422);
        assert!(body.contains("Enter a valid card number"));
        let (status, location, _) = submit_card(&app, &card_url, "4444333322221111").await;
        assert_eq!((status, location.ends_with("/confirm")), (303, true));
        assert_eq!(client.get_payment(&created.payment_id).await.expect("read").state.status, "submitted");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_processing_error_card_puts_the_payment_in_error_with_p0050() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let created = app.client().create_payment(&create_request("ERR", 2500), None).await.expect("create");
        let card_url = open(&app, &created.links.next_url.expect("next").href).await;
        let (status, _, _) = submit_card(&app, &card_url, "4000000000000119").await;
        assert_eq!(status, 303);
        let page = app.http.get(&card_url).send().await.expect("result").text().await.expect("html");
        assert!(page.contains("technical problems"));
        let read = app.client().get_payment(&created.payment_id).await.expect("read");
        assert_eq!((read.state.status.as_str(), read.state.code.as_deref()), ("error", Some("P0050")));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_payment_not_finished_in_ninety_minutes_fails_with_p0020() {
    for t in store::testing::all().await {
        let clock = Clock::default();
        let app = spawn(&t, Some(Payments::new(t.store.clone()).with_clock(clock.clone()))).await;
        let client = app.client();
        let created = client.create_payment(&create_request("EXPIRE", 2500), None).await.expect("create");
        let card_url = open(&app, &created.links.next_url.clone().expect("next").href).await;
        clock.advance(time::Duration::minutes(89));
        assert_eq!(client.get_payment(&created.payment_id).await.expect("read").state.status, "started");
        clock.advance(time::Duration::minutes(1));
        let read = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!((read.state.status.as_str(), read.state.code.as_deref()), ("failed", Some("P0020")));
        let page = app.http.get(&card_url).send().await.expect("page").text().await.expect("html");
        assert!(page.contains("Your payment session has expired"));
        let (status, _, _) = {
            let res =
                app.http.post(&card_url).form(&support::card_form("4444333322221111")).send().await.expect("post");
            (res.status().as_u16(), (), ())
        };
        assert_eq!(status, 303, "an expired payment takes no card");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn cancel_and_delayed_capture_follow_pays_states() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let client = app.client();
        let created = client.create_payment(&create_request("CANCEL", 100), None).await.expect("create");
        assert_eq!(client.cancel_payment(&created.payment_id).await, Ok(204));
        let read = client.get_payment(&created.payment_id).await.expect("read");
        assert_eq!((read.state.status.as_str(), read.state.code.as_deref()), ("cancelled", Some("P0040")));
        let again = client.cancel_payment(&created.payment_id).await.expect_err("finished");
        assert_eq!(again.0, 400);

        let mut req = create_request("DELAYED", 800);
        req.delayed_capture = Some(true);
        let delayed = client.create_payment(&req, None).await.expect("create");
        pay(&app, &delayed.links.next_url.expect("next").href, "5101180000000007").await;
        let read = client.get_payment(&delayed.payment_id).await.expect("read");
        assert_eq!(read.state.status, "capturable");
        assert!(read.links.capture.is_some());
        assert_eq!(client.capture_payment(&delayed.payment_id).await, Ok(204));
        let read = client.get_payment(&delayed.payment_id).await.expect("read");
        assert_eq!(read.state.status, "success");
        assert_eq!(read.card_details.and_then(|c| c.card_brand).as_deref(), Some("Mastercard"));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn no_card_number_reaches_the_database_or_the_logs() {
    for t in store::testing::all().await {
        let app = spawn(&t, None).await;
        let number = "4242424242424242";
        let created = app.client().create_payment(&create_request("SCAN", 1234), None).await.expect("create");
        pay(&app, &created.links.next_url.expect("next").href, number).await;
        app.client()
            .refund(&created.payment_id, &PaymentRefundRequest { amount: 34, refund_amount_available: None })
            .await
            .expect("refund");
        assert_eq!(app.client().get_payment(&created.payment_id).await.expect("read").state.status, "success");
        match t.backend() {
            store::Backend::Sqlite => {
                let path = t.url.trim_start_matches("sqlite://").split('?').next().unwrap_or_default().to_string();
                let mut seen = 0;
                for suffix in ["", "-wal", "-shm"] {
                    if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                        seen += bytes.len();
                        assert!(
                            !bytes.windows(number.len()).any(|w| w == number.as_bytes()),
                            "card number in {path}{suffix}"
                        );
                    }
                }
                assert!(seen > 0);
            }
            store::Backend::Postgres => {
                use sqlx::Row;
                for table in ["pay_payments", "pay_events", "pay_refunds", "pay_ledger", "pay_webhook_deliveries"] {
                    let rows = sqlx::query(&format!("SELECT row_to_json(x)::text FROM {table} x"))
                        .fetch_all(t.store.pool())
                        .await
                        .expect("dump");
                    for row in rows {
                        let text: String = row.get(0);
                        assert!(!text.contains(number), "card number in {table}");
                    }
                }
            }
        }
        let logs = support::logs().lock().expect("logs").clone();
        assert!(!logs.is_empty(), "logs were captured");
        assert!(!logs.windows(number.len()).any(|w| w == number.as_bytes()), "card number in the logs");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document() {
    let t = store::testing::sqlite().await;
    let app = spawn(&t, None).await;
    let paths: Vec<&String> = app.openapi.paths.paths.keys().collect();
    for p in [
        "/v1/payments",
        "/v1/payments/{paymentId}",
        "/v1/payments/{paymentId}/events",
        "/v1/payments/{paymentId}/cancel",
        "/v1/payments/{paymentId}/capture",
        "/v1/payments/{paymentId}/refunds",
        "/v1/payments/{paymentId}/refunds/{refundId}",
        "/v1/refunds",
    ] {
        assert!(app.openapi.paths.paths.contains_key(p), "{p} missing from {paths:?}");
    }
    let _ = PaymentState::Created;
    let _: Option<&dyn CardProvider> = None;
    t.cleanup().await;
}
