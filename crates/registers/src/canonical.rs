//! Items and their canonical JSON, byte-compatible with GOV.UK Registers v1 (Jackson): keys sorted,
//! no whitespace, UTF-8 unescaped, `/` unescaped, short escapes `\b \f \n \r \t \" \\`, other
//! control characters as upper-case `\u000B`. An item's hash is SHA-256 of exactly those bytes.
//! Entries and the Merkle log live elsewhere.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The address of an item: SHA-256 of its canonical JSON, written `sha-256:<hex>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemHash(pub [u8; 32]);

impl ItemHash {
    /// The hash of some canonical bytes.
    pub fn of(bytes: &[u8]) -> ItemHash {
        ItemHash(Sha256::digest(bytes).into())
    }

    /// Parses `sha-256:<64 lower-case hex digits>`.
    pub fn parse(s: &str) -> Result<ItemHash, String> {
        let hex_part =
            s.strip_prefix("sha-256:").ok_or_else(|| format!("item hash {s:?} must start with \"sha-256:\""))?;
        if hex_part.len() != 64 || !hex_part.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(format!("item hash {s:?} must be \"sha-256:\" and 64 lower-case hex digits"));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut out).map_err(|e| format!("item hash {s:?}: {e}"))?;
        Ok(ItemHash(out))
    }
}

impl std::fmt::Display for ItemHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sha-256:{}", hex::encode(self.0))
    }
}

/// An item: a JSON object held as its canonical bytes, so that its hash never drifts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    canonical: String,
    hash: ItemHash,
}

/// Why some text is not an acceptable item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// Not JSON at all.
    #[error("item is not valid JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("item must be a JSON object")]
    NotObject,
    /// Valid JSON, but not written canonically (so its hash would not be reproducible).
    #[error("item is not canonical JSON (keys sorted, no whitespace); canonical form is {0}")]
    NotCanonical(String),
}

impl Item {
    /// Accepts text only if it is already canonical: what RSF `add-item` requires.
    pub fn from_canonical(text: &str) -> Result<Item, ItemError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ItemError::NotJson(e.to_string()))?;
        let item = Item::from_value(&value)?;
        if item.canonical != text {
            return Err(ItemError::NotCanonical(item.canonical));
        }
        Ok(item)
    }

    /// Canonicalises any JSON object: what the append API does with what a custodian posts.
    pub fn from_value(value: &Value) -> Result<Item, ItemError> {
        if !value.is_object() {
            return Err(ItemError::NotObject);
        }
        let canonical = to_canonical_json(value);
        let hash = ItemHash::of(canonical.as_bytes());
        Ok(Item { canonical, hash })
    }

    /// Rebuilds an item from stored canonical text without re-checking it (the verifier re-hashes).
    pub fn from_stored(canonical: String) -> Item {
        let hash = ItemHash::of(canonical.as_bytes());
        Item { canonical, hash }
    }

    /// The canonical JSON text.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The item's hash.
    pub fn hash(&self) -> ItemHash {
        self.hash
    }

    /// The item as a JSON value (for API responses and schema checks).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.canonical).unwrap_or(Value::Null)
    }
}

/// Writes a JSON value canonically, as GOV.UK Registers' Jackson did.
pub fn to_canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, v);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // Java's String.compareTo orders by UTF-16 code units.
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, &map[k]);
            }
            out.push('}');
        }
    }
}

/// Writes a JSON string with Jackson's escapes.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_example_item_hashes_as_gov_uk_registers_did() {
        let item = Item::from_canonical(r#"{"bar":"xyz","foo":"abc"}"#).unwrap();
        assert_eq!(item.hash().to_string(), "sha-256:5dd4fe3b0de91882dae86b223ca531b5c8f2335d9ee3fd0ab18dfdc2871d0c61");
    }

    #[test]
    fn keys_are_sorted_and_whitespace_removed_when_canonicalising() {
        let v: Value = serde_json::from_str("{ \"foo\": \"abc\",\n \"bar\": [\"x\", \"y/z\"] }").unwrap();
        assert_eq!(Item::from_value(&v).unwrap().canonical(), r#"{"bar":["x","y/z"],"foo":"abc"}"#);
    }

    #[test]
    fn control_characters_use_short_escapes_or_upper_case_hex() {
        let v = serde_json::json!({"a": "tab\there\u{0b}\u{1f}é\"\\"});
        assert_eq!(to_canonical_json(&v), "{\"a\":\"tab\\there\\u000B\\u001Fé\\\"\\\\\"}");
    }

    #[test]
    fn non_canonical_text_is_rejected_with_its_canonical_form() {
        let err = Item::from_canonical(r#"{"foo":"abc","bar":"xyz"}"#).unwrap_err();
        assert_eq!(err, ItemError::NotCanonical(r#"{"bar":"xyz","foo":"abc"}"#.into()));
        assert!(matches!(Item::from_canonical("{\"a\": \"b\"}"), Err(ItemError::NotCanonical(_))));
        assert!(matches!(Item::from_canonical("[1]"), Err(ItemError::NotObject)));
        assert!(matches!(Item::from_canonical("{"), Err(ItemError::NotJson(_))));
    }

    #[test]
    fn item_hashes_parse_only_in_their_one_written_form() {
        let h = "sha-256:5dd4fe3b0de91882dae86b223ca531b5c8f2335d9ee3fd0ab18dfdc2871d0c61";
        assert_eq!(ItemHash::parse(h).unwrap().to_string(), h);
        assert!(ItemHash::parse(&h.to_uppercase()).is_err());
        assert!(ItemHash::parse("sha-256:abc").is_err());
        assert!(ItemHash::parse("md5:5dd4fe3b0de91882dae86b223ca531b5c8f2335d9ee3fd0ab18dfdc2871d0c61").is_err());
    }
}
