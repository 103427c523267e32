//! `guildhall serve`: build the application and serve until stopped, announcing the bound URL
//! on stdout (scripts and tests read the port from it when started with `--port 0`).

use std::io::Write;

use crate::configuration::Settings;
use crate::startup::Application;

/// Serves the HTTP API until SIGINT or SIGTERM.
pub async fn run(settings: Settings) -> anyhow::Result<u8> {
    let app = Application::build(settings).await?;
    announce(&app);
    app.run_until_stopped().await?;
    Ok(crate::EXIT_OK)
}

/// Prints `Guildhall listening on http://ADDR:PORT` and flushes, so a reading process sees it at once.
pub fn announce(app: &Application) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Guildhall listening on http://{}", app.address());
    let _ = out.flush();
}
