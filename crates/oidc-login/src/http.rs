//! The two routes of an external sign-in, generic over what the instance does with a verified
//! login ([`ExternalSignIn`]): `GET /{council}/sign-in/oidc` redirects to the provider, and
//! `GET /oidc/callback` verifies its answer and hands the login over.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::{CallbackParams, OidcError, OidcLogin, PendingCookie, VerifiedLogin};

/// The callback path the routes serve; the configured `redirect_url` must end with it.
pub const CALLBACK_PATH: &str = "/oidc/callback";

/// What the instance does once the provider vouched for someone: the identity brick links
/// `(issuer, subject)` to a citizen account, starts a session and redirects to `return_to`.
pub trait ExternalSignIn: Send + Sync + 'static {
    /// Signs the verified person in; `council` is the slug whose sign-in page started it.
    fn signed_in(
        &self,
        login: VerifiedLogin,
        council: Option<String>,
        return_to: String,
    ) -> impl Future<Output = Response> + Send;

    /// The page shown when the sign-in failed. The default is a plain-text message with
    /// [`status`]; an instance overrides it to render its branded error page.
    fn failed(&self, council: Option<&str>, error: &OidcError) -> Response {
        let _ = council;
        (status(error), format!("Sign-in failed: {error}")).into_response()
    }
}

/// The HTTP status for an error: 500 for our configuration, 502 when the provider could not be
/// reached or misbehaved, 400 for an answer that does not belong to this browser's sign-in.
pub fn status(error: &OidcError) -> StatusCode {
    match error {
        OidcError::Config(_) => StatusCode::INTERNAL_SERVER_ERROR,
        OidcError::Discovery { .. } | OidcError::TokenRequest(_) | OidcError::UserInfo(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::BAD_REQUEST,
    }
}

struct Routes<S> {
    login: Arc<OidcLogin>,
    cookie: PendingCookie,
    sign_in: Arc<S>,
}

impl<S> Clone for Routes<S> {
    fn clone(&self) -> Self {
        Routes { login: self.login.clone(), cookie: self.cookie.clone(), sign_in: self.sign_in.clone() }
    }
}

/// The routes `GET /{council}/sign-in/oidc[?return_to=/path]` and `GET /oidc/callback`, to merge
/// into the instance's router.
pub fn router<S: ExternalSignIn>(login: Arc<OidcLogin>, cookie: PendingCookie, sign_in: Arc<S>) -> Router {
    Router::new()
        .route("/{council}/sign-in/oidc", get(begin::<S>))
        .route(CALLBACK_PATH, get(callback::<S>))
        .with_state(Routes { login, cookie, sign_in })
}

#[derive(Deserialize)]
struct BeginQuery {
    return_to: Option<String>,
}

async fn begin<S: ExternalSignIn>(
    State(routes): State<Routes<S>>,
    Path(council): Path<String>,
    Query(query): Query<BeginQuery>,
) -> Response {
    let return_to = query.return_to.unwrap_or_else(|| format!("/{council}/"));
    match routes.login.begin(&return_to) {
        Ok((url, pending)) => {
            let pending = pending.with_council(&council);
            let headers = [
                (LOCATION, url.to_string()),
                (SET_COOKIE, routes.cookie.set_cookie(&pending)),
                (CACHE_CONTROL, "no-store".to_string()),
            ];
            (StatusCode::SEE_OTHER, headers).into_response()
        }
        Err(error) => routes.sign_in.failed(Some(&council), &error),
    }
}

async fn callback<S: ExternalSignIn>(
    State(routes): State<Routes<S>>,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    let outcome = match routes.cookie.from_headers(&headers) {
        Ok(pending) => {
            let (council, return_to) = (pending.council.clone(), pending.return_to.clone());
            match routes.login.complete_callback(pending, &params).await {
                Ok(login) => Ok((login, council, return_to)),
                Err(error) => Err((council, error)),
            }
        }
        Err(error) => Err((None, error)),
    };
    let mut response = match outcome {
        Ok((login, council, return_to)) => routes.sign_in.signed_in(login, council, return_to).await,
        Err((council, error)) => {
            tracing::warn!(%error, council = council.as_deref(), "external sign-in failed");
            routes.sign_in.failed(council.as_deref(), &error)
        }
    };
    // The pending login is single-use whatever the outcome.
    if let Ok(clear) = HeaderValue::from_str(&routes.cookie.clear_cookie()) {
        response.headers_mut().append(SET_COOKIE, clear);
    }
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
