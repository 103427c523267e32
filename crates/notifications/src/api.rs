//! Notify's API v2 over HTTP, mounted at the server root (Notify's clients drop any path prefix
//! of their base URL): sending, reading and listing notifications, and reading and previewing
//! templates. Bodies, field names, statuses, dates and errors are Notify's; handlers only
//! authenticate, parse and shape JSON, and every rule lives in the brick.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::bulk::BulkRequest;
use crate::error::NotifyError;
use crate::inbound::ReceivedText;
use crate::notify::{Caller, ListFilter, Notification, Notify, Preview, SendRequest, Template};
use crate::precompiled::PrecompiledLetter;
use crate::template::TemplateType;

/// What the handlers need: the brick, and optionally the public base URL used in `uri` and `links`.
#[derive(Clone)]
pub struct ApiState {
    /// The notifications brick.
    pub notify: Notify,
    /// The public origin (`https://notify.example.gov.uk`); when None it is taken from the `Host` header.
    pub base_url: Option<String>,
}

/// An error on its way out, in Notify's shape: `{"status_code": N, "errors": [{"error", "message"}]}`.
#[derive(Debug)]
pub struct ApiError(pub NotifyError);

impl From<NotifyError> for ApiError {
    fn from(e: NotifyError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.0.notify_kind();
        let message = if status >= 500 {
            tracing::error!(error = %self.0, "notify API request failed");
            "Internal server error".to_string()
        } else {
            self.0.to_string()
        };
        let errors = match &self.0 {
            NotifyError::Rows(rows) => rows.iter().map(|m| json!({"error": kind, "message": m})).collect(),
            _ => vec![json!({"error": kind, "message": message})],
        };
        let body = json!({"status_code": status, "errors": errors});
        (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(body)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

/// Declares Notify's bearer JWT scheme.
struct NotifyJwt;

impl utoipa::Modify for NotifyJwt {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "A JWT signed HS256 with the API key's secret, claims `iss` (service id) and `iat` (within 30 s)",
            ))
            .build();
        components.add_security_scheme("notify_jwt", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    modifiers(&NotifyJwt),
    security(("notify_jwt" = [])),
    tags((name = "notify", description = "Notifications, wire-compatible with GOV.UK Notify API v2"))
)]
struct ApiDoc;

/// The largest request body: a 5 MB PDF in base64 with room for the rest of the JSON.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// The Notify API router (mount at the root) and its OpenAPI description.
pub fn router(state: ApiState) -> (axum::Router, utoipa::openapi::OpenApi) {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(send_email))
        .routes(routes!(send_sms))
        .routes(routes!(send_letter))
        .routes(routes!(get_notification))
        .routes(routes!(get_letter_pdf))
        .routes(routes!(send_bulk))
        .routes(routes!(get_bulk_job))
        .routes(routes!(list_notifications))
        .routes(routes!(get_template))
        .routes(routes!(get_template_version))
        .routes(routes!(list_templates))
        .routes(routes!(preview_template))
        .routes(routes!(list_received_texts))
        // A precompiled letter (5 MB of PDF) or a file (2 MB) travels base64-encoded in the JSON body.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(state)
        .split_for_parts();
    (router, api)
}

async fn caller(state: &ApiState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    Ok(state.notify.authenticate(value).await?)
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

fn uuid_param(value: &str, name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value).map_err(|_| ApiError(NotifyError::Validation(format!("{name} is not a valid UUID"))))
}

fn template_ref(base: &str, n: &Notification) -> Value {
    json!({"id": n.template_id, "version": n.template_version, "uri": format!("{base}/v2/template/{}", n.template_id)})
}

async fn send(state: ApiState, headers: HeaderMap, body: Bytes, kind: TemplateType) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let json: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError(NotifyError::BadRequest("Invalid JSON supplied in POST data".to_string())))?;
    let base = base_url(&state, &headers);
    if kind == TemplateType::Letter && PrecompiledLetter::is_precompiled(&json) {
        let letter = PrecompiledLetter::from_json(&json)?;
        let n = state.notify.send_precompiled_letter(&caller, letter).await?;
        let out = json!({"id": n.id, "reference": n.reference, "postage": n.postage});
        return Ok((StatusCode::CREATED, Json(out)).into_response());
    }
    let request = SendRequest::from_json(kind, &json)?;
    let n = state.notify.send_with_links(&caller, request, &base).await?;
    let content = match kind {
        TemplateType::Email => json!({
            "body": n.body, "subject": n.subject, "from_email": state.notify.from_email(&caller.service_name),
            "one_click_unsubscribe_url": null
        }),
        TemplateType::Sms => json!({"body": n.body, "from_number": state.notify.sms_sender()}),
        TemplateType::Letter => json!({"body": n.body, "subject": n.subject}),
    };
    let mut out = json!({
        "id": n.id,
        "reference": n.reference,
        "content": content,
        "uri": format!("{base}/v2/notifications/{}", n.id),
        "template": template_ref(&base, &n),
        "scheduled_for": null,
    });
    if kind == TemplateType::Letter {
        out["postage"] = json!(n.postage);
    }
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Sends an email.
#[utoipa::path(post, path = "/v2/notifications/email", tag = "notify",
    request_body(content = Object, description = "email_address, template_id, personalisation, reference, email_reply_to_id"),
    responses((status = 201, description = "Accepted and committed", body = Object), (status = 400, description = "BadRequestError or ValidationError"), (status = 403, description = "AuthError")))]
async fn send_email(State(state): State<ApiState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    send(state, headers, body, TemplateType::Email).await
}

/// Sends a text message.
#[utoipa::path(post, path = "/v2/notifications/sms", tag = "notify",
    request_body(content = Object, description = "phone_number, template_id, personalisation, reference, sms_sender_id"),
    responses((status = 201, description = "Accepted and committed", body = Object), (status = 400, description = "BadRequestError or ValidationError"), (status = 403, description = "AuthError")))]
async fn send_sms(State(state): State<ApiState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    send(state, headers, body, TemplateType::Sms).await
}

/// Sends a letter (address in personalisation `address_line_1`…`address_line_7`), or a
/// precompiled one (`reference` and `content`, a base64 PDF of at most 5 MB).
#[utoipa::path(post, path = "/v2/notifications/letter", tag = "notify",
    request_body(content = Object, description = "template_id, personalisation (with address lines), reference; or reference, content (base64 PDF), postage"),
    responses((status = 201, description = "Accepted and committed", body = Object), (status = 400, description = "BadRequestError or ValidationError"), (status = 403, description = "AuthError")))]
async fn send_letter(State(state): State<ApiState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    send(state, headers, body, TemplateType::Letter).await
}

fn notification_json(base: &str, n: &Notification) -> Value {
    let p = &n.personalisation;
    let letter = n.notification_type == TemplateType::Letter;
    let line = |i: usize| {
        if letter { p.get(&format!("address_line_{i}")).cloned().unwrap_or(Value::Null) } else { Value::Null }
    };
    let postcode = if letter {
        p.get("postcode").or_else(|| p.get("address_line_7")).cloned().unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    json!({
        "id": n.id,
        "reference": n.reference,
        "email_address": if n.notification_type == TemplateType::Email { json!(n.recipient) } else { Value::Null },
        "phone_number": if n.notification_type == TemplateType::Sms { json!(n.recipient) } else { Value::Null },
        "line_1": line(1), "line_2": line(2), "line_3": line(3), "line_4": line(4), "line_5": line(5), "line_6": line(6),
        "postcode": postcode,
        "type": n.notification_type.as_str(),
        "status": n.api_status(),
        "template": template_ref(base, n),
        "body": n.body,
        "subject": n.subject,
        "created_at": n.created_at,
        "created_by_name": null,
        "sent_at": n.sent_at,
        "completed_at": n.completed_at,
        "scheduled_for": null,
        "estimated_delivery": null,
        "postage": n.postage,
        "one_click_unsubscribe_url": null,
        "cost_in_pounds": 0.0,
        "is_cost_data_ready": true,
        "cost_details": {},
    })
}

/// One notification and its status.
#[utoipa::path(get, path = "/v2/notifications/{id}", tag = "notify",
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, description = "The notification", body = Object), (status = 404, description = "NoResultFound")))]
async fn get_notification(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let id = uuid_param(&id, "notification_id")?;
    let n = state.notify.notification(&caller.service_id, id).await?;
    Ok(Json(notification_json(&base_url(&state, &headers), &n)).into_response())
}

/// The PDF of a precompiled letter.
#[utoipa::path(get, path = "/v2/notifications/{id}/pdf", tag = "notify",
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, description = "The letter as PDF", content_type = "application/pdf"), (status = 400, description = "BadRequestError"), (status = 404, description = "NoResultFound")))]
async fn get_letter_pdf(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let id = uuid_param(&id, "notification_id")?;
    let pdf = state.notify.letter_pdf(&caller.service_id, id).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// Sends one template to many recipients as a job (beyond Notify's public API; GC Notify's shape):
/// `name`, `template_id`, `reference`, and `rows` (header row first) or `csv`.
#[utoipa::path(post, path = "/v2/notifications/bulk", tag = "notify",
    request_body(content = Object, description = "name, template_id, reference, rows (header first) or csv"),
    responses((status = 201, description = "The job, accepted", body = Object), (status = 400, description = "BadRequestError (one error per bad row) or ValidationError"), (status = 429, description = "TooManyRequestsError")))]
async fn send_bulk(State(state): State<ApiState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let json: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError(NotifyError::BadRequest("Invalid JSON supplied in POST data".to_string())))?;
    let request = BulkRequest::from_json(&json)?;
    let job = state.notify.create_bulk_job(&caller, request).await?;
    Ok((StatusCode::CREATED, Json(job.to_json())).into_response())
}

/// A bulk send's progress: rows accepted, and its notifications sending, delivered and failed.
#[utoipa::path(get, path = "/v2/notifications/bulk/{id}", tag = "notify",
    params(("id" = String, Path, description = "Job id")),
    responses((status = 200, description = "The job and its progress", body = Object), (status = 404, description = "NoResultFound")))]
async fn get_bulk_job(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let id = uuid_param(&id, "job_id")?;
    let job = state.notify.job(&caller.service_id, &id.to_string()).await?;
    Ok(Json(job.to_json()).into_response())
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                urlencoding::decode(&s).map(|c| c.into_owned()).unwrap_or(s)
            };
            (decode(k), decode(v))
        })
        .collect()
}

const STATUSES: &[&str] = &[
    "created",
    "sending",
    "sent",
    "delivered",
    "pending",
    "failed",
    "technical-failure",
    "temporary-failure",
    "permanent-failure",
    "accepted",
    "received",
    "cancelled",
    "validation-failed",
];

/// The service's notifications, newest first, 250 a page (`older_than` for the next page).
#[utoipa::path(get, path = "/v2/notifications", tag = "notify",
    params(("template_type" = Option<String>, Query, description = "email, sms or letter (repeatable)"),
           ("status" = Option<String>, Query, description = "Status, or failed (repeatable)"),
           ("reference" = Option<String>, Query, description = "Your reference"),
           ("older_than" = Option<String>, Query, description = "Last id of the previous page")),
    responses((status = 200, description = "notifications and links", body = Object), (status = 400, description = "ValidationError")))]
async fn list_notifications(State(state): State<ApiState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let pairs = query_pairs(raw.as_deref());
    let mut filter = ListFilter::default();
    for (k, v) in &pairs {
        match k.as_str() {
            "template_type" => filter.template_types.push(TemplateType::parse(v).ok_or_else(|| {
                ApiError(NotifyError::Validation(format!("template_type {v} is not one of [sms, email, letter]")))
            })?),
            "status" => {
                if !STATUSES.contains(&v.as_str()) {
                    return Err(ApiError(NotifyError::Validation(format!(
                        "status {v} is not one of [{}]",
                        STATUSES.join(", ")
                    ))));
                }
                filter.statuses.push(v.clone());
            }
            "reference" => filter.reference = Some(v.clone()),
            "older_than" => filter.older_than = Some(uuid_param(v, "older_than")?),
            _ => {}
        }
    }
    let found = state.notify.list_notifications(&caller, &filter).await?;
    let base = base_url(&state, &headers);
    let keep: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k != "older_than")
        .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
        .collect();
    let url = |extra: Option<&str>| {
        let mut q = keep.clone();
        if let Some(id) = extra {
            q.push(format!("older_than={id}"));
        }
        if q.is_empty() {
            format!("{base}/v2/notifications")
        } else {
            format!("{base}/v2/notifications?{}", q.join("&"))
        }
    };
    let current = match &filter.older_than {
        Some(o) => url(Some(&o.to_string())),
        None => url(None),
    };
    let mut links = json!({"current": current});
    if let Some(last) = found.last() {
        links["next"] = json!(url(Some(&last.id)));
    }
    let notifications: Vec<Value> = found.iter().map(|n| notification_json(&base, n)).collect();
    Ok(Json(json!({"notifications": notifications, "links": links})).into_response())
}

fn template_json(t: &Template) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "type": t.template_type.as_str(),
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "created_by": null,
        "version": t.version,
        "body": t.body,
        "subject": t.subject,
        "letter_contact_block": null,
        "postage": if t.template_type == TemplateType::Letter { json!("second") } else { Value::Null },
    })
}

/// A template's current version.
#[utoipa::path(get, path = "/v2/template/{id}", tag = "notify",
    params(("id" = String, Path, description = "Template id")),
    responses((status = 200, description = "The template", body = Object), (status = 404, description = "NoResultFound")))]
async fn get_template(State(state): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let id = uuid_param(&id, "template_id")?;
    let t = state.notify.template(&caller.service_id, id, None).await?;
    Ok(Json(template_json(&t)).into_response())
}

/// One version of a template.
#[utoipa::path(get, path = "/v2/template/{id}/version/{version}", tag = "notify",
    params(("id" = String, Path, description = "Template id"), ("version" = i64, Path, description = "Version, from 1")),
    responses((status = 200, description = "The template version", body = Object), (status = 404, description = "NoResultFound")))]
async fn get_template_version(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let id = uuid_param(&id, "template_id")?;
    let version: i64 = version
        .parse()
        .map_err(|_| ApiError(NotifyError::Validation(format!("version {version} is not of type integer"))))?;
    let t = state.notify.template(&caller.service_id, id, Some(version)).await?;
    Ok(Json(template_json(&t)).into_response())
}

/// The service's templates, optionally of one type.
#[utoipa::path(get, path = "/v2/templates", tag = "notify",
    params(("type" = Option<String>, Query, description = "email, sms or letter")),
    responses((status = 200, description = "templates", body = Object), (status = 400, description = "ValidationError")))]
async fn list_templates(State(state): State<ApiState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let mut kind = None;
    for (k, v) in query_pairs(raw.as_deref()) {
        if k == "type" {
            kind = Some(TemplateType::parse(&v).ok_or_else(|| {
                ApiError(NotifyError::Validation(format!("type {v} is not one of [sms, email, letter]")))
            })?);
        }
    }
    let list = state.notify.templates(&caller.service_id, kind).await?;
    let templates: Vec<Value> = list.iter().map(template_json).collect();
    Ok(Json(json!({"templates": templates})).into_response())
}

fn preview_json(p: &Preview) -> Value {
    json!({
        "id": p.template.id,
        "type": p.template.template_type.as_str(),
        "version": p.template.version,
        "body": p.body,
        "subject": p.subject,
        "html": p.html,
        "postage": if p.template.template_type == TemplateType::Letter { json!("second") } else { Value::Null },
    })
}

/// A template rendered with personalisation.
#[utoipa::path(post, path = "/v2/template/{id}/preview", tag = "notify",
    params(("id" = String, Path, description = "Template id")),
    request_body(content = Object, description = "{\"personalisation\": {…}}"),
    responses((status = 200, description = "The rendered template", body = Object), (status = 400, description = "Missing personalisation"), (status = 404, description = "NoResultFound")))]
async fn preview_template(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let id = uuid_param(&id, "template_id")?;
    let json: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| ApiError(NotifyError::BadRequest("Invalid JSON supplied in POST data".to_string())))?
    };
    let values = match json.get("personalisation") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(ApiError(NotifyError::Validation(format!("personalisation {other} is not of type object"))));
        }
    };
    let p = state.notify.preview(&caller.service_id, id, &values).await?;
    Ok(Json(preview_json(&p)).into_response())
}

fn received_text_json(t: &ReceivedText) -> Value {
    json!({
        "id": t.id,
        "user_number": t.user_number,
        "notify_number": t.notify_number,
        "created_at": t.created_at,
        "service_id": t.service_id,
        "content": t.content,
    })
}

/// Text messages residents sent to the service, newest first, 250 a page (`older_than` for the next).
#[utoipa::path(get, path = "/v2/received-text-messages", tag = "notify",
    params(("older_than" = Option<String>, Query, description = "Last id of the previous page")),
    responses((status = 200, description = "received_text_messages and links", body = Object)))]
async fn list_received_texts(State(state): State<ApiState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    let caller = caller(&state, &headers).await?;
    let mut older_than = None;
    for (k, v) in query_pairs(raw.as_deref()) {
        if k == "older_than" {
            older_than = Some(uuid_param(&v, "older_than")?);
        }
    }
    let found = state.notify.received_texts(&caller.service_id, older_than).await?;
    let base = base_url(&state, &headers);
    let current = match older_than {
        Some(o) => format!("{base}/v2/received-text-messages?older_than={o}"),
        None => format!("{base}/v2/received-text-messages"),
    };
    let mut links = json!({"current": current});
    if let Some(last) = found.last() {
        links["next"] = json!(format!("{base}/v2/received-text-messages?older_than={}", last.id));
    }
    let texts: Vec<Value> = found.iter().map(received_text_json).collect();
    Ok(Json(json!({"received_text_messages": texts, "links": links})).into_response())
}
