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
