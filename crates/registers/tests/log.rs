//! The registers library through the real store, on SQLite and (when configured) PostgreSQL:
//! defining a register from its system log, appending, records and history, paging, items,
//! proofs against an in-memory tree, refusals that change nothing, council ownership,
//! checkpoints, and two writers at once.

mod common;

use registers::entry::Log;
use registers::merkle::{self, EMPTY_ROOT, Hash, MemoryTree, leaf_hash};
use registers::{Item, NewEntry, Owner, RegisterError, RegisterInfo, RegisterName, Registers, verify_checkpoint};
use serde_json::{Value, json};
use sqlx::Row;
use store::{CouncilSlug, Councils};

fn name(s: &str) -> RegisterName {
    RegisterName::parse(s).unwrap()
}

/// The system entries that define the street register: its name, four fields and the register record.
fn street_definition() -> Vec<NewEntry> {
    vec![
        NewEntry::system("name", json!({"name": "street"})),
        NewEntry::system("field:street", json!({"field": "street", "datatype": "string", "cardinality": "1"})),
        NewEntry::system("field:name", json!({"field": "name", "datatype": "string", "cardinality": "1"})),
        NewEntry::system("field:usrn", json!({"field": "usrn", "datatype": "integer", "cardinality": "1"})),
        NewEntry::system(
            "field:start-date",
            json!({"field": "start-date", "datatype": "datetime", "cardinality": "1"}),
        ),
        NewEntry::system(
            "register:street",
            json!({"fields": ["street", "name", "usrn", "start-date"], "register": "street", "text": "Streets, as the council names them"}),
        ),
    ]
}

/// Creates the street register for an owner and defines it; returns it as defined.
async fn define_street(registers: &Registers, owner: Owner) -> RegisterInfo {
    let info = registers.create(owner, &name("street"), true).await.unwrap();
    let receipt = registers.append(&info, street_definition()).await.unwrap();
    assert_eq!(receipt.register.system_size, 6);
    assert_eq!(receipt.register.user_size, 0);
    assert!(receipt.user_entries.is_empty());
    receipt.register
}

/// A street item for a key; `version` changes the name so that updates are new items.
fn street(key: &str, version: u64) -> Value {
    json!({"street": key, "name": format!("{key} Road (v{version})"), "usrn": format!("{}", 10_000 + version), "start-date": "2014-05-01"})
}

fn user(key: &str, version: u64) -> NewEntry {
    NewEntry::user(key, street(key, version))
}

/// The register's sizes and root as now committed.
async fn state(registers: &Registers, info: &RegisterInfo) -> (u64, u64, Hash) {
    let now = registers.get(info.owner, &info.name).await.unwrap();
    let root = registers.root(&now, now.user_size).await.unwrap();
    (now.user_size, now.system_size, root)
}

/// ceil(log2 n), the RFC 9162 bound on the length of an inclusion proof in a tree of n leaves.
fn ceil_log2(n: u64) -> usize {
    (64 - (n - 1).leading_zeros()) as usize
}

#[tokio::test]
async fn records_are_the_newest_entry_per_key_with_their_history_pages_and_items() {
    for (t, registers) in common::stores().await {
        let info = define_street(&registers, Owner::National).await;
        let keys = ["s1", "s2", "s10", "s11", "a-b", "ab", "a-c", "B7", "z9", "m4"];
        let first = registers.append(&info, keys.iter().map(|k| user(k, 1)).collect()).await.unwrap();
        assert_eq!(first.user_entries, 1..=10);
        assert_eq!(first.register.user_size, 10);
        // Updates to two keys and one new key, in a second batch.
        let second = registers.append(&info, vec![user("s2", 2), user("a-b", 2), user("new", 1)]).await.unwrap();
        assert_eq!(second.user_entries, 11..=13);
        let info = second.register;
        assert_eq!(second.root, registers.root(&info, 13).await.unwrap());

        // The record is the newest entry; the history is every entry, oldest first.
        let record = registers.record(&info, "s2").await.unwrap();
        assert_eq!(record.entry.number, 11);
        assert_eq!(record.items, vec![Item::from_value(&street("s2", 2)).unwrap()]);
        let history = registers.record_entries(&info, "s2").await.unwrap();
        assert_eq!(history.iter().map(|e| e.number).collect::<Vec<_>>(), vec![2, 11]);
        assert_eq!(history[0].item_hashes, vec![Item::from_value(&street("s2", 1)).unwrap().hash()]);
        assert_eq!(registers.record(&info, "s1").await.unwrap().entry.number, 1);
        assert!(matches!(registers.record(&info, "nope").await, Err(RegisterError::UnknownRecord(k)) if k == "nope"));
        assert!(matches!(registers.record_entries(&info, "nope").await, Err(RegisterError::UnknownRecord(_))));

        // By the register's name: the same record, from a brick that remembers the register's id
        // (a fresh one, and the same one again once the id is known); an unknown register, or
        // another owner's, is said so, and a miss is not remembered once the register exists.
        for reader in [Registers::new(t.store.clone()), registers.clone()] {
            for _ in 0..2 {
                let by_name = reader.record_by_name(Owner::National, &name("street"), "s2").await.unwrap();
                assert_eq!(by_name, record);
            }
        }
        let unknown = registers.record_by_name(Owner::National, &name("lane"), "s2").await;
        assert!(matches!(&unknown, Err(RegisterError::UnknownRegister(n)) if n == "lane"), "{unknown:?}");
        let lane = registers.create(Owner::National, &name("lane"), true).await.unwrap();
        let empty = registers.record_by_name(Owner::National, &name("lane"), "s2").await;
        assert!(matches!(empty, Err(RegisterError::UnknownRecord(_))), "{empty:?} ({lane:?})");
        let council = Councils::new(t.store.clone())
            .create(&CouncilSlug::parse("by-name-shire").unwrap(), "By Name Shire")
            .await
            .unwrap();
        let theirs = registers.record_by_name(Owner::Council(council.id), &name("street"), "s2").await;
        assert!(matches!(theirs, Err(RegisterError::UnknownRegister(_))), "{theirs:?}");

        // Records page in key order, each key once.
        assert_eq!(registers.record_count(&info).await.unwrap(), 11);
        let mut expected: Vec<&str> = keys.iter().copied().chain(["new"]).collect();
        expected.sort_unstable();
        let mut paged = Vec::new();
        for offset in (0..12).step_by(4) {
            let page = registers.records(&info, offset, 4).await.unwrap();
            assert!(page.len() <= 4);
            paged.extend(page);
        }
        assert_eq!(paged.iter().map(|r| r.entry.key.as_str()).collect::<Vec<_>>(), expected, "on {:?}", t.backend());
        let a_b = paged.iter().find(|r| r.entry.key == "a-b").unwrap();
        assert_eq!(a_b.entry.number, 12);
        assert!(registers.records(&info, 11, 10).await.unwrap().is_empty());

        // Entries page by number, in each log.
        let entries = registers.entries(&info, Log::User, 1, 5).await.unwrap();
        assert_eq!(entries.iter().map(|e| e.number).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
        assert_eq!(entries[2].key, "s10");
        let tail = registers.entries(&info, Log::User, 12, 100).await.unwrap();
        assert_eq!(tail.iter().map(|e| (e.number, e.key.as_str())).collect::<Vec<_>>(), vec![(12, "a-b"), (13, "new")]);
        let system = registers.entries(&info, Log::System, 1, 100).await.unwrap();
        assert_eq!(
            system.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            vec!["name", "field:street", "field:name", "field:usrn", "field:start-date", "register:street"]
        );
        // A view replays user entries with their items, from any point.
        let replayed = registers.replay(&info, 11, 100).await.unwrap();
        assert_eq!(replayed.iter().map(|r| r.entry.number).collect::<Vec<_>>(), vec![11, 12, 13]);
        assert_eq!(replayed[1].items[0], Item::from_value(&street("a-b", 2)).unwrap());
        assert!(registers.replay(&info, 14, 100).await.unwrap().is_empty());
        assert_eq!(registers.entry(&info, 13).await.unwrap().key, "new");
        assert!(matches!(registers.entry(&info, 14).await, Err(RegisterError::UnknownEntry { number: 14, size: 13 })));

        // Items by hash, canonical as stored.
        let item = Item::from_value(&street("z9", 1)).unwrap();
        let found = registers.item(&info, &item.hash()).await.unwrap();
        assert_eq!(found, item);
        assert_eq!(found.value(), street("z9", 1));
        let absent = Item::from_value(&street("z9", 99)).unwrap().hash();
        assert!(matches!(registers.item(&info, &absent).await, Err(RegisterError::UnknownItem(_))));

        // The schema is the system log replayed.
        let schema = registers.schema(&info).await.unwrap();
        assert_eq!(schema.fields, vec!["street", "name", "usrn", "start-date"]);
        assert_eq!(schema.name.as_deref(), Some("street"));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn proofs_from_the_store_equal_those_of_an_in_memory_tree_and_verify_against_its_roots() {
    const N: u64 = 70;
    for (t, registers) in common::stores().await {
        let info = define_street(&registers, Owner::National).await;
        // Batches of uneven sizes, so the writer resumes from every shape of frontier.
        let mut appended = 0u64;
        let mut batch = 1u64;
        while appended < N {
            let take = batch.min(N - appended);
            let entries = (appended + 1..=appended + take).map(|n| user(&format!("k{n}"), n)).collect();
            let receipt = registers.append(&info, entries).await.unwrap();
            assert_eq!(receipt.user_entries, appended + 1..=appended + take);
            appended += take;
            batch = batch % 7 + 1;
        }
        let info = registers.get(Owner::National, &name("street")).await.unwrap();
        assert_eq!(info.user_size, N);

        let mut tree = MemoryTree::new();
        let mut leaves = Vec::new();
        for e in registers.entries(&info, Log::User, 1, N).await.unwrap() {
            let leaf = leaf_hash(&e.leaf_bytes());
            assert_eq!(registers.leaf_hash(&info, e.number).await.unwrap(), leaf);
            tree.push(leaf);
            leaves.push(leaf);
        }
        assert_eq!(tree.size(), N);
        assert_eq!(registers.root(&info, 0).await.unwrap(), EMPTY_ROOT);

        let mut roots = vec![EMPTY_ROOT];
        for size in 1..=N {
            let root = registers.root(&info, size).await.unwrap();
            assert_eq!(root, tree.root_at(size).unwrap(), "root at size {size} on {:?}", t.backend());
            roots.push(root);
            for n in 1..=size {
                let proof = registers.inclusion_proof(&info, n, size).await.unwrap();
                assert_eq!(proof, tree.inclusion_proof(n - 1, size).unwrap(), "inclusion of {n} in {size}");
                assert!(proof.len() <= ceil_log2(size), "inclusion of {n} in {size} has {} hashes", proof.len());
                merkle::verify_inclusion(n - 1, size, &leaves[(n - 1) as usize], &proof, &root)
                    .unwrap_or_else(|e| panic!("inclusion of {n} in {size}: {e}"));
            }
        }
        for m in 1..=N {
            for n in (m..=N).filter(|n| *n == m || *n == N || n % 3 == 0 || n - m < 4) {
                let proof = registers.consistency_proof(&info, m, n).await.unwrap();
                assert_eq!(proof, tree.consistency_proof(m, n).unwrap(), "consistency {m} to {n}");
                merkle::verify_consistency(m, n, &proof, &roots[m as usize], &roots[n as usize])
                    .unwrap_or_else(|e| panic!("consistency {m} to {n}: {e}"));
            }
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_leaves_the_register_unchanged_and_names_the_problem() {
    for (t, registers) in common::stores().await {
        let info = define_street(&registers, Owner::National).await;
        registers.append(&info, (1..=5).map(|n| user(&format!("k{n}"), n)).collect()).await.unwrap();
        let before = state(&registers, &info).await;
        assert_eq!(before.0, 5);

        let mut bad_timestamp = user("k9", 1);
        bad_timestamp.timestamp = Some("2016-04-05 13:23:05".into());
        let mut no_items = user("k9", 1);
        no_items.items.clear();
        let mut bad_third = (10..=14).map(|n| user(&format!("k{n}"), n)).collect::<Vec<_>>();
        bad_third[2] = NewEntry::user("k12", json!({"street": "k12", "usrn": "twelve"}));
        let cases: Vec<(&str, Vec<NewEntry>, Vec<&str>)> = vec![
            (
                "an unknown field",
                vec![NewEntry::user("k9", json!({"street": "k9", "colour": "red"}))],
                vec!["colour", "entry 1"],
            ),
            (
                "a wrong datatype",
                vec![NewEntry::user("k9", json!({"street": "k9", "usrn": "12a"}))],
                vec!["usrn", "12a"],
            ),
            ("a number where a string is due", vec![NewEntry::user("k9", json!({"usrn": 12}))], vec!["usrn"]),
            ("a bad datetime", vec![NewEntry::user("k9", json!({"start-date": "05/2014"}))], vec!["start-date"]),
            (
                "a key field that is not the key",
                vec![NewEntry::user("k9", json!({"street": "k8"}))],
                vec!["street", "k8"],
            ),
            ("a key with a space", vec![user("k 9", 1)], vec!["k 9", "whitespace"]),
            ("an empty key", vec![user("", 1)], vec!["key is empty"]),
            ("a bad timestamp", vec![bad_timestamp], vec!["timestamp", "2016-04-05 13:23:05"]),
            ("an entry without items", vec![no_items], vec!["at least one item"]),
            ("an item that is not an object", vec![NewEntry::user("k9", json!(["k9"]))], vec!["object"]),
            ("an empty batch", vec![], vec!["no entries"]),
            ("a batch whose third entry is bad", bad_third, vec!["entry 3", "k12", "usrn", "twelve"]),
        ];
        for (what, batch, words) in cases {
            let err = registers.append(&info, batch).await.expect_err(what);
            assert!(matches!(err, RegisterError::InvalidEntry(_)), "{what}: {err:?}");
            let message = err.to_string();
            for w in words {
                assert!(message.contains(w), "{what}: {message:?} does not mention {w:?}");
            }
            assert_eq!(state(&registers, &info).await, before, "{what} changed the register on {:?}", t.backend());
            assert_eq!(registers.record_count(&info).await.unwrap(), 5, "{what}");
        }
        // None of the bad batch's good entries were written, nor their items.
        assert!(matches!(registers.record(&info, "k10").await, Err(RegisterError::UnknownRecord(_))));
        let orphan = Item::from_value(&street("k10", 10)).unwrap().hash();
        assert!(matches!(registers.item(&info, &orphan).await, Err(RegisterError::UnknownItem(_))));
        // And the register still takes good entries, numbered on from where it was.
        let receipt = registers.append(&info, vec![user("k6", 6)]).await.unwrap();
        assert_eq!(receipt.user_entries, 6..=6);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_register_without_fields_refuses_user_entries() {
    for (t, registers) in common::stores().await {
        let info = registers.create(Owner::National, &name("street"), true).await.unwrap();
        let err = registers.append(&info, vec![user("k1", 1)]).await.unwrap_err();
        assert!(err.to_string().contains("no fields defined"), "{err}");
        assert_eq!(state(&registers, &info).await, (0, 0, EMPTY_ROOT));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_unknown_register_and_a_duplicate_name_are_refused_by_name() {
    for (t, registers) in common::stores().await {
        let err = registers.get(Owner::National, &name("nowhere")).await.unwrap_err();
        assert!(matches!(&err, RegisterError::UnknownRegister(n) if n == "nowhere"), "{err:?}");
        assert!(registers.find(Owner::National, &name("nowhere")).await.unwrap().is_none());
        define_street(&registers, Owner::National).await;
        let err = registers.create(Owner::National, &name("street"), true).await.unwrap_err();
        assert!(matches!(&err, RegisterError::DuplicateRegister(n) if n == "street"), "{err:?}");
        assert!(matches!(RegisterName::parse("Street"), Err(RegisterError::InvalidName(_))));
        assert!(matches!(RegisterName::parse("-street"), Err(RegisterError::InvalidName(_))));
        assert!(matches!(RegisterName::parse(""), Err(RegisterError::InvalidName(_))));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn proofs_beyond_the_size_of_entry_zero_or_from_after_to_are_bad_requests() {
    for (t, registers) in common::stores().await {
        let info = define_street(&registers, Owner::National).await;
        let info =
            registers.append(&info, (1..=5).map(|n| user(&format!("k{n}"), n)).collect()).await.unwrap().register;
        let bad = |r: Result<Vec<Hash>, RegisterError>, what: &str| {
            assert!(matches!(r, Err(RegisterError::BadProofRequest(_))), "{what}: {r:?}");
        };
        bad(registers.inclusion_proof(&info, 1, 6).await, "inclusion in a tree beyond the size");
        bad(registers.inclusion_proof(&info, 0, 5).await, "inclusion of entry 0");
        bad(registers.inclusion_proof(&info, 5, 4).await, "inclusion of an entry beyond the tree");
        bad(registers.inclusion_proof(&info, 6, 5).await, "inclusion of an entry beyond the register");
        bad(registers.consistency_proof(&info, 4, 3).await, "consistency from after to");
        bad(registers.consistency_proof(&info, 2, 6).await, "consistency to beyond the size");
        bad(registers.consistency_proof(&info, 0, 5).await, "consistency from the empty tree");
        assert!(matches!(registers.root(&info, 6).await, Err(RegisterError::BadProofRequest(_))));
        assert!(matches!(registers.leaf_hash(&info, 0).await, Err(RegisterError::UnknownEntry { .. })));
        assert!(matches!(registers.leaf_hash(&info, 6).await, Err(RegisterError::UnknownEntry { .. })));
        // The edges that are fine: the whole tree, equal sizes.
        assert_eq!(registers.inclusion_proof(&info, 5, 5).await.unwrap().len(), 1);
        assert!(registers.consistency_proof(&info, 5, 5).await.unwrap().is_empty());
        t.cleanup().await;
    }
}

/// country.rsf from the vectors.
fn country_rsf() -> String {
    std::fs::read_to_string(common::rsf_dir().join("country.rsf")).unwrap()
}

/// The text with line `n` (1-based) replaced.
fn with_line(text: &str, n: usize, line: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[n - 1] = line;
    lines.join("\n") + "\n"
}

fn rsf_error_line(err: RegisterError) -> u64 {
    match err {
        RegisterError::Rsf(e) => e.line,
        other => panic!("expected an RSF line error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_rsf_names_its_line_and_leaves_no_new_register_behind() {
    let text = country_rsf();
    let lines = text.lines().count();
    assert!(text.lines().nth(299).unwrap().starts_with("append-entry\tuser\t"));
    let zeros = format!("sha-256:{}", "0".repeat(64));
    let cases = [
        (
            "a key with a space on line 300",
            with_line(
                &text,
                300,
                "append-entry\tuser\tT L\t2016-04-05T13:23:05Z\tsha-256:faba1d16a599882f6c50f588bd87321e3629c2a87d974579efb65fb84355eed0",
            ),
            300,
        ),
        (
            "an entry for an item never added on line 300",
            with_line(&text, 300, &format!("append-entry\tuser\tTL\t2016-04-05T13:23:05Z\t{zeros}")),
            300,
        ),
        ("an unknown command on line 300", with_line(&text, 300, "delete-entry\tTL"), 300),
        ("a wrong root on the last line", with_line(&text, lines, &format!("assert-root-hash\t{zeros}")), lines as u64),
    ];
    for (t, registers) in common::stores().await {
        for (what, rsf, line) in &cases {
            let err = registers.import_rsf(Owner::National, &name("country"), rsf.as_bytes()).await.unwrap_err();
            assert!(err.to_string().contains("nothing was imported"), "{what}: {err}");
            assert_eq!(rsf_error_line(err), *line, "{what} on {:?}", t.backend());
            assert!(
                registers.find(Owner::National, &name("country")).await.unwrap().is_none(),
                "{what} left a register behind"
            );
        }
        assert!(registers.list(Owner::National).await.unwrap().is_empty());
        let err = registers.import_rsf(Owner::National, &name("country"), &b""[..]).await.unwrap_err();
        assert!(matches!(err, RegisterError::Rsf(_)), "{err:?}");
        assert!(registers.find(Owner::National, &name("country")).await.unwrap().is_none());
        // The untouched file still imports.
        let report = registers.import_rsf(Owner::National, &name("country"), text.as_bytes()).await.unwrap();
        assert_eq!(format!("sha-256:{}", hex::encode(report.root)), common::asserted_root(&text));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_malformed_rsf_for_an_existing_register_changes_nothing() {
    let text = country_rsf();
    for (t, registers) in common::stores().await {
        let report = registers.import_rsf(Owner::National, &name("country"), text.as_bytes()).await.unwrap();
        let info = report.register;
        let before = state(&registers, &info).await;
        let root = format!("assert-root-hash\tsha-256:{}", hex::encode(report.root));
        let item = Item::from_value(&json!({"country": "ZZ", "name": "Zedland"})).unwrap();
        let add = format!("add-item\t{}", item.canonical());
        let append = format!("append-entry\tuser\tZZ\t2024-01-01T00:00:00Z\t{}", item.hash());
        let bad_item = Item::from_value(&json!({"country": "ZY", "colour": "red"})).unwrap();
        let cases = [
            (
                "a wrong root after a good entry",
                format!("{root}\n{add}\n{append}\nassert-root-hash\tsha-256:{}\n", "1".repeat(64)),
                4,
            ),
            (
                "a stale starting root",
                format!("assert-root-hash\tsha-256:{}\n{add}\n{append}\n", hex::encode(EMPTY_ROOT)),
                1,
            ),
            (
                "an item that does not fit the fields",
                format!(
                    "{root}\n{add}\n{append}\nadd-item\t{}\nappend-entry\tuser\tZY\t2024-01-01T00:00:00Z\t{}\n",
                    bad_item.canonical(),
                    bad_item.hash()
                ),
                5,
            ),
            (
                "a malformed timestamp",
                format!("{root}\n{add}\nappend-entry\tuser\tZZ\t2024-01-01\t{}\n", item.hash()),
                3,
            ),
        ];
        for (what, rsf, line) in cases {
            let err = registers.import_rsf(Owner::National, &name("country"), rsf.as_bytes()).await.unwrap_err();
            assert_eq!(rsf_error_line(err), line, "{what} on {:?}", t.backend());
            assert_eq!(state(&registers, &info).await, before, "{what} changed the register");
            assert!(matches!(registers.record(&info, "ZZ").await, Err(RegisterError::UnknownRecord(_))), "{what}");
        }
        // The same continuation without the fault goes on from the register's size.
        let good = format!("{root}\n{add}\n{append}\n");
        let more = registers.import_rsf(Owner::National, &name("country"), good.as_bytes()).await.unwrap();
        assert!(!more.created);
        assert_eq!(more.user_entries, 1);
        assert_eq!(more.register.user_size, before.0 + 1);
        t.cleanup().await;
    }
}

/// Rows of a table that belong to a register, split by whether they carry `council_id`.
async fn rows_by_council(registers: &Registers, table: &str, register_id: i64, council: Option<i64>) -> (i64, i64) {
    let pool = registers.store().pool();
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN council_id IS NOT DISTINCT FROM $2 THEN 1 ELSE 0 END), 0) FROM {table} WHERE register_id = $1"
    );
    let row = sqlx::query(&sql).bind(register_id).bind(council).fetch_one(pool).await.unwrap();
    (row.try_get::<i64, _>(0).unwrap(), row.try_get::<i64, _>(1).unwrap())
}

#[tokio::test]
async fn councils_may_each_own_a_register_of_the_same_name_apart_from_the_national_one() {
    for (t, registers) in common::stores().await {
        let councils = Councils::new(t.store.clone());
        let leeds = councils.create(&CouncilSlug::parse("leeds").unwrap(), "Leeds City Council").await.unwrap();
        let york = councils.create(&CouncilSlug::parse("york").unwrap(), "City of York Council").await.unwrap();
        let owners = [(Owner::Council(leeds.id), 3u64), (Owner::Council(york.id), 5), (Owner::National, 2)];
        let mut infos = Vec::new();
        for (owner, count) in owners {
            let info = define_street(&registers, owner).await;
            let prefix = match owner {
                Owner::Council(c) => format!("c{}-", c.0),
                Owner::National => "uk-".into(),
            };
            let receipt =
                registers.append(&info, (1..=count).map(|n| user(&format!("{prefix}{n}"), n)).collect()).await.unwrap();
            assert_eq!(receipt.user_entries, 1..=count, "each register numbers its own entries");
            infos.push((receipt.register, prefix));
        }
        let ids: std::collections::HashSet<i64> = infos.iter().map(|(i, _)| i.id).collect();
        assert_eq!(ids.len(), 3);

        for ((owner, count), (info, prefix)) in owners.iter().zip(&infos) {
            let listed = registers.list(*owner).await.unwrap();
            assert_eq!(listed.len(), 1, "{owner:?} sees only its own registers");
            assert_eq!(listed[0].id, info.id);
            assert_eq!(listed[0].owner, *owner);
            let found = registers.get(*owner, &name("street")).await.unwrap();
            assert_eq!(found.user_size, *count);
            let records = registers.records(&found, 0, 100).await.unwrap();
            assert_eq!(records.len() as u64, *count);
            assert!(
                records.iter().all(|r| r.entry.key.starts_with(prefix.as_str())),
                "{owner:?} sees another's records"
            );
            // Every row of the register carries its owner's council id (NULL for national).
            for table in ["entries", "items"] {
                let (all, carrying) = rows_by_council(&registers, table, info.id, owner.council_id()).await;
                assert!(all > 0, "{table} of {owner:?} is empty");
                assert_eq!(carrying, all, "{table} rows of {owner:?} on {:?}", t.backend());
            }
            let (entries, _) = rows_by_council(&registers, "entries", info.id, owner.council_id()).await;
            assert_eq!(entries as u64, 6 + count);
        }
        let err = registers.create(Owner::Council(leeds.id), &name("street"), true).await.unwrap_err();
        assert!(matches!(err, RegisterError::DuplicateRegister(_)), "{err:?}");
        let other = registers.create(Owner::Council(york.id), &name("parks"), false).await.unwrap();
        assert_eq!(registers.list(Owner::Council(york.id)).await.unwrap().len(), 2);
        assert_eq!(registers.list(Owner::Council(leeds.id)).await.unwrap().len(), 1);
        assert!(!other.open);
        assert!(matches!(registers.get(Owner::National, &name("parks")).await, Err(RegisterError::UnknownRegister(_))));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_checkpoint_is_signed_states_the_current_size_and_root_and_is_stable() {
    for (t, registers) in common::stores().await {
        let info = define_street(&registers, Owner::National).await;
        let info =
            registers.append(&info, (1..=7).map(|n| user(&format!("k{n}"), n)).collect()).await.unwrap().register;
        let signer = registers.checkpoint_signer("test.example").await.unwrap();
        assert_eq!(signer.name(), "test.example");
        let origin = "test.example/registers/street";
        let first = registers.checkpoint(&info, origin, &signer).await.unwrap();
        let root7 = registers.root(&info, 7).await.unwrap();
        assert_eq!((first.size, first.root), (7, root7));
        let checked = verify_checkpoint(&first.note, &signer.verifier_key()).unwrap();
        assert_eq!((checked.origin.as_str(), checked.size, checked.root), (origin, 7, root7));
        assert!(first.note.starts_with(&format!("{origin}\n7\n")));

        // Asked again at the same size: the same note. The key survives a second lookup.
        let again = registers.checkpoint(&info, origin, &signer).await.unwrap();
        assert_eq!(again, first);
        let signer_again = registers.checkpoint_signer("test.example").await.unwrap();
        assert_eq!(signer_again.verifier_key(), signer.verifier_key());
        let other = registers.checkpoint_signer("other.example").await.unwrap();
        assert_ne!(other.verifier_key(), signer.verifier_key());
        assert!(verify_checkpoint(&first.note, &other.verifier_key()).is_err());
        assert!(verify_checkpoint(&first.note.replace("\n7\n", "\n8\n"), &signer.verifier_key()).is_err());

        // After more entries, a new checkpoint, consistent with the first.
        registers.append(&info, vec![user("k8", 8), user("k9", 9)]).await.unwrap();
        let later = registers.checkpoint(&info, origin, &signer_again).await.unwrap();
        assert_eq!(later.size, 9);
        let checked = verify_checkpoint(&later.note, &signer.verifier_key()).unwrap();
        assert_eq!(checked.root, later.root);
        let info = registers.get(Owner::National, &name("street")).await.unwrap();
        let proof = registers.consistency_proof(&info, 7, 9).await.unwrap();
        merkle::verify_consistency(7, 9, &proof, &first.root, &later.root).unwrap();
        let verified = registers.verify(&info).await.unwrap();
        assert_eq!(verified.alteration, None, "on {:?}", t.backend());
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_appending_at_once_get_every_entry_numbered_without_gaps() {
    const EACH: u64 = 200;
    for (t, registers) in common::stores().await {
        let info = define_street(&registers, Owner::National).await;
        let writers: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|who| {
                let (registers, info) = (registers.clone(), info.clone());
                tokio::spawn(async move {
                    let mut numbers = Vec::new();
                    for n in 1..=EACH {
                        let receipt = registers.append(&info, vec![user(&format!("{who}{n}"), n)]).await.unwrap();
                        numbers.push(*receipt.user_entries.start());
                    }
                    numbers
                })
            })
            .collect();
        let mut given = Vec::new();
        for w in writers {
            let numbers = w.await.unwrap();
            assert!(numbers.windows(2).all(|p| p[0] < p[1]), "one writer's entries are numbered in order");
            given.extend(numbers);
        }
        given.sort_unstable();
        assert_eq!(given, (1..=2 * EACH).collect::<Vec<_>>(), "on {:?}", t.backend());

        let info = registers.get(Owner::National, &name("street")).await.unwrap();
        assert_eq!(info.user_size, 2 * EACH);
        let entries = registers.entries(&info, Log::User, 1, 10 * EACH).await.unwrap();
        assert_eq!(entries.iter().map(|e| e.number).collect::<Vec<_>>(), (1..=2 * EACH).collect::<Vec<_>>());
        assert_eq!(registers.record_count(&info).await.unwrap(), 2 * EACH);
        let verified = registers.verify(&info).await.unwrap();
        assert_eq!(verified.alteration, None);
        assert_eq!(verified.size, 2 * EACH);
        assert_eq!(verified.root, registers.root(&info, 2 * EACH).await.unwrap());
        t.cleanup().await;
    }
}
