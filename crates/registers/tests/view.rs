//! Proofs from the in-memory Merkle view equal proofs from the store, and the view follows the log.

mod common;

use registers::{NewEntry, Owner, RegisterName};
use serde_json::json;

#[tokio::test]
async fn proofs_from_the_merkle_view_equal_those_from_the_store_and_follow_new_entries() {
    for (t, registers) in common::stores().await {
        let text = std::fs::read_to_string(common::rsf_dir().join("country.rsf")).unwrap();
        let name = RegisterName::parse("country").unwrap();
        let info = registers.import_rsf(Owner::National, &name, text.as_bytes()).await.unwrap().register;
        let viewed = registers.clone().with_merkle_views();
        viewed.warm_merkle_view(&info).await.unwrap();
        let check = |info: registers::RegisterInfo| {
            let (registers, viewed) = (registers.clone(), viewed.clone());
            async move {
                let n = info.user_size;
                for size in [1, 2, 7, 64, 100, 150, n] {
                    assert_eq!(registers.root(&info, size).await.unwrap(), viewed.root(&info, size).await.unwrap());
                    for number in [1, size / 2 + 1, size] {
                        let a = registers.inclusion_proof(&info, number, size).await.unwrap();
                        let b = viewed.inclusion_proof(&info, number, size).await.unwrap();
                        assert_eq!(a, b, "inclusion {number} in {size}");
                    }
                    if size < n {
                        let a = registers.consistency_proof(&info, size, n).await.unwrap();
                        assert_eq!(
                            a,
                            viewed.consistency_proof(&info, size, n).await.unwrap(),
                            "consistency {size}..{n}"
                        );
                    }
                }
            }
        };
        check(info.clone()).await;
        let more: Vec<NewEntry> = (0..45)
            .map(|i| NewEntry::user(format!("Z{i}"), json!({"country": format!("Z{i}"), "name": "Zedland"})))
            .collect();
        let info = registers.append(&info, more).await.unwrap().register;
        assert_eq!(info.user_size, 255);
        check(info).await;
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_view_far_behind_catches_up_in_the_background_while_the_store_answers() {
    for (t, registers) in common::stores().await {
        let name = RegisterName::parse("big").unwrap();
        let info = registers.create(Owner::National, &name, true).await.unwrap();
        let define = vec![
            NewEntry::system("field:big", json!({"field": "big", "datatype": "string", "cardinality": "1"})),
            NewEntry::system("register:big", json!({"register": "big", "fields": ["big"]})),
        ];
        let mut info = registers.append(&info, define).await.unwrap().register;
        // More entries than a request catches up by itself (50,000), so the view builds in the background.
        for batch in 0..6u64 {
            let entries = (0..10_000u64).map(|i| {
                let key = format!("k{}", batch * 10_000 + i);
                NewEntry::user(key.clone(), json!({"big": key}))
            });
            info = registers.append(&info, entries.collect()).await.unwrap().register;
        }
        let viewed = registers.clone().with_merkle_views();
        let size = info.user_size;
        for number in [1, 31_337, size] {
            let expected = registers.inclusion_proof(&info, number, size).await.unwrap();
            assert_eq!(viewed.inclusion_proof(&info, number, size).await.unwrap(), expected);
        }
        viewed.warm_merkle_view(&info).await.unwrap();
        for number in [1, 31_337, size] {
            let expected = registers.inclusion_proof(&info, number, size).await.unwrap();
            assert_eq!(viewed.inclusion_proof(&info, number, size).await.unwrap(), expected);
        }
        assert_eq!(viewed.root(&info, size).await.unwrap(), registers.root(&info, size).await.unwrap());
        t.cleanup().await;
    }
}
