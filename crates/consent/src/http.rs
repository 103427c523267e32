//! The consent pages, under each council's prefix: the request page where a citizen agrees or
//! declines (`/{council}/consent/{id}`), and "Your data" (`/{council}/your-data`) listing every
//! grant with a Revoke button and every read of the citizen's data. Handlers read the
//! [`web::Visitor`] the identity brick's middleware puts in the request (which also checks the
//! anti-forgery token of every form post); domain rules stay in [`Consent`].

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Serialize;
use store::{CouncilId, Councils};
use time::OffsetDateTime;

use crate::model::{AccessLogEntry, Actor, Grant, GrantId, GrantState, Outcome, RegisterRef, plain_name};
use crate::{Consent, ConsentError};

mod templates;

/// How many reads "Your data" shows.
const LOG_LIMIT: u32 = 200;

/// What the pages need: the brick, the web brick's councils and layout, and the councils table
/// (to turn a URL's slug into the id grants carry).
#[derive(Clone)]
pub struct ConsentState {
    consent: Consent,
    web: web::WebState,
    councils: Councils,
}

impl ConsentState {
    /// Page state over the brick and the web brick's state.
    pub fn new(consent: Consent, web: web::WebState) -> ConsentState {
        let councils = Councils::new(consent.store().clone());
        ConsentState { consent, web, councils }
    }
}

/// The consent pages: `GET/POST /{council}/consent/{request_id}`, `GET /{council}/your-data`,
/// `POST /{council}/your-data/grants/{id}/revoke`. Merge it with the web brick's router, under
/// the identity brick's visitor layer.
pub fn router(state: ConsentState) -> Router {
    Router::new()
        .route("/{council}/consent/{request}", get(request_page).post(request_answer))
        .route("/{council}/your-data", get(your_data))
        .route("/{council}/your-data/grants/{grant}/revoke", post(revoke))
        .with_state(state)
}

/// The web council and its store id for a URL's slug, or the 404 page.
async fn council(state: &ConsentState, slug: &str) -> Result<(web::Council, CouncilId), Response> {
    state.web.council_and_id(&state.councils, slug).await
}

/// The signed-in citizen, or a redirect to sign in and come back.
fn citizen(visitor: &web::Visitor, slug: &str, uri: &Uri) -> Result<web::VisitorCitizen, Redirect> {
    match &visitor.citizen {
        Some(citizen) => Ok(citizen.clone()),
        None => {
            let back = uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path());
            let to = format!("/{slug}/{}?return_to={}", web::SIGN_IN_PATH, urlencoding::encode(back));
            Err(Redirect::to(&to))
        }
    }
}

/// Maps a brick error on a page to the 404 or 500 page.
fn error_page(state: &ConsentState, council: &web::Council, error: ConsentError) -> Response {
    match error {
        ConsentError::UnknownRequest => state.web.not_found(Some(council)),
        other => state.web.server_error(Some(council), &other),
    }
}

/// Renders a template into the council's layout.
fn page(
    state: &ConsentState,
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

/// A register as the citizen reads it: its plain name, and whose it is.
fn register_label(register: &RegisterRef, names: &BTreeMap<i64, store::Council>) -> String {
    let name = plain_name(register.name.as_str());
    match register.owner {
        registers::Owner::National => format!("{name} (national register)"),
        registers::Owner::Council(id) => match names.get(&id.0) {
            Some(council) => format!("{name} ({})", council.name),
            None => name,
        },
    }
}

/// A moment as pages show it: "24 November 2026 at 7:05pm" (UTC).
fn when(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[day padding:none] [month repr:long] [year] at [hour repr:12 padding:none]:[minute][period case:lower]"
    );
    at.format(&format).unwrap_or_else(|_| at.to_string())
}

/// A duration in words: "90 days", "2 hours", "30 minutes".
fn how_long(duration: time::Duration) -> String {
    let plural = |n: i64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    if duration.whole_days() >= 1 {
        plural(duration.whole_days(), "day")
    } else if duration.whole_hours() >= 1 {
        plural(duration.whole_hours(), "hour")
    } else if duration.whole_minutes() >= 1 {
        plural(duration.whole_minutes(), "minute")
    } else {
        plural(duration.whole_seconds(), "second")
    }
}

/// The councils by id, for saying who asked and who read, and linking to a request under its
/// own council's prefix.
async fn council_names(state: &ConsentState) -> Result<BTreeMap<i64, store::Council>, store::StoreError> {
    Ok(state.councils.list().await?.into_iter().map(|c| (c.id.0, c)).collect())
}

#[derive(Serialize)]
struct ScopeView {
    register: String,
    fields: Vec<String>,
}

#[derive(Serialize)]
struct GrantView {
    id: String,
    who: String,
    scopes: Vec<ScopeView>,
    purpose: String,
    state: &'static str,
    state_code: GrantState,
    tag_class: &'static str,
    until: String,
    revocable: bool,
    pending: bool,
    answer_href: String,
    revoke_action: String,
}

fn grant_view(grant: &Grant, slug: &str, names: &BTreeMap<i64, store::Council>) -> GrantView {
    let asking = names.get(&grant.service.council_id.0);
    let council = asking.map(|c| c.name.clone()).unwrap_or_default();
    let until = match (grant.state, grant.expires_at, grant.revoked_at) {
        (GrantState::Revoked, _, Some(at)) => format!("Revoked {}", when(at)),
        (GrantState::Granted | GrantState::Expired, Some(at), _) => when(at),
        (GrantState::Requested, _, _) => format!("{} from when you agree", how_long(grant.duration)),
        _ => String::new(),
    };
    // Grants of every council are listed, and revoked, on any council's "Your data" page; a
    // request is answered under the prefix of the council that asked.
    let asking_slug = asking.map(|c| c.slug.as_str().to_string()).unwrap_or_else(|| slug.to_string());
    GrantView {
        id: grant.id.to_string(),
        who: if council.is_empty() { grant.service.name.clone() } else { format!("{}, {council}", grant.service.name) },
        scopes: grant
            .scopes
            .iter()
            .map(|s| ScopeView {
                register: register_label(&s.register, names),
                fields: s.fields.iter().map(|f| plain_name(f)).collect(),
            })
            .collect(),
        purpose: grant.purpose.clone(),
        state: grant.state.label(),
        state_code: grant.state,
        tag_class: match grant.state {
            GrantState::Granted => "govuk-tag--green",
            GrantState::Requested => "govuk-tag--blue",
            GrantState::Declined | GrantState::Expired => "govuk-tag--grey",
            GrantState::Revoked => "govuk-tag--red",
        },
        until,
        revocable: grant.state == GrantState::Granted,
        pending: grant.state == GrantState::Requested,
        answer_href: format!("/{asking_slug}/consent/{}", grant.id),
        revoke_action: format!("/{slug}/your-data/grants/{}/revoke", grant.id),
    }
}

#[derive(Serialize)]
struct RequestContext {
    grant: GrantView,
    council_name: String,
    csrf: String,
    action: String,
    errors: serde_json::Map<String, serde_json::Value>,
    return_to: String,
    until_if_agreed: String,
    your_data: String,
}

async fn request_page(
    State(state): State<ConsentState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, request)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let (council, council_id) = match self::council(&state, &slug).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let citizen = match citizen(&visitor, &slug, &uri) {
        Ok(citizen) => citizen,
        Err(redirect) => return redirect.into_response(),
    };
    show_request(&state, &visitor, &council, council_id, &citizen, &GrantId(request), web::FormErrors::new()).await
}

async fn show_request(
    state: &ConsentState,
    visitor: &web::Visitor,
    council: &web::Council,
    council_id: CouncilId,
    citizen: &web::VisitorCitizen,
    id: &GrantId,
    errors: web::FormErrors,
) -> Response {
    let grant = match state.consent.grant(id, &citizen.id).await {
        Ok(grant) if grant.service.council_id == council_id => grant,
        Ok(_) => return state.web.not_found(Some(council)),
        Err(error) => return error_page(state, council, error),
    };
    let names = match council_names(state).await {
        Ok(names) => names,
        Err(error) => return state.web.server_error(Some(council), &error),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = if grant.state == GrantState::Requested {
        format!("{} is asking to see your information", grant.service.name)
    } else {
        "You have answered this request".to_string()
    };
    let context = RequestContext {
        grant: grant_view(&grant, &council.slug, &names),
        council_name: council.name.clone(),
        csrf: visitor.csrf_input(),
        action: format!("/{}/consent/{}", council.slug, grant.id),
        errors: errors.by_field(),
        return_to: grant.return_to.clone(),
        until_if_agreed: when(state.consent.now() + grant.duration),
        your_data: format!("/{}/your-data", council.slug),
    };
    let layout = state.web.layout(Some(council), &title).signed_in(visitor.signed_in()).with_errors(errors);
    page(state, status, layout, templates::REQUEST, context)
}

async fn request_answer(
    State(state): State<ConsentState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, request)): Path<(String, String)>,
    uri: Uri,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (council, council_id) = match self::council(&state, &slug).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let citizen = match citizen(&visitor, &slug, &uri) {
        Ok(citizen) => citizen,
        Err(redirect) => return redirect.into_response(),
    };
    let id = GrantId(request);
    // The council in the URL must be the one asking, or the page does not exist.
    match state.consent.grant(&id, &citizen.id).await {
        Ok(grant) if grant.service.council_id == council_id => {}
        Ok(_) => return state.web.not_found(Some(&council)),
        Err(error) => return error_page(&state, &council, error),
    }
    let agree = match form.get("decision").map(String::as_str) {
        Some("agree") => true,
        Some("decline") => false,
        _ => {
            let mut errors = web::FormErrors::new();
            errors.add("decision", "Select yes if you agree to share this information");
            return show_request(&state, &visitor, &council, council_id, &citizen, &id, errors).await;
        }
    };
    match state.consent.decide(&id, &citizen.id, agree).await {
        Ok(grant) => Redirect::to(&grant.return_to).into_response(),
        // Answered already (another tab): show what the answer was.
        Err(ConsentError::AlreadyDecided) => Redirect::to(uri.path()).into_response(),
        Err(error) => error_page(&state, &council, error),
    }
}

#[derive(Serialize)]
struct ReadView {
    when: String,
    who: String,
    register: String,
    key: String,
    fields: Vec<String>,
    purpose: String,
    allowed: bool,
    reason: String,
}

fn read_view(entry: &AccessLogEntry, names: &BTreeMap<i64, store::Council>) -> ReadView {
    let council = names.get(&entry.council_id.0).map(|c| c.name.clone()).unwrap_or_else(|| "Unknown council".into());
    let who = match &entry.actor {
        Actor::Service { name, .. } => format!("{name}, {council}"),
        Actor::Staff { id, role } => format!("A {} ({id}), {council}", role.label()),
    };
    ReadView {
        when: when(entry.at),
        who,
        register: register_label(&entry.register, names),
        key: entry.key.clone(),
        fields: entry.fields.iter().map(|f| plain_name(f)).collect(),
        purpose: entry.purpose.clone(),
        allowed: entry.outcome == Outcome::Allowed,
        reason: entry.reason.clone().unwrap_or_default(),
    }
}

#[derive(Serialize)]
struct YourDataContext {
    grants: Vec<GrantView>,
    reads: Vec<ReadView>,
    csrf: String,
    limit: u32,
}

async fn your_data(
    State(state): State<ConsentState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    uri: Uri,
) -> Response {
    let (council, _) = match self::council(&state, &slug).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let citizen = match citizen(&visitor, &slug, &uri) {
        Ok(citizen) => citizen,
        Err(redirect) => return redirect.into_response(),
    };
    let loaded = async {
        let grants = state.consent.grants_of(&citizen.id).await?;
        let reads = state.consent.access_log_of(&citizen.id, LOG_LIMIT).await?;
        let names = council_names(&state).await?;
        Ok::<_, ConsentError>((grants, reads, names))
    };
    let (grants, reads, names) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&state, &council, error),
    };
    let context = YourDataContext {
        grants: grants.iter().map(|g| grant_view(g, &slug, &names)).collect(),
        reads: reads.iter().map(|r| read_view(r, &names)).collect(),
        csrf: visitor.csrf_input(),
        limit: LOG_LIMIT,
    };
    let layout = state.web.layout(Some(&council), "Your data").signed_in(visitor.signed_in());
    page(&state, StatusCode::OK, layout, templates::YOUR_DATA, context)
}

async fn revoke(
    State(state): State<ConsentState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, grant)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let (council, _) = match self::council(&state, &slug).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let citizen = match citizen(&visitor, &slug, &uri) {
        Ok(citizen) => citizen,
        Err(redirect) => return redirect.into_response(),
    };
    match state.consent.revoke(&GrantId(grant), &citizen.id).await {
        // Revoking twice (a double click) lands on the same page.
        Ok(_) | Err(ConsentError::NotRevocable) => Redirect::to(&format!("/{slug}/your-data")).into_response(),
        Err(error) => error_page(&state, &council, error),
    }
}

impl ConsentError {
    /// The HTTP status this error answers with, for a binary or service exposing reads over
    /// HTTP: refusals are 403, unknown things 404, bad requests 422, answering twice 409.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ConsentError::NotFound(_) | ConsentError::UnknownRequest => StatusCode::NOT_FOUND,
            ConsentError::InvalidRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ConsentError::AlreadyDecided | ConsentError::NotRevocable => StatusCode::CONFLICT,
            refusal if refusal.is_refusal() => StatusCode::FORBIDDEN,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_forbidden_and_unknown_requests_not_found() {
        assert_eq!(ConsentError::Revoked.status_code(), StatusCode::FORBIDDEN);
        assert_eq!(ConsentError::FieldNotGranted("keeper".into()).status_code(), StatusCode::FORBIDDEN);
        assert_eq!(ConsentError::UnknownRequest.status_code(), StatusCode::NOT_FOUND);
        assert_eq!(ConsentError::NotFound("x".into()).status_code(), StatusCode::NOT_FOUND);
        assert_eq!(ConsentError::AlreadyDecided.status_code(), StatusCode::CONFLICT);
        assert_eq!(ConsentError::Corrupt("x".into()).status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn durations_and_moments_read_as_words() {
        assert_eq!(how_long(time::Duration::days(90)), "90 days");
        assert_eq!(how_long(time::Duration::hours(1)), "1 hour");
        assert_eq!(how_long(time::Duration::seconds(30)), "30 seconds");
        assert_eq!(when(time::macros::datetime!(2026-11-24 19:05 UTC)), "24 November 2026 at 7:05pm");
    }
}
