//! The map's static files, embedded in the binary: Leaflet as vendored from npm
//! (`vendor/leaflet/1.9.4/`, with its licence and a note of where it came from) and this brick's
//! own script, which turns the pages' map hooks into maps when JavaScript runs.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The Leaflet version vendored (its URL carries it, so an upgrade is never served stale).
pub const LEAFLET_VERSION: &str = "1.9.4";

/// Each file served under `/reports/map/`, with its content type.
const FILES: &[(&str, &str, &[u8])] = &[
    ("leaflet.js", "text/javascript; charset=utf-8", include_bytes!("../../../../vendor/leaflet/1.9.4/leaflet.js")),
    ("leaflet.css", "text/css; charset=utf-8", include_bytes!("../../../../vendor/leaflet/1.9.4/leaflet.css")),
    ("images/layers.png", "image/png", include_bytes!("../../../../vendor/leaflet/1.9.4/images/layers.png")),
    ("images/layers-2x.png", "image/png", include_bytes!("../../../../vendor/leaflet/1.9.4/images/layers-2x.png")),
    ("images/marker-icon.png", "image/png", include_bytes!("../../../../vendor/leaflet/1.9.4/images/marker-icon.png")),
    (
        "images/marker-icon-2x.png",
        "image/png",
        include_bytes!("../../../../vendor/leaflet/1.9.4/images/marker-icon-2x.png"),
    ),
    (
        "images/marker-shadow.png",
        "image/png",
        include_bytes!("../../../../vendor/leaflet/1.9.4/images/marker-shadow.png"),
    ),
    ("LICENSE", "text/plain; charset=utf-8", include_bytes!("../../../../vendor/leaflet/1.9.4/LICENSE")),
    ("report-map.js", "text/javascript; charset=utf-8", include_bytes!("../../static/report-map.js")),
];

/// `GET /reports/map/{*file}`. The script changes with the binary, so it is revalidated; the
/// vendored files are versioned by path and cached for a day.
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    let path = file.strip_prefix(&format!("leaflet-{LEAFLET_VERSION}/")).unwrap_or(&file);
    let Some((name, kind, bytes)) = FILES.iter().find(|(name, _, _)| *name == path) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let mut response = bytes.to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let cache = if *name == "report-map.js" { "no-cache" } else { "public, max-age=86400" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
