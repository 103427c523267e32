//! govuk-frontend's precompiled CSS, JavaScript, fonts and images, embedded in the binary and
//! served under `/assets/...` with long cache lifetimes.
//!
//! The vendored files live in `vendor/govuk-frontend/<version>/` at the repository root (see its
//! README). Pages link the stylesheet and script with `?v=<version>` so that upgrading the
//! package changes their URLs and the year-long cache never serves stale files.
//!
//! One change is made to the stylesheet as served: the GDS Transport typeface is licensed only
//! for services on GOV.UK, and councils are not GOV.UK, so its `@font-face` rules are dropped
//! and every `font-family` falls back to Arial, as the Design System asks of non-GOV.UK services.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

/// The govuk-frontend version the brick vendors and embeds.
pub const GOVUK_FRONTEND_VERSION: &str = "6.6.0";

/// govuk-frontend's `dist/govuk` files as vendored.
#[derive(RustEmbed)]
#[folder = "../../vendor/govuk-frontend/6.6.0/"]
#[include = "govuk-frontend.min.css"]
#[include = "govuk-frontend.min.js"]
#[include = "assets/**"]
struct Vendored;

/// The brick's own static files (the script that starts govuk-frontend's enhancements).
#[derive(RustEmbed)]
#[folder = "static/"]
struct Own;

/// `Cache-Control` for assets: a year, never revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The stylesheet with GDS Transport replaced by Arial (see the module documentation).
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        let original = Vendored::get("govuk-frontend.min.css")
            .map(|file| String::from_utf8_lossy(&file.data).into_owned())
            .unwrap_or_default();
        let mut css = String::with_capacity(original.len());
        let mut rest = original.as_str();
        while let Some(start) = rest.find("@font-face{") {
            css.push_str(&rest[..start]);
            let after = &rest[start..];
            match after.find('}') {
                Some(end) => rest = &after[end + 1..],
                None => {
                    rest = "";
                }
            }
        }
        css.push_str(rest);
        css.replace("GDS Transport,arial,sans-serif", "arial,sans-serif")
            .replace("font-family:GDS Transport;", "font-family:arial,sans-serif;")
            .replace("font-family:GDS Transport}", "font-family:arial,sans-serif}")
    })
}

/// The content type for a file name, by extension.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// The bytes of an asset by its path under `/assets/`, if there is one.
pub fn asset(path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    if path == "govuk-frontend.min.css" {
        return Some(std::borrow::Cow::Borrowed(stylesheet().as_bytes()));
    }
    if path == "govuk-frontend.min.js" {
        return Vendored::get(path).map(|file| file.data);
    }
    if let Some(own) = path.strip_prefix("guildhall/") {
        return Own::get(own).map(|file| file.data);
    }
    Vendored::get(&format!("assets/{path}")).map(|file| file.data)
}

/// `GET /assets/{*path}`.
pub async fn serve(Path(path): Path<String>) -> Response {
    match asset(&path) {
        Some(bytes) => {
            let mut response = bytes.into_owned().into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
            headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            response
        }
        None => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "no such asset")
            .into_response(),
    }
}
