//! API keys as Pay issues them: `api_test_…` or `api_live_…`, a random body and a checksum,
//! so a mistyped key is refused before any database look-up. Only a SHA-256 hash of the
//! key is stored; the key itself is shown once, when it is created.

use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const BODY_LEN: usize = 32;
const CHECKSUM_LEN: usize = 8;

/// Test keys take payments with the sandbox provider; live keys with the configured one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Sandbox: Pay's test cards, no money moves.
    Test,
    /// The council's real card provider.
    Live,
}

impl KeyType {
    /// `test` or `live`, as stored and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Test => "test",
            KeyType::Live => "live",
        }
    }

    /// Parses `test` or `live`.
    pub fn parse(s: &str) -> Option<KeyType> {
        match s {
            "test" => Some(KeyType::Test),
            "live" => Some(KeyType::Live),
            _ => None,
        }
    }
}

fn checksum(prefix_and_body: &str) -> String {
    let digest = Sha256::digest(format!("guildhall-pay-key:{prefix_and_body}").as_bytes());
    hex::encode(digest)[..CHECKSUM_LEN].to_string()
}

/// A fresh key of this type: `api_{type}_{32 random characters}{8-character checksum}`.
pub fn generate(key_type: KeyType) -> String {
    let mut rng = rand::thread_rng();
    let body: String = (0..BODY_LEN).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    let head = format!("api_{}_{body}", key_type.as_str());
    let sum = checksum(&head);
    format!("{head}{sum}")
}

/// The key's type when it is well-formed and its checksum matches; None otherwise.
pub fn check(key: &str) -> Option<KeyType> {
    let key_type = if key.starts_with("api_test_") {
        KeyType::Test
    } else if key.starts_with("api_live_") {
        KeyType::Live
    } else {
        return None;
    };
    if key.len() != 9 + BODY_LEN + CHECKSUM_LEN || !key.is_ascii() {
        return None;
    }
    let (head, sum) = key.split_at(9 + BODY_LEN);
    (checksum(head) == sum).then_some(key_type)
}

/// What is stored for a key: the hex SHA-256 of the whole key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_pass_their_checksum_and_a_changed_character_fails_it() {
        let key = generate(KeyType::Live);
        assert!(key.starts_with("api_live_"));
        assert_eq!(check(&key), Some(KeyType::Live));
        let mut bytes = key.into_bytes();
        bytes[12] = if bytes[12] == b'a' { b'b' } else { b'a' };
        assert_eq!(check(&String::from_utf8(bytes).expect("ascii")), None);
        assert_eq!(check(&generate(KeyType::Test)), Some(KeyType::Test));
        assert_eq!(check("api_test_short"), None);
    }
}
