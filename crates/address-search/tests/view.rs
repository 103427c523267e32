//! The view built from the real `address` register on SQLite and PostgreSQL: replaying it, then
//! following updates, new addresses and ended ones through `catch_up`.

use address_search::{AddressView, Postcode};
use addresses::{Address, Aon, Uprn, ensure_address_register};
use registers::NewEntry;

fn address(uprn: u64, sao: Option<u32>, pao: u32, street: &str, town: &str, postcode: &str) -> Address {
    Address {
        sao: sao.map(|n| Aon { text: Some("Flat".into()), ..Aon::number(n) }).unwrap_or_default(),
        pao: Aon::number(pao),
        street: Some(street.into()),
        town: Some(town.into()),
        postcode: Some(postcode.into()),
        easting: Some(292_000.0),
        northing: Some(92_500.0),
        latitude: Some(50.72),
        longitude: Some(-3.53),
        ..Address::new(Uprn::new(uprn).unwrap())
    }
}

fn entry(a: &Address) -> NewEntry {
    NewEntry::user(a.key(), a.to_item())
}

#[tokio::test]
async fn the_view_replays_the_register_and_follows_new_entries_on_every_store() {
    for (t, registers) in registers::testing::stores().await {
        let info = ensure_address_register(&registers).await.unwrap();
        let first = [
            address(100, None, 10, "High Street", "Exeter", "EX4 3LS"),
            address(101, None, 2, "High Street", "Exeter", "EX4 3LS"),
            address(102, Some(2), 12, "High Street", "Exeter", "EX4 3LS"),
            address(103, Some(1), 12, "High Street", "Exeter", "EX4 3LS"),
            address(200, None, 10, "Downing Street", "London", "SW1A 2AA"),
        ];
        registers.append(&info, first.iter().map(entry).collect()).await.unwrap();
        let view = AddressView::replay(registers.clone(), info.clone()).await.unwrap();
        assert_eq!((view.len(), view.entries()), (5, 5));
        let pc = Postcode::parse("ex4 3ls").unwrap();
        let order: Vec<u64> = view.by_postcode(&pc).iter().map(|a| a.uprn).collect();
        assert_eq!(order, [101, 100, 103, 102]);
        assert_eq!(view.search("flat 2 12 high st exeter", 1)[0].address.uprn, 102);

        // A move, a new address, and an address that ceased to exist.
        let moved = address(200, None, 11, "Downing Street", "London", "SW1A 2AB");
        let new = address(104, None, 4, "High Street", "Exeter", "EX4 3LS");
        let ended = Address {
            end_date: Some("2025-01-01".into()),
            ..address(101, None, 2, "High Street", "Exeter", "EX4 3LS")
        };
        registers.append(&info, vec![entry(&moved), entry(&new), entry(&ended)]).await.unwrap();
        assert_eq!(view.catch_up().await.unwrap(), 3);
        assert_eq!(view.catch_up().await.unwrap(), 0);
        assert_eq!((view.len(), view.entries()), (5, 8));
        let order: Vec<u64> = view.by_postcode(&pc).iter().map(|a| a.uprn).collect();
        assert_eq!(order, [104, 100, 103, 102]);
        assert!(view.by_uprn(101).is_none());
        assert_eq!(view.by_uprn(200).unwrap().postcode, "SW1A 2AB");
        assert_eq!(view.search("11 downing", 1)[0].address.uprn, 200);
        assert!(view.search("10 downing street", 3).iter().all(|h| h.address.uprn != 200 || h.score < 3000));

        // A second node replaying the same register answers the same.
        let again = AddressView::replay(registers.clone(), info.clone()).await.unwrap();
        for q in ["high street", "12 high", "downing", "4 high st exeter"] {
            let a: Vec<_> = view.search(q, 10).into_iter().map(|h| (h.address.uprn, h.score)).collect();
            let b: Vec<_> = again.search(q, 10).into_iter().map(|h| (h.address.uprn, h.score)).collect();
            assert_eq!(a, b, "{q}");
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_delta_merged_into_the_base_answers_as_a_fresh_replay_does() {
    for (t, registers) in registers::testing::stores().await {
        let info = ensure_address_register(&registers).await.unwrap();
        let first: Vec<Address> =
            (1..=20).map(|n| address(n, None, n as u32, "Mill Lane", "Exeter", "EX2 4AA")).collect();
        registers.append(&info, first.iter().map(entry).collect()).await.unwrap();
        let view = AddressView::replay(registers.clone(), info.clone()).await.unwrap().with_merge_threshold(3);
        // Four changes: more than the threshold, so the delta is merged into a new base.
        let changes: Vec<Address> =
            (1..=4).map(|n| address(n, Some(1), n as u32, "Mill Lane", "Exeter", "EX2 4AB")).collect();
        registers.append(&info, changes.iter().map(entry).collect()).await.unwrap();
        assert_eq!(view.catch_up().await.unwrap(), 4);
        assert_eq!(view.len(), 20);
        let fresh = AddressView::replay(registers.clone(), info.clone()).await.unwrap();
        let pc = Postcode::parse("EX2 4AB").unwrap();
        assert_eq!(view.by_postcode(&pc), fresh.by_postcode(&pc));
        assert_eq!(view.by_postcode(&pc).len(), 4);
        for q in ["flat 1 3 mill lane", "mill lane exeter", "7 mill"] {
            assert_eq!(view.search(q, 5), fresh.search(q, 5), "{q}");
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_following_view_picks_up_new_entries_by_itself() {
    let (t, registers) = registers::testing::stores().await.into_iter().next().unwrap();
    let info = ensure_address_register(&registers).await.unwrap();
    let view = std::sync::Arc::new(AddressView::replay(registers.clone(), info.clone()).await.unwrap());
    let follower = view.clone().follow(std::time::Duration::from_millis(20));
    let a = address(42, None, 1, "Quay Street", "Exeter", "EX2 4AN");
    registers.append(&info, vec![entry(&a)]).await.unwrap();
    let mut waited = 0;
    while view.by_uprn(42).is_none() && waited < 250 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        waited += 1;
    }
    assert_eq!(view.by_uprn(42).unwrap().street, "Quay Street");
    follower.abort();
    t.cleanup().await;
}
