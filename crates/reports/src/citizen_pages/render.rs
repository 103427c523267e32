//! What every citizen page shares: finding the council of the path, loading the visitor's
//! draft, and rendering a template into the council's layout with the right status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};
use store::CouncilId;

use super::CitizenState;
use super::drafts::{Draft, Drafts};

/// What a handler answers. `Err` is a page that ends the request early (a 404, the 500 page,
/// a redirect), so the shared steps ([`here`], [`here_and_draft`], …) can be `?`-ed.
pub(crate) type Answer = Result<Response, Response>;

/// The service's name, in every page title.
pub(crate) const SERVICE: &str = "Report a problem";

/// The council a page is for: its web face and its id.
pub(crate) struct Here {
    pub council: web::Council,
    pub id: CouncilId,
    pub visitor: web::Visitor,
}

impl Here {
    /// `/{slug}`.
    pub fn prefix(&self) -> String {
        format!("/{}", self.council.slug)
    }

    /// The start of a draft's pages: `/{slug}/report/{draft}`.
    pub fn draft_path(&self, draft: &str) -> String {
        format!("/{}/report/{draft}", self.council.slug)
    }
}

/// Finds the council named by the path; the 404 page when there is none
/// ([`web::WebState::council_and_id`]).
pub(crate) async fn here(state: &CitizenState, slug: &str, visitor: web::Visitor) -> Result<Here, Response> {
    let (council, id) = state.web.council_and_id(&state.councils, slug).await?;
    Ok(Here { council, id, visitor })
}

/// The visitor's draft with this id, or a page saying the answers are gone (expired, another
/// session's, or never made): a 404 with a link to start again.
pub(crate) async fn draft(state: &CitizenState, here: &Here, id: &str) -> Result<Draft, Response> {
    match Drafts::new(state.reports.store()).load(here.id, id, &here.visitor.csrf_token).await {
        Ok(Some(draft)) => Ok(draft),
        Ok(None) => Err(message(
            state,
            here,
            StatusCode::NOT_FOUND,
            "Your answers have expired",
            "We could not find your answers. They are kept for a day, in the browser session you started in.",
        )),
        Err(e) => Err(server_error(state, here, &e)),
    }
}

/// The council of the path and the visitor's draft named by it: what every step after the
/// first needs before it can do anything, with the same 404 pages ([`here`], [`draft`]).
pub(crate) async fn here_and_draft(
    state: &CitizenState,
    slug: &str,
    id: &str,
    visitor: web::Visitor,
) -> Result<(Here, Draft), Response> {
    let here = here(state, slug, visitor).await?;
    let draft = draft(state, &here, id).await?;
    Ok((here, draft))
}

/// Saves the step's answers into the draft, then sends the visitor on to `step` of it (303);
/// the 500 page when the draft cannot be saved, so nothing is lost silently.
pub(crate) async fn save_and_go(state: &CitizenState, here: &Here, draft: &Draft, step: &str) -> Response {
    match Drafts::new(state.reports.store()).save(here.id, draft).await {
        Ok(()) => see_other(&format!("{}/{step}", here.draft_path(&draft.id))),
        Err(e) => server_error(state, here, &e),
    }
}

/// The 500 page for this council (the error is logged, not shown).
pub(crate) fn server_error(state: &CitizenState, here: &Here, error: &dyn std::error::Error) -> Response {
    state.web.server_error(Some(&here.council), error)
}

/// Renders `source` (a template of this service) with `context` into the council's layout.
#[allow(clippy::too_many_arguments)]
pub(crate) fn page(
    state: &CitizenState,
    here: &Here,
    title: &str,
    back: Option<&str>,
    errors: web::FormErrors,
    template: (&str, &str),
    context: Value,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page_with_status(state, here, status, title, back, errors, template, context)
}

/// [`page`] with an explicit status.
#[allow(clippy::too_many_arguments)]
pub(crate) fn page_with_status(
    state: &CitizenState,
    here: &Here,
    status: StatusCode,
    title: &str,
    back: Option<&str>,
    errors: web::FormErrors,
    template: (&str, &str),
    mut context: Value,
) -> Response {
    context["errors"] = Value::Object(errors.by_field());
    context["prefix"] = json!(here.prefix());
    context["csrf"] = json!(here.visitor.csrf_input());
    let mut layout =
        state.web.layout(Some(&here.council), title).signed_in(here.visitor.signed_in()).with_errors(errors);
    if let Some(back) = back {
        layout = layout.with_back_link(back);
    }
    let content = match web::render_fragment(template.0, template.1, context) {
        Ok(c) => c,
        Err(e) => return server_error(state, here, &e),
    };
    match web::render(&web::Page { layout, content }) {
        Ok(html) => (status, html).into_response(),
        Err(e) => server_error(state, here, &e),
    }
}

const MESSAGE: &str = r#"<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">{{ heading }}</h1>
  <p class="govuk-body">{{ message }}</p>
  <p class="govuk-body"><a class="govuk-link" href="{{ prefix }}/report">Start again</a></p>
</div></div>"#;

/// A page with a heading, a sentence and a link to start again.
pub(crate) fn message(state: &CitizenState, here: &Here, status: StatusCode, heading: &str, text: &str) -> Response {
    let context = json!({ "heading": heading, "message": text });
    page_with_status(state, here, status, heading, None, web::FormErrors::new(), ("report-message", MESSAGE), context)
}

/// After a form is saved: the next page (303, so a reload does not post again).
pub(crate) fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A summary-list or table row from text.
pub(crate) fn row(key: &str, value: &str) -> Value {
    json!({ "key": { "text": key }, "value": { "text": value } })
}
