//! Guildhall's binary crate as a library, so tests can start the application in-process: the
//! command line, configuration, telemetry and start-up wiring. Domain rules live in the bricks
//! (`store`, `registers`), never here.

#![warn(missing_docs)]

pub mod accounts;
pub mod cli;
pub mod commands;
pub mod configuration;
pub mod demo;
pub mod demo_accounts;
pub mod demo_bodies;
pub mod demo_places;
pub mod dev_notifications;
pub mod lookups;
pub mod notify;
pub mod oidc;
pub mod ops;
pub mod pages;
pub mod pay;
pub mod report_pages;
pub mod report_staff;
pub mod reporting;
pub mod rsf_name;
pub mod services_delivery;
pub mod services_ports;
pub mod services_records;
pub mod services_wiring;
pub mod startup;
pub mod telemetry;
pub mod vehicle_check;

use std::process::ExitCode;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code when `register verify` finds an alteration.
pub const EXIT_ALTERED: u8 = 1;
/// Exit code for any error (bad input, unknown register, unreachable database…).
pub const EXIT_ERROR: u8 = 2;

/// Runs one command line to completion and returns the process exit code; errors are printed
/// as one line on stderr, never as a panic.
pub fn run(cli: cli::Cli) -> ExitCode {
    let settings = match configuration::Settings::load(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match runtime.block_on(commands::dispatch(cli.command, settings)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// An error and its causes on one line, skipping a cause its parent's message already quotes
/// (many library errors embed their source in their own message).
pub fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_chain_reads_as_one_line_without_repeats() {
        let inner = std::io::Error::other("disk full");
        let e = anyhow::Error::new(std::io::Error::other(format!("database error: {inner}")))
            .context("cannot open the database");
        assert_eq!(one_line(&e), "cannot open the database: database error: disk full");
    }
}
