//! Extractors for any brick's handlers: [`RequireCitizen`] sends a visitor who is not signed in
//! to the council's sign-in page (coming back afterwards), and [`RequireStaff`] admits only staff
//! of the council in the path's first segment, answering 403 to staff of any other council.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::IdentityState;

/// The signed-in citizen; extracting it redirects anyone else to `/{council}/sign-in?return_to=…`.
#[derive(Debug, Clone)]
pub struct RequireCitizen {
    /// The citizen.
    pub citizen: web::VisitorCitizen,
    /// The whole visitor (for the CSRF token and the header).
    pub visitor: web::Visitor,
}

/// A member of staff of the council whose slug is the path's first segment; anyone not signed
/// in as staff goes to `/{council}/staff/sign-in`, and staff of another council get 403.
#[derive(Debug, Clone)]
pub struct RequireStaff {
    /// The member of staff.
    pub staff: web::VisitorStaff,
    /// The whole visitor.
    pub visitor: web::Visitor,
}

fn first_segment(parts: &Parts) -> String {
    parts.uri.path().trim_start_matches('/').split('/').next().unwrap_or_default().to_string()
}

fn visitor(parts: &Parts) -> Result<web::Visitor, Box<Response>> {
    parts.extensions.get::<web::Visitor>().cloned().ok_or_else(|| {
        tracing::error!("identity::layer is not installed around this route");
        Box::new((StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service.").into_response())
    })
}

impl<S: Send + Sync> FromRequestParts<S> for RequireCitizen {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let visitor = visitor(parts).map_err(|r| *r)?;
        match visitor.citizen.clone() {
            Some(citizen) => Ok(RequireCitizen { citizen, visitor }),
            None => {
                let return_to = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = format!("/{}/sign-in?return_to={}", first_segment(parts), urlencoding::encode(return_to));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireStaff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let visitor = visitor(parts).map_err(|r| *r)?;
        let council = first_segment(parts);
        match visitor.staff.clone() {
            Some(staff) if staff.works_for(&council) => Ok(RequireStaff { staff, visitor }),
            Some(_) => {
                let message = "You are signed in as a member of another council's staff. Only this council's \
                               staff can see this page.";
                Err(match parts.extensions.get::<IdentityState>() {
                    Some(state) => state.forbidden_page(parts.uri.path(), &visitor, message),
                    None => (StatusCode::FORBIDDEN, message).into_response(),
                })
            }
            None => Err(Redirect::to(&format!("/{council}/staff/sign-in")).into_response()),
        }
    }
}
