//! The Open311 GeoReport v2 server at `/open311/v2/`, for every body on the instance
//! (`jurisdiction_id` is the body's id; it may be left out when there is one body). Every
//! resource comes as `.json` (bare arrays) or `.xml`; errors are the spec's list of
//! `{code, description}` with the same HTTP status. POSTs are form-encoded and need the body's
//! `api_key`; a GET given an `api_key` checks it too. The `servicerequestupdates` extension
//! (mySociety's) carries status changes both ways.

mod errors;
mod format;
mod handlers;

pub use errors::{Open311Error, error_code};
pub use format::Wire;

use axum::Router;
use axum::routing::get;

use crate::reports::Reports;

/// The routes, to merge into the application's router at its root.
pub fn router(reports: Reports) -> Router {
    Router::new()
        .route("/open311/v2/{file}", get(handlers::get_root).post(handlers::post_root))
        .route("/open311/v2/services/{file}", get(handlers::get_service_definition))
        .route("/open311/v2/requests/{file}", get(handlers::get_request))
        .route("/open311/v2/tokens/{file}", get(handlers::get_token))
        .with_state(reports)
}
