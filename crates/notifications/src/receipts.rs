//! Delivery receipts from HTTP providers, over HTTP: `POST /notify/receipts/sms/{provider}`
//! (Firetext's form: `reference`, `status`, …) and `POST /notify/receipts/letter/{provider}`
//! (the print API's JSON: `id`, `status`). Each provider has its own secret, given in the
//! callback URL it is set up with (`?token=…`); a receipt without it is refused with 403.
//! Handlers only parse and check the secret; [`Notify::record_receipt`] holds the rule.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::Deserialize;

use crate::http_providers::Receipt;
use crate::notify::Notify;

/// The brick and each receipt-sending provider's secret, by provider name.
#[derive(Clone)]
pub struct ReceiptsState {
    notify: Notify,
    tokens: Arc<HashMap<String, String>>,
}

impl ReceiptsState {
    /// Receipts for `notify` from the providers named in `tokens` (name → secret).
    pub fn new(notify: Notify, tokens: HashMap<String, String>) -> ReceiptsState {
        ReceiptsState { notify, tokens: Arc::new(tokens) }
    }
}

/// The receipt endpoints; mount at the root.
pub fn router(state: ReceiptsState) -> Router {
    Router::new()
        .route("/notify/receipts/sms/{provider}", post(sms_receipt))
        .route("/notify/receipts/letter/{provider}", post(letter_receipt))
        .with_state(state)
}

/// The secret in a receipt URL.
#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Firetext's receipt fields that matter here.
#[derive(Deserialize)]
struct FiretextReceipt {
    reference: String,
    status: String,
}

/// The print API's receipt.
#[derive(Deserialize)]
struct PrintReceipt {
    id: String,
    status: String,
}

fn allowed(state: &ReceiptsState, provider: &str, token: Option<&str>) -> bool {
    match (state.tokens.get(provider), token) {
        (Some(expected), Some(given)) => {
            expected.len() == given.len()
                && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        }
        _ => false,
    }
}

async fn record(state: &ReceiptsState, provider: &str, id: &str, receipt: Option<Receipt>) -> Response {
    let Some(receipt) = receipt else { return (StatusCode::BAD_REQUEST, "unknown status").into_response() };
    match state.notify.record_receipt(provider, id, receipt).await {
        // A receipt for an unknown or already final notification is acknowledged, so the
        // provider does not retry it for ever.
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            tracing::error!(error = %e, provider, "recording a delivery receipt failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn sms_receipt(
    State(state): State<ReceiptsState>,
    Path(provider): Path<String>,
    Query(query): Query<TokenQuery>,
    Form(form): Form<FiretextReceipt>,
) -> Response {
    if !allowed(&state, &provider, query.token.as_deref()) {
        return StatusCode::FORBIDDEN.into_response();
    }
    record(&state, &provider, &form.reference, Receipt::from_firetext(&form.status)).await
}

async fn letter_receipt(
    State(state): State<ReceiptsState>,
    Path(provider): Path<String>,
    Query(query): Query<TokenQuery>,
    Json(body): Json<PrintReceipt>,
) -> Response {
    if !allowed(&state, &provider, query.token.as_deref()) {
        return StatusCode::FORBIDDEN.into_response();
    }
    record(&state, &provider, &body.id, Receipt::from_print_api(&body.status)).await
}
