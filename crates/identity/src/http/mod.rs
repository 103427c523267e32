//! The brick's HTTP side: the state its routes share, the router of sign-in and account pages,
//! the middleware [`layer`], the extractors other bricks use, and the mapping of errors to pages.

mod extract;
mod layer;
mod pages;
mod passkeys;
mod templates;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

pub use extract::{RequireCitizen, RequireStaff};
pub use layer::{ClientIp, IdentityLayer, IdentityService};

use crate::{CurrentSession, Identity, IdentityError, SessionAccount};

/// What the identity routes and middleware share: the brick and the web brick's councils and
/// layouts. Cheap to clone.
#[derive(Clone)]
pub struct IdentityState {
    /// The identity brick.
    pub identity: Identity,
    /// The web brick's state (councils by slug, layouts).
    pub web: web::WebState,
}

impl IdentityState {
    /// State for the routes and the middleware.
    pub fn new(identity: Identity, web: web::WebState) -> IdentityState {
        IdentityState { identity, web }
    }

    /// The visitor a session stands for; an account that no longer exists counts as nobody.
    pub(crate) async fn visitor(&self, session: &CurrentSession) -> crate::Result<web::Visitor> {
        let mut visitor = web::Visitor::anonymous(&session.csrf_token);
        match &session.account {
            SessionAccount::Anonymous => {}
            SessionAccount::Citizen(id) => {
                if let Some(citizen) = self.identity.citizen(id).await? {
                    let name = if citizen.name.is_empty() { citizen.email.clone() } else { citizen.name };
                    visitor.citizen = Some(web::VisitorCitizen { id: citizen.id.0, name, email: citizen.email });
                }
            }
            SessionAccount::Staff(id) => {
                if let Some(staff) = self.identity.staff(id).await? {
                    let councils = store::Councils::new(self.identity.store().clone());
                    let slug = match councils.by_id(staff.council_id).await {
                        Ok(council) => Some(council.slug.as_str().to_string()),
                        Err(store::StoreError::UnknownCouncilId(_)) => None,
                        Err(error) => return Err(error.into()),
                    };
                    visitor.staff = Some(web::VisitorStaff {
                        id: staff.id.0,
                        name: staff.name,
                        council_id: staff.council_id.0,
                        council_slug: slug.unwrap_or_default(),
                        roles: staff.roles.iter().map(|r| r.as_str().to_string()).collect(),
                    });
                }
            }
        }
        Ok(visitor)
    }

    /// The council whose path `path` is under, if it is one.
    pub(crate) fn council_of_path(&self, path: &str) -> Option<web::Council> {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        self.web.council(first)
    }

    /// A whole page with `status`: `template` (a jinja source for the main content) rendered
    /// with `context`, in the layout of `council` with the visitor's sign-in state.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn page(
        &self,
        status: StatusCode,
        council: Option<&web::Council>,
        title: &str,
        visitor: &web::Visitor,
        errors: web::FormErrors,
        template: (&str, &str),
        context: impl Serialize,
    ) -> Response {
        let content = match web::render_fragment(template.0, template.1, context) {
            Ok(content) => content,
            Err(error) => return self.web.server_error(council, &error),
        };
        let layout = self.web.layout(council, title).signed_in(visitor.signed_in()).with_errors(errors);
        match web::render(&web::Page { layout, content }) {
            Ok(html) => {
                let mut response = (status, html).into_response();
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            Err(error) => self.web.server_error(council, &error),
        }
    }

    /// A plain page with a heading and one message, for 403, 429 and the like.
    pub(crate) fn message_page(
        &self,
        status: StatusCode,
        path: &str,
        visitor: &web::Visitor,
        title: &str,
        message: &str,
    ) -> Response {
        let council = self.council_of_path(path);
        let context = serde_json::json!({ "title": title, "message": message });
        self.page(status, council.as_ref(), title, visitor, web::FormErrors::new(), templates::MESSAGE, context)
    }

    /// The 403 page.
    pub(crate) fn forbidden_page(&self, path: &str, visitor: &web::Visitor, message: &str) -> Response {
        self.message_page(StatusCode::FORBIDDEN, path, visitor, "You cannot do that", message)
    }

    /// The 500 page (the error is logged, not shown).
    pub(crate) fn error_page(&self, path: &str, error: &IdentityError) -> Response {
        let council = self.council_of_path(path);
        self.web.server_error(council.as_ref(), error)
    }

    /// The page for an error from the brick: 429 for rate limits, 500 otherwise.
    pub(crate) fn identity_error(&self, path: &str, visitor: &web::Visitor, error: &IdentityError) -> Response {
        match error {
            IdentityError::RateLimited { retry_after_secs } => {
                let minutes = (retry_after_secs + 59) / 60;
                let message = format!(
                    "There have been too many attempts to sign in. Wait {minutes} minute{} and try again.",
                    if minutes == 1 { "" } else { "s" }
                );
                let mut response =
                    self.message_page(StatusCode::TOO_MANY_REQUESTS, path, visitor, "Too many attempts", &message);
                if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            other => self.error_page(path, other),
        }
    }
}

/// The identity middleware: wrap the whole application's router in it (`.layer(identity::layer(state))`)
/// so every handler finds a [`web::Visitor`] (and [`CurrentSession`], [`ClientIp`]) in its
/// request extensions and every form post is checked for its anti-forgery token.
pub fn layer(state: IdentityState) -> IdentityLayer {
    IdentityLayer { state }
}

/// The sign-in, account, sign-out and staff pages under each council's prefix, and the
/// passkey script. Needs [`layer`] around it.
pub fn router(state: IdentityState) -> Router {
    Router::new()
        .route("/{council}/sign-in", get(pages::sign_in).post(pages::sign_in_post))
        .route("/{council}/sign-in/code", get(pages::code).post(pages::code_post))
        .route("/{council}/staff/sign-in", get(pages::staff_sign_in).post(pages::staff_sign_in_post))
        .route("/{council}/staff", get(pages::staff_home))
        .route("/{council}/account", get(pages::account))
        .route("/{council}/account/name", get(pages::name).post(pages::name_post))
        .route("/{council}/account/sign-out-everywhere", post(pages::sign_out_everywhere))
        .route("/{council}/sign-out", get(pages::sign_out).post(pages::sign_out_post))
        .route("/{council}/passkeys/registration/options", post(passkeys::registration_options))
        .route("/{council}/passkeys/registration", post(passkeys::registration_finish))
        .route("/{council}/passkeys/sign-in/options", post(passkeys::sign_in_options))
        .route("/{council}/passkeys/sign-in", post(passkeys::sign_in_finish))
        .route("/{council}/account/passkeys/{id}/rename", get(passkeys::rename).post(passkeys::rename_post))
        .route("/{council}/account/passkeys/{id}/remove", post(passkeys::remove_post))
        .route("/identity/passkeys.js", get(passkeys::script))
        .with_state(state)
}

/// The sandbox mailbox page `/dev/emails`: mount it only in the demo, never in production.
pub fn dev_router(state: IdentityState) -> Router {
    Router::new().route("/dev/emails", get(pages::dev_emails)).with_state(state)
}
