//! Serves the web brick alone with the demonstration councils on 127.0.0.1 and prints
//! `listening on http://127.0.0.1:PORT` first; `tests/e2e/run.mjs` starts it when not given a URL.
//!
//! `cargo run -p web --example serve` (port from `PORT`, default any free port).

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = web::demo::app()?;
    let port = std::env::var("PORT").unwrap_or_else(|_| "0".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
