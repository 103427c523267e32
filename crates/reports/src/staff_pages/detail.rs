//! One report for staff: everything about it (the reporter's contact included), where it went,
//! every sending attempt and why one failed, its public updates, and the two forms that act on
//! it: change its status with a public update (emailed to the reporter), or pass it to another
//! of the council's bodies when it was misrouted.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use super::query;
use super::{
    Answer, STATUSES, Staff, StaffState, body_name, error_page, render, staff, status_colour, status_label, templates,
};
use crate::error::ReportError;
use crate::reports::Status;

type Fields = HashMap<String, String>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.get(name).map(|v| v.trim()).unwrap_or_default()
}

/// Who is asking and which report: what every page of one report checks first. The staff
/// check ([`staff`]) comes before the `{id}` segment is read, and anything but a number there is
/// a missing page, so nobody but the council's staff learns which ids parse.
async fn staff_and_report(
    state: &StaffState,
    visitor: &web::Visitor,
    slug: &str,
    id: &str,
) -> Result<(Staff, i64), Response> {
    let staff = staff(state, visitor, slug).await?;
    match id.parse::<i64>() {
        Ok(id) => Ok((staff, id)),
        Err(_) => Err(state.web.not_found(Some(&staff.council))),
    }
}

/// `GET /{council}/staff/reports/{id}` (`?done=status|reassign` after a form succeeded).
pub(crate) async fn page(
    State(state): State<StaffState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let (staff, id) = staff_and_report(&state, &visitor, &slug, &id).await?;
    let done = query.get("done").map(String::as_str);
    Ok(show(&state, &staff, id, web::FormErrors::new(), &Fields::new(), done).await)
}

/// Renders the report page, with a form's errors and values when it was refused.
async fn show(
    state: &StaffState,
    staff: &Staff,
    id: i64,
    errors: web::FormErrors,
    values: &Fields,
    done: Option<&str>,
) -> Response {
    let council = staff.council_id;
    let report = match state.reports.report(Some(council), id).await {
        Ok(r) => r,
        Err(e) => return error_page(state, &staff.council, e),
    };
    let (bodies, updates, attempts) = match (
        state.reports.bodies(council).await,
        state.reports.updates(council, id).await,
        query::attempts(&state.reports, council, id).await,
    ) {
        (Ok(b), Ok(u), Ok(a)) => (b, u, a),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return error_page(state, &staff.council, e),
    };
    let destinations: Vec<Value> = report
        .destinations
        .iter()
        .map(|d| {
            json!({"body_id": d.body_id, "body": body_name(&bodies, &d.body_id), "service_code": d.service_code,
                   "route": d.route, "state": d.state, "external_id": d.external_id, "failure": d.failure,
                   "sent_at": d.sent_at})
        })
        .collect();
    let attempts: Vec<Value> = attempts
        .iter()
        .map(|a| {
            let to =
                if a.kind == "reporter_email" { "The reporter".to_string() } else { body_name(&bodies, &a.body_id) };
            json!({"to": to, "kind": a.kind.replace('_', " "), "state": a.state, "attempts": a.attempts,
                   "last_error": a.last_error, "updated_at": a.updated_at})
        })
        .collect();
    let chosen_to = values.get("to").cloned().unwrap_or_default();
    let targets: Vec<Value> = bodies
        .iter()
        .filter(|b| !report.destinations.iter().any(|d| d.body_id == b.id))
        .flat_map(|b| {
            b.categories.iter().map(|c| {
                let value = format!("{}/{}", b.id, c.code);
                json!({"value": value, "text": format!("{} – {}", b.name, c.name), "selected": value == chosen_to})
            })
        })
        .collect();
    let chosen_status = values.get("status").cloned().unwrap_or_else(|| report.status.as_str().to_string());
    let statuses: Vec<Value> = STATUSES
        .iter()
        .map(|s| json!({"value": s.as_str(), "text": status_label(*s), "checked": s.as_str() == chosen_status}))
        .collect();
    let r = &report.reporter;
    let prefix = format!("/{}", staff.council.slug);
    let context = json!({
        "prefix": prefix,
        "report": {"id": report.id, "category": report.category, "description": report.description,
                   "status": status_label(report.status), "colour": status_colour(report.status),
                   "lat": format!("{:.6}", report.location.lat), "lon": format!("{:.6}", report.location.lon),
                   "address": report.address, "answers": report.answers, "source": report.source,
                   "created_at": report.created_at, "updated_at": report.updated_at, "has_photo": report.has_photo},
        "reporter": {"name": r.name, "email": r.email, "phone": r.phone, "account_id": r.account_id},
        "destinations": destinations,
        "attempts": attempts,
        "updates": updates.iter().map(|u| json!({"status": Status::parse(&u.status).map(status_label).unwrap_or("Unknown"),
            "description": u.description, "created_at": u.created_at, "body": u.body_id.as_deref().map(|b| body_name(&bodies, b))}))
            .collect::<Vec<_>>(),
        "statuses": statuses,
        "update_text": values.get("update").cloned().unwrap_or_default(),
        "targets": targets,
        "froms": report.destinations.iter().map(|d| json!({"value": d.body_id, "text": body_name(&bodies, &d.body_id),
            "selected": values.get("from") == Some(&d.body_id)})).collect::<Vec<_>>(),
        "errors": errors.by_field(),
        "csrf": staff.visitor.csrf_input(),
        "done": done,
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let layout = state
        .web
        .layout(Some(&staff.council), &format!("Report {id}"))
        .signed_in(staff.visitor.signed_in())
        .with_back_link(&format!("{prefix}/staff/reports"))
        .with_errors(errors);
    render(state, status, layout, ("reports-staff-detail", templates::DETAIL), context)
}

/// `POST /{council}/staff/reports/{id}/status`: `status` and the public `update` text.
pub(crate) async fn status(
    State(state): State<StaffState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> Answer {
    let (staff, id) = staff_and_report(&state, &visitor, &slug, &id).await?;
    let mut errors = web::FormErrors::new();
    let status = Status::parse(field(&fields, "status")).ok();
    if status.is_none() {
        errors.add("status", "Choose a status for the report");
    }
    let text = field(&fields, "update");
    if text.is_empty() {
        errors.add("update", "Enter the public update the reporter will be sent");
    } else if text.chars().count() > 5000 {
        errors.add("update", "The update must be 5000 characters or fewer");
    }
    let Some(status) = status.filter(|_| errors.is_empty()) else {
        return Ok(show(&state, &staff, id, errors, &fields, None).await);
    };
    let report =
        state.reports.report(Some(staff.council_id), id).await.map_err(|e| error_page(&state, &staff.council, e))?;
    let body = report.destinations.first().map(|d| d.body_id.clone());
    Ok(match state.reports.add_update(staff.council_id, id, body.as_deref(), status, text, &staff.name).await {
        Ok(_) => Redirect::to(&format!("/{slug}/staff/reports/{id}?done=status")).into_response(),
        Err(ReportError::InvalidField(message)) => {
            errors.add("update", &message);
            show(&state, &staff, id, errors, &fields, None).await
        }
        Err(e) => error_page(&state, &staff.council, e),
    })
}

/// `POST /{council}/staff/reports/{id}/reassign`: `from` (a body it went to) and `to`
/// (`{body}/{service_code}` of another of the council's bodies).
pub(crate) async fn reassign(
    State(state): State<StaffState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> Answer {
    let (staff, id) = staff_and_report(&state, &visitor, &slug, &id).await?;
    let mut errors = web::FormErrors::new();
    let from = field(&fields, "from");
    if from.is_empty() {
        errors.add("from", "Choose the body the report is passed from");
    }
    let to = field(&fields, "to").split_once('/');
    if to.is_none() {
        errors.add("to", "Choose the body and category to pass the report to");
    }
    let Some((to_body, code)) = to.filter(|_| errors.is_empty()) else {
        return Ok(show(&state, &staff, id, errors, &fields, None).await);
    };
    Ok(match state.reports.reassign(staff.council_id, id, from, to_body, code, &staff.name).await {
        Ok(_) => Redirect::to(&format!("/{slug}/staff/reports/{id}?done=reassign")).into_response(),
        Err(ReportError::InvalidField(message)) => {
            errors.add("to", &message);
            show(&state, &staff, id, errors, &fields, None).await
        }
        Err(ReportError::UnknownBody(_) | ReportError::UnknownCategory(_)) => {
            errors.add("to", "Choose one of the council's bodies and categories from the list");
            show(&state, &staff, id, errors, &fields, None).await
        }
        Err(ReportError::NotFound(_)) => match state.reports.report(Some(staff.council_id), id).await {
            Ok(_) => {
                errors.add("from", "Choose a body the report was sent to");
                show(&state, &staff, id, errors, &fields, None).await
            }
            Err(e) => error_page(&state, &staff.council, e),
        },
        Err(e) => error_page(&state, &staff.council, e),
    })
}

/// `GET /{council}/staff/reports/{id}/photo`: the report's photo, with its checked content type.
pub(crate) async fn photo(
    State(state): State<StaffState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (staff, id) = staff_and_report(&state, &visitor, &slug, &id).await?;
    Ok(match state.reports.photo(staff.council_id, id).await {
        Ok(photo) => {
            let mut response = photo.bytes.into_response();
            let headers = response.headers_mut();
            if let Ok(kind) = HeaderValue::from_str(&photo.content_type) {
                headers.insert(header::CONTENT_TYPE, kind);
            }
            headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            response
        }
        Err(e) => error_page(&state, &staff.council, e),
    })
}
