//! Entries: the numbered, timestamped, keyed lines of a register's logs, each pointing at one
//! or more items. User entries form the Merkle tree; system entries (the register's own
//! metadata: name, fields, custodian) are numbered in a log of their own.

use crate::canonical::{ItemHash, write_string};

/// Which of a register's two logs an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Log {
    /// The data; only these entries are in the Merkle tree.
    User,
    /// The register's metadata (`name`, `field:…`, `register:…`, `custodian`).
    System,
}

impl Log {
    /// The word RSF uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Log::User => "user",
            Log::System => "system",
        }
    }

    /// The number stored in the `log` column.
    pub fn code(self) -> i64 {
        match self {
            Log::User => 0,
            Log::System => 1,
        }
    }
}

/// An entry: number `n` of its log, for `key`, at `timestamp`, pointing at items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Which log.
    pub log: Log,
    /// 1-based position in that log.
    pub number: u64,
    /// The record key this entry updates.
    pub key: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`, kept as written so hashes reproduce.
    pub timestamp: String,
    /// The items, in the order given.
    pub item_hashes: Vec<ItemHash>,
}

impl Entry {
    /// The bytes that the Merkle leaf of a user entry hashes, exactly as GOV.UK Registers v1 wrote them.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        let n = self.number.to_string();
        let mut s = String::with_capacity(160 + 75 * self.item_hashes.len());
        s.push_str("{\"index-entry-number\":\"");
        s.push_str(&n);
        s.push_str("\",\"entry-number\":\"");
        s.push_str(&n);
        s.push_str("\",\"entry-timestamp\":");
        write_string(&mut s, &self.timestamp);
        s.push_str(",\"key\":");
        write_string(&mut s, &self.key);
        s.push_str(",\"item-hash\":[");
        for (i, h) in self.item_hashes.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('"');
            s.push_str(&h.to_string());
            s.push('"');
        }
        s.push_str("]}");
        s.into_bytes()
    }

    /// The item hashes as RSF and the `item_hashes` column write them: `;`-joined.
    pub fn joined_item_hashes(&self) -> String {
        self.item_hashes.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(";")
    }
}

/// Parses `;`-joined item hashes, as stored or as written in RSF.
pub fn parse_item_hashes(s: &str) -> Result<Vec<ItemHash>, String> {
    if s.is_empty() {
        return Err("an entry needs at least one item hash".into());
    }
    s.split(';').map(ItemHash::parse).collect()
}

/// Checks a record key: non-empty, at most 256 bytes, no whitespace, control characters or `/`
/// (a key is a URL path segment and an RSF field).
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("key is empty".into());
    }
    if key.len() > 256 {
        return Err(format!("key is {} bytes long; at most 256", key.len()));
    }
    if let Some(c) = key.chars().find(|c| c.is_whitespace() || c.is_control() || *c == '/' || *c == '?' || *c == '#') {
        return Err(format!(
            "key {key:?} contains {c:?}; keys may not hold whitespace, control characters, '/', '?' or '#'"
        ));
    }
    Ok(())
}

/// Checks an entry timestamp is exactly `YYYY-MM-DDTHH:MM:SSZ` and a real instant.
pub fn check_timestamp(ts: &str) -> Result<(), String> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    if ts.len() != 20 || time::PrimitiveDateTime::parse(ts, &format).is_err() {
        return Err(format!("timestamp {ts:?} is not of the form YYYY-MM-DDTHH:MM:SSZ"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    #[test]
    fn the_first_country_entry_has_the_leaf_hash_gov_uk_published() {
        // Entry 1 of country.rsf; its leaf hash is the one the vectors README gives.
        let country =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/rsf/country.rsf"))
                .unwrap();
        let line = country.lines().find(|l| l.starts_with("append-entry\tuser\tSU\t2016-04-05T13:23:05Z")).unwrap();
        let entry = Entry {
            log: Log::User,
            number: 1,
            key: "SU".into(),
            timestamp: "2016-04-05T13:23:05Z".into(),
            item_hashes: vec![ItemHash::parse(line.rsplit('\t').next().unwrap()).unwrap()],
        };
        assert_eq!(
            hex::encode(leaf_hash(&entry.leaf_bytes())),
            "a2002581c7402683e8197faafaefb9ba1f0ca48cee2d6ff461ab086b703472e5"
        );
    }

    #[test]
    fn keys_and_timestamps_are_checked() {
        assert!(check_key("E07000233").is_ok());
        assert!(check_key("field:start-date").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("a b").is_err());
        assert!(check_key("a/b").is_err());
        assert!(check_timestamp("2016-04-05T13:23:05Z").is_ok());
        assert!(check_timestamp("2016-04-05 13:23:05").is_err());
        assert!(check_timestamp("2016-13-05T13:23:05Z").is_err());
    }
}
