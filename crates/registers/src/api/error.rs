//! The one place register errors become HTTP responses: 4xx with a message naming the problem,
//! 5xx (details logged, not shown) when the store fails.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::RegisterError;

/// An error on its way out of a handler.
#[derive(Debug)]
pub enum ApiError {
    /// A register error, mapped by kind.
    Register(RegisterError),
    /// A request that is malformed before it reaches the brick.
    BadRequest(String),
    /// A council slug that names no council.
    UnknownCouncil(String),
}

impl From<RegisterError> for ApiError {
    fn from(e: RegisterError) -> Self {
        ApiError::Register(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::UnknownCouncil(slug) => (StatusCode::NOT_FOUND, format!("no council with slug {slug:?}")),
            ApiError::Register(e) => {
                let status = match &e {
                    RegisterError::UnknownRegister(_)
                    | RegisterError::UnknownRecord(_)
                    | RegisterError::UnknownEntry { .. }
                    | RegisterError::UnknownItem(_) => StatusCode::NOT_FOUND,
                    RegisterError::DuplicateRegister(_) => StatusCode::CONFLICT,
                    RegisterError::InvalidName(_)
                    | RegisterError::InvalidEntry(_)
                    | RegisterError::BadProofRequest(_)
                    | RegisterError::Io(_) => StatusCode::BAD_REQUEST,
                    RegisterError::Schema(_) | RegisterError::Rsf(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    RegisterError::Unauthorised(_) => StatusCode::UNAUTHORIZED,
                    RegisterError::Database(_)
                    | RegisterError::Store(_)
                    | RegisterError::Corrupt(_)
                    | RegisterError::Internal(_) => {
                        tracing::error!(error = %e, "register request failed");
                        StatusCode::INTERNAL_SERVER_ERROR
                    }
                };
                let message = if status.is_server_error() {
                    "internal error; the details are logged".to_string()
                } else {
                    e.to_string()
                };
                (status, message)
            }
        };
        let mut response =
            (status, axum::Json(serde_json::json!({ "status": status.as_u16(), "error": message }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
