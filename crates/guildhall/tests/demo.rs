//! The demo data: the shipped street register is exactly what our own code generates, and
//! seeding a fresh database imports every demo register and can run again.

mod common;

use guildhall::demo::{EXAMPLESHIRE_STREET_RSF, seed, street_entries};
use registers::{Owner, RegisterName};
use store::{CouncilSlug, Councils};

#[tokio::test]
async fn the_shipped_street_register_is_what_our_code_generates() {
    let t = store::testing::sqlite().await;
    registers::Registers::migrate(&t.store).await.unwrap();
    let registers = registers::Registers::new(t.store.clone());
    let council = Councils::new(t.store.clone())
        .create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire Council")
        .await
        .unwrap();
    let info =
        registers.create(Owner::Council(council.id), &RegisterName::parse("street").unwrap(), true).await.unwrap();
    let (system, user) = street_entries();
    registers.append(&info, system).await.unwrap();
    let receipt = registers.append(&info, user).await.unwrap();
    let mut rsf = Vec::new();
    registers.export_rsf(&receipt.register, 0, &mut rsf).await.unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/exampleshire-street.rsf");
    if std::env::var("GUILDHALL_WRITE_DEMO").is_ok_and(|v| v == "1") {
        std::fs::write(path, &rsf).unwrap();
    }
    assert_eq!(
        String::from_utf8(rsf).unwrap(),
        String::from_utf8(EXAMPLESHIRE_STREET_RSF.to_vec()).unwrap(),
        "demo/exampleshire-street.rsf is stale: regenerate it with GUILDHALL_WRITE_DEMO=1 and rebuild"
    );
    registers::verify_rsf(EXAMPLESHIRE_STREET_RSF).unwrap();
    t.cleanup().await;
}

#[tokio::test]
async fn seeding_imports_every_demo_register_once_and_can_run_again() {
    for (t, registers) in common::stores().await {
        let first = seed(&t.store).await.unwrap();
        assert_eq!(first.imported, ["local-authority-type", "local-authority-eng", "street"]);
        assert!(first.street_key.starts_with("ghk_"));
        let again = seed(&t.store).await.unwrap();
        assert!(again.imported.is_empty());
        let council =
            Councils::new(t.store.clone()).by_slug(&CouncilSlug::parse("exampleshire").unwrap()).await.unwrap();
        let street = registers.get(Owner::Council(council.id), &RegisterName::parse("street").unwrap()).await.unwrap();
        assert_eq!(street.user_size, 21);
        assert!(registers.verify(&street).await.unwrap().alteration.is_none());
        t.cleanup().await;
    }
}
