//! Sign-in through the instance's external OpenID Provider (the `[oidc]` table): the identity
//! brick links the provider's `(issuer, subject)` to a citizen account and starts the session;
//! the `oidc-login` brick does the protocol and serves the two routes.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use identity::{ExternalSignInLink, Identity, IdentityError};
use oidc_login::{ExternalSignIn, OidcLogin, PendingCookie, VerifiedLogin};

use crate::configuration::OidcSettings;

/// The path under a council's prefix that starts the journey (`/{council}/sign-in/oidc`).
pub const SIGN_IN_PATH: &str = "sign-in/oidc";

/// The sign-in page's "Sign in with {label}" link for these settings, before discovery has run.
pub fn sign_in_link(settings: &OidcSettings) -> ExternalSignInLink {
    let label = settings.login_config("http://localhost").display_name;
    ExternalSignInLink { label, path: SIGN_IN_PATH.to_string() }
}

/// Discovers the provider (its metadata and keys: start-up fails if it cannot be reached) and
/// returns the routes `GET /{council}/sign-in/oidc` and `GET /oidc/callback`.
pub async fn routes(settings: &OidcSettings, identity: Identity) -> anyhow::Result<Router> {
    settings.check()?;
    let config = identity.config();
    let login_config = settings.login_config(&config.base_url);
    let issuer = login_config.issuer.clone();
    let login = OidcLogin::discover(login_config)
        .await
        .with_context(|| format!("cannot use the OpenID Provider {issuer} of the [oidc] table"))?;
    let cookie = PendingCookie::new(settings.cookie_key.as_bytes(), config.secure_cookies())
        .context("invalid oidc.cookie_key")?;
    Ok(oidc_login::router(Arc::new(login), cookie, Arc::new(IdentitySignIn { identity })))
}

/// Signs in the citizen the provider vouched for, through the identity brick's hooks.
struct IdentitySignIn {
    identity: Identity,
}

impl IdentitySignIn {
    /// The linked citizen's session cookie and whether they still have to give their name.
    async fn start(&self, login: &VerifiedLogin) -> Result<(String, bool), IdentityError> {
        // An address the provider has not verified must never link to someone's account.
        let email = login.email.as_deref().filter(|_| login.email_verified).unwrap_or_default();
        let citizen = self
            .identity
            .citizen_for_external_subject(&login.issuer, &login.subject, email, login.name.as_deref())
            .await?;
        let name_missing = self.identity.citizen(&citizen).await?.is_none_or(|c| c.name.is_empty());
        let session = self.identity.start_citizen_session(&citizen, None).await?;
        Ok((session.set_cookie, name_missing))
    }
}

impl ExternalSignIn for IdentitySignIn {
    async fn signed_in(&self, login: VerifiedLogin, council: Option<String>, return_to: String) -> Response {
        match self.start(&login).await {
            Ok((set_cookie, name_missing)) => {
                let next = match (&council, name_missing) {
                    (Some(slug), true) => {
                        format!("/{slug}/account/name?return_to={}", urlencoding::encode(&return_to))
                    }
                    _ => return_to,
                };
                let mut response = (StatusCode::SEE_OTHER, [(LOCATION, next)]).into_response();
                if let Ok(value) = HeaderValue::from_str(&set_cookie) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
                response
            }
            Err(IdentityError::InvalidEmail) => (
                StatusCode::FORBIDDEN,
                "Sign-in failed: the provider did not share a verified email address. \
                 Sign in with a code sent to your email instead.",
            )
                .into_response(),
            Err(error) => {
                tracing::error!(%error, issuer = %login.issuer, "cannot sign in an externally verified citizen");
                (StatusCode::INTERNAL_SERVER_ERROR, "Sign-in failed: try again later.").into_response()
            }
        }
    }
}
