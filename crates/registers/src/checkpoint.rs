//! Signed checkpoints: the instance signs each published tree head (origin, size, root, time)
//! with its Ed25519 key as a C2SP `tlog-checkpoint` in the C2SP `signed-note` format, so anyone
//! holding an earlier checkpoint can demand a consistency proof and hold the register to account.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use sqlx::Row;
use store::now_timestamp;

use crate::error::{RegisterError, Result};
use crate::merkle::Hash;
use crate::register::{RegisterInfo, Registers};

/// The instance's checkpoint signing key and the name it signs as.
#[derive(Debug, Clone)]
pub struct CheckpointSigner {
    name: String,
    key: SigningKey,
}

/// A signed tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Tree size.
    pub size: u64,
    /// Root hash at that size.
    pub root: Hash,
    /// When it was first published.
    pub published_at: String,
    /// The whole signed note, as served.
    pub note: String,
}

/// The C2SP signed-note key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

impl CheckpointSigner {
    /// The name signatures are made under (the instance's host name, by convention).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key in the signed-note form `name+hexid+base64(0x01 ‖ key)`, to publish.
    pub fn verifier_key(&self) -> String {
        let public = self.key.verifying_key().to_bytes();
        let mut typed = vec![0x01];
        typed.extend_from_slice(&public);
        format!("{}+{}+{}", self.name, hex::encode(key_id(&self.name, &public)), B64.encode(typed))
    }

    /// Signs a checkpoint body and returns the whole note.
    pub fn sign(&self, origin: &str, size: u64, root: &Hash, time: &str) -> String {
        let body = format!("{origin}\n{size}\n{}\ntime {time}\n", B64.encode(root));
        let public = self.key.verifying_key().to_bytes();
        let mut sig = key_id(&self.name, &public).to_vec();
        sig.extend_from_slice(&self.key.sign(body.as_bytes()).to_bytes());
        format!("{body}\n\u{2014} {} {}\n", self.name, B64.encode(sig))
    }
}

/// What a verified checkpoint says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCheckpoint {
    /// The log's origin line.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

/// Verifies a checkpoint note against a verifier key (`name+hexid+base64`), as a third party would.
pub fn verify_checkpoint(note: &str, verifier_key: &str) -> std::result::Result<CheckedCheckpoint, String> {
    let parts: Vec<&str> = verifier_key.splitn(3, '+').collect();
    let [name, id_hex, key_b64] = parts[..] else { return Err("verifier key must be name+id+key".into()) };
    let typed = B64.decode(key_b64).map_err(|e| format!("verifier key: {e}"))?;
    if typed.len() != 33 || typed[0] != 0x01 {
        return Err("verifier key is not an Ed25519 key".into());
    }
    let public: [u8; 32] = typed[1..].try_into().map_err(|_| "bad key length")?;
    if hex::encode(key_id(name, &public)) != id_hex {
        return Err("verifier key id does not match its name and key".into());
    }
    let (body, sigs) = note.split_once("\n\n").ok_or("note has no signature block")?;
    let body = format!("{body}\n");
    let prefix = format!("\u{2014} {name} ");
    let sig_b64 = sigs.lines().find_map(|l| l.strip_prefix(&prefix)).ok_or("no signature by this key")?;
    let sig = B64.decode(sig_b64).map_err(|e| format!("signature: {e}"))?;
    if sig.len() != 68 || sig[..4] != key_id(name, &public) {
        return Err("signature is not by this key".into());
    }
    let vk = VerifyingKey::from_bytes(&public).map_err(|e| e.to_string())?;
    let signature = ed25519_dalek::Signature::from_slice(&sig[4..]).map_err(|e| e.to_string())?;
    vk.verify(body.as_bytes(), &signature).map_err(|_| "signature does not verify".to_string())?;
    let mut lines = body.lines();
    let origin = lines.next().ok_or("no origin")?.to_string();
    let size = lines.next().and_then(|s| s.parse().ok()).ok_or("bad size line")?;
    let root: Hash =
        lines.next().and_then(|s| B64.decode(s).ok()).and_then(|v| v.try_into().ok()).ok_or("bad root line")?;
    Ok(CheckedCheckpoint { origin, size, root })
}

impl Registers {
    /// Loads the instance's signing key of this name, creating it on first use (race-free across nodes).
    pub async fn checkpoint_signer(&self, name: &str) -> Result<CheckpointSigner> {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        sqlx::query(
            "INSERT INTO checkpoint_keys (name, secret, public_key, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(key.to_bytes().to_vec())
        .bind(key.verifying_key().to_bytes().to_vec())
        .bind(now_timestamp())
        .execute(self.store.pool())
        .await?;
        let row = sqlx::query("SELECT secret FROM checkpoint_keys WHERE name = $1")
            .bind(name)
            .fetch_one(self.store.pool())
            .await?;
        let secret: [u8; 32] = row
            .try_get::<Vec<u8>, _>(0)?
            .try_into()
            .map_err(|_| RegisterError::Corrupt("checkpoint key is not 32 bytes".into()))?;
        Ok(CheckpointSigner { name: name.to_string(), key: SigningKey::from_bytes(&secret) })
    }

    /// The signed checkpoint for the register's current size, signing and recording it the first time it is asked for.
    pub async fn checkpoint(
        &self,
        register: &RegisterInfo,
        origin: &str,
        signer: &CheckpointSigner,
    ) -> Result<Checkpoint> {
        let info = self.get(register.owner, &register.name).await?;
        let size = info.user_size;
        let existing =
            sqlx::query("SELECT root, published_at, note FROM checkpoints WHERE register_id = $1 AND size = $2")
                .bind(info.id)
                .bind(size as i64)
                .fetch_optional(self.store.pool())
                .await?;
        if let Some(row) = existing {
            let root = crate::sql::to_hash(&row.try_get::<Vec<u8>, _>(0)?)?;
            return Ok(Checkpoint { size, root, published_at: row.try_get(1)?, note: row.try_get(2)? });
        }
        let root = self.root(&info, size).await?;
        let now = now_timestamp();
        let note = signer.sign(origin, size, &root, &now);
        sqlx::query(
            "INSERT INTO checkpoints (register_id, council_id, size, root, published_at, note) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (register_id, size) DO NOTHING",
        )
        .bind(info.id)
        .bind(info.owner.council_id())
        .bind(size as i64)
        .bind(root.to_vec())
        .bind(&now)
        .bind(&note)
        .execute(self.store.pool())
        .await?;
        Ok(Checkpoint { size, root, published_at: now, note })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_checkpoint_verifies_with_the_published_key_and_fails_when_altered() {
        let signer = CheckpointSigner { name: "guildhall.example".into(), key: SigningKey::from_bytes(&[7; 32]) };
        let root = [9u8; 32];
        let note = signer.sign("guildhall.example/registers/country", 42, &root, "2026-11-23T10:00:00Z");
        let checked = verify_checkpoint(&note, &signer.verifier_key()).unwrap();
        assert_eq!(checked, CheckedCheckpoint { origin: "guildhall.example/registers/country".into(), size: 42, root });
        assert!(note.starts_with("guildhall.example/registers/country\n42\n"));
        let forged = note.replace("\n42\n", "\n43\n");
        assert!(verify_checkpoint(&forged, &signer.verifier_key()).is_err());
    }
}
