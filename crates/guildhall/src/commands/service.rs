//! `guildhall service check FILE`: the low-code definition checker a council's digital team runs
//! before loading a service, naming the line and column of every error at once (not just the
//! first), in the `FILE:LINE:COLUMN: message` form editors and CI logs link to.

use anyhow::Context;

use crate::cli::ServiceCommand;

/// Exit code when the definition has errors (2 stays for a file that cannot be read at all).
const EXIT_INVALID_DEFINITION: u8 = 1;

/// Runs one `service` command.
pub fn run(command: ServiceCommand) -> anyhow::Result<u8> {
    let ServiceCommand::Check { file } = command;
    let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    match services::check(&text) {
        Ok(definition) => {
            println!("{}: {} is a valid service definition", file.display(), definition.name);
            Ok(crate::EXIT_OK)
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{}:{}:{}: {}", file.display(), e.line, e.column, e.message);
            }
            eprintln!("{}: {} error(s)", file.display(), errors.len());
            Ok(EXIT_INVALID_DEFINITION)
        }
    }
}
