//! The address search HTTP API (feature `http`): postcode look-up, UPRN look-up and autocomplete,
//! documented in OpenAPI. Handlers only parse and shape JSON; every rule lives in the view.
//!
//! Every address is returned as [`AddressJson`]: `uprn`, the single-line `label`, the label
//! `lines`, `postcode`, `coordinates` and, for search results, a `score`. Errors are
//! `{"error": "..."}` with status 400 (bad input) or 404 (nothing there).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::address::SearchAddress;
use crate::normalise::Postcode;
use crate::view::AddressView;

/// Results a search returns unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 10;
/// Most results a search returns.
const MAX_LIMIT: usize = 100;

/// Where an address is.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CoordinatesJson {
    /// British National Grid easting, metres (0 when unknown).
    pub easting: f64,
    /// British National Grid northing, metres.
    pub northing: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// WGS84 longitude.
    pub lon: f64,
}

/// One address as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AddressJson {
    /// Its UPRN.
    pub uprn: u64,
    /// The whole address on one line.
    pub label: String,
    /// The label's lines, most specific first.
    pub lines: Vec<String>,
    /// Its postcode, normalised.
    pub postcode: String,
    /// Its point.
    pub coordinates: CoordinatesJson,
    /// For search results: higher is better (1000 per query word matched, less 10 per unit of
    /// typo or prefix cost, less 1 per address word not asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
}

impl AddressJson {
    fn new(a: &SearchAddress, score: Option<i64>) -> AddressJson {
        AddressJson {
            uprn: a.uprn,
            label: a.single_line(),
            lines: a.label_lines(),
            postcode: a.postcode.clone(),
            coordinates: CoordinatesJson { easting: a.easting, northing: a.northing, lat: a.lat, lon: a.lon },
            score,
        }
    }
}

/// The addresses in a postcode.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PostcodeJson {
    /// The postcode, normalised.
    pub postcode: String,
    /// Its addresses in natural order.
    pub addresses: Vec<AddressJson>,
}

/// Search results.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchJson {
    /// The query as given.
    pub query: String,
    /// The best matches, best first.
    pub results: Vec<AddressJson>,
}

/// An error.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorJson {
    /// What went wrong, in words.
    pub error: String,
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(ErrorJson { error: message })).into_response()
}

/// `?postcode=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PostcodeParams {
    /// A postcode in any case and spacing (`sw1a2aa`, `SW1A 2AA`).
    pub postcode: Option<String>,
}

/// `?q=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Free text: words of the address in any order; the last may be unfinished.
    pub q: Option<String>,
    /// How many results (1 to 100; 10 when absent).
    pub limit: Option<usize>,
}

/// Every address in a postcode, in natural order.
#[utoipa::path(get, path = "/addresses", tag = "addresses", params(PostcodeParams),
    responses((status = 200, description = "The postcode's addresses", body = PostcodeJson),
        (status = 400, description = "No postcode given, or not a postcode", body = ErrorJson),
        (status = 404, description = "No address has this postcode", body = ErrorJson)))]
pub async fn by_postcode(State(view): State<Arc<AddressView>>, Query(params): Query<PostcodeParams>) -> Response {
    let Some(text) = params.postcode else {
        return error(StatusCode::BAD_REQUEST, "give a postcode: /addresses?postcode=SW1A+2AA".into());
    };
    let postcode = match Postcode::parse(&text) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let found = view.by_postcode(&postcode);
    if found.is_empty() {
        return error(
            StatusCode::NOT_FOUND,
            format!("no address has the postcode {postcode}; check it, or search by street: /addresses/search?q=..."),
        );
    }
    let addresses = found.iter().map(|a| AddressJson::new(a, None)).collect();
    Json(PostcodeJson { postcode: postcode.to_string(), addresses }).into_response()
}

/// One address by UPRN.
#[utoipa::path(get, path = "/addresses/{uprn}", tag = "addresses",
    params(("uprn" = String, Path, description = "The address's UPRN")),
    responses((status = 200, description = "The address", body = AddressJson),
        (status = 400, description = "Not a UPRN", body = ErrorJson),
        (status = 404, description = "No such address", body = ErrorJson)))]
pub async fn by_uprn(State(view): State<Arc<AddressView>>, Path(uprn): Path<String>) -> Response {
    let Ok(n) = uprn.parse::<u64>() else {
        return error(StatusCode::BAD_REQUEST, format!("{uprn:?} is not a UPRN: expected up to 12 digits"));
    };
    match view.by_uprn(n) {
        Some(a) => Json(AddressJson::new(&a, None)).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no address has the UPRN {n}")),
    }
}

/// Autocomplete: free text, typo tolerant, best first.
#[utoipa::path(get, path = "/addresses/search", tag = "addresses", params(SearchParams),
    responses((status = 200, description = "The best matches", body = SearchJson),
        (status = 400, description = "No query, or a limit out of range", body = ErrorJson)))]
pub async fn search(State(view): State<Arc<AddressView>>, Query(params): Query<SearchParams>) -> Response {
    let query = params.q.unwrap_or_default();
    if query.trim().is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "give some words of the address: /addresses/search?q=10+downing+st".into(),
        );
    }
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return error(StatusCode::BAD_REQUEST, format!("limit must be 1 to {MAX_LIMIT}, not {limit}"));
    }
    let results = view.search(&query, limit).iter().map(|h| AddressJson::new(&h.address, Some(h.score))).collect();
    Json(SearchJson { query, results }).into_response()
}

#[derive(OpenApi)]
#[openapi(tags((name = "addresses", description = "Find an address: by postcode, by UPRN, or by typing part of it")))]
struct ApiDoc;

/// The address search routes and their OpenAPI document.
pub fn router(view: Arc<AddressView>) -> (Router, utoipa::openapi::OpenApi) {
    let (router, paths) = OpenApiRouter::new()
        .routes(routes!(by_postcode))
        .routes(routes!(search))
        .routes(routes!(by_uprn))
        .with_state(view)
        .split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    (router, doc)
}
