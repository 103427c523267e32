//! `Registers::verify` catches history altered behind Guildhall's back: the real country register
//! is imported, one thing is changed directly in the database with SQL, and verification must
//! name the first entry whose history the change affects — on SQLite and on PostgreSQL.

mod common;

use registers::{Alteration, Item, Log, NewEntry, Owner, RegisterInfo, RegisterName, Registers};
use serde_json::json;

/// Imports country.rsf as a fresh register called `name` and checks it verifies clean.
async fn import_country(registers: &Registers, name: &str) -> RegisterInfo {
    let text = std::fs::read_to_string(common::rsf_dir().join("country.rsf")).unwrap();
    let report =
        registers.import_rsf(Owner::National, &RegisterName::parse(name).unwrap(), text.as_bytes()).await.unwrap();
    assert_eq!(report.register.user_size, 210);
    let clean = registers.verify(&report.register).await.unwrap();
    assert_eq!(clean.alteration, None, "{name} before tampering");
    report.register
}

/// A value bound to a tampering statement.
enum Bind {
    Blob(Vec<u8>),
    Int(i64),
    Text(String),
}

/// Runs one statement on the store with the register id bound as `$1`, then the given values as
/// `$2`, `$3`, …; it must change exactly one row.
async fn tamper(registers: &Registers, info: &RegisterInfo, sql: &str, binds: Vec<Bind>) {
    let mut q = sqlx::query(sql).bind(info.id);
    for b in binds {
        q = match b {
            Bind::Blob(v) => q.bind(v),
            Bind::Int(i) => q.bind(i),
            Bind::Text(s) => q.bind(s),
        };
    }
    let done = q.execute(registers.store().pool()).await.unwrap();
    assert_eq!(done.rows_affected(), 1, "{sql}");
}

/// Overwrites one stored Merkle hash: level `level` of the hashes kept with user entry `number`
/// (the node whose last leaf that entry is).
async fn overwrite_node(registers: &Registers, info: &RegisterInfo, number: i64, level: usize, hash: [u8; 32]) {
    let sql = "SELECT merkle_hashes FROM entries WHERE register_id = $1 AND log = 0 AND entry_number = $2";
    let row = sqlx::query(sql).bind(info.id).bind(number).fetch_one(registers.store().pool()).await.unwrap();
    let mut blob: Vec<u8> = sqlx::Row::get(&row, 0);
    assert!(blob.len() >= 32 * (level + 1), "entry {number} completed no node at level {level}");
    blob[32 * level..32 * (level + 1)].copy_from_slice(&hash);
    let sql = "UPDATE entries SET merkle_hashes = $2 WHERE register_id = $1 AND log = 0 AND entry_number = $3";
    tamper(registers, info, sql, vec![Bind::Blob(blob), Bind::Int(number)]).await;
}

/// What verification reports after tampering; it must find an alteration.
async fn alteration(registers: &Registers, info: &RegisterInfo) -> Alteration {
    let report = registers.verify(info).await.unwrap();
    report.alteration.unwrap_or_else(|| panic!("verify did not notice the tampering with {}", info.name))
}

#[tokio::test]
async fn an_untampered_import_verifies_clean_with_the_root_it_asserts() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        let report = registers.verify(&info).await.unwrap();
        assert_eq!(report.alteration, None, "on {:?}", t.backend());
        assert_eq!(report.size, 210);
        assert_eq!(report.root, registers.root(&info, 210).await.unwrap());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn changing_an_item_is_reported_at_the_first_entry_that_refers_to_it() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        let entry = registers.entry(&info, 17).await.unwrap();
        let hash = entry.item_hashes[0];
        // The item may be shared: the first user entry pointing at it is the first affected.
        let entries = registers.entries(&info, Log::User, 1, 1000).await.unwrap();
        let first = entries.iter().find(|e| e.item_hashes.contains(&hash)).unwrap().number;
        assert!(first <= 17);
        let item = registers.item(&info, &hash).await.unwrap();
        let forged = item.canonical().replacen("\"name\":\"", "\"name\":\"Not ", 1);
        assert_ne!(forged, item.canonical());
        let sql = "UPDATE items SET content = $2 WHERE register_id = $1 AND hash = $3";
        tamper(&registers, &info, sql, vec![Bind::Text(forged), Bind::Blob(hash.0.to_vec())]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!((a.log, a.entry), (Log::User, first), "{} on {:?}", a.detail, t.backend());
        assert!(a.detail.contains("altered"), "{}", a.detail);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn changing_an_entry_timestamp_is_reported_at_that_entry() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        let sql = "UPDATE entries SET timestamp = '2020-01-01T00:00:00Z' WHERE register_id = $1 AND log = 0 AND entry_number = $2";
        tamper(&registers, &info, sql, vec![Bind::Int(42)]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!((a.log, a.entry), (Log::User, 42), "{} on {:?}", a.detail, t.backend());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn changing_an_entry_key_is_reported_at_that_entry() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        let sql = "UPDATE entries SET key = 'XX' WHERE register_id = $1 AND log = 0 AND entry_number = $2";
        tamper(&registers, &info, sql, vec![Bind::Int(42)]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!((a.log, a.entry), (Log::User, 42), "{} on {:?}", a.detail, t.backend());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn deleting_an_entry_is_reported_at_that_entry() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        let sql = "DELETE FROM entries WHERE register_id = $1 AND log = 0 AND entry_number = $2";
        tamper(&registers, &info, sql, vec![Bind::Int(100)]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!((a.log, a.entry), (Log::User, 100), "{} on {:?}", a.detail, t.backend());
        assert!(a.detail.contains("missing"), "{}", a.detail);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn deleting_the_last_entry_is_reported_at_that_entry() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        let sql = "DELETE FROM entries WHERE register_id = $1 AND log = 0 AND entry_number = $2";
        tamper(&registers, &info, sql, vec![Bind::Int(210)]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!((a.log, a.entry), (Log::User, 210), "{} on {:?}", a.detail, t.backend());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn overwriting_a_stored_merkle_node_is_reported_at_the_first_entry_it_covers() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        // Level 3, index 5: the subtree over entries 41 to 48, stored with entry 48 (which completed it).
        let (level, index) = (3i64, 5i64);
        overwrite_node(&registers, &info, 48, level as usize, [0xab; 32]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!((a.log, a.entry), (Log::User, ((index << level) + 1) as u64), "{} on {:?}", a.detail, t.backend());
        assert!(a.detail.contains("41 to 48"), "{}", a.detail);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn overwriting_a_leaf_hash_is_reported_at_its_entry() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        overwrite_node(&registers, &info, 200, 0, [0xcd; 32]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!((a.log, a.entry), (Log::User, 200), "{} on {:?}", a.detail, t.backend());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn altering_a_published_checkpoint_root_is_reported_at_its_size() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        let signer = registers.checkpoint_signer("test.example").await.unwrap();
        let checkpoint = registers.checkpoint(&info, "test.example/registers/country", &signer).await.unwrap();
        assert_eq!(checkpoint.size, 210);
        // The register grows past its checkpoint, and still verifies.
        let zz = NewEntry::user("ZZ", json!({"country": "ZZ", "name": "Zedland"}));
        let info = registers.append(&info, vec![zz]).await.unwrap().register;
        assert_eq!(registers.verify(&info).await.unwrap().alteration, None);
        let sql = "UPDATE checkpoints SET root = $2 WHERE register_id = $1 AND size = $3";
        tamper(&registers, &info, sql, vec![Bind::Blob(vec![0x11; 32]), Bind::Int(210)]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!((a.log, a.entry), (Log::User, 210), "{} on {:?}", a.detail, t.backend());
        assert!(a.detail.contains("checkpoint"), "{}", a.detail);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn changing_an_item_no_entry_refers_to_is_reported_without_an_entry() {
    for (t, registers) in common::stores().await {
        let info = import_country(&registers, "country").await;
        // An RSF continuation may add an item that no entry uses (yet).
        let unused = Item::from_value(&json!({"country": "ZZ", "name": "Zedland"})).unwrap();
        let root = registers.root(&info, info.user_size).await.unwrap();
        let rsf = format!("assert-root-hash\tsha-256:{}\nadd-item\t{}\n", hex::encode(root), unused.canonical());
        let info = registers.import_rsf(Owner::National, &info.name, rsf.as_bytes()).await.unwrap().register;
        assert_eq!(registers.verify(&info).await.unwrap().alteration, None);
        let sql = "UPDATE items SET content = '{\"country\":\"XX\"}' WHERE register_id = $1 AND hash = $2";
        tamper(&registers, &info, sql, vec![Bind::Blob(unused.hash().0.to_vec())]).await;
        let a = alteration(&registers, &info).await;
        assert_eq!(a.entry, 0, "{} on {:?}", a.detail, t.backend());
        assert!(a.detail.contains("no entry refers to it"), "{}", a.detail);
        t.cleanup().await;
    }
}
