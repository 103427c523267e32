//! RSF, the Register Serialisation Format of GOV.UK Registers: one command a line, fields
//! separated by tabs. This module reads and writes single lines; importing a whole file (in one
//! transaction) and exporting a register live with the register itself.

use crate::canonical::{Item, ItemHash};
use crate::entry::{Log, check_key, check_timestamp, parse_item_hashes};
use crate::merkle::Hash;

/// One RSF command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `add-item<TAB>{canonical json}`.
    AddItem(Item),
    /// `append-entry<TAB>user|system<TAB>key<TAB>timestamp<TAB>sha-256:…[;sha-256:…]`.
    AppendEntry {
        /// Which log.
        log: Log,
        /// Record key.
        key: String,
        /// Entry timestamp as written.
        timestamp: String,
        /// The items it points at.
        item_hashes: Vec<ItemHash>,
    },
    /// `assert-root-hash<TAB>sha-256:…`: the user log's Merkle root must be this here.
    AssertRootHash(Hash),
}

/// A line of RSF that cannot be read; names the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    /// 1-based line number in the file.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// Parses one line (without its newline).
pub fn parse_line(line_no: u64, line: &str) -> Result<Command, LineError> {
    let err = |message: String| LineError { line: line_no, message };
    let (command, rest) = line
        .split_once('\t')
        .ok_or_else(|| err(format!("expected a command and tab-separated arguments, got {:?}", truncate(line))))?;
    match command {
        "add-item" => Item::from_canonical(rest).map(Command::AddItem).map_err(|e| err(format!("add-item: {e}"))),
        "append-entry" => {
            let parts: Vec<&str> = rest.split('\t').collect();
            let [log, key, timestamp, hashes] = parts[..] else {
                return Err(err(format!(
                    "append-entry needs 4 tab-separated fields (user|system, key, timestamp, item hashes), got {}",
                    parts.len()
                )));
            };
            let log = match log {
                "user" => Log::User,
                "system" => Log::System,
                other => return Err(err(format!("append-entry: log must be \"user\" or \"system\", got {other:?}"))),
            };
            check_key(key).map_err(|m| err(format!("append-entry: {m}")))?;
            check_timestamp(timestamp).map_err(|m| err(format!("append-entry: {m}")))?;
            let item_hashes = parse_item_hashes(hashes).map_err(|m| err(format!("append-entry: {m}")))?;
            Ok(Command::AppendEntry { log, key: key.to_string(), timestamp: timestamp.to_string(), item_hashes })
        }
        "assert-root-hash" => {
            let h = ItemHash::parse(rest).map_err(|m| err(format!("assert-root-hash: {m}")))?;
            Ok(Command::AssertRootHash(h.0))
        }
        other => Err(err(format!(
            "unknown command {:?}: expected add-item, append-entry or assert-root-hash",
            truncate(other)
        ))),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

/// Reads RSF a line at a time (streaming; lines end with `\n`), yielding each command with its
/// 1-based line number, or the first error naming its line.
pub fn commands(input: impl std::io::BufRead) -> impl Iterator<Item = Result<(u64, Command), ReadError>> {
    input.split(b'\n').enumerate().map(|(i, line)| {
        let line_no = i as u64 + 1;
        let line = line.map_err(ReadError::Io)?;
        let text = std::str::from_utf8(&line)
            .map_err(|e| ReadError::Line(LineError { line: line_no, message: format!("not UTF-8: {e}") }))?;
        parse_line(line_no, text).map(|c| (line_no, c)).map_err(ReadError::Line)
    })
}

/// Why reading RSF stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The input could not be read.
    #[error("reading input: {0}")]
    Io(std::io::Error),
    /// A line is malformed.
    #[error("{0}")]
    Line(LineError),
}

/// Writes `add-item` for an item's canonical text.
pub fn add_item_line(canonical: &str) -> String {
    format!("add-item\t{canonical}\n")
}

/// Writes `append-entry`.
pub fn append_entry_line(log: Log, key: &str, timestamp: &str, joined_hashes: &str) -> String {
    format!("append-entry\t{}\t{key}\t{timestamp}\t{joined_hashes}\n", log.as_str())
}

/// Writes `assert-root-hash`.
pub fn assert_root_line(root: &Hash) -> String {
    format!("assert-root-hash\tsha-256:{}\n", hex::encode(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_command_parses_and_writes_back_the_same_line() {
        let lines = [
            "add-item\t{\"bar\":\"xyz\",\"foo\":\"abc\"}",
            "append-entry\tuser\tGB\t2016-04-05T13:23:05Z\tsha-256:5dd4fe3b0de91882dae86b223ca531b5c8f2335d9ee3fd0ab18dfdc2871d0c61",
            "assert-root-hash\tsha-256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ];
        for (i, line) in lines.iter().enumerate() {
            let written = match parse_line(i as u64 + 1, line).unwrap() {
                Command::AddItem(item) => add_item_line(item.canonical()),
                Command::AppendEntry { log, key, timestamp, item_hashes } => {
                    let joined = item_hashes.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(";");
                    append_entry_line(log, &key, &timestamp, &joined)
                }
                Command::AssertRootHash(h) => assert_root_line(&h),
            };
            assert_eq!(written, format!("{line}\n"));
        }
    }

    #[test]
    fn bad_lines_are_named_by_number_and_problem() {
        let cases = [
            ("add-item\t{\"foo\":\"abc\",\"bar\":\"xyz\"}", "not canonical"),
            ("append-entry\tuser\tGB\t2016-04-05\tsha-256:00", "timestamp"),
            ("append-entry\tother\tGB\t2016-04-05T13:23:05Z\tsha-256:00", "log must be"),
            ("append-entry\tuser\tGB", "4 tab-separated"),
            ("delete-item\tx", "unknown command"),
            ("no tabs here", "expected a command"),
            ("assert-root-hash\tsha-256:xyz", "assert-root-hash"),
        ];
        for (line, words) in cases {
            let e = parse_line(7, line).unwrap_err();
            assert_eq!(e.line, 7);
            assert!(e.to_string().contains(words), "{line}: {e}");
        }
    }
}
