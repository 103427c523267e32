//! Serves the web brick alone, with two demonstration councils, on 127.0.0.1 — used by the
//! browser tests in `tests/e2e/`, which read the URL from the first line printed.
//!
//! `cargo run -p web --example serve` (port from `PORT`, default any free port).
//! `/exampleshire/preview-500` shows the 500 page, which otherwise appears only on failures.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use web::{Contact, Council, WebState};

#[derive(Debug, thiserror::Error)]
#[error("a demonstration failure, to show the 500 page")]
struct Demonstration;

async fn preview_500(State(state): State<WebState>) -> Response {
    let council = state.council("exampleshire");
    state.server_error(council.as_ref(), &Demonstration)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let exampleshire = Council::new("exampleshire", "Exampleshire County Council", "#00703c")?.with_contact(Contact {
        email: "webmaster@exampleshire.example".into(),
        phone: Some("01632 960 000".into()),
        address: vec!["County Hall".into(), "Exampletown".into(), "EX1 1AA".into()],
    });
    // A pale brand colour, darkened by the contrast check.
    let northtown = Council::new("northtown", "Northtown Borough Council", "#f9d71c")?;
    let state = WebState::new("Guildhall", vec![exampleshire, northtown])?;
    let app = web::router(state.clone())
        .merge(axum::Router::new().route("/exampleshire/preview-500", get(preview_500)).with_state(state));
    let port = std::env::var("PORT").unwrap_or_else(|_| "0".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
