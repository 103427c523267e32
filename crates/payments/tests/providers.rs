//! The Stripe-shaped provider against a local fake written from Stripe's public docs, and
//! webhooks delivered with `Pay-Signature` and retried on the schedule.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use payments::{Authorisation, CardNumber, CardProvider, Clock, KeyType, Payments, StripeProvider};
use serde_json::json;
use support::{CSRF, create_request, open, pay, redirect_target, spawn, submit_card};

/// Stripe's "authentication required" test card: its payment intents come back `requires_action`.
const STRIPE_3DS_CARD: &str = "4000002760003184";

/// The fake's payment intents that went through a 3-D Secure redirect: id → (status, return_url).
type Intents = Arc<Mutex<HashMap<String, (String, String)>>>;

/// A local fake of Stripe's payment-intent, capture and refund endpoints, written from Stripe's
/// public API reference, with the 3-D Secure redirect flow: the authentication-required card
/// answers `requires_action` with `next_action.redirect_to_url`, the fake "bank" page
/// (`/bank/{id}?outcome=pass|fail`) records the outcome and sends the cardholder back to the
/// intent's `return_url`, and `GET /v1/payment_intents/{id}` then says `requires_capture` or
/// `requires_payment_method`.
async fn fake_stripe() -> String {
    let intents: Intents = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let authorised =
        |headers: &HeaderMap| headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer sk_test_fake");
    let (store, bank_base) = (intents.clone(), base.clone());
    let create = move |headers: HeaderMap, Form(form): Form<HashMap<String, String>>| {
        let (store, bank_base) = (store.clone(), bank_base.clone());
        async move {
            if !authorised(&headers) {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": {"type": "invalid_request_error"}})));
            }
            let manual = form.get("capture_method").map(String::as_str) == Some("manual");
            match form.get("payment_method_data[card][number]").map(String::as_str) {
                Some("4000000000000002") => (
                    StatusCode::PAYMENT_REQUIRED,
                    axum::Json(
                        json!({"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}}),
                    ),
                ),
                Some(STRIPE_3DS_CARD) if manual => {
                    // Stripe needs a return_url to redirect the cardholder for authentication.
                    let Some(return_url) = form.get("return_url").cloned() else {
                        return (
                            StatusCode::BAD_REQUEST,
                            axum::Json(json!({"error": {"type": "invalid_request_error"}})),
                        );
                    };
                    let id = format!("pi_3ds_{}", form.get("metadata[payment_id]").cloned().unwrap_or_default());
                    store.lock().expect("intents").insert(id.clone(), ("requires_action".into(), return_url.clone()));
                    (
                        StatusCode::OK,
                        axum::Json(json!({"id": id, "object": "payment_intent", "status": "requires_action",
                            "next_action": {"type": "redirect_to_url",
                                "redirect_to_url": {"url": format!("{bank_base}/bank/{id}"), "return_url": return_url}}})),
                    )
                }
                Some(_) if manual => (
                    StatusCode::OK,
                    axum::Json(json!({"id": "pi_123", "object": "payment_intent", "status": "requires_capture"})),
                ),
                _ => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"type": "invalid_request_error"}}))),
            }
        }
    };
    let store = intents.clone();
    let bank = move |Path(id): Path<String>, Query(q): Query<HashMap<String, String>>| {
        let store = store.clone();
        async move {
            let mut intents = store.lock().expect("intents");
            let Some((status, return_url)) = intents.get_mut(&id) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            *status = match q.get("outcome").map(String::as_str) {
                Some("pass") => "requires_capture".into(),
                _ => "requires_payment_method".into(),
            };
            let back = format!("{return_url}?payment_intent={id}");
            (StatusCode::FOUND, [("location", back)]).into_response()
        }
    };
    let store = intents.clone();
    let read = move |headers: HeaderMap, Path(id): Path<String>| {
        let store = store.clone();
        async move {
            if !authorised(&headers) {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": {"type": "invalid_request_error"}})));
            }
            match store.lock().expect("intents").get(&id) {
                Some((status, _)) => {
                    (StatusCode::OK, axum::Json(json!({"id": id, "object": "payment_intent", "status": status})))
                }
                None => (StatusCode::NOT_FOUND, axum::Json(json!({"error": {"type": "invalid_request_error"}}))),
            }
        }
    };
    async fn capture(Path(id): Path<String>) -> impl IntoResponse {
        axum::Json(json!({"id": id, "status": "succeeded"}))
    }
    async fn refunds(Form(form): Form<HashMap<String, String>>) -> impl IntoResponse {
        axum::Json(json!({"id": "re_1", "status": "succeeded", "amount": form.get("amount")}))
    }
    let app = axum::Router::new()
        .route("/v1/payment_intents", post(create))
        .route("/v1/payment_intents/{id}", get(read))
        .route("/v1/payment_intents/{id}/capture", post(capture))
        .route("/v1/refunds", post(refunds))
        .route("/bank/{id}", get(bank));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn card_request(payment_id: &str, number: &str) -> payments::provider::CardAuthorisation {
    payments::provider::CardAuthorisation {
        payment_id: payment_id.into(),
        amount: 500,
        number: CardNumber::parse(number).expect("card"),
        expiry_month: 12,
        expiry_year: 2035,
        cvc: "123".into(),
        cardholder_name: "Ada".into(),
        return_url: Some("https://pay.example/exampleshire/pay/card/s1/3ds/return".into()),
    }
}

#[tokio::test]
async fn the_stripe_shaped_provider_authorises_declines_captures_and_refunds_against_a_local_fake() {
    let stripe = StripeProvider::new(&fake_stripe().await, "sk_test_fake");
    let mut request = card_request("p1", "4444333322221111");
    assert_eq!(stripe.authorise(&request).await, Ok(Authorisation::Authorised { provider_id: "pi_123".into() }));
    request.number = CardNumber::parse("4000000000000002").expect("card");
    assert!(matches!(stripe.authorise(&request).await, Ok(Authorisation::Declined { .. })));
    assert_eq!(stripe.capture("pi_123", 500).await, Ok(()));
    assert_eq!(stripe.refund("pi_123", 100).await, Ok("re_1".to_string()));
    let wrong_key = StripeProvider::new(&fake_stripe().await, "sk_wrong");
    assert!(wrong_key.authorise(&request).await.is_err(), "a refused key is a provider error");
}

#[tokio::test]
async fn webhooks_are_signed_and_retried_after_a_failure() {
    let received: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let attempts = Arc::new(Mutex::new(0));
    let (r, a) = (received.clone(), attempts.clone());
    let hook = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let (r, a) = (r.clone(), a.clone());
            async move {
                let mut n = a.lock().expect("attempts");
                *n += 1;
                if *n == 1 {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                let sig = headers.get("pay-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                r.lock().expect("received").push((sig, body));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hook_url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, hook).await });

    for t in store::testing::all().await {
        *attempts.lock().expect("attempts") = 0;
        received.lock().expect("received").clear();
        let clock = Clock::default();
        let app = spawn(&t, Some(Payments::new(t.store.clone()).with_clock(clock.clone()))).await;
        let secret = app.payments.add_webhook(app.council.id, &hook_url).await.expect("webhook");
        let created = app.client().create_payment(&create_request("HOOK", 900), None).await.expect("create");
        pay(&app, &created.links.next_url.expect("next").href, "4444333322221111").await;
        assert_eq!(app.payments.deliver_due_webhooks().await.expect("deliver"), 0, "first attempt fails");
        assert_eq!(app.payments.deliver_due_webhooks().await.expect("deliver"), 0, "not due again yet");
        clock.advance(time::Duration::seconds(payments::webhooks::RETRY_SCHEDULE[0]));
        assert_eq!(app.payments.deliver_due_webhooks().await.expect("deliver"), 1, "retried after a minute");
        let got = received.lock().expect("received").clone();
        assert_eq!(got.len(), 1);
        let (sig, body) = &got[0];
        assert_eq!(sig, &payments::webhooks::signature(&secret, body.as_bytes()));
        let message: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(
            (message["event_type"].as_str(), message["resource_id"].as_str()),
            (Some("card_payment_succeeded"), Some(created.payment_id.as_str()))
        );
        t.cleanup().await;
    }
}

/// Follows the fake bank's redirect for one outcome and returns where it sends the cardholder.
async fn answer_bank(http: &reqwest::Client, bank_url: &str, outcome: &str) -> String {
    let res = http.get(format!("{bank_url}?outcome={outcome}")).send().await.expect("bank page");
    assert_eq!(res.status().as_u16(), 302, "the bank sends the cardholder back");
    redirect_target(&res)
}

#[tokio::test]
async fn the_stripe_shaped_provider_follows_stripes_3d_secure_redirect_and_reads_the_outcome() {
    let stripe = StripeProvider::new(&fake_stripe().await, "sk_test_fake");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for (payment_id, outcome) in [("pass1", "pass"), ("fail1", "fail")] {
        let request = card_request(payment_id, STRIPE_3DS_CARD);
        let Ok(Authorisation::ChallengeRequired { provider_id, redirect_url: Some(bank) }) =
            stripe.authorise(&request).await
        else {
            panic!("the authentication-required card asks for a redirect to the bank");
        };
        assert_eq!(provider_id, format!("pi_3ds_{payment_id}"));
        // Nothing is decided until the bank has answered.
        assert!(matches!(stripe.complete_challenge(&provider_id, true).await, Ok(Authorisation::Declined { .. })));
        let back = answer_bank(&http, &bank, outcome).await;
        assert!(back.starts_with("https://pay.example/exampleshire/pay/card/s1/3ds/return?payment_intent="), "{back}");
        let answer = stripe.complete_challenge(&provider_id, false).await;
        if outcome == "pass" {
            assert_eq!(answer, Ok(Authorisation::Authorised { provider_id: provider_id.clone() }));
        } else {
            assert!(matches!(answer, Ok(Authorisation::Declined { .. })), "{answer:?}");
        }
    }
    // Without a return_url Stripe cannot redirect: the fake refuses, and that is a provider error.
    let mut request = card_request("noreturn", STRIPE_3DS_CARD);
    request.return_url = None;
    assert!(stripe.authorise(&request).await.is_err());
}

#[tokio::test]
async fn a_live_payment_through_the_hosted_pages_passes_or_fails_stripes_3d_secure_at_the_bank() {
    for t in store::testing::all().await {
        let stripe = StripeProvider::new(&fake_stripe().await, "sk_test_fake");
        let payments = Payments::new(t.store.clone()).with_live_provider(Arc::new(stripe));
        let app = spawn(&t, Some(payments)).await;
        let live = app.payments.create_key(app.council.id, KeyType::Live, "live").await.expect("live key");
        let client = support::pay_client::PayClient { base: app.base.clone(), key: live, http: app.http.clone() };
        for (reference, outcome) in [("LIVE-3DS-PASS", "pass"), ("LIVE-3DS-FAIL", "fail")] {
            let created = client.create_payment(&create_request(reference, 1200), None).await.expect("create");
            let card_url = open(&app, &created.links.next_url.expect("next_url").href).await;
            let (status, bank, body) = submit_card(&app, &card_url, STRIPE_3DS_CARD).await;
            assert_eq!(status, 303, "{body}");
            assert!(bank.contains("/bank/pi_3ds_"), "the citizen is sent to the bank's page: {bank}");
            let read = client.get_payment(&created.payment_id).await.expect("read");
            assert_eq!(read.state.status, "started", "pending 3-D Secure shows as started");
            // Reloading the card page, or opening the hosted challenge step, goes back to the bank.
            for url in [card_url.clone(), format!("{card_url}/3ds")] {
                let res = app.http.get(&url).send().await.expect("reload");
                assert_eq!((res.status().as_u16(), redirect_target(&res)), (303, bank.clone()), "{url}");
            }
            let back = answer_bank(&app.http, &bank, outcome).await;
            assert!(
                back.starts_with(&format!("{card_url}/3ds/return?payment_intent=")),
                "{back} (card page {card_url})"
            );
            let res = app.http.get(&back).send().await.expect("back from the bank");
            assert_eq!(res.status().as_u16(), 303);
            let next = redirect_target(&res);
            if outcome == "pass" {
                assert!(next.ends_with("/confirm"), "{next}");
                let confirm_url = format!("{}{next}", app.base);
                let res = app.http.post(&confirm_url).form(&[(web::CSRF_FIELD, CSRF)]).send().await.expect("confirm");
                assert_eq!(redirect_target(&res), support::RETURN_URL);
                let paid = client.get_payment(&created.payment_id).await.expect("read");
                assert_eq!((paid.state.status.as_str(), paid.payment_provider.as_str()), ("success", "stripe"));
            } else {
                let failed = client.get_payment(&created.payment_id).await.expect("read");
                assert_eq!(
                    (failed.state.status.as_str(), failed.state.code.as_deref()),
                    ("failed", Some("P0010")),
                    "a failed check at the bank declines the payment"
                );
            }
        }
        t.cleanup().await;
    }
}
