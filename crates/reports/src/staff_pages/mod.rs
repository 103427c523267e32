//! The staff pages of report a problem, under each council's prefix: the list of reports sent to
//! the council's bodies (filters, a map, CSV per body), one report with the reporter's contact,
//! where it went and every sending attempt, and the forms that change its status (a public
//! update the reporter is emailed) or pass it to another body. Only the council's caseworkers and
//! admins get in: handlers read the [`web::Visitor`] the identity brick's layer puts in each
//! request (that layer also refuses forms without the anti-forgery token). Domain rules stay in
//! [`Reports`]; the pages only parse, check who is asking, and render.

mod detail;
mod list;
mod query;
mod templates;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use store::{CouncilId, Councils};

use crate::error::ReportError;
use crate::reports::Reports;

/// What the staff pages need: the brick, the web brick's councils and layouts, and the councils
/// table (a URL's slug to the id every row carries).
#[derive(Clone)]
pub struct StaffState {
    reports: Reports,
    web: web::WebState,
    councils: Councils,
}

impl StaffState {
    /// Page state over the brick and the web brick's state.
    pub fn new(reports: Reports, web: web::WebState) -> StaffState {
        let councils = Councils::new(reports.store().clone());
        StaffState { reports, web, councils }
    }
}

/// The staff routes: `GET /{council}/staff/reports` (and `.csv`, `.geojson`),
/// `GET /{council}/staff/reports/{id}` (and `/photo`), `POST …/{id}/status` and `POST
/// …/{id}/reassign`. Merge with the web brick's router under the identity brick's layer.
pub fn router(state: StaffState) -> Router {
    Router::new()
        .route("/{council}/staff/reports", get(list::page))
        .route("/{council}/staff/reports.csv", get(list::csv))
        .route("/{council}/staff/reports.geojson", get(list::markers))
        .route("/{council}/staff/reports/{id}", get(detail::page))
        .route("/{council}/staff/reports/{id}/photo", get(detail::photo))
        .route("/{council}/staff/reports/{id}/status", post(detail::status))
        .route("/{council}/staff/reports/{id}/reassign", post(detail::reassign))
        .with_state(state)
}

/// What a handler answers. `Err` is a page that ends the request early (the sign-in redirect,
/// 403, 404 or 500), so the shared steps ([`staff`], [`error_page`]) can be `?`-ed.
pub(crate) type Answer = Result<Response, Response>;

/// The role that may work on reports (admins hold every role).
const ROLE: &str = "caseworker";

/// A signed-in caseworker or admin of the council in the path.
pub(crate) struct Staff {
    council: web::Council,
    council_id: CouncilId,
    visitor: web::Visitor,
    name: String,
}

/// Who may see the council's staff pages: its caseworkers and admins. Anyone not signed in as
/// staff goes to the staff sign-in page; staff of another council, or without the role, get 403.
pub(crate) async fn staff(state: &StaffState, visitor: &web::Visitor, slug: &str) -> Result<Staff, Response> {
    let Some(council) = state.web.council(slug) else { return Err(state.web.not_found(None)) };
    let member = match &visitor.staff {
        None => return Err(Redirect::to(&format!("/{slug}/staff/sign-in")).into_response()),
        Some(s) if !s.works_for(slug) => {
            return Err(forbidden(state, &council, visitor, "Only this council's staff can see its reports."));
        }
        Some(s) if !s.has_role(ROLE) => {
            return Err(forbidden(state, &council, visitor, "Only caseworkers and admins can see reports."));
        }
        Some(s) => s.clone(),
    };
    let (council, council_id) = state.web.council_and_id(&state.councils, slug).await?;
    if council_id.0 != member.council_id {
        return Err(forbidden(state, &council, visitor, "Only this council's staff can see its reports."));
    }
    Ok(Staff { council, council_id, visitor: visitor.clone(), name: member.name })
}

fn forbidden(state: &StaffState, council: &web::Council, visitor: &web::Visitor, message: &str) -> Response {
    render(
        state,
        StatusCode::FORBIDDEN,
        state.web.layout(Some(council), "You cannot see this page").signed_in(visitor.signed_in()),
        ("reports-staff-forbidden", templates::FORBIDDEN),
        serde_json::json!({"message": message}),
    )
}

/// Renders a fragment into the layout with a status, or the 500 page.
pub(crate) fn render(
    state: &StaffState,
    status: StatusCode,
    layout: web::Layout,
    template: (&str, &str),
    context: impl Serialize,
) -> Response {
    let council = layout.council.clone();
    let content = match web::render_fragment(template.0, template.1, context) {
        Ok(content) => content,
        Err(error) => return state.web.server_error(council.as_ref(), &error),
    };
    match web::render(&web::Page { layout, content }) {
        Ok(html) => (status, html).into_response(),
        Err(error) => state.web.server_error(council.as_ref(), &error),
    }
}

/// A brick error on a page: a missing report is the 404 page, anything else the 500 page.
pub(crate) fn error_page(state: &StaffState, council: &web::Council, error: ReportError) -> Response {
    match error {
        ReportError::NotFound(_) | ReportError::UnknownBody(_) => state.web.not_found(Some(council)),
        other => state.web.server_error(Some(council), &other),
    }
}

/// A body's name by id among the council's bodies (the id itself for one no longer there).
pub(crate) fn body_name(bodies: &[crate::Body], id: &str) -> String {
    bodies.iter().find(|b| b.id == id).map(|b| b.name.clone()).unwrap_or_else(|| id.to_string())
}

/// A status as staff read it.
pub(crate) fn status_label(status: crate::Status) -> &'static str {
    match status {
        crate::Status::Open => "Open",
        crate::Status::InProgress => "In progress",
        crate::Status::Fixed => "Fixed",
        crate::Status::Closed => "Closed",
    }
}

/// The govuk-tag colour of a status.
pub(crate) fn status_colour(status: crate::Status) -> &'static str {
    match status {
        crate::Status::Open => "govuk-tag--blue",
        crate::Status::InProgress => "govuk-tag--yellow",
        crate::Status::Fixed => "govuk-tag--green",
        crate::Status::Closed => "govuk-tag--grey",
    }
}

/// Every status, for the filters and the status form.
pub(crate) const STATUSES: [crate::Status; 4] =
    [crate::Status::Open, crate::Status::InProgress, crate::Status::Fixed, crate::Status::Closed];
