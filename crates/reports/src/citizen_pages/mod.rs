//! The citizen's pages of "Report a problem", in the GOV.UK Design System, working with
//! JavaScript off: where is it (a postcode, then one of its addresses or its centre; or grid or
//! latitude/longitude fields, which the map script fills in with JavaScript on), what is it (the
//! categories of the bodies covering the point), the details and a photo, the citizen's contact,
//! check answers, and a confirmation naming the bodies it was sent to. Then the public report
//! page with its updates and photo, and the council's list of recent reports.
//!
//! Answers wait in a server-side draft (`drafts`, bound to the visitor's session) between the
//! steps; the report is stored only by the final submit, under the draft's token, so a replayed
//! submit shows the same report and never stores a second one. Staff pages are elsewhere.

mod address;
mod category;
mod check;
mod contact;
mod details;
mod drafts;
mod place;
mod public;
mod render;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub use place::{PlaceAddress, PlaceFuture, Places, PostcodeAnswer, PostcodePlace};

use crate::Reports;

/// The largest request the details form (with its photo) may send; a photo over
/// [`crate::MAX_PHOTO_BYTES`] in a request under this gets a field error, not a refused request.
pub const MAX_DETAILS_REQUEST_BYTES: usize = 24 * 1024 * 1024;

/// What the citizen pages need. Cheap to clone.
#[derive(Clone)]
pub struct CitizenState {
    /// The brick: routing, storing, reading reports.
    pub reports: Reports,
    /// Councils by slug and page layouts.
    pub web: web::WebState,
    /// The councils table, for a slug's council id.
    pub councils: store::Councils,
    /// Postcodes and their addresses (the instance's look-ups, behind a small trait).
    pub places: Arc<dyn Places>,
}

/// The journey's routes under each council's prefix. Needs the identity layer (or anything
/// that puts a [`web::Visitor`] in each request and checks forms' anti-forgery tokens) around it.
pub fn router(state: CitizenState) -> Router {
    Router::new()
        .route("/{council}/report", get(place::start).post(place::start_post))
        .route("/{council}/report/{draft}/address", get(address::address).post(address::address_post))
        .route("/{council}/report/{draft}/category", get(category::show).post(category::post))
        .route(
            "/{council}/report/{draft}/details",
            get(details::show).post(details::post).layer(DefaultBodyLimit::max(MAX_DETAILS_REQUEST_BYTES)),
        )
        .route("/{council}/report/{draft}/contact", get(contact::show).post(contact::post))
        .route("/{council}/report/{draft}/check", get(check::show).post(check::submit))
        .route("/{council}/report/{draft}/confirmation", get(check::confirmation))
        .route("/{council}/reports", get(public::list))
        .route("/{council}/reports/{id}", get(public::show))
        .route("/{council}/reports/{id}/photo", get(public::photo))
        .with_state(state)
}
