//! The details: a title, a description, an optional photo (a multipart upload, a JPEG, PNG or
//! WebP by its bytes, up to [`MAX_PHOTO_BYTES`]) and the chosen category's extra questions.
//! A photo over the limit is read to the end of its part but not kept, and gets a field error;
//! nothing of a form with an error is saved.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::CitizenState;
use super::category::offers;
use super::drafts::{Draft, Drafts};
use super::render::{self, Answer, Here, here_and_draft};
use crate::error::ReportError;
use crate::model::{Attribute, Datatype};
use crate::reports::{MAX_PHOTO_BYTES, MAX_TITLE, Photo};
use crate::routing::check_answers;
use crate::rules::Answers;

const DETAILS: &str = r#"{% from "govuk/components/input/macro.jinja" import govukInput -%}
{% from "govuk/components/textarea/macro.jinja" import govukTextarea -%}
{% from "govuk/components/radios/macro.jinja" import govukRadios -%}
{% from "govuk/components/checkboxes/macro.jinja" import govukCheckboxes -%}
{% from "govuk/components/inset-text/macro.jinja" import govukInsetText -%}
{% from "govuk/components/error-message/macro.jinja" import govukErrorMessage -%}
{% from "govuk/components/button/macro.jinja" import govukButton -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <span class="govuk-caption-l">{{ category }}</span>
  <h1 class="govuk-heading-l">Tell us about the problem</h1>
  <form method="post" enctype="multipart/form-data" novalidate>
    {{ csrf | safe }}
    {{ govukInput({ "label": { "text": "Title", "classes": "govuk-label--s" },
      "hint": { "text": "A few words, for example ‘Deep pothole outside number 12’" },
      "id": "title", "name": "title", "value": title, "errorMessage": errors["title"] }) }}
    {{ govukTextarea({ "label": { "text": "Describe the problem", "classes": "govuk-label--s" },
      "hint": { "text": "Say what is wrong and exactly where. Do not include personal information: reports are published." },
      "id": "description", "name": "description", "value": description, "errorMessage": errors["description"] }) }}
    {% for q in questions %}
      {% if q.kind == "info" %}
        {{ govukInsetText({ "text": q.label }) }}
      {% elif q.kind == "radios" %}
        {{ govukRadios({ "name": q.name, "idPrefix": q.id, "fieldset": { "legend": { "text": q.label, "classes": "govuk-fieldset__legend--s" } },
          "hint": q.hint, "items": q.items, "value": q.value, "errorMessage": errors[q.id] }) }}
      {% elif q.kind == "checkboxes" %}
        {{ govukCheckboxes({ "name": q.name, "idPrefix": q.id, "fieldset": { "legend": { "text": q.label, "classes": "govuk-fieldset__legend--s" } },
          "hint": q.hint, "items": q.items, "errorMessage": errors[q.id] }) }}
      {% elif q.kind == "textarea" %}
        {{ govukTextarea({ "label": { "text": q.label, "classes": "govuk-label--s" }, "hint": q.hint, "id": q.id, "name": q.name,
          "value": q.value, "errorMessage": errors[q.id] }) }}
      {% else %}
        {{ govukInput({ "label": { "text": q.label, "classes": "govuk-label--s" }, "hint": q.hint, "id": q.id, "name": q.name,
          "value": q.value, "inputmode": q.inputmode, "classes": q.classes, "errorMessage": errors[q.id] }) }}
      {% endif %}
    {% endfor %}
    <div class="govuk-form-group{% if errors['photo'] %} govuk-form-group--error{% endif %}">
      <label class="govuk-label govuk-label--s" for="photo">Add a photo (optional)</label>
      <div id="photo-hint" class="govuk-hint">A JPG, PNG or WebP image, smaller than {{ max_mb }} MB.{% if photo_name %} You added {{ photo_name }}: choose another file to replace it.{% endif %}</div>
      {% if errors['photo'] %}{{ govukErrorMessage({ "id": "photo-error", "text": errors['photo'].text }) }}{% endif %}
      <input class="govuk-file-upload{% if errors['photo'] %} govuk-file-upload--error{% endif %}" id="photo" name="photo" type="file"
        accept="image/jpeg,image/png,image/webp" aria-describedby="photo-hint{% if errors['photo'] %} photo-error{% endif %}">
    </div>
    {{ govukButton({ "text": "Continue" }) }}
  </form>
</div></div>"#;

/// The id of a question's input (the error summary links to it).
fn question_id(code: &str) -> String {
    let safe: String =
        code.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    format!("attribute-{safe}")
}

/// A question as the template draws it.
fn question(q: &Attribute, answers: &Answers) -> Value {
    let id = question_id(&q.code);
    let name = format!("attribute[{}]", q.code);
    let given = answers.get(&q.code).cloned().unwrap_or_default();
    let optional = if q.required { "" } else { " (optional)" };
    let label = format!("{}{optional}", q.description);
    let hint = q.datatype_description.as_ref().map(|t| json!({ "text": t }));
    if !q.variable {
        return json!({ "kind": "info", "label": q.description });
    }
    let items = |checked: bool| -> Vec<Value> {
        q.values
            .iter()
            .map(|v| json!({ "value": v.key, "text": v.name, "checked": checked && given.contains(&v.key) }))
            .collect()
    };
    let first = given.first().cloned().unwrap_or_default();
    match q.datatype {
        Datatype::Singlevaluelist => {
            json!({ "kind": "radios", "id": id, "name": name, "label": label, "hint": hint, "items": items(false), "value": first })
        }
        Datatype::Multivaluelist => {
            json!({ "kind": "checkboxes", "id": id, "name": name, "label": label, "hint": hint, "items": items(true) })
        }
        Datatype::Text => {
            json!({ "kind": "textarea", "id": id, "name": name, "label": label, "hint": hint, "value": first })
        }
        Datatype::Number => {
            json!({ "kind": "input", "id": id, "name": name, "label": label, "hint": hint, "value": first,
                                    "inputmode": "decimal", "classes": "govuk-input--width-5" })
        }
        Datatype::Datetime | Datatype::String => {
            json!({ "kind": "input", "id": id, "name": name, "label": label, "hint": hint, "value": first })
        }
    }
}

/// What the form holds, as typed.
#[derive(Debug, Default)]
struct Typed {
    title: String,
    description: String,
    attributes: Answers,
    photo: Option<(String, Vec<u8>, usize)>,
}

fn details_page(
    state: &CitizenState,
    here: &Here,
    draft: &Draft,
    questions: &[Attribute],
    typed: &Typed,
    errors: web::FormErrors,
) -> Response {
    let context = json!({
        "category": draft.answers.category, "title": typed.title, "description": typed.description,
        "questions": questions.iter().map(|q| question(q, &typed.attributes)).collect::<Vec<_>>(),
        "photo_name": draft.answers.photo_name, "max_mb": MAX_PHOTO_BYTES / (1024 * 1024),
    });
    let back = format!("{}/category", here.draft_path(&draft.id));
    render::page(state, here, "Tell us about the problem", Some(&back), errors, ("report-details", DETAILS), context)
}

/// The chosen category's questions at the draft's point.
async fn questions(state: &CitizenState, here: &Here, draft: &Draft) -> Result<Vec<Attribute>, Response> {
    let offers = offers(state, here, draft).await?;
    let chosen = draft.answers.category.as_deref().unwrap_or_default();
    match offers.into_iter().find(|o| o.name == chosen) {
        Some(offer) => Ok(offer.attributes),
        None => Err(render::see_other(&format!("{}/category", here.draft_path(&draft.id)))),
    }
}

/// `GET /{council}/report/{draft}/details`.
pub(crate) async fn show(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let questions = questions(&state, &here, &draft).await?;
    let typed = Typed {
        title: draft.answers.title.clone().unwrap_or_default(),
        description: draft.answers.description.clone().unwrap_or_default(),
        attributes: draft.answers.attributes.clone(),
        photo: None,
    };
    Ok(details_page(&state, &here, &draft, &questions, &typed, web::FormErrors::new()))
}

/// Reads the multipart form; a photo part is kept only up to one byte over the limit (the
/// rest is read and dropped), so its true size is known without holding it.
async fn read_form(headers: &HeaderMap, body: Body) -> Result<Typed, String> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(|_| "The form must be sent as multipart/form-data")?;
    let limits = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(super::MAX_DETAILS_REQUEST_BYTES as u64));
    let mut multipart = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    let mut typed = Typed::default();
    let too_big = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } => {
            "The form is too large: the photo must be smaller than 5 MB".to_string()
        }
        other => format!("The form could not be read: {other}"),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(too_big)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" {
            let file_name = field.file_name().unwrap_or("photo").to_string();
            let (mut kept, mut size) = (Vec::new(), 0usize);
            while let Some(chunk) = field.chunk().await.map_err(too_big)? {
                size += chunk.len();
                if kept.len() <= MAX_PHOTO_BYTES {
                    kept.extend_from_slice(&chunk[..chunk.len().min(MAX_PHOTO_BYTES + 1 - kept.len())]);
                }
            }
            if size > 0 {
                typed.photo = Some((file_name, kept, size));
            }
            continue;
        }
        let text = field.text().await.map_err(too_big)?;
        match name.as_str() {
            "title" => typed.title = text,
            "description" => typed.description = text,
            other => {
                if let Some(code) = other.strip_prefix("attribute[").and_then(|c| c.strip_suffix(']')) {
                    typed.attributes.entry(code.to_string()).or_default().push(text);
                }
            }
        }
    }
    Ok(typed)
}

/// The photo's type, by its first bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    ["image/jpeg", "image/png", "image/webp"].into_iter().find(|kind| {
        Photo { content_type: kind.to_string(), bytes: bytes[..bytes.len().min(16)].to_vec() }.check().is_ok()
    })
}

/// `POST /{council}/report/{draft}/details` (multipart).
pub(crate) async fn post(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let (here, mut draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let questions = questions(&state, &here, &draft).await?;
    let typed = match read_form(&headers, body).await {
        Ok(t) => t,
        Err(message) => {
            let status =
                if message.contains("too large") { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST };
            return Ok(render::message(&state, &here, status, "Your details could not be sent", &message));
        }
    };
    let mut errors = web::FormErrors::new();
    let title = typed.title.trim();
    if title.is_empty() {
        errors.add("title", "Enter a title for the problem");
    } else if title.chars().count() > MAX_TITLE {
        errors.add("title", &format!("The title must be {MAX_TITLE} characters or fewer"));
    }
    let description = typed.description.trim();
    if description.is_empty() {
        errors.add("description", "Describe the problem");
    } else if description.chars().count() > 5000 {
        errors.add("description", "The description must be 5000 characters or fewer");
    }
    let mut answers = Answers::new();
    for q in &questions {
        match check_answers(std::slice::from_ref(q), &typed.attributes) {
            Ok(checked) => answers.extend(checked),
            Err(ReportError::MissingAttribute(_)) => {
                errors.add(&question_id(&q.code), &format!("Answer the question ‘{}’", q.description));
            }
            Err(ReportError::InvalidAttribute { reason, .. }) => {
                errors.add(&question_id(&q.code), &format!("Check your answer to ‘{}’: {reason}", q.description));
            }
            Err(e) => return Err(render::server_error(&state, &here, &e)),
        }
    }
    let photo = match &typed.photo {
        None => None,
        Some((_, _, size)) if *size > MAX_PHOTO_BYTES => {
            let mb = *size as f64 / (1024.0 * 1024.0);
            errors.add("photo", &format!("The photo must be smaller than 5 MB (this one is {mb:.1} MB)"));
            None
        }
        Some((name, bytes, _)) => match sniff(bytes) {
            Some(kind) => Some((name.clone(), Photo { content_type: kind.to_string(), bytes: bytes.clone() })),
            None => {
                errors.add("photo", "The photo must be a JPG, PNG or WebP image");
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(details_page(&state, &here, &draft, &questions, &typed, errors));
    }
    if let Some((name, photo)) = &photo {
        Drafts::new(state.reports.store())
            .save_photo(here.id, &draft.id, photo)
            .await
            .map_err(|e| render::server_error(&state, &here, &e))?;
        draft.answers.photo_name = Some(name.clone());
    }
    draft.answers.title = Some(title.to_string());
    draft.answers.description = Some(description.to_string());
    draft.answers.attributes = answers;
    let next = if draft.answers.contact_done { "check" } else { "contact" };
    Ok(render::save_and_go(&state, &here, &draft, next).await)
}
