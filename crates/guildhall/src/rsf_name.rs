//! Finding a register's name inside an RSF file, so `register import FILE` needs no `--register`:
//! one streaming pass that remembers only the `{"name":…}` items and stops at the system `name`
//! entry. Importing itself is the registers brick's job.

use std::collections::HashMap;
use std::io::BufRead;

use anyhow::{Context, anyhow, bail};
use registers::ItemHash;

/// The name the file's `append-entry<TAB>system<TAB>name` entry gives, read from its item.
pub fn register_name_in(input: impl BufRead) -> anyhow::Result<String> {
    let mut name_items: HashMap<ItemHash, Vec<u8>> = HashMap::new();
    for (i, line) in input.split(b'\n').enumerate() {
        let line = line.context("cannot read the file")?;
        if let Some(json) = line.strip_prefix(b"add-item\t") {
            if json.starts_with(b"{\"name\":") {
                name_items.insert(ItemHash::of(json), json.to_vec());
            }
        } else if let Some(rest) = line.strip_prefix(b"append-entry\tsystem\tname\t") {
            let at = i + 1;
            let rest =
                std::str::from_utf8(rest).map_err(|_| anyhow!("line {at}: the system name entry is not UTF-8"))?;
            let hashes = rest.rsplit('\t').next().unwrap_or_default();
            let first = hashes.split(';').next().unwrap_or_default();
            let hash = ItemHash::parse(first).map_err(|e| anyhow!("line {at}: the system name entry: {e}"))?;
            let item = name_items
                .get(&hash)
                .ok_or_else(|| anyhow!("line {at}: the system name entry points at {hash}, which is not a {{\"name\":…}} item added before it"))?;
            let value: serde_json::Value = serde_json::from_slice(item)
                .map_err(|e| anyhow!("line {at}: the register's name item is not JSON: {e}"))?;
            return match value.get("name").and_then(|v| v.as_str()) {
                Some(name) => Ok(name.to_string()),
                None => bail!("line {at}: the register's name item has no \"name\" string"),
            };
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
