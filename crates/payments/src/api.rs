//! GOV.UK Pay's API v1 over HTTP: create, read, list events, cancel, capture, search and
//! refund payments, and search refunds. Bodies, field names, states, links and errors
//! (`{field, code, description}`) are Pay's; handlers only authenticate, parse and shape
//! JSON, and every rule lives in [`Payments`].

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{Operation, PayError};
use crate::model::{Caller, Payment, PaymentEvent, Refund, format_timestamp, parse_timestamp};
use crate::payments::{PaymentSearch, Payments, RefundSearch, SearchPage, paging};
use crate::validate::{self, FieldError};
use crate::{KeyType, PaymentState};

/// What the handlers need: the brick and the public origin for links.
#[derive(Clone)]
pub struct ApiState {
    /// The payments brick.
    pub payments: Payments,
    /// The public origin (`https://pay.example.gov.uk`) used in `_links` and `next_url`;
    /// when None it is taken from the `Host` header.
    pub base_url: Option<String>,
}

/// An error on its way out, in Pay's shape.
#[derive(Debug)]
pub struct ApiError(pub PayError);

impl From<PayError> for ApiError {
    fn from(e: PayError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    /// Pay's HTTP status, error code, field and description for this error.
    pub fn parts(&self) -> (StatusCode, Option<&'static str>, Option<String>, String) {
        use Operation::*;
        match &self.0 {
            PayError::Unauthorized => (StatusCode::UNAUTHORIZED, None, None, String::new()),
            PayError::BadJson => (StatusCode::BAD_REQUEST, Some("P0197"), None, "Unable to parse JSON".into()),
            PayError::Field(f) => {
                let status = if f.code == "P0101" || f.code == "P0601" {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                (status, Some(f.code), Some(f.field.clone()), f.description.clone())
            }
            PayError::IdempotencyConflict => (
                StatusCode::CONFLICT,
                Some("P0191"),
                None,
                "The `Idempotency-Key` you sent in the request header has already been used to create a payment."
                    .into(),
            ),
            PayError::PaymentNotFound(op) => {
                let code = match op {
                    Get => "P0200",
                    Events => "P0300",
                    Cancel => "P0500",
                    Capture => "P1000",
                    Refund => "P0600",
                    Refunds => "P0800",
                    GetRefund => "P0700",
                };
                (StatusCode::NOT_FOUND, Some(code), None, "Not found".into())
            }
            PayError::RefundNotFound => (StatusCode::NOT_FOUND, Some("P0700"), None, "Not found".into()),
            PayError::CannotCancel => {
                (StatusCode::BAD_REQUEST, Some("P0501"), None, "Cancellation of payment failed".into())
            }
            PayError::CannotCapture => {
                (StatusCode::BAD_REQUEST, Some("P1003"), None, "Payment cannot be captured".into())
            }
            PayError::RefundNotAvailable(_) => (StatusCode::BAD_REQUEST, Some("P0603"), None, self.0.to_string()),
            PayError::RefundAmountMismatch => {
                (StatusCode::PRECONDITION_FAILED, Some("P0604"), None, "Refund amount available mismatch.".into())
            }
            PayError::LinkUsed | PayError::UnknownCouncil(_) => {
                (StatusCode::NOT_FOUND, Some("P0200"), None, "Not found".into())
            }
            PayError::Provider(_) | PayError::Database(_) | PayError::Store(_) => {
                tracing::error!(error = %self.0, "payments API request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, Some("P0198"), None, "Downstream system error".into())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field, description) = self.parts();
        if status == StatusCode::UNAUTHORIZED {
            return (status, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
        }
        let mut body = json!({"code": code, "description": description});
        if let Some(field) = field {
            body["field"] = json!(field);
        }
        if matches!(self.0, PayError::IdempotencyConflict) {
            body["header"] = json!("Idempotency-Key");
        }
        (status, Json(body)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

struct PayBearer;

impl utoipa::Modify for PayBearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API key `api_test_…` or `api_live_…` from `guildhall pay key create`"))
            .build();
        components.add_security_scheme("BearerAuth", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    modifiers(&PayBearer),
    security(("BearerAuth" = [])),
    tags((name = "Card payments", description = "Payments, wire-compatible with GOV.UK Pay API v1"),
         (name = "Refunding card payments", description = "Refunds, wire-compatible with GOV.UK Pay API v1"))
)]
struct ApiDoc;

/// The Pay API router (mount at the root) and its OpenAPI description.
pub fn router(state: ApiState) -> (axum::Router, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(create_payment, search_payments))
        .routes(routes!(get_payment))
        .routes(routes!(get_events))
        .routes(routes!(cancel_payment))
        .routes(routes!(capture_payment))
        .routes(routes!(create_refund, list_refunds))
        .routes(routes!(get_refund))
        .routes(routes!(search_refunds))
        .with_state(state)
        .split_for_parts()
}

async fn caller(state: &ApiState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    Ok(state.payments.authenticate(value).await?)
}

fn base_url(state: &ApiState, headers: &HeaderMap) -> String {
    match &state.base_url {
        Some(b) => b.trim_end_matches('/').to_string(),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

fn link(href: String, method: &str) -> Value {
    json!({"href": href, "method": method})
}

fn state_json(p: &Payment) -> Value {
    let mut s = json!({"status": p.state.as_str(), "finished": p.state.finished()});
    if let Some(f) = p.failure {
        s["message"] = json!(f.message());
        s["code"] = json!(f.code());
    }
    s
}

/// The payment fields shared by the API and webhook messages.
pub fn payment_summary(p: &Payment) -> Value {
    let mut out = json!({
        "payment_id": p.id,
        "amount": p.amount,
        "reference": p.reference,
        "description": p.description,
        "language": p.language,
        "state": state_json(p),
        "return_url": p.return_url,
        "payment_provider": p.provider,
        "created_date": p.created_at,
        "delayed_capture": p.delayed_capture,
        "moto": false,
        "authorisation_mode": "web",
        "refund_summary": {
            "status": p.refund_status(),
            "amount_available": p.refund_available(),
            "amount_submitted": p.refunded_amount,
        },
        "settlement_summary": {},
    });
    if let Some(email) = &p.email {
        out["email"] = json!(email);
    }
    if let Some(metadata) = &p.metadata {
        out["metadata"] = Value::Object(metadata.clone());
    }
    if let Some(id) = &p.provider_id {
        out["provider_id"] = json!(id);
    }
    if p.last_digits.is_some() {
        out["card_details"] = card_details(p);
        if let Some(brand) = &p.card_brand {
            out["card_brand"] = json!(brand);
        }
    }
    out
}

/// Pay's `CardDetails`: what is known of the card, each field only when known. Pay's OpenAPI
/// file types every field as a string or an object, never null, so unknown ones are left out
/// (`first_digits_card_number` and `card_type` always: only the brand and last four digits are kept).
fn card_details(p: &Payment) -> Value {
    let mut card = serde_json::Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            card.insert(name.to_string(), v);
        }
    };
    put("last_digits_card_number", p.last_digits.clone().map(Value::from));
    put("card_brand", p.card_brand.clone().map(Value::from));
    put("cardholder_name", p.cardholder_name.clone().map(Value::from));
    put("expiry_date", p.expiry_date.clone().map(Value::from));
    put("billing_address", p.billing_address.as_ref().and_then(|a| serde_json::to_value(a).ok()));
    Value::Object(card)
}

/// A payment as Pay returns it, with the `_links` its state allows.
async fn payment_json(state: &ApiState, base: &str, p: &Payment) -> Result<Value, ApiError> {
    let mut out = payment_summary(p);
    let self_url = format!("{base}/v1/payments/{}", p.id);
    let mut links = json!({
        "self": link(self_url.clone(), "GET"),
        "events": link(format!("{self_url}/events"), "GET"),
        "refunds": link(format!("{self_url}/refunds"), "GET"),
    });
    if let Some(token) = &p.next_url_token
        && p.state == PaymentState::Created
    {
        let slug = state.payments.council_slug(p.council_id).await?;
        let next = format!("{base}/{slug}/pay/secure/{token}");
        links["next_url"] = link(next.clone(), "GET");
    }
    if !p.state.finished() {
        links["cancel"] = link(format!("{self_url}/cancel"), "POST");
    }
    if p.state == PaymentState::Capturable {
        links["capture"] = link(format!("{self_url}/capture"), "POST");
    }
    out["_links"] = links;
    Ok(out)
}

fn refund_json(base: &str, r: &Refund) -> Value {
    let payment_url = format!("{base}/v1/payments/{}", r.payment_id);
    json!({
        "refund_id": r.id,
        "payment_id": r.payment_id,
        "amount": r.amount,
        "status": r.status.as_str(),
        "created_date": r.created_at,
        "settlement_summary": {},
        "_links": {
            "self": link(format!("{payment_url}/refunds/{}", r.id), "GET"),
            "payment": link(payment_url, "GET"),
        }
    })
}

fn parse_json(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError(PayError::BadJson))
}

/// Creates a payment. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(post, path = "/v1/payments", tag = "Card payments",
    request_body(content = Object, description = "CreateCardPaymentRequest: amount, reference, description, return_url, email, language, delayed_capture, metadata, prefilled_cardholder_details"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the original payment; different body: 409")),
    responses((status = 201, description = "Created", body = Object), (status = 200, description = "Already created with this Idempotency-Key", body = Object),
        (status = 400, description = "Missing field or bad JSON", body = Object), (status = 401, description = "API key missing or invalid"),
        (status = 409, description = "Idempotency-Key reused with a different body", body = Object), (status = 422, description = "Invalid field", body = Object)))]
async fn create_payment(State(state): State<ApiState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let json = parse_json(&body)?;
    let request = validate::create_payment(&json, caller.key_type == KeyType::Live).map_err(PayError::Field)?;
    let key = headers.get("idempotency-key").map(|v| v.to_str().unwrap_or_default().to_string());
    if let Some(k) = &key
        && (k.is_empty() || k.len() > 255)
    {
        let e = FieldError {
            field: "Idempotency-Key".into(),
            code: "P0102",
            description: "Invalid attribute value: Idempotency-Key. Must be 1 to 255 characters".into(),
        };
        return Err(PayError::Field(e).into());
    }
    let hash = hex::encode(Sha256::digest(validate::canonical(&json).as_bytes()));
    let (payment, created) = state.payments.create(caller, request, key.as_deref().map(|k| (k, hash.as_str()))).await?;
    let base = base_url(&state, &headers);
    let out = payment_json(&state, &base, &payment).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, [(header::LOCATION, format!("{base}/v1/payments/{}", payment.id))], Json(out)).into_response())
}

/// Reads a payment.
#[utoipa::path(get, path = "/v1/payments/{paymentId}", tag = "Card payments",
    params(("paymentId" = String, Path, description = "The payment_id")),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "API key missing or invalid"), (status = 404, description = "P0200", body = Object)))]
async fn get_payment(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let payment = state.payments.get(caller, &id, Operation::Get).await?;
    let base = base_url(&state, &headers);
    Ok(Json(payment_json(&state, &base, &payment).await?).into_response())
}

fn event_json(base: &str, id: &str, e: &PaymentEvent) -> Value {
    let mut state = json!({"status": e.state.as_str(), "finished": e.state.finished()});
    if let Some(f) = e.failure {
        state["message"] = json!(f.message());
        state["code"] = json!(f.code());
    }
    json!({"payment_id": id, "state": state, "updated": e.updated,
        "_links": {"payment_url": link(format!("{base}/v1/payments/{id}"), "GET")}})
}

/// A payment's state changes.
#[utoipa::path(get, path = "/v1/payments/{paymentId}/events", tag = "Card payments",
    params(("paymentId" = String, Path, description = "The payment_id")),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "API key missing or invalid"), (status = 404, description = "P0300", body = Object)))]
async fn get_events(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let events = state.payments.events(caller, &id).await?;
    let base = base_url(&state, &headers);
    let events: Vec<Value> = events.iter().map(|e| event_json(&base, &id, e)).collect();
    Ok(Json(json!({"payment_id": id, "events": events,
        "_links": {"self": link(format!("{base}/v1/payments/{id}/events"), "GET")}}))
    .into_response())
}

/// Cancels a payment the citizen has not finished.
#[utoipa::path(post, path = "/v1/payments/{paymentId}/cancel", tag = "Card payments",
    params(("paymentId" = String, Path, description = "The payment_id")),
    responses((status = 204, description = "Cancelled"), (status = 400, description = "P0501", body = Object), (status = 401, description = "API key missing or invalid"), (status = 404, description = "P0500", body = Object)))]
async fn cancel_payment(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    state.payments.cancel(caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Captures a delayed-capture payment.
#[utoipa::path(post, path = "/v1/payments/{paymentId}/capture", tag = "Card payments",
    params(("paymentId" = String, Path, description = "The payment_id")),
    responses((status = 204, description = "Captured"), (status = 400, description = "P1003", body = Object), (status = 401, description = "API key missing or invalid"), (status = 404, description = "P1000", body = Object)))]
async fn capture_payment(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    state.payments.capture(caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn date_param(q: &HashMap<String, String>, name: &str, code: &'static str) -> Result<Option<String>, ApiError> {
    match q.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_timestamp(v).map(|t| Some(format_timestamp(t))).ok_or_else(|| {
            ApiError(PayError::Field(FieldError {
                field: name.to_string(),
                code,
                description: format!(
                    "Invalid parameters: {name}. See Public API documentation for the correct data formats"
                ),
            }))
        }),
    }
}

fn page_links<T>(base: &str, path: &str, q: &HashMap<String, String>, page: &SearchPage<T>) -> Value {
    let href = |n: i64| {
        let mut params: Vec<(String, String)> =
            q.iter().filter(|(k, _)| k.as_str() != "page").map(|(k, v)| (k.clone(), v.clone())).collect();
        params.sort();
        params.push(("page".into(), n.to_string()));
        let qs: Vec<String> =
            params.iter().map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v))).collect();
        json!({"href": format!("{base}{path}?{}", qs.join("&")), "method": "GET"})
    };
    let last = page.last_page();
    // Pay's `SearchNavigationLinks` has each link as a `Link` object: a page that does not exist
    // is left out, not null.
    let mut links = json!({"self": href(page.page), "first_page": href(1), "last_page": href(last)});
    if page.page > 1 {
        links["prev_page"] = href(page.page - 1);
    }
    if page.page < last {
        links["next_page"] = href(page.page + 1);
    }
    links
}

/// Searches payments, newest first, with paging links.
#[utoipa::path(get, path = "/v1/payments", tag = "Card payments",
    params(("reference" = Option<String>, Query), ("email" = Option<String>, Query), ("state" = Option<String>, Query),
        ("card_brand" = Option<String>, Query), ("last_digits_card_number" = Option<String>, Query), ("cardholder_name" = Option<String>, Query),
        ("from_date" = Option<String>, Query), ("to_date" = Option<String>, Query), ("page" = Option<String>, Query), ("display_size" = Option<String>, Query)),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "API key missing or invalid"), (status = 422, description = "P0401", body = Object)))]
async fn search_payments(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let code = "P0401";
    let (page, display_size) =
        paging(q.get("page").map(String::as_str), q.get("display_size").map(String::as_str), code)
            .map_err(PayError::Field)?;
    let get = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    let search_state = match get("state") {
        None => None,
        Some(s) => Some(PaymentState::parse(&s).ok_or_else(|| {
            PayError::Field(FieldError {
                field: "state".into(),
                code,
                description: "Invalid parameters: state. See Public API documentation for the correct data formats"
                    .into(),
            })
        })?),
    };
    if let Some(d) = get("last_digits_card_number")
        && (d.len() != 4 || !d.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(PayError::Field(FieldError {
            field: "last_digits_card_number".into(),
            code,
            description:
                "Invalid parameters: last_digits_card_number. See Public API documentation for the correct data formats"
                    .into(),
        })
        .into());
    }
    let search = PaymentSearch {
        reference: get("reference"),
        email: get("email"),
        state: search_state,
        card_brand: get("card_brand"),
        last_digits_card_number: get("last_digits_card_number"),
        cardholder_name: get("cardholder_name"),
        from_date: date_param(&q, "from_date", code)?,
        to_date: date_param(&q, "to_date", code)?,
        page,
        display_size,
    };
    let found = state.payments.search(caller, &search).await?;
    let base = base_url(&state, &headers);
    let mut results = Vec::with_capacity(found.results.len());
    for p in &found.results {
        let mut j = payment_json(&state, &base, p).await?;
        if let Some(links) = j["_links"].as_object_mut() {
            links.remove("next_url");
        }
        results.push(j);
    }
    Ok(Json(json!({
        "total": found.total, "count": results.len(), "page": found.page, "results": results,
        "_links": page_links(&base, "/v1/payments", &q, &found),
    }))
    .into_response())
}

/// Refunds part or all of a successful payment.
#[utoipa::path(post, path = "/v1/payments/{paymentId}/refunds", tag = "Refunding card payments",
    params(("paymentId" = String, Path, description = "The payment_id")),
    request_body(content = Object, description = "PaymentRefundRequest: amount (pence), refund_amount_available (optional guard)"),
    responses((status = 202, description = "Refund accepted", body = Object), (status = 400, description = "P0603 or P0601", body = Object),
        (status = 401, description = "API key missing or invalid"), (status = 404, description = "P0600", body = Object), (status = 412, description = "P0604", body = Object), (status = 422, description = "P0602", body = Object)))]
async fn create_refund(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let json = parse_json(&body)?;
    let field = |name: &str, code: &'static str, description: String| {
        ApiError(PayError::Field(FieldError { field: name.into(), code, description }))
    };
    let amount = match json.get("amount") {
        None | Some(Value::Null) => return Err(field("amount", "P0601", "Missing mandatory attribute: amount".into())),
        Some(v) => v
            .as_i64()
            .ok_or_else(|| field("amount", "P0602", "Invalid attribute value: amount. Must be an integer".into()))?,
    };
    if !(1..=validate::MAX_AMOUNT).contains(&amount) {
        return Err(field(
            "amount",
            "P0602",
            format!("Invalid attribute value: amount. Must be between 1 and {}", validate::MAX_AMOUNT),
        ));
    }
    let expected = match json.get("refund_amount_available") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            field(
                "refund_amount_available",
                "P0602",
                "Invalid attribute value: refund_amount_available. Must be an integer".into(),
            )
        })?),
    };
    let refund = state.payments.refund(caller, &id, amount, expected).await?;
    let base = base_url(&state, &headers);
    Ok((StatusCode::ACCEPTED, Json(refund_json(&base, &refund))).into_response())
}

/// A payment's refunds.
#[utoipa::path(get, path = "/v1/payments/{paymentId}/refunds", tag = "Refunding card payments",
    params(("paymentId" = String, Path, description = "The payment_id")),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "API key missing or invalid"), (status = 404, description = "P0800", body = Object)))]
async fn list_refunds(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let refunds = state.payments.refunds(caller, &id).await?;
    let base = base_url(&state, &headers);
    let payment_url = format!("{base}/v1/payments/{id}");
    Ok(Json(json!({
        "payment_id": id,
        "_links": {"self": link(format!("{payment_url}/refunds"), "GET"), "payment": link(payment_url, "GET")},
        "_embedded": {"refunds": refunds.iter().map(|r| refund_json(&base, r)).collect::<Vec<_>>()},
    }))
    .into_response())
}

/// One refund.
#[utoipa::path(get, path = "/v1/payments/{paymentId}/refunds/{refundId}", tag = "Refunding card payments",
    params(("paymentId" = String, Path, description = "The payment_id"), ("refundId" = String, Path, description = "The refund_id")),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "API key missing or invalid"), (status = 404, description = "P0700", body = Object)))]
async fn get_refund(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path((id, refund_id)): Path<(String, String)>,
) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let refund = state.payments.get_refund(caller, &id, &refund_id).await?;
    Ok(Json(refund_json(&base_url(&state, &headers), &refund)).into_response())
}

/// Searches refunds, newest first, with paging links.
#[utoipa::path(get, path = "/v1/refunds", tag = "Refunding card payments",
    params(("from_date" = Option<String>, Query), ("to_date" = Option<String>, Query), ("page" = Option<String>, Query), ("display_size" = Option<String>, Query)),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "API key missing or invalid"), (status = 422, description = "P1101", body = Object)))]
async fn search_refunds(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let code = "P1101";
    let (page, display_size) =
        paging(q.get("page").map(String::as_str), q.get("display_size").map(String::as_str), code)
            .map_err(PayError::Field)?;
    let search = RefundSearch {
        from_date: date_param(&q, "from_date", code)?,
        to_date: date_param(&q, "to_date", code)?,
        page,
        display_size,
    };
    let found = state.payments.search_refunds(caller, &search).await?;
    let base = base_url(&state, &headers);
    let results: Vec<Value> = found.results.iter().map(|r| refund_json(&base, r)).collect();
    Ok(Json(json!({
        "total": found.total, "count": results.len(), "page": found.page, "results": results,
        "_links": page_links(&base, "/v1/refunds", &q, &found),
    }))
    .into_response())
}
