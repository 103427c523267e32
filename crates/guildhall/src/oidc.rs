//! Sign-in through the instance's external OpenID Provider (the `[oidc]` table): the identity
//! brick links the provider's `(issuer, subject)` to a citizen account and starts the session;
//! the `oidc-login` brick does the protocol and serves the two routes. A sign-in that fails is
//! answered with a GOV.UK page in the council's layout that says what the citizen can do next.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use identity::{ExternalSignInLink, Identity, IdentityError};
use oidc_login::{ExternalSignIn, OidcError, OidcLogin, PendingCookie, VerifiedLogin};
use serde::Serialize;

use crate::configuration::OidcSettings;

/// The path under a council's prefix that starts the journey (`/{council}/sign-in/oidc`).
pub const SIGN_IN_PATH: &str = "sign-in/oidc";

/// The sign-in page's "Sign in with {label}" link for these settings, before discovery has run.
pub fn sign_in_link(settings: &OidcSettings) -> ExternalSignInLink {
    let label = settings.login_config("http://localhost").display_name;
    ExternalSignInLink { label, path: SIGN_IN_PATH.to_string() }
}

/// Discovers the provider (its metadata and keys: start-up fails if it cannot be reached) and
/// returns the routes `GET /{council}/sign-in/oidc` and `GET /oidc/callback`; `web` lays out
/// their failure pages.
pub async fn routes(settings: &OidcSettings, identity: Identity, web: web::WebState) -> anyhow::Result<Router> {
    settings.check()?;
    let config = identity.config();
    let login_config = settings.login_config(&config.base_url);
    let issuer = login_config.issuer.clone();
    let login = OidcLogin::discover(login_config)
        .await
        .with_context(|| format!("cannot use the OpenID Provider {issuer} of the [oidc] table"))?;
    let cookie = PendingCookie::new(settings.cookie_key.as_bytes(), config.secure_cookies())
        .context("invalid oidc.cookie_key")?;
    Ok(oidc_login::router(Arc::new(login), cookie, Arc::new(IdentitySignIn { identity, web })))
}

/// Signs in the citizen the provider vouched for, through the identity brick's hooks.
struct IdentitySignIn {
    identity: Identity,
    web: web::WebState,
}

/// The main content of a failure page: what went wrong in the citizen's words, what to do, and
/// the way back to the council's sign-in page (which also offers a code by email).
const FAILED: (&str, &str) = (
    "oidc/failed",
    r#"<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{ title }}</h1>
<p class="govuk-body">{{ message }}</p>
<p class="govuk-body">{{ next }}</p>
<p class="govuk-body"><a class="govuk-link" href="{{ link.0 }}">{{ link.1 }}</a></p>
</div></div>"#,
);

/// What a failure page says.
#[derive(Serialize)]
struct Failure<'a> {
    title: &'a str,
    message: &'a str,
    next: &'a str,
    /// The council's sign-in page, or the list of councils when the council is unknown (the
    /// pending sign-in that named it was missing or already used).
    link: (String, &'a str),
}

impl IdentitySignIn {
    /// A failure page in `council`'s layout (the site's when the council is unknown), never
    /// cached; `status` keeps the error's class for scripts and logs.
    fn failure_page(&self, status: StatusCode, council: Option<&str>, message: &str, next: &str) -> Response {
        let council = council.and_then(|slug| self.web.council(slug));
        let title = "Sorry, we could not sign you in";
        let link = match &council {
            Some(c) => (format!("/{}/{}", c.slug, web::SIGN_IN_PATH), "Go back to sign in"),
            None => ("/".to_string(), "Choose your council to sign in again"),
        };
        let failure = Failure { title, message, next, link };
        let content = match web::render_fragment(FAILED.0, FAILED.1, &failure) {
            Ok(content) => content,
            Err(error) => return self.web.server_error(council.as_ref(), &error),
        };
        let layout = self.web.layout(council.as_ref(), title);
        match web::render(&web::Page { layout, content }) {
            Ok(html) => (status, [(CACHE_CONTROL, "no-store")], html).into_response(),
            Err(error) => self.web.server_error(council.as_ref(), &error),
        }
    }
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
            Err(IdentityError::InvalidEmail) => self.failure_page(
                StatusCode::FORBIDDEN,
                council.as_deref(),
                "The account you used did not share a verified email address, and your council \
                 account needs one.",
                "Sign in with a code sent to your email instead.",
            ),
            Err(error) => {
                tracing::error!(%error, issuer = %login.issuer, "cannot sign in an externally verified citizen");
                self.failure_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    council.as_deref(),
                    "There is a problem with the service.",
                    "Try again later, or sign in with a code sent to your email.",
                )
            }
        }
    }

    fn failed(&self, council: Option<&str>, error: &OidcError) -> Response {
        let status = oidc_login::http::status(error);
        let (message, next) = match status {
            StatusCode::BAD_GATEWAY => (
                "We could not get an answer from the sign-in provider.",
                "Try again later, or sign in with a code sent to your email.",
            ),
            StatusCode::INTERNAL_SERVER_ERROR => {
                ("There is a problem with the service.", "Try again later, or sign in with a code sent to your email.")
            }
            _ => (
                "Your sign-in did not finish. This can happen if it took too long, if you used the back \
                 button, or if you signed in from another tab or window.",
                "Start again from the sign-in page.",
            ),
        };
        self.failure_page(status, council, message, next)
    }
}
