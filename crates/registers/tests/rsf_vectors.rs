//! Every real GOV.UK register in ../shared/vectors/rsf imports, reproduces the root its last
//! line asserts, and exports byte for byte — on SQLite and on PostgreSQL.

mod common;

use registers::{Owner, RegisterName, verify_rsf};

#[tokio::test]
async fn every_real_register_imports_reproduces_its_root_and_round_trips_byte_for_byte() {
    let files = common::rsf_files();
    assert!(files.len() >= 13, "expected the 13 GOV.UK registers, found {}", files.len());
    for (t, registers) in common::stores().await {
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let name = RegisterName::parse(path.file_stem().unwrap().to_str().unwrap()).unwrap();
            let report = registers
                .import_rsf(Owner::National, &name, text.as_bytes())
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(report.created);
            assert_eq!(
                format!("sha-256:{}", hex::encode(report.root)),
                common::asserted_root(&text),
                "{}",
                path.display()
            );
            let mut exported = Vec::new();
            registers.export_rsf(&report.register, 0, &mut exported).await.unwrap();
            assert!(exported == text.as_bytes(), "{} does not round-trip on {:?}", path.display(), t.backend());
            let verified = registers.verify(&report.register).await.unwrap();
            assert_eq!(verified.alteration, None);
            assert_eq!(verified.root, report.root);
        }
        t.cleanup().await;
    }
}

#[test]
fn every_real_register_verifies_as_a_file_alone() {
    for path in common::rsf_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, root) = verify_rsf(text.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(format!("sha-256:{}", hex::encode(root)), common::asserted_root(&text));
    }
}

#[tokio::test]
async fn a_partial_export_from_an_entry_imports_onto_a_copy_at_that_size() {
    for (t, registers) in common::stores().await {
        let text = std::fs::read_to_string(common::rsf_dir().join("country.rsf")).unwrap();
        let name = RegisterName::parse("country").unwrap();
        let full = registers.import_rsf(Owner::National, &name, text.as_bytes()).await.unwrap();
        // A copy holding everything up to entry 100: the file cut after its 100th user entry.
        let mut head = String::new();
        let mut users = 0;
        for line in text.lines() {
            if line.starts_with("append-entry\tuser") {
                users += 1;
                if users > 100 {
                    break;
                }
            }
            if !line.starts_with("assert-root-hash") || head.is_empty() {
                head.push_str(line);
                head.push('\n');
            }
        }
        let copy_name = RegisterName::parse("country-copy").unwrap();
        let copy = registers.import_rsf(Owner::National, &copy_name, head.as_bytes()).await.unwrap();
        assert_eq!(copy.register.user_size, 100);
        let mut tail = Vec::new();
        registers.export_rsf(&full.register, 100, &mut tail).await.unwrap();
        let rest = registers.import_rsf(Owner::National, &copy_name, tail.as_slice()).await.unwrap();
        assert!(!rest.created);
        assert_eq!(rest.register.user_size, full.register.user_size);
        assert_eq!(rest.root, full.root);
        t.cleanup().await;
    }
}
