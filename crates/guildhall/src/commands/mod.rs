//! The commands the CLI runs, one module each; each returns the process exit code. Parsing the
//! command line lives in `cli`, wiring the server in `startup`.

pub mod bodies;
pub mod council;
pub mod generate;
pub mod import;
pub mod notify;
pub mod pay;
pub mod register;
pub mod serve;
pub mod service;

use crate::cli::Command;
use crate::configuration::Settings;

/// Runs a parsed command with its settings and returns the exit code.
pub async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<u8> {
    match command {
        Command::Serve(_) => serve::run(settings).await,
        Command::Demo(_) => crate::demo::run(settings).await,
        Command::Council(c) => council::run(c, &settings).await,
        Command::Register(c) => register::run(c, &settings).await,
        Command::Import(c) => import::run(c, &settings).await,
        Command::Generate(c) => tokio::task::block_in_place(|| generate::run(c)),
        Command::Notify(c) => notify::run(c, &settings).await,
        Command::Pay(c) => pay::run(c, &settings).await,
        Command::Service(c) => service::run(c),
        Command::Bodies(c) => bodies::run(c, &settings).await,
    }
}
