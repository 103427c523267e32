//! The engine's pages, server-rendered in the GOV.UK Design System and working with JavaScript
//! off: a service's start page, one page per question, check your answers, payment and consent
//! hand-offs, the confirmation, the citizen's "Your applications", and the caseworker's queue
//! and case pages. Handlers parse, authorise and map errors; every rule stays in [`Engine`].
//!
//! The visitor comes from the identity brick's layer as an `Extension<web::Visitor>` (which
//! also refuses form posts without the session's anti-forgery token), so this crate needs no
//! dependency on identity; tests put a visitor in directly.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use store::{CouncilId, Councils};

use crate::engine::Engine;
use crate::error::ServiceError;
use crate::ports::ConsentPrompt;

mod apply;
mod questions;
mod staff;
mod start;
mod submit;

/// What the pages need: the engine, the web brick's councils and layout, the consent prompt
/// asked before register checks run, and (optionally) the public base URL payment pages return to.
#[derive(Clone)]
pub struct PagesState {
    engine: Engine,
    web: web::WebState,
    consent: Arc<dyn ConsentPrompt>,
    councils: Councils,
    base_url: Option<String>,
}

impl PagesState {
    /// Page state over the engine, the web brick's state and a consent prompt. Payment return
    /// addresses are built from each request's `Host` until [`PagesState::with_base_url`] is set.
    pub fn new(engine: Engine, web: web::WebState, consent: Arc<dyn ConsentPrompt>) -> PagesState {
        let councils = Councils::new(engine.store.clone());
        PagesState { engine, web, consent, councils, base_url: None }
    }

    /// The public address of the site (`https://guildhall.example`), used for the absolute
    /// `return_url` a payment goes back to; behind a proxy the request's `Host` may be wrong.
    pub fn with_base_url(mut self, base_url: &str) -> PagesState {
        self.base_url = Some(base_url.trim_end_matches('/').to_string());
        self
    }
}

/// The pages' router. Citizen: `/{council}/services/{slug}` (start), `/{council}/your-applications`,
/// `/{council}/applications/{id}/{page}`, `…/check-answers`, `…/paid`, `…/confirmation`.
/// Caseworker: `/{council}/staff/cases[/{case}[/assign|/decide]]`. Needs `Extension<web::Visitor>`
/// on every request (the identity layer puts it there).
pub fn router(state: PagesState) -> Router {
    Router::new()
        .route("/{council}/services/{slug}", get(start::start_page).post(start::begin))
        .route("/{council}/services/{slug}/start", get(start::begin))
        .route("/{council}/your-applications", get(start::your_applications))
        .route("/{council}/applications/{id}/check-answers", get(submit::check_answers).post(submit::send))
        .route("/{council}/applications/{id}/paid", get(submit::paid))
        .route("/{council}/applications/{id}/continue", get(submit::resume))
        .route("/{council}/applications/{id}/confirmation", get(submit::confirmation))
        .route("/{council}/applications/{id}/{page}", get(apply::question).post(apply::answer))
        .route("/{council}/staff/cases", get(staff::queue))
        .route("/{council}/staff/cases/{case}", get(staff::case_page))
        .route("/{council}/staff/cases/{case}/assign", post(staff::assign))
        .route("/{council}/staff/cases/{case}/decide", post(staff::decide))
        .with_state(state)
}

/// The council a request is for: as the web brick shows it, and its id in the store.
#[derive(Clone)]
pub(crate) struct Here {
    pub council: web::Council,
    pub id: CouncilId,
}

impl Here {
    /// The council's path prefix, `/exampleshire`.
    pub fn prefix(&self) -> String {
        format!("/{}", self.council.slug)
    }

    /// An application's page address.
    pub fn app_path(&self, app: &str, page: &str) -> String {
        format!("/{}/applications/{app}/{page}", self.council.slug)
    }
}

/// The council of a URL's slug, or the 404 page.
pub(crate) async fn here(state: &PagesState, slug: &str) -> Result<Here, Response> {
    let (council, id) = state.web.council_and_id(&state.councils, slug).await?;
    Ok(Here { council, id })
}

/// The signed-in citizen, or a redirect to the council's sign-in page that comes back to `back`.
// The error is the response to send at once; it is made once per request, so its size does not matter.
#[allow(clippy::result_large_err)]
pub(crate) fn citizen<'v>(
    visitor: &'v web::Visitor,
    here: &Here,
    back: &str,
) -> Result<&'v web::VisitorCitizen, Response> {
    visitor.citizen.as_ref().ok_or_else(|| sign_in_redirect(here, back))
}

/// `/{council}/sign-in?return_to=…`.
pub(crate) fn sign_in_redirect(here: &Here, back: &str) -> Response {
    let to = format!("{}/{}?return_to={}", here.prefix(), web::SIGN_IN_PATH, urlencoding::encode(back));
    Redirect::to(&to).into_response()
}

/// A 303 to `to` (POST-redirect-GET).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Renders a page's main content from a template into the council's layout.
pub(crate) fn render(
    state: &PagesState,
    here: &Here,
    status: StatusCode,
    layout: web::Layout,
    template: (&str, &str),
    context: impl Serialize,
) -> Response {
    let content = match web::render_fragment(template.0, template.1, context) {
        Ok(content) => content,
        Err(e) => return state.web.server_error(Some(&here.council), &e),
    };
    match web::render(&web::Page { layout, content }) {
        Ok(html) => (status, html).into_response(),
        Err(e) => state.web.server_error(Some(&here.council), &e),
    }
}

const MESSAGE: &str = r#"<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{ title }}</h1>
{% for p in paragraphs %}<p class="govuk-body">{{ p }}</p>{% endfor %}
{% if link %}<p class="govuk-body"><a class="govuk-link" href="{{ link.href }}">{{ link.text }}</a></p>{% endif %}
</div></div>"#;

/// A page that says plainly what went wrong (a stale link, a tampered form) and where to go.
pub(crate) fn message(
    state: &PagesState,
    here: &Here,
    visitor: &web::Visitor,
    status: StatusCode,
    title: &str,
    paragraphs: &[&str],
    link: Option<(&str, &str)>,
) -> Response {
    let layout = state.web.layout(Some(&here.council), title).signed_in(visitor.signed_in());
    let link = link.map(|(href, text)| serde_json::json!({"href": href, "text": text}));
    let context = serde_json::json!({"title": title, "paragraphs": paragraphs, "link": link});
    render(state, here, status, layout, ("services-message", MESSAGE), context)
}

/// Maps an engine error that a handler did not turn into a better page: what does not exist
/// (or is someone else's) is 404, anything else the 500 page.
pub(crate) fn error_page(state: &PagesState, here: &Here, error: ServiceError) -> Response {
    match error {
        ServiceError::UnknownApplication | ServiceError::UnknownCase | ServiceError::UnknownService(_) => {
            state.web.not_found(Some(&here.council))
        }
        other => state.web.server_error(Some(&here.council), &other),
    }
}

/// The absolute address of `path` on this site: the configured base URL, or the request's
/// `Host` (and `X-Forwarded-Proto`, else http).
pub(crate) fn absolute(state: &PagesState, headers: &HeaderMap, path: &str) -> String {
    if let Some(base) = &state.base_url {
        return format!("{base}{path}");
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let host = header("host").unwrap_or_else(|| "localhost".into());
    let scheme = header("x-forwarded-proto").filter(|p| p == "https").unwrap_or_else(|| "http".into());
    format!("{scheme}://{host}{path}")
}

/// Pence as pounds: `£12.00`.
pub(crate) fn pounds(pence: i64) -> String {
    format!("£{}.{:02}", pence / 100, pence % 100)
}

/// A stored `YYYY-MM-DDTHH:MM:SSZ` as pages show it: `24 November 2026`.
pub(crate) fn day_of(at: &str) -> String {
    let date = at.get(..10).and_then(crate::eval::parse_date);
    date.map(|d| format!("{} {} {}", d.day(), d.month(), d.year())).unwrap_or_else(|| at.to_string())
}

/// A case or application status as a GOV.UK tag: text and colour class.
pub(crate) fn status_tag(status: &str) -> (&'static str, &'static str) {
    match status {
        "draft" => ("Not sent", "govuk-tag--grey"),
        "queued" => ("Being checked", "govuk-tag--blue"),
        "approved" => ("Approved", "govuk-tag--green"),
        "refused" => ("Refused", "govuk-tag--red"),
        _ => ("Unknown", "govuk-tag--grey"),
    }
}
