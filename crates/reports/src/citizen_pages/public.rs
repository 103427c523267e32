//! What anyone can see: a council's recent reports, a report's page (without the reporter's
//! contact details; their name only if they chose to show it) with its public updates, and its
//! photo, served with its checked type and `nosniff`. Everything the citizen typed is escaped.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sqlx::Row;

use super::CitizenState;
use super::render::{self, Answer, Here, here};
use crate::error::ReportError;
use crate::reports::{Report, Status};

/// How many reports the list shows.
const RECENT: i64 = 50;

fn status_text(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Open => ("Open", "govuk-tag--blue"),
        Status::InProgress => ("In progress", "govuk-tag--yellow"),
        Status::Fixed => ("Fixed", "govuk-tag--green"),
        Status::Closed => ("Closed", "govuk-tag--grey"),
    }
}

/// The day of a stored time (`2026-11-24`).
fn day(stored: &str) -> String {
    stored.get(..10).unwrap_or(stored).to_string()
}

fn heading(report: &Report) -> String {
    report.title.clone().unwrap_or_else(|| report.category.clone())
}

const LIST: &str = r#"{% from "govuk/components/table/macro.jinja" import govukTable -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-full">
  <h1 class="govuk-heading-l">Problems reported recently</h1>
  <p class="govuk-body"><a class="govuk-link" href="{{ prefix }}/report">Report a problem</a></p>
  {% if rows %}
  {{ govukTable({ "caption": "The " ~ rows | length ~ " most recent reports", "captionClasses": "govuk-visually-hidden",
     "head": [{ "text": "Reference" }, { "text": "Problem" }, { "text": "Category" }, { "text": "Status" }, { "text": "Reported" }],
     "rows": rows }) }}
  {% else %}
  <p class="govuk-body">No problems have been reported yet.</p>
  {% endif %}
</div></div>"#;

/// `GET /{council}/reports`.
pub(crate) async fn list(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
) -> Answer {
    let here = here(&state, &slug, visitor).await?;
    let server_error = |e: ReportError| render::server_error(&state, &here, &e);
    let ids = sqlx::query("SELECT id FROM reports_reports WHERE council_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(here.id.0)
        .bind(RECENT)
        .fetch_all(state.reports.store().pool())
        .await;
    let ids: Vec<i64> = ids
        .and_then(|rows| rows.iter().map(|r| r.try_get(0)).collect())
        .map_err(ReportError::Database)
        .map_err(server_error)?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        let report = state.reports.report(Some(here.id), id).await.map_err(server_error)?.public();
        let (status, class) = status_text(report.status);
        let link = format!(
            r#"<a class="govuk-link" href="{}/reports/{id}">{}</a>"#,
            here.prefix(),
            web::templates::escape(&heading(&report))
        );
        rows.push(json!([
            { "text": id.to_string() },
            { "html": link },
            { "text": report.category },
            { "html": format!(r#"<strong class="govuk-tag {class}">{status}</strong>"#) },
            { "text": day(&report.created_at) },
        ]));
    }
    let context = json!({ "rows": rows });
    Ok(render::page(
        &state,
        &here,
        "Problems reported recently",
        None,
        web::FormErrors::new(),
        ("report-list", LIST),
        context,
    ))
}

const SHOW: &str = r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <span class="govuk-caption-l">{{ category }} · reference {{ id }}</span>
  <h1 class="govuk-heading-l">{{ heading }}</h1>
  <p class="govuk-body"><strong class="govuk-tag {{ status_class }}">{{ status }}</strong></p>
  <div id="report-description">{% for p in paragraphs %}<p class="govuk-body">{{ p }}</p>{% endfor %}</div>
  {% if has_photo %}<img class="guildhall-report-photo" src="{{ prefix }}/reports/{{ id }}/photo" alt="Photo of the problem, sent with the report" style="max-width: 100%">{% endif %}
  {{ govukSummaryList({ "rows": rows }) }}
  <h2 class="govuk-heading-m">Updates</h2>
  {% if updates %}
  <ol class="govuk-list" id="report-updates">
    {% for u in updates %}<li><p class="govuk-body"><strong>{{ u.status }}</strong>, {{ u.day }}{% if u.body %} by {{ u.body }}{% endif %}</p><p class="govuk-body">{{ u.text }}</p></li>{% endfor %}
  </ol>
  {% else %}
  <p class="govuk-body">No updates yet.</p>
  {% endif %}
  <p class="govuk-body"><a class="govuk-link" href="{{ prefix }}/reports">See other reports</a></p>
</div></div>"#;

/// `GET /{council}/reports/{id}`.
pub(crate) async fn show(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, report) = here_and_report(&state, &slug, &id, visitor).await?;
    let report = report.public();
    let server_error = |e: ReportError| render::server_error(&state, &here, &e);
    let updates = state.reports.updates(here.id, report.id).await.map_err(server_error)?;
    let bodies = state.reports.bodies(here.id).await.map_err(server_error)?;
    let body_name =
        |id: &str| bodies.iter().find(|b| b.id == id).map(|b| b.name.clone()).unwrap_or_else(|| id.to_string());
    let sent_to: Vec<String> = report.destinations.iter().map(|d| body_name(&d.body_id)).collect();
    let mut rows = vec![render::row("Reported", &day(&report.created_at)), render::row("Sent to", &sent_to.join(", "))];
    if let Some(address) = &report.address {
        rows.insert(0, render::row("Where", address));
    }
    if let Some(name) = &report.reporter.name {
        rows.push(render::row("Reported by", name));
    }
    let updates: Vec<Value> = updates
        .iter()
        .map(|u| {
            let status = Status::parse(&u.status).map(|s| status_text(s).0).unwrap_or("Updated");
            json!({ "status": status, "day": day(&u.created_at), "text": u.description,
                    "body": u.body_id.as_deref().map(body_name) })
        })
        .collect();
    let (status, status_class) = status_text(report.status);
    let paragraphs: Vec<&str> = report.description.split('\n').map(str::trim).filter(|p| !p.is_empty()).collect();
    let heading = heading(&report);
    let context = json!({
        "id": report.id, "category": report.category, "heading": heading, "paragraphs": paragraphs,
        "status": status, "status_class": status_class, "has_photo": report.has_photo, "rows": rows, "updates": updates,
    });
    Ok(render::page(&state, &here, &heading, None, web::FormErrors::new(), ("report-show", SHOW), context))
}

/// The council of the path and its report named by it: what the report's page and its photo
/// both need first, with the same 404 pages ([`here`], [`find`]).
async fn here_and_report(
    state: &CitizenState,
    slug: &str,
    id: &str,
    visitor: web::Visitor,
) -> Result<(Here, Report), Response> {
    let here = here(state, slug, visitor).await?;
    let report = find(state, &here, id).await?;
    Ok((here, report))
}

/// The council's report with this id, or the 404 page.
async fn find(state: &CitizenState, here: &Here, id: &str) -> Result<Report, Response> {
    let Ok(id) = id.parse::<i64>() else { return Err(state.web.not_found(Some(&here.council))) };
    match state.reports.report(Some(here.id), id).await {
        Ok(r) => Ok(r),
        Err(ReportError::NotFound(_)) => Err(state.web.not_found(Some(&here.council))),
        Err(e) => Err(render::server_error(state, here, &e)),
    }
}

/// `GET /{council}/reports/{id}/photo`: the bytes with the type checked when stored, never sniffed.
pub(crate) async fn photo(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, report) = here_and_report(&state, &slug, &id, visitor).await?;
    let photo = match state.reports.photo(here.id, report.id).await {
        Ok(p) => p,
        Err(ReportError::NotFound(_)) => return Err(state.web.not_found(Some(&here.council))),
        Err(e) => return Err(render::server_error(&state, &here, &e)),
    };
    let Ok(content_type) = HeaderValue::from_str(&photo.content_type) else {
        return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline")),
        ],
        photo.bytes,
    )
        .into_response())
}
