//! The HTTP API against a real server bound to 127.0.0.1:0, over a view replayed from the
//! register on SQLite.

use std::sync::Arc;

use address_search::AddressView;
use address_search::api::{AddressJson, ErrorJson, PostcodeJson, SearchJson, router};
use addresses::{Address, Aon, Uprn, ensure_address_register};
use registers::NewEntry;

fn address(uprn: u64, sao: Option<u32>, pao: u32, street: &str, town: &str, postcode: &str) -> Address {
    Address {
        sao: sao.map(|n| Aon { text: Some("Flat".into()), ..Aon::number(n) }).unwrap_or_default(),
        pao: Aon::number(pao),
        street: Some(street.into()),
        town: Some(town.into()),
        postcode: Some(postcode.into()),
        latitude: Some(51.5034),
        longitude: Some(-0.1276),
        ..Address::new(Uprn::new(uprn).unwrap())
    }
}

async fn serve() -> (String, store::testing::TestStore) {
    let t = store::testing::sqlite().await;
    registers::Registers::migrate(&t.store).await.unwrap();
    let registers = registers::Registers::new(t.store.clone());
    let info = ensure_address_register(&registers).await.unwrap();
    let all = [
        address(1, None, 10, "Downing Street", "London", "SW1A 2AA"),
        address(2, None, 11, "Downing Street", "London", "SW1A 2AB"),
        address(3, Some(2), 12, "High Street", "Exeter", "EX4 3LS"),
        address(4, Some(10), 12, "High Street", "Exeter", "EX4 3LS"),
        address(5, None, 2, "High Street", "Exeter", "EX4 3LS"),
    ];
    registers.append(&info, all.iter().map(|a| NewEntry::user(a.key(), a.to_item())).collect()).await.unwrap();
    let view = Arc::new(AddressView::replay(registers, info).await.unwrap());
    let (app, _) = router(view);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, t)
}

#[tokio::test]
async fn a_postcode_in_any_spelling_lists_its_addresses_in_natural_order() {
    let (url, t) = serve().await;
    let r = reqwest::get(format!("{url}/addresses?postcode=ex43ls")).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: PostcodeJson = r.json().await.unwrap();
    assert_eq!(body.postcode, "EX4 3LS");
    let labels: Vec<&str> = body.addresses.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "2 High Street, Exeter, EX4 3LS",
            "Flat 2, 12 High Street, Exeter, EX4 3LS",
            "Flat 10, 12 High Street, Exeter, EX4 3LS"
        ]
    );
    t.cleanup().await;
}

#[tokio::test]
async fn unknown_postcodes_are_404_and_malformed_ones_400_with_a_message() {
    let (url, t) = serve().await;
    let r = reqwest::get(format!("{url}/addresses?postcode=ZZ9%209ZZ")).await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.json::<ErrorJson>().await.unwrap().error.contains("ZZ9 9ZZ"));
    let r = reqwest::get(format!("{url}/addresses?postcode=hello!")).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<ErrorJson>().await.unwrap().error.contains("not a postcode"));
    let r = reqwest::get(format!("{url}/addresses")).await.unwrap();
    assert_eq!(r.status(), 400);
    t.cleanup().await;
}

#[tokio::test]
async fn a_uprn_gives_its_address_with_label_lines_and_coordinates() {
    let (url, t) = serve().await;
    let r = reqwest::get(format!("{url}/addresses/1")).await.unwrap();
    assert_eq!(r.status(), 200);
    let a: AddressJson = r.json().await.unwrap();
    assert_eq!(a.label, "10 Downing Street, London, SW1A 2AA");
    assert_eq!(a.lines, ["10 Downing Street", "London", "SW1A 2AA"]);
    assert!((a.coordinates.lat - 51.5034).abs() < 1e-4);
    assert_eq!(reqwest::get(format!("{url}/addresses/99")).await.unwrap().status(), 404);
    assert_eq!(reqwest::get(format!("{url}/addresses/abc")).await.unwrap().status(), 400);
    t.cleanup().await;
}

#[tokio::test]
async fn search_ranks_the_typed_address_first_and_checks_its_limit() {
    let (url, t) = serve().await;
    let r = reqwest::get(format!("{url}/addresses/search?q=10%20donwing%20st&limit=2")).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: SearchJson = r.json().await.unwrap();
    assert_eq!(body.results.len(), 2);
    assert_eq!(body.results[0].uprn, 1);
    assert!(body.results[0].score > body.results[1].score);
    assert_eq!(reqwest::get(format!("{url}/addresses/search?q=")).await.unwrap().status(), 400);
    assert_eq!(reqwest::get(format!("{url}/addresses/search?q=high&limit=1000")).await.unwrap().status(), 400);
    t.cleanup().await;
}

#[test]
fn every_route_is_in_the_openapi_document() {
    let view = Arc::new(AddressView::from_addresses(&[]));
    let (_, doc) = router(view);
    let paths: Vec<&String> = doc.paths.paths.keys().collect();
    assert_eq!(paths, ["/addresses", "/addresses/search", "/addresses/{uprn}"]);
}
