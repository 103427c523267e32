//! Your contact details: a name, an email address (a signed-in citizen's is their account's),
//! and whether the name may be shown on the public report. They go to the bodies the report is
//! sent to, and updates come to the email address; they are never shown publicly otherwise.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::CitizenState;
use super::drafts::Draft;
use super::render::{self, Answer, Here, here_and_draft};

const CONTACT: &str = r#"{% from "govuk/components/input/macro.jinja" import govukInput -%}
{% from "govuk/components/checkboxes/macro.jinja" import govukCheckboxes -%}
{% from "govuk/components/button/macro.jinja" import govukButton -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">Your contact details</h1>
  <p class="govuk-body">We send these to the council or body that deals with the problem, so they can contact you about it.
    We email you when the report is updated.</p>
  <form method="post" novalidate>
    {{ csrf | safe }}
    {{ govukInput({ "label": { "text": "Your name", "classes": "govuk-label--s" }, "id": "name", "name": "name",
      "value": name, "autocomplete": "name", "spellcheck": false, "errorMessage": errors["name"] }) }}
    {% if account_email %}
    <p class="govuk-body">We will use the email address of your account, <strong>{{ account_email }}</strong>.</p>
    {% else %}
    {{ govukInput({ "label": { "text": "Your email address", "classes": "govuk-label--s" }, "id": "email", "name": "email",
      "type": "email", "value": email, "autocomplete": "email", "spellcheck": false, "errorMessage": errors["email"] }) }}
    {% endif %}
    {{ govukCheckboxes({ "name": "show_name", "idPrefix": "show_name",
      "fieldset": { "legend": { "text": "Your name on the public report", "classes": "govuk-fieldset__legend--s" } },
      "hint": { "text": "Reports are published without your name and email address unless you choose to show your name." },
      "items": [{ "value": "yes", "text": "Show my name publicly on the report", "checked": show_name }] }) }}
    {{ govukButton({ "text": "Continue" }) }}
  </form>
</div></div>"#;

#[derive(Debug, Deserialize)]
pub(crate) struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    show_name: String,
}

/// Whether `email` looks like an address mail can be sent to (the brick checks it again).
fn email_ok(email: &str) -> bool {
    email.len() <= 320
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
}

fn contact_page(
    state: &CitizenState,
    here: &Here,
    draft: &Draft,
    form: &ContactForm,
    errors: web::FormErrors,
) -> Response {
    let account_email = here.visitor.citizen.as_ref().map(|c| c.email.clone());
    let context = json!({ "name": form.name, "email": form.email, "show_name": form.show_name == "yes",
                          "account_email": account_email });
    let back = format!("{}/details", here.draft_path(&draft.id));
    render::page(state, here, "Your contact details", Some(&back), errors, ("report-contact", CONTACT), context)
}

/// `GET /{council}/report/{draft}/contact`.
pub(crate) async fn show(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let citizen_name = here.visitor.citizen.as_ref().map(|c| c.name.clone());
    let form = ContactForm {
        name: draft.answers.name.clone().or(citizen_name).unwrap_or_default(),
        email: draft.answers.email.clone().unwrap_or_default(),
        show_name: if draft.answers.show_name { "yes".into() } else { String::new() },
    };
    Ok(contact_page(&state, &here, &draft, &form, web::FormErrors::new()))
}

/// `POST /{council}/report/{draft}/contact`.
pub(crate) async fn post(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<ContactForm>,
) -> Answer {
    let (here, mut draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let mut errors = web::FormErrors::new();
    let name = form.name.trim();
    if name.is_empty() {
        errors.add("name", "Enter your name");
    } else if name.chars().count() > 200 {
        errors.add("name", "Your name must be 200 characters or fewer");
    }
    let email = match &here.visitor.citizen {
        Some(citizen) => citizen.email.clone(),
        None => form.email.trim().to_string(),
    };
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    } else if !email_ok(&email) {
        errors.add("email", "Enter an email address in the correct format, like name@example.com");
    }
    if !errors.is_empty() {
        return Ok(contact_page(&state, &here, &draft, &form, errors));
    }
    draft.answers.name = Some(name.to_string());
    draft.answers.email = Some(email);
    draft.answers.show_name = form.show_name == "yes";
    draft.answers.contact_done = true;
    Ok(render::save_and_go(&state, &here, &draft, "check").await)
}
