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
        guildhall::startup::open_store(&t.url).await.unwrap().close().await;
        let first = seed(&t.store).await.unwrap();
        assert_eq!(first.imported, ["local-authority-type", "local-authority-eng", "street"]);
        assert!(first.street_key.starts_with("ghk_"));
        assert!(first.pay_key.starts_with("api_test_"), "{}", first.pay_key);
        assert!(first.places.addresses > 4_000, "{:?}", first.places);
        assert_eq!(first.places.areas, 10);
        assert!(first.places.postcodes > 50, "{:?}", first.places);
        let again = seed(&t.store).await.unwrap();
        assert!(again.imported.is_empty());
        assert_eq!((again.places.addresses, again.places.areas, again.places.postcodes), (0, 0, 0), "nothing twice");
        let council =
            Councils::new(t.store.clone()).by_slug(&CouncilSlug::parse("exampleshire").unwrap()).await.unwrap();
        let street = registers.get(Owner::Council(council.id), &RegisterName::parse("street").unwrap()).await.unwrap();
        assert_eq!(street.user_size, 21);
        assert!(registers.verify(&street).await.unwrap().alteration.is_none());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_demo_county_answers_address_postcode_and_area_look_ups() {
    let t = store::testing::sqlite().await;
    guildhall::startup::open_store(&t.url).await.unwrap().close().await;
    seed(&t.store).await.unwrap();
    let settings = guildhall::configuration::Settings { database_url: t.url.clone(), port: 0, ..Default::default() };
    let app = guildhall::startup::Application::build_with_store(settings, t.store.clone()).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let get = |path: &str| {
        let url = format!("{base}{path}");
        async move {
            let r = reqwest::get(url).await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };

    // Autocomplete finds a High Street address in Exampleton, typo and all.
    let found = get("/addresses/search?q=hgh+street+exampleton").await;
    let first = &found["results"][0];
    assert!(first["label"].as_str().unwrap().contains("High Street"), "{found}");
    // Its postcode lists it, and the postcode's point lies in the county, a district and a ward.
    let postcode = first["postcode"].as_str().unwrap().to_string();
    let listed = get(&format!("/addresses?postcode={}", postcode.replace(' ', "+"))).await;
    assert!(listed.to_string().contains(first["uprn"].to_string().as_str()), "{listed}");
    let at = get(&format!("/postcode/{}", postcode.replace(' ', "%20"))).await;
    let types: Vec<&str> = at["areas"].as_object().unwrap().values().map(|a| a["type"].as_str().unwrap()).collect();
    for t in ["CTY", "DIS", "DIW"] {
        assert!(types.contains(&t), "{postcode} has no {t}: {at}");
    }
    assert_eq!(at["codes"]["county"], "E10999901");
    // Exampleton's centre is in Exampleton District, and the parish of Upper Wendle is not.
    let point = get("/point/27700/452000,262000").await;
    let names: Vec<&str> = point.as_object().unwrap().values().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Exampleton District") && names.contains(&"Exampleshire"), "{point}");
    assert!(!names.contains(&"Upper Wendle"), "{point}");

    // Exampleshire's start page lists the services it published and "Report a problem"
    // (it has bodies to send reports to); the page still works with nothing to list.
    let home = reqwest::get(format!("{base}/exampleshire/")).await.unwrap().text().await.unwrap();
    for link in ["/exampleshire/services/parking-permit", "/exampleshire/services/bulky-waste", "/exampleshire/report"]
    {
        assert!(home.contains(&format!(r#"href="{link}""#)), "the start page lacks {link}");
    }
    t.cleanup().await;
}
