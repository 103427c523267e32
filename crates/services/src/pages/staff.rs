//! The caseworker pages: a council's queue with filters, one case with its answers, register
//! evidence (register, key, entry number, access-log row), reasons and history, and the assign
//! and decide forms. Only staff of that council holding the `caseworker` role (admins hold every
//! role) get in: others are sent to staff sign-in, or answered 403.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use super::start::escape;
use super::{Here, PagesState, error_page, here, message, pounds, render, see_other, status_tag};
use crate::answers;
use crate::cases::{CaseState, QueueFilter};
use crate::error::ServiceError;

/// The caseworker of this council, or the response for anyone else.
// The error is the response to send at once; it is made once per request, so its size does not matter.
#[allow(clippy::result_large_err)]
fn caseworker<'v>(
    state: &PagesState,
    here: &Here,
    visitor: &'v web::Visitor,
) -> Result<&'v web::VisitorStaff, Response> {
    match &visitor.staff {
        Some(staff) if staff.works_for(&here.council.slug) && staff.has_role("caseworker") => Ok(staff),
        Some(staff) if staff.works_for(&here.council.slug) => Err(message(
            state,
            here,
            visitor,
            StatusCode::FORBIDDEN,
            "You cannot see cases",
            &["Only caseworkers can see the case queue. Ask an administrator to give you the caseworker role."],
            None,
        )),
        Some(_) => Err(message(
            state,
            here,
            visitor,
            StatusCode::FORBIDDEN,
            "You cannot see this council's cases",
            &["You are signed in as a member of another council's staff. Only this council's staff can see this page."],
            None,
        )),
        None => Err(Redirect::to(&format!("{}/staff/sign-in", here.prefix())).into_response()),
    }
}

const QUEUE: &str = r#"{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/table/macro.jinja" import govukTable %}
<div class="govuk-grid-row"><div class="govuk-grid-column-full">
<h1 class="govuk-heading-l">Cases</h1>
<form method="get" action="{{ action }}" novalidate>
<div class="govuk-form-group"><label class="govuk-label" for="service">Service</label>
<select class="govuk-select" id="service" name="service"><option value="">All services</option>
{% for s in services %}<option value="{{ s.slug }}"{% if s.slug == filter.service %} selected{% endif %}>{{ s.name }}</option>{% endfor %}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="state">Status</label>
<select class="govuk-select" id="state" name="state"><option value="">Any status</option>
{% for s in states %}<option value="{{ s.value }}"{% if s.value == filter.state %} selected{% endif %}>{{ s.text }}</option>{% endfor %}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="assigned">Assigned to</label>
<select class="govuk-select" id="assigned" name="assigned"><option value="">Anyone</option>
<option value="me"{% if filter.assigned == "me" %} selected{% endif %}>Me</option></select></div>
{{ govukButton({"text": "Filter cases", "classes": "govuk-button--secondary"}) }}
</form>
{% if rows %}
{{ govukTable({"caption": count ~ " cases", "captionClasses": "govuk-table__caption--m", "attributes": {"id": "cases"},
  "head": [{"text": "Reference"}, {"text": "Service"}, {"text": "Submitted"}, {"text": "Status"}, {"text": "Assigned to"}, {"text": "Reasons"}],
  "rows": rows}) }}
{% else %}<p class="govuk-body" id="no-cases">No cases match these filters.</p>{% endif %}
</div></div>"#;

/// `GET /{council}/staff/cases?service=&state=&assigned=`.
pub(crate) async fn queue(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let staff = match caseworker(&state, &here, &visitor) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let param = |k: &str| query.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = QueueFilter {
        service: param("service"),
        state: param("state").and_then(|s| CaseState::parse(&s)),
        assigned_to: param("assigned").map(|a| if a == "me" { staff.id.clone() } else { a }),
    };
    let (cases, services) = match (state.engine.queue(here.id, &filter).await, state.engine.services(here.id).await) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => return error_page(&state, &here, e),
    };
    let name_of = |slug: &str| {
        services.iter().find(|s| s.slug == slug).map(|s| s.definition.name.clone()).unwrap_or_else(|| slug.to_string())
    };
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            let (text, class) = status_tag(c.state.as_str());
            let href = format!("{}/staff/cases/{}", here.prefix(), c.id);
            json!([
                {"html": format!(r#"<a class="govuk-link" href="{}">{}</a>"#, escape(&href), escape(&c.reference))},
                {"text": name_of(&c.service)},
                {"text": super::day_of(&c.created_at)},
                {"html": format!(r#"<strong class="govuk-tag {class}">{text}</strong>"#)},
                {"text": c.assigned_to.clone().unwrap_or_else(|| "Nobody".into())},
                {"text": c.reasons.join("; ")},
            ])
        })
        .collect();
    let states: Vec<Value> = [CaseState::Queued, CaseState::Approved, CaseState::Refused]
        .iter()
        .map(|s| json!({"value": s.as_str(), "text": status_tag(s.as_str()).0}))
        .collect();
    let context = json!({
        "action": format!("{}/staff/cases", here.prefix()), "rows": rows, "count": cases.len(),
        "services": services.iter().map(|s| json!({"slug": s.slug, "name": s.definition.name})).collect::<Vec<_>>(),
        "states": states,
        "filter": {"service": param("service"), "state": param("state"), "assigned": param("assigned")},
    });
    let layout = state.web.layout(Some(&here.council), "Cases").signed_in(visitor.signed_in());
    render(&state, &here, StatusCode::OK, layout, ("services-queue", QUEUE), context)
}

const CASE: &str = r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList %}
{% from "govuk/components/table/macro.jinja" import govukTable %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/radios/macro.jinja" import govukRadios %}
{% from "govuk/components/textarea/macro.jinja" import govukTextarea %}
<div class="govuk-grid-row"><div class="govuk-grid-column-full">
<span class="govuk-caption-l">{{ service }} (version {{ version }})</span>
<h1 class="govuk-heading-l">Case {{ reference }}</h1>
<p class="govuk-body">Status: <strong class="govuk-tag {{ tag[1] }}" id="case-state">{{ tag[0] }}</strong>
Assigned to: <span id="assigned-to">{{ assigned or "nobody" }}</span></p>
{% if reasons %}<h2 class="govuk-heading-m">Why it needs a caseworker</h2>
<ul class="govuk-list govuk-list--bullet" id="reasons">{% for r in reasons %}<li>{{ r }}</li>{% endfor %}</ul>{% endif %}
<h2 class="govuk-heading-m">Answers</h2>
{{ govukSummaryList({"rows": answers, "attributes": {"id": "answers"}}) }}
{% if fee %}<p class="govuk-body">Fee paid: {{ fee }}</p>{% endif %}
{{ govukTable({"caption": "Register evidence", "captionClasses": "govuk-table__caption--m", "attributes": {"id": "evidence"},
  "head": [{"text": "Check"}, {"text": "Register"}, {"text": "Key"}, {"text": "Entry number"}, {"text": "Access log"}, {"text": "Fields read"}, {"text": "Result"}],
  "rows": evidence}) }}
{{ govukTable({"caption": "History", "captionClasses": "govuk-table__caption--m", "attributes": {"id": "history"},
  "head": [{"text": "When"}, {"text": "Who"}, {"text": "What"}, {"text": "Detail"}], "rows": history}) }}
{% if queued %}
<h2 class="govuk-heading-m">Work on this case</h2>
<form method="post" action="{{ assign_action }}" novalidate>{{ csrf | safe }}
{{ govukButton({"text": "Assign to me", "classes": "govuk-button--secondary"}) }}</form>
<form method="post" action="{{ decide_action }}" novalidate>{{ csrf | safe }}
{{ govukRadios({"name": "decision", "fieldset": {"legend": {"text": "Your decision", "classes": "govuk-fieldset__legend--m"}},
  "value": form.decision, "errorMessage": errors["decision"],
  "items": [{"value": "approve", "text": "Approve"}, {"value": "refuse", "text": "Refuse"}]}) }}
{{ govukTextarea({"name": "reason", "id": "reason", "label": {"text": "Reason", "classes": "govuk-label--s"},
  "hint": {"text": "The citizen is told this reason."}, "value": form.reason, "errorMessage": errors["reason"]}) }}
{{ govukButton({"text": "Record decision", "preventDoubleClick": true}) }}
</form>
{% endif %}
<p class="govuk-body"><a class="govuk-link" href="{{ queue }}">Back to cases</a></p>
</div></div>"#;

/// An event's detail in words for the history table (the stored JSON for kinds it does not know).
fn describe(kind: &str, d: &Value) -> String {
    let text = |k: &str| d[k].as_str().map(str::to_string).unwrap_or_else(|| d[k].to_string());
    match kind {
        "submitted" => format!("Sent on version {} of the service", d["definition_version"]),
        "register-check" => format!(
            "{} register, key {}: {}",
            text("register"),
            text("key"),
            if d["passed"] == Value::Bool(true) { "passed" } else { "failed" }
        ),
        "decision" if d.get("reason").is_some() => format!("{}: {}", text("state"), text("reason")),
        "decision" => format!("{} ({})", text("state"), d.get("by").and_then(|b| b.as_str()).unwrap_or("automatic")),
        "assigned" => format!("Assigned to {}", text("to")),
        "output" if d.get("entry_number").is_some() => {
            format!("Entry {} in the {} register", d["entry_number"], text("register"))
        }
        "notification" => format!("Notification {}", text("notification")),
        _ => d.to_string(),
    }
}

/// Renders a case with the decision form's errors and values.
async fn show_case(
    state: &PagesState,
    here: &Here,
    visitor: &web::Visitor,
    case_id: i64,
    errors: web::FormErrors,
    form: Value,
) -> Response {
    let case = match state.engine.case(here.id, case_id).await {
        Ok(case) => case,
        Err(e) => return error_page(state, here, e),
    };
    let app_definition = match state.engine.case_definition(here.id, case_id).await {
        Ok(d) => d,
        Err(e) => return error_page(state, here, e),
    };
    let d = &app_definition.definition;
    let answers: Vec<Value> = d
        .pages
        .iter()
        .filter_map(|q| case.answers.get(&q.id).map(|v| (q, v)))
        .map(|(q, v)| json!({"key": {"text": q.label}, "value": {"text": answers::display(q, v)}}))
        .collect();
    let evidence: Vec<Value> = case
        .evidence
        .iter()
        .map(|e| {
            let fields: Vec<String> = e
                .fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect();
            json!([{"text": e.check}, {"text": e.register}, {"text": e.key},
                   {"text": e.entry_number.map(|n| n.to_string()).unwrap_or_else(|| "No record".into())},
                   {"text": e.access_log_id.map(|n| n.to_string()).unwrap_or_else(|| "Not under consent".into())},
                   {"text": fields.join(", ")},
                   {"text": if e.passed { "Passed" } else { "Failed" }}])
        })
        .collect();
    let history: Vec<Value> = case
        .events
        .iter()
        .map(|e| json!([{"text": e.at}, {"text": e.actor}, {"text": e.kind}, {"text": describe(&e.kind, &e.detail)}]))
        .collect();
    let (tag_text, tag_class) = status_tag(case.summary.state.as_str());
    let path = format!("{}/staff/cases/{case_id}", here.prefix());
    let context = json!({
        "service": d.name, "version": case.definition_version, "reference": case.summary.reference,
        "tag": [tag_text, tag_class], "assigned": case.summary.assigned_to, "reasons": case.summary.reasons,
        "answers": answers, "evidence": evidence, "history": history, "fee": case.fee_pence.map(pounds),
        "queued": case.summary.state == CaseState::Queued, "csrf": visitor.csrf_input(),
        "assign_action": format!("{path}/assign"), "decide_action": format!("{path}/decide"),
        "errors": errors.by_field(), "form": form, "queue": format!("{}/staff/cases", here.prefix()),
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = format!("Case {}", case.summary.reference);
    let layout = state.web.layout(Some(&here.council), &title).signed_in(visitor.signed_in()).with_errors(errors);
    render(state, here, status, layout, ("services-case", CASE), context)
}

/// `GET /{council}/staff/cases/{case}`.
pub(crate) async fn case_page(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, case)): Path<(String, String)>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = caseworker(&state, &here, &visitor) {
        return r;
    }
    let Ok(case_id) = case.parse::<i64>() else { return state.web.not_found(Some(&here.council)) };
    show_case(&state, &here, &visitor, case_id, web::FormErrors::new(), json!({})).await
}

/// `POST /{council}/staff/cases/{case}/assign`: to the caseworker posting it.
pub(crate) async fn assign(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, case)): Path<(String, String)>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let staff = match caseworker(&state, &here, &visitor) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(case_id) = case.parse::<i64>() else { return state.web.not_found(Some(&here.council)) };
    match state.engine.assign(here.id, case_id, &staff.id).await {
        Ok(()) => see_other(&format!("{}/staff/cases/{case_id}", here.prefix())),
        Err(e) => error_page(&state, &here, e),
    }
}

/// `POST /{council}/staff/cases/{case}/decide`: approve or refuse with a reason, once.
pub(crate) async fn decide(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, case)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let staff = match caseworker(&state, &here, &visitor) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(case_id) = case.parse::<i64>() else { return state.web.not_found(Some(&here.council)) };
    let decision = form.get("decision").map(String::as_str).unwrap_or("");
    let reason = form.get("reason").map(|s| s.trim()).unwrap_or("");
    let mut errors = web::FormErrors::new();
    if decision != "approve" && decision != "refuse" {
        errors.add("decision", "Select approve or refuse");
    }
    if reason.is_empty() {
        errors.add("reason", "Give a reason for your decision");
    }
    let form_values = json!({"decision": decision, "reason": reason});
    if !errors.is_empty() {
        return show_case(&state, &here, &visitor, case_id, errors, form_values).await;
    }
    match state.engine.decide(here.id, case_id, &staff.id, decision == "approve", reason).await {
        Ok(_) => see_other(&format!("{}/staff/cases/{case_id}", here.prefix())),
        Err(ServiceError::WrongState(_)) => message(
            &state,
            &here,
            &visitor,
            StatusCode::CONFLICT,
            "This case has already been decided",
            &["Someone has already recorded a decision on this case, so yours was not recorded."],
            Some((format!("{}/staff/cases/{case_id}", here.prefix()).as_str(), "See the case")),
        ),
        Err(ServiceError::ReasonRequired) => {
            let mut errors = web::FormErrors::new();
            errors.add("reason", "Give a reason for your decision");
            show_case(&state, &here, &visitor, case_id, errors, form_values).await
        }
        Err(e) => error_page(&state, &here, e),
    }
}
