//! Errors at the Open311 edge: the brick's errors mapped once to the spec's codes, rendered in
//! the format the client asked for.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::format::Wire;
use crate::error::ReportError;

/// An Open311 error answer: its code (also the HTTP status), description and format.
#[derive(Debug)]
pub struct Open311Error {
    /// 400, 403, 404 or 500.
    pub code: u16,
    /// What was wrong.
    pub description: String,
    /// Whether to answer in XML.
    pub xml: bool,
}

/// The spec's code for a brick error: 403 for keys, 404 for what the path names and cannot be
/// found, 400 for anything wrong with the request's parameters, 500 for the store.
pub fn error_code(error: &ReportError) -> u16 {
    match error {
        ReportError::BadApiKey => 403,
        ReportError::UnknownBody(_) | ReportError::NotFound(_) | ReportError::UnknownToken(_) => 404,
        ReportError::Database(_) | ReportError::Json(_) | ReportError::InvalidBody { .. } => 500,
        _ => 400,
    }
}

impl Open311Error {
    /// An error with a code and description.
    pub fn new(code: u16, description: impl Into<String>, xml: bool) -> Open311Error {
        Open311Error { code, description: description.into(), xml }
    }

    /// Maps a brick error; store failures are logged and described without internals.
    pub fn from_report(error: ReportError, xml: bool) -> Open311Error {
        let code = error_code(&error);
        let description = match &error {
            ReportError::BadApiKey => "Invalid api_key received -- can't proceed with the request".to_string(),
            ReportError::UnknownBody(id) => format!("jurisdiction_id {id:?} was not found"),
            e if code == 500 => {
                tracing::error!(error = %e, "open311 request failed");
                "General service error: please try again later".to_string()
            }
            e => e.to_string(),
        };
        Open311Error { code, description, xml }
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST);
        let body = Wire::List(
            "error",
            vec![Wire::Fields(vec![
                ("code", Wire::Int(self.code.into())),
                ("description", Wire::Text(self.description)),
            ])],
        );
        if self.xml {
            (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body.xml("errors")).into_response()
        } else {
            (status, [(header::CONTENT_TYPE, "application/json")], body.json().to_string()).into_response()
        }
    }
}
