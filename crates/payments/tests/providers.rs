//! The Stripe-shaped provider against a local fake written from Stripe's public docs, and
//! webhooks delivered with `Pay-Signature` and retried on the schedule.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Form;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use payments::{Authorisation, CardNumber, CardProvider, Clock, Payments, StripeProvider};
use serde_json::json;
use support::{create_request, pay, spawn};

async fn fake_stripe() -> String {
    async fn intents(headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> impl IntoResponse {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer sk_test_fake") {
            return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": {"type": "invalid_request_error"}})));
        }
        match form.get("payment_method_data[card][number]").map(String::as_str) {
            Some("4000000000000002") => (
                StatusCode::PAYMENT_REQUIRED,
                axum::Json(
                    json!({"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}}),
                ),
            ),
            Some(_) if form.get("capture_method").map(String::as_str) == Some("manual") => (
                StatusCode::OK,
                axum::Json(json!({"id": "pi_123", "object": "payment_intent", "status": "requires_capture"})),
            ),
            _ => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"type": "invalid_request_error"}}))),
        }
    }
    async fn capture(Path(id): Path<String>) -> impl IntoResponse {
        axum::Json(json!({"id": id, "status": "succeeded"}))
    }
    async fn refunds(Form(form): Form<HashMap<String, String>>) -> impl IntoResponse {
        axum::Json(json!({"id": "re_1", "status": "succeeded", "amount": form.get("amount")}))
    }
    let app = axum::Router::new()
        .route("/v1/payment_intents", post(intents))
        .route("/v1/payment_intents/{id}/capture", post(capture))
        .route("/v1/refunds", post(refunds));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn the_stripe_shaped_provider_authorises_declines_captures_and_refunds_against_a_local_fake() {
    let stripe = StripeProvider::new(&fake_stripe().await, "sk_test_fake");
    let mut request = payments::provider::CardAuthorisation {
        payment_id: "p1".into(),
        amount: 500,
        number: CardNumber::parse("4444333322221111").expect("card"),
        expiry_month: 12,
        expiry_year: 2035,
        cvc: "123".into(),
        cardholder_name: "Ada".into(),
    };
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
