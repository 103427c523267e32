//! The download pages for files sent by link (`GET /d/{service}/{file}?key=…`), in the sending
//! council's branding. When the sender asked for it (Notify's default) the resident first types
//! the email address the file was sent to; the file comes back as the answer to that form, so
//! the page works with JavaScript off and the file is never reachable without the check.
//! A wrong key, another service's id or an expired file all get the same 404.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use store::Councils;

use crate::files::DownloadFile;
use crate::pages::PagesState;

const CONFIRM: (&str, &str) = (
    "notifications/download.jinja",
    r#"{% from "govuk/components/input/macro.jinja" import govukInput -%}
{% from "govuk/components/button/macro.jinja" import govukButton -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{% if confirm %}
  <h1 class="govuk-heading-l">Confirm your email address</h1>
  <p class="govuk-body">{{ council_name }} sent you a file. To download it, enter the email address it was sent to.</p>
  <form method="post" action="{{ action }}" novalidate>
    {{ csrf | safe }}
    {{ govukInput({
      "label": { "text": "Email address", "classes": "govuk-label--m" },
      "id": "email_address", "name": "email_address", "type": "email", "value": typed,
      "autocomplete": "email", "spellcheck": false, "errorMessage": errors["email_address"]
    }) }}
    {{ govukButton({ "text": "Continue" }) }}
  </form>
{% else %}
  <h1 class="govuk-heading-l">You have a file to download</h1>
  <p class="govuk-body">{{ council_name }} sent you a file.</p>
  <p class="govuk-body"><a class="govuk-link" href="{{ download }}" download>Download this file ({{ size }})</a></p>
{% endif %}
  <p class="govuk-body">You can download it until {{ expires }}.</p>
</div></div>"#,
);

/// The `key` query parameter of a download link.
#[derive(Deserialize)]
pub(crate) struct KeyQuery {
    key: Option<String>,
}

/// The confirmation form's fields.
#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    email_address: String,
}

async fn find(
    state: &PagesState,
    service: &str,
    file: &str,
    key: Option<&str>,
) -> Result<(web::Council, DownloadFile), Response> {
    let found = match state.notify().download_file(service, file, key.unwrap_or_default()).await {
        Ok(f) => f,
        Err(crate::NotifyError::NotFound) => return Err(state.web().not_found(None)),
        Err(e) => return Err(state.web().server_error(None, &e)),
    };
    let councils = match Councils::new(state.notify().store().clone()).list().await {
        Ok(c) => c,
        Err(e) => return Err(state.web().server_error(None, &e)),
    };
    let slug = councils.iter().find(|c| c.id == found.council_id).map(|c| c.slug.as_str().to_string());
    match slug.and_then(|s| state.web().council(&s)) {
        Some(council) => Ok((council, found)),
        None => Err(state.web().not_found(None)),
    }
}

fn size_text(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    }
}

#[allow(clippy::too_many_arguments)]
fn landing(
    state: &PagesState,
    council: &web::Council,
    visitor: &web::Visitor,
    file: &DownloadFile,
    path: &str,
    key: &str,
    typed: &str,
    errors: web::FormErrors,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let key = urlencoding::encode(key);
    let context = serde_json::json!({
        "confirm": file.confirm_email,
        "council_name": council.name,
        "action": format!("{path}?key={key}"),
        "download": format!("{path}/download?key={key}"),
        "csrf": visitor.csrf_input(),
        "typed": typed,
        "errors": errors.by_field(),
        "size": size_text(file.content.len()),
        "expires": file.expires_at.get(..10).unwrap_or(&file.expires_at),
    });
    let title = if file.confirm_email { "Confirm your email address" } else { "You have a file to download" };
    let layout = state.web().layout(Some(council), title).signed_in(visitor.signed_in()).with_errors(errors);
    let mut response = crate::pages::page(state, layout, CONFIRM, context);
    *response.status_mut() = status;
    response
}

fn attachment(file: &DownloadFile) -> Response {
    let name: String = file
        .download_name()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' })
        .collect();
    (
        [
            (header::CONTENT_TYPE, file.mime_type.clone()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        file.content.clone(),
    )
        .into_response()
}

/// The landing page: the email check, or a download link when the sender asked for none.
pub(crate) async fn show(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((service, file)): Path<(String, String)>,
    Query(query): Query<KeyQuery>,
) -> Response {
    let key = query.key.unwrap_or_default();
    let (council, found) = match find(&state, &service, &file, Some(&key)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let path = format!("/d/{service}/{file}");
    landing(&state, &council, &visitor, &found, &path, &key, "", web::FormErrors::new())
}

/// The email check: the right address gets the file, any other the form again with an error.
pub(crate) async fn confirm(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((service, file)): Path<(String, String)>,
    Query(query): Query<KeyQuery>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let key = query.key.unwrap_or_default();
    let (council, found) = match find(&state, &service, &file, Some(&key)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if !found.confirm_email || found.sent_to(&form.email_address) {
        return attachment(&found);
    }
    let mut errors = web::FormErrors::new();
    let message = if form.email_address.trim().is_empty() {
        "Enter your email address"
    } else {
        "This is not the email address the file was sent to"
    };
    errors.add("email_address", message);
    let path = format!("/d/{service}/{file}");
    landing(&state, &council, &visitor, &found, &path, &key, &form.email_address, errors)
}

/// The file itself, for links whose sender did not ask for the email check.
pub(crate) async fn download(
    State(state): State<PagesState>,
    Path((service, file)): Path<(String, String)>,
    Query(query): Query<KeyQuery>,
) -> Response {
    let (_, found) = match find(&state, &service, &file, query.key.as_deref()).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if found.confirm_email {
        return state.web().not_found(None);
    }
    attachment(&found)
}
