//! The passkey endpoints: JSON for the two ceremonies (the embedded script calls them; each
//! checks the session's anti-forgery token in the `X-CSRF-Token` header itself, since the
//! middleware checks only form bodies), and plain forms to rename or remove a passkey, which
//! work with JavaScript off.

use axum::Extension;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::pages::{safe_return_to, see_other};
use super::{ClientIp, IdentityState, RequireCitizen, templates};
use crate::secret::equal;
use crate::{CitizenId, CurrentSession, IdentityError, Pending, SessionAccount};

/// The header the script sends the session's anti-forgery token in.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// The script that runs the ceremonies in the browser, embedded in the binary.
const SCRIPT: &str = include_str!("passkeys.js");

/// `GET /identity/passkeys.js`.
pub(super) async fn script() -> Response {
    let mut response = SCRIPT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// A JSON error answer `{"error": "…"}`.
fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Maps the brick's errors to JSON answers, once, for every ceremony endpoint.
fn ceremony_error(error: &IdentityError) -> Response {
    match error {
        IdentityError::Passkey(reason) => {
            tracing::info!(%reason, "passkey refused");
            json_error(
                StatusCode::BAD_REQUEST,
                "The passkey could not be used. Try again, or use a code sent by email.",
            )
        }
        IdentityError::NoPasskeyCeremony => {
            json_error(StatusCode::CONFLICT, "This passkey request has already been used or has ended. Try again.")
        }
        IdentityError::PasskeysUnavailable => json_error(StatusCode::NOT_FOUND, "Passkeys are not available here."),
        IdentityError::RateLimited { retry_after_secs } => {
            let mut response = json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "There have been too many attempts to sign in. Wait and try again.",
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        other => {
            tracing::error!(error = %other, "passkey ceremony failed");
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service.")
        }
    }
}

/// The refusal of a JSON post whose `X-CSRF-Token` header does not hold this (stored)
/// session's token; `None` when the token is right.
fn token_refusal(headers: &HeaderMap, session: &CurrentSession) -> Option<Response> {
    let token = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    let ok = session.is_stored() && token.is_some_and(|t| equal(t, &session.csrf_token));
    (!ok).then(|| {
        json_error(StatusCode::FORBIDDEN, "This request was not sent from a page of this service. Reload the page.")
    })
}

fn signed_in_citizen(session: &CurrentSession) -> Option<CitizenId> {
    match &session.account {
        SessionAccount::Citizen(id) => Some(id.clone()),
        _ => None,
    }
}

fn not_signed_in() -> Response {
    json_error(StatusCode::UNAUTHORIZED, "Sign in to add a passkey.")
}

/// Takes `field` out of the session's journeys in progress, at most once.
async fn take_state(
    state: &IdentityState,
    session: &CurrentSession,
    field: fn(&mut Pending) -> &mut Option<Value>,
) -> Result<Value, IdentityError> {
    let mut next = session.pending.clone();
    let taken = field(&mut next).take().ok_or(IdentityError::NoPasskeyCeremony)?;
    if state.identity.replace_pending(session, &next).await? {
        Ok(taken)
    } else {
        Err(IdentityError::NoPasskeyCeremony)
    }
}

/// `POST /{council}/passkeys/registration/options`: a signed-in citizen's registration options.
pub(super) async fn registration_options(
    State(state): State<IdentityState>,
    Extension(session): Extension<CurrentSession>,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = token_refusal(&headers, &session) {
        return refusal;
    }
    let Some(citizen) = signed_in_citizen(&session) else { return not_signed_in() };
    let challenge = match state.identity.start_passkey_registration(&citizen).await {
        Ok(challenge) => challenge,
        Err(error) => return ceremony_error(&error),
    };
    let pending = Pending { passkey_registration: Some(challenge.state), ..session.pending.clone() };
    match state.identity.save_pending(&session, &pending).await {
        Ok(_) => Json(challenge.options).into_response(),
        Err(error) => ceremony_error(&error),
    }
}

#[derive(Deserialize)]
pub(super) struct Answer {
    credential: Value,
    #[serde(default)]
    return_to: Option<String>,
}

/// `POST /{council}/passkeys/registration`: the authenticator's new credential.
pub(super) async fn registration_finish(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(session): Extension<CurrentSession>,
    headers: HeaderMap,
    Json(answer): Json<Answer>,
) -> Response {
    if let Some(refusal) = token_refusal(&headers, &session) {
        return refusal;
    }
    let Some(citizen) = signed_in_citizen(&session) else { return not_signed_in() };
    let result = async {
        let ceremony = take_state(&state, &session, |p| &mut p.passkey_registration).await?;
        let count = state.identity.passkeys_of(&citizen).await?.len();
        let name = format!("Passkey {}", count + 1);
        state.identity.finish_passkey_registration(&citizen, &ceremony, &answer.credential, &name).await
    }
    .await;
    match result {
        Ok(passkey) => Json(json!({ "redirect": format!("/{slug}/account"), "id": passkey.id })).into_response(),
        Err(error) => ceremony_error(&error),
    }
}

/// `POST /{council}/passkeys/sign-in/options`: options for signing in with any passkey.
pub(super) async fn sign_in_options(
    State(state): State<IdentityState>,
    Extension(session): Extension<CurrentSession>,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = token_refusal(&headers, &session) {
        return refusal;
    }
    let challenge = match state.identity.start_passkey_sign_in() {
        Ok(challenge) => challenge,
        Err(error) => return ceremony_error(&error),
    };
    let pending = Pending { passkey_authentication: Some(challenge.state), ..session.pending.clone() };
    match state.identity.save_pending(&session, &pending).await {
        Ok(_) => Json(challenge.options).into_response(),
        Err(error) => ceremony_error(&error),
    }
}

/// `POST /{council}/passkeys/sign-in`: the authenticator's assertion; on success a new session
/// (new id, the old one ended) exactly as after a code sign-in.
pub(super) async fn sign_in_finish(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(session): Extension<CurrentSession>,
    Extension(ip): Extension<ClientIp>,
    headers: HeaderMap,
    Json(answer): Json<Answer>,
) -> Response {
    if let Some(refusal) = token_refusal(&headers, &session) {
        return refusal;
    }
    let result = async {
        let ceremony = take_state(&state, &session, |p| &mut p.passkey_authentication).await?;
        let citizen = state.identity.finish_passkey_sign_in(&ceremony, &answer.credential, &ip.0).await?;
        let name_missing = state.identity.citizen(&citizen).await?.is_none_or(|c| c.name.is_empty());
        let new = state.identity.start_citizen_session(&citizen, Some(&session)).await?;
        Ok::<_, IdentityError>((new, name_missing))
    }
    .await;
    match result {
        Ok((new, name_missing)) => {
            let after = safe_return_to(answer.return_to.as_deref()).unwrap_or_else(|| format!("/{slug}/account"));
            let next = if name_missing {
                format!("/{slug}/account/name?return_to={}", urlencoding::encode(&after))
            } else {
                after
            };
            let mut response = Json(json!({ "redirect": next })).into_response();
            if let Ok(value) = HeaderValue::from_str(&new.set_cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(error) => ceremony_error(&error),
    }
}

fn rename_page(
    state: &IdentityState,
    council: &web::Council,
    visitor: &web::Visitor,
    id: &str,
    name: &str,
    errors: web::FormErrors,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let context = json!({
        "action": format!("/{}/account/passkeys/{id}/rename", council.slug), "csrf": visitor.csrf_input(),
        "name": name, "errors": errors.by_field(), "back": format!("/{}/account", council.slug),
    });
    state.page(status, Some(council), "Rename a passkey", visitor, errors, templates::RENAME_PASSKEY, context)
}

/// `GET /{council}/account/passkeys/{id}/rename`.
pub(super) async fn rename(
    State(state): State<IdentityState>,
    Path((slug, id)): Path<(String, String)>,
    citizen: RequireCitizen,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    match state.identity.passkey_of(&CitizenId(citizen.citizen.id.clone()), &id).await {
        Ok(Some(passkey)) => {
            rename_page(&state, &council, &citizen.visitor, &id, &passkey.name, web::FormErrors::new())
        }
        Ok(None) => state.web.not_found(Some(&council)),
        Err(error) => state.error_page(&format!("/{slug}/account"), &error),
    }
}

#[derive(Deserialize)]
pub(super) struct RenameForm {
    #[serde(default)]
    name: String,
}

/// `POST /{council}/account/passkeys/{id}/rename`.
pub(super) async fn rename_post(
    State(state): State<IdentityState>,
    Path((slug, id)): Path<(String, String)>,
    citizen: RequireCitizen,
    Form(form): Form<RenameForm>,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    match state.identity.rename_passkey(&CitizenId(citizen.citizen.id.clone()), &id, &form.name).await {
        Ok(()) => see_other(&format!("/{slug}/account"), None),
        Err(IdentityError::InvalidPasskeyName) => {
            let mut errors = web::FormErrors::new();
            let message = if form.name.trim().is_empty() {
                "Enter a name for the passkey"
            } else {
                "Name must be 100 characters or fewer"
            };
            errors.add("name", message);
            rename_page(&state, &council, &citizen.visitor, &id, form.name.trim(), errors)
        }
        Err(IdentityError::UnknownPasskey) => state.web.not_found(Some(&council)),
        Err(error) => state.error_page(&format!("/{slug}/account"), &error),
    }
}

/// `POST /{council}/account/passkeys/{id}/remove`.
pub(super) async fn remove_post(
    State(state): State<IdentityState>,
    Path((slug, id)): Path<(String, String)>,
    citizen: RequireCitizen,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    match state.identity.remove_passkey(&CitizenId(citizen.citizen.id.clone()), &id).await {
        Ok(()) => see_other(&format!("/{slug}/account"), None),
        Err(IdentityError::UnknownPasskey) => state.web.not_found(Some(&council)),
        Err(error) => state.error_page(&format!("/{slug}/account"), &error),
    }
}
