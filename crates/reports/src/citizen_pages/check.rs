//! Check your answers (a summary list with Change links), the submit that stores the report, and
//! the confirmation naming the bodies it was sent to. The submit stores under the draft's token,
//! so a replayed or doubled submit finds the report the first one stored (see
//! `Reports::submit_draft`) and shows the same confirmation.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::CitizenState;
use super::category::point;
use super::drafts::{Draft, Drafts};
use super::render::{self, Answer, Here, here_and_draft};
use crate::error::ReportError;
use crate::reports::{NewReport, Reporter, WebExtras};

const CHECK: &str = r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList -%}
{% from "govuk/components/button/macro.jinja" import govukButton -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">Check your answers before sending your report</h1>
  <h2 class="govuk-heading-m">The problem</h2>
  {{ govukSummaryList({ "rows": problem, "attributes": { "id": "check-answers" } }) }}
  <h2 class="govuk-heading-m">Your details</h2>
  {{ govukSummaryList({ "rows": you }) }}
  <h2 class="govuk-heading-m">Now send your report</h2>
  <p class="govuk-body">By sending this report you confirm that the details are correct to the best of your knowledge.
    The report is published without your contact details{% if show_name %}, with your name{% endif %}.</p>
  <form method="post" novalidate>
    {{ csrf | safe }}
    {{ govukButton({ "text": "Send report", "preventDoubleClick": true }) }}
  </form>
</div></div>"#;

fn row(key: &str, value: &str, href: &str, hidden: &str) -> Value {
    json!({ "key": { "text": key }, "value": { "text": value },
            "actions": { "items": [{ "href": href, "text": "Change", "visuallyHiddenText": hidden }] } })
}

/// The first step the draft still needs, if any.
fn missing_step(draft: &Draft) -> Option<&'static str> {
    let a = &draft.answers;
    if point(draft).is_none() {
        Some("place")
    } else if a.category.is_none() {
        Some("category")
    } else if a.title.is_none() || a.description.is_none() {
        Some("details")
    } else if !a.contact_done {
        Some("contact")
    } else {
        None
    }
}

/// Where a draft that cannot be checked and sent goes instead (303): one already sent to its
/// confirmation, one still missing an answer to the first step that needs it. `None` when the
/// draft is ready.
fn not_ready(here: &Here, draft: &Draft) -> Option<Response> {
    if draft.report_id.is_some() {
        return Some(go_to(here, draft, "confirmation"));
    }
    missing_step(draft).map(|step| go_to(here, draft, step))
}

fn go_to(here: &Here, draft: &Draft, step: &str) -> Response {
    if step == "place" {
        return render::see_other(&format!("{}/report?draft={}", here.prefix(), draft.id));
    }
    render::see_other(&format!("{}/{step}", here.draft_path(&draft.id)))
}

async fn check_page(state: &CitizenState, here: &Here, draft: &Draft, errors: web::FormErrors) -> Response {
    let a = &draft.answers;
    let base = here.draft_path(&draft.id);
    let place_href = format!("{}/report?draft={}", here.prefix(), draft.id);
    let details = format!("{base}/details");
    let mut place = a.place.clone().unwrap_or_default();
    if let Some(address) = &a.address {
        place = format!("{address} ({place})");
    }
    let mut problem = vec![
        row("Where", &place, &place_href, "where the problem is"),
        row("Problem", a.category.as_deref().unwrap_or_default(), &format!("{base}/category"), "what the problem is"),
        row("Title", a.title.as_deref().unwrap_or_default(), &details, "the title"),
        row("Description", a.description.as_deref().unwrap_or_default(), &details, "the description"),
    ];
    let questions = super::category::offers(state, here, draft)
        .await
        .ok()
        .and_then(|o| o.into_iter().find(|o| Some(&o.name) == a.category.as_ref()))
        .map(|o| o.attributes)
        .unwrap_or_default();
    for q in &questions {
        let Some(given) = a.attributes.get(&q.code) else { continue };
        let shown: Vec<String> = given
            .iter()
            .map(|v| q.values.iter().find(|x| &x.key == v).map(|x| x.name.clone()).unwrap_or_else(|| v.clone()))
            .collect();
        problem.push(row(&q.description, &shown.join(", "), &details, &q.description));
    }
    problem.push(row("Photo", a.photo_name.as_deref().unwrap_or("None"), &details, "the photo"));
    let contact = format!("{base}/contact");
    let you = vec![
        row("Name", a.name.as_deref().unwrap_or_default(), &contact, "your name"),
        row("Email address", a.email.as_deref().unwrap_or_default(), &contact, "your email address"),
        row("Show my name publicly", if a.show_name { "Yes" } else { "No" }, &contact, "whether your name is shown"),
    ];
    let context = json!({ "problem": problem, "you": you, "show_name": a.show_name });
    render::page(state, here, "Check your answers", Some(&contact), errors, ("report-check", CHECK), context)
}

/// `GET /{council}/report/{draft}/check`.
pub(crate) async fn show(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    if let Some(elsewhere) = not_ready(&here, &draft) {
        return Ok(elsewhere);
    }
    Ok(check_page(&state, &here, &draft, web::FormErrors::new()).await)
}

/// `POST /{council}/report/{draft}/check`: routes and stores the report, once.
pub(crate) async fn submit(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    if let Some(elsewhere) = not_ready(&here, &draft) {
        return Ok(elsewhere);
    }
    let (Some(location), a) = (point(&draft), &draft.answers) else { return Ok(go_to(&here, &draft, "place")) };
    let report = NewReport {
        location,
        category: a.category.clone().unwrap_or_default(),
        description: a.description.clone().unwrap_or_default(),
        answers: a.attributes.clone(),
        address: a.address.clone().or(a.postcode.clone()),
        reporter: Reporter {
            name: a.name.clone(),
            email: a.email.clone(),
            phone: None,
            account_id: here.visitor.citizen.as_ref().map(|c| c.id.clone()),
        },
        photo: draft.photo.clone(),
        source: "web".to_string(),
    };
    let extras = WebExtras { title: a.title.clone(), show_name: a.show_name };
    let submitted = match state.reports.submit_draft(here.id, report, &extras, &draft.token).await {
        Ok(s) => s,
        Err(e @ ReportError::Database(_)) | Err(e @ ReportError::Json(_)) => {
            return Err(render::server_error(&state, &here, &e));
        }
        Err(e) => {
            let mut errors = web::FormErrors::new();
            errors.add(
                "check-answers",
                &format!("Your report could not be sent: {e}. Change your answers and try again"),
            );
            return Ok(check_page(&state, &here, &draft, errors).await);
        }
    };
    Drafts::new(state.reports.store())
        .submitted(here.id, &draft.id, submitted.id)
        .await
        .map_err(|e| render::server_error(&state, &here, &e))?;
    Ok(go_to(&here, &draft, "confirmation"))
}

// The panel is written out (govuk-frontend's panel markup): the ported macro escapes `html`.
const CONFIRMATION: &str = r#"<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <div class="govuk-panel govuk-panel--confirmation">
    <h1 class="govuk-panel__title">Report sent</h1>
    <div class="govuk-panel__body">Your reference number<br><strong id="reference">{{ reference }}</strong></div>
  </div>
  <h2 class="govuk-heading-m">Who we sent it to</h2>
  <ul class="govuk-list govuk-list--bullet" id="sent-to">
    {% for b in bodies %}<li>{{ b.name }} ({{ b.team }})</li>{% endfor %}
  </ul>
  {% if handled %}<p class="govuk-body">{{ handled }}</p>{% endif %}
  <h2 class="govuk-heading-m">What happens next</h2>
  <p class="govuk-body">They will look at your report. We will email you at {{ email }} when it is updated.</p>
  <p class="govuk-body"><a class="govuk-link" href="{{ prefix }}/reports/{{ reference }}">See your report</a> (published without your contact details)</p>
  <p class="govuk-body"><a class="govuk-link" href="{{ prefix }}/report">Report another problem</a></p>
</div></div>"#;

/// `GET /{council}/report/{draft}/confirmation`.
pub(crate) async fn confirmation(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let Some(report_id) = draft.report_id else { return Ok(go_to(&here, &draft, "check")) };
    let server_error = |e: ReportError| render::server_error(&state, &here, &e);
    let report = state.reports.report(Some(here.id), report_id).await.map_err(server_error)?;
    let bodies = state.reports.bodies(here.id).await.map_err(server_error)?;
    let sent: Vec<Value> = report
        .destinations
        .iter()
        .map(|d| match bodies.iter().find(|b| b.id == d.body_id) {
            Some(b) => json!({ "name": b.name, "team": b.contact.name }),
            None => json!({ "name": d.body_id, "team": "" }),
        })
        .collect();
    let context = json!({
        "reference": report.id.to_string(), "bodies": sent,
        "email": draft.answers.email.clone().unwrap_or_default(),
        "handled": if report.destinations.iter().any(|d| d.route == "guildhall") {
            Some("Staff of the council see it on their list straight away.")
        } else {
            None
        },
    });
    Ok(render::page_with_status(
        &state,
        &here,
        StatusCode::OK,
        "Report sent",
        None,
        web::FormErrors::new(),
        ("report-confirmation", CONFIRMATION),
        context,
    ))
}
