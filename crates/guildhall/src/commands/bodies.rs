//! `guildhall bodies import|list`: a council's report-a-problem bodies (who covers which areas,
//! their clerk or team, their categories, routes, questions and rules) kept in data files. An
//! import checks the whole file first and records nothing when anything is wrong, naming
//! `FILE:LINE:COLUMN` and the field (`[1].categories[0].route.to`) of each error; then each
//! changed body becomes a new version in the `body` register, unchanged ones are left alone.
//! An area the area register does not hold is a warning (it may be imported afterwards).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use reports::{Body, Reports};
use store::{CouncilSlug, Councils};

use crate::configuration::Settings;
use crate::startup::open_store;

/// Exit code when the file has errors (2 stays for a file or database that cannot be used at all).
const EXIT_INVALID_FILE: u8 = 1;

/// `guildhall bodies …`.
#[derive(Debug, Subcommand)]
pub enum BodiesCommand {
    /// Record a council's bodies from a JSON file (an array of body definitions, as `list --json`
    /// prints them); prints each body as recorded or unchanged. Nothing is recorded when any
    /// body has an error: each is printed as `FILE:LINE:COLUMN: field: message` and the exit code is 1.
    Import {
        /// The council the bodies belong to.
        #[arg(long, value_name = "SLUG")]
        council: String,
        /// The JSON file.
        file: PathBuf,
    },
    /// List a council's bodies: id, tier, name, contact, areas and service codes, tab-separated.
    List {
        /// The council.
        #[arg(long, value_name = "SLUG")]
        council: String,
        /// Print the whole definitions as a JSON array (the import format) instead.
        #[arg(long)]
        json: bool,
    },
}

/// One error in the file, where it is.
#[derive(Debug)]
struct FileError {
    line: usize,
    column: usize,
    field: String,
    message: String,
}

/// Line and column (from 1) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// Where body `index`'s definition starts: the offset of the `index`th object of the top-level array.
fn body_offsets(text: &str) -> Vec<usize> {
    let (mut depth, mut in_string, mut escaped, mut starts) = (0usize, false, false, Vec::new());
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                if depth == 1 && c == '{' {
                    starts.push(i);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    starts
}

/// Reads and checks every body of the file; all of them, or every error found.
fn parse(text: &str) -> Result<Vec<Body>, Vec<FileError>> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    let bodies: Vec<Body> = match serde_path_to_error::deserialize(deserializer) {
        Ok(b) => b,
        Err(e) => {
            let field = e.path().to_string();
            let inner = e.into_inner();
            let message = inner.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_string();
            return Err(vec![FileError { line: inner.line(), column: inner.column(), field, message }]);
        }
    };
    let offsets = body_offsets(text);
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, body) in bodies.iter().enumerate() {
        let (line, column) = offsets.get(i).map(|&o| position(text, o)).unwrap_or((1, 1));
        let field = format!("[{i}]");
        if let Err(e) = body.check() {
            errors.push(FileError { line, column, field, message: e.to_string() });
        } else if !seen.insert(body.id.clone()) {
            errors.push(FileError { line, column, field, message: format!("body {:?} is in the file twice", body.id) });
        }
    }
    if errors.is_empty() { Ok(bodies) } else { Err(errors) }
}

/// Warnings for areas a body covers that the area register does not hold (yet): such a body is
/// recorded, but no report can reach it there until the area is imported.
async fn unknown_areas(store: &store::Store, text: &str, bodies: &[Body]) -> anyhow::Result<Vec<FileError>> {
    let registers = registers::Registers::new(store.clone());
    let register =
        registers.find(registers::Owner::National, &registers::RegisterName::parse(areas::AREA_REGISTER)?).await?;
    let offsets = body_offsets(text);
    let mut warnings = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let start = offsets.get(i).copied().unwrap_or(0);
        for (j, key) in body.areas.iter().enumerate() {
            let known = match &register {
                Some(info) => registers.record_entries(info, key).await.is_ok(),
                None => false,
            };
            if !known {
                let at = text[start..].find(&format!("\"{key}\"")).map(|o| start + o).unwrap_or(start);
                let (line, column) = position(text, at);
                let message = format!(
                    "warning: area {key:?} is not in the area register; import it before reports can reach this body there"
                );
                warnings.push(FileError { line, column, field: format!("[{i}].areas[{j}]"), message });
            }
        }
    }
    Ok(warnings)
}

fn print_errors(file: &Path, errors: &[FileError]) {
    for e in errors {
        let field = if e.field.is_empty() || e.field == "." { String::new() } else { format!("{}: ", e.field) };
        eprintln!("{}:{}:{}: {field}{}", file.display(), e.line, e.column, e.message);
    }
    eprintln!("{}: {} error(s); nothing was recorded", file.display(), errors.len());
}

/// Runs one `bodies` command.
pub async fn run(command: BodiesCommand, settings: &Settings) -> anyhow::Result<u8> {
    let (slug, import) = match &command {
        BodiesCommand::Import { council, file } => (council, Some(file)),
        BodiesCommand::List { council, .. } => (council, None),
    };
    let text = match import {
        Some(file) => Some(std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?),
        None => None,
    };
    let store = open_store(&settings.database_url).await?;
    let council = Councils::new(store.clone()).by_slug(&CouncilSlug::parse(slug)?).await?;
    // Routing is not used here, so the brick needs no area view.
    let reports = Reports::new(store.clone(), std::sync::Arc::new(areas::AreaView::new()));
    let held = reports.bodies(council.id).await?;
    let code = match (command, text) {
        (BodiesCommand::Import { file, .. }, Some(text)) => match parse(&text) {
            Err(errors) => {
                print_errors(&file, &errors);
                EXIT_INVALID_FILE
            }
            Ok(bodies) => {
                let mut refused = Vec::new();
                for (i, body) in bodies.iter().enumerate() {
                    if let Ok((owner, _)) = reports.body(&body.id).await
                        && owner != council.id
                    {
                        let (line, column) = body_offsets(&text).get(i).map(|&o| position(&text, o)).unwrap_or((1, 1));
                        let message = format!("body {:?} belongs to another council", body.id);
                        refused.push(FileError { line, column, field: format!("[{i}].id"), message });
                    }
                }
                if !refused.is_empty() {
                    print_errors(&file, &refused);
                    store.close().await;
                    return Ok(EXIT_INVALID_FILE);
                }
                for w in unknown_areas(&store, &text, &bodies).await? {
                    eprintln!("{}:{}:{}: {}: {}", file.display(), w.line, w.column, w.field, w.message);
                }
                for body in &bodies {
                    if held.iter().any(|h| h == body) {
                        println!("unchanged\t{}", body.id);
                    } else {
                        let version = reports.put_body(council.id, body).await?;
                        println!("recorded\t{}\tversion {version}", body.id);
                    }
                }
                crate::EXIT_OK
            }
        },
        (BodiesCommand::List { json: true, .. }, _) => {
            println!("{}", serde_json::to_string_pretty(&held)?);
            crate::EXIT_OK
        }
        (_, _) => {
            for b in &held {
                let codes: Vec<&str> = b.categories.iter().map(|c| c.code.as_str()).collect();
                println!(
                    "{}\t{}\t{}\t{} <{}>\t{}\t{}",
                    b.id,
                    b.tier.as_str(),
                    b.name,
                    b.contact.name,
                    b.contact.email,
                    b.areas.join(","),
                    codes.join(",")
                );
            }
            crate::EXIT_OK
        }
    };
    store.close().await;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_error_names_its_line_column_and_field() {
        let text = "[\n  {\"id\": \"a\", \"name\": \"A\", \"tier\": \"shire\"}\n]";
        let errors = parse(text).unwrap_err();
        assert_eq!((errors[0].line, errors[0].field.as_str()), (2, "[0].tier"), "{errors:?}");
        assert!(errors[0].message.contains("unknown variant `shire`"), "{errors:?}");
    }

    #[test]
    fn the_second_object_of_the_array_is_found_past_strings_with_braces() {
        let text = "[{\"a\": \"}{\"},\n\n {\"b\": [1, {\"c\": 2}]}]";
        assert_eq!(body_offsets(text).iter().map(|&o| position(text, o)).collect::<Vec<_>>(), [(1, 2), (3, 2)]);
    }
}
