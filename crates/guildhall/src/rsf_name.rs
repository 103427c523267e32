//! Finding a register's name inside an RSF file, so `register import FILE` needs no `--register`:
//! one streaming pass, through the brick's RSF reader, that remembers only the `{"name":…}` items
//! and stops at the system `name` entry. Importing itself is the registers brick's job.

use std::collections::HashMap;
use std::io::BufRead;

use anyhow::{anyhow, bail};
use registers::rsf::{self, Command};
use registers::{ItemHash, Log};

/// The name the file's `append-entry<TAB>system<TAB>name` entry gives, read from its item.
pub fn register_name_in(input: impl BufRead) -> anyhow::Result<String> {
    let mut name_items: HashMap<ItemHash, String> = HashMap::new();
    for command in rsf::commands(input) {
        let (line, command) = command.map_err(|e| anyhow!("{e}"))?;
        match command {
            Command::AddItem(item) if item.canonical().starts_with("{\"name\":") => {
                name_items.insert(item.hash(), item.canonical().to_string());
            }
            Command::AppendEntry { log: Log::System, key, item_hashes, .. } if key == "name" => {
                let hash =
                    item_hashes.first().copied().ok_or_else(|| anyhow!("line {line}: the name entry has no item"))?;
                let item = name_items.get(&hash).ok_or_else(|| {
                    anyhow!("line {line}: the system name entry points at {hash}, which is not a {{\"name\":…}} item added before it")
                })?;
                let value: serde_json::Value = serde_json::from_str(item)?;
                return match value.get("name").and_then(|v| v.as_str()) {
                    Some(name) => Ok(name.to_string()),
                    None => bail!("line {line}: the register's name item has no \"name\" string"),
                };
            }
            _ => {}
        }
    }
    bail!("the file has no system `name` entry to take the register's name from; give it with --register NAME")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_comes_from_the_system_name_entry() {
        let rsf = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/local-authority-type.rsf")).unwrap();
        assert_eq!(register_name_in(&rsf[..]).unwrap(), "local-authority-type");
    }

    #[test]
    fn a_file_without_a_name_entry_is_refused_with_a_hint() {
        let rsf = b"assert-root-hash\tsha-256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
        let e = register_name_in(&rsf[..]).unwrap_err().to_string();
        assert!(e.contains("--register"), "{e}");
    }
}
