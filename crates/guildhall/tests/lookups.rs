//! The look-ups end to end: data imported through the real CLI (`import postcodes|areas|addresses`,
//! `generate addresses`), then asked over real HTTP, on SQLite and PostgreSQL: a postcode with the
//! areas holding it (MapIt's shape), an address's areas, and the bricks' own routes beside them.

mod common;

use guildhall::configuration::Settings;
use guildhall::startup::Application;

async fn get_json(base: &str, path: &str) -> (u16, serde_json::Value) {
    let r = reqwest::get(format!("{base}{path}")).await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.expect("a JSON body"))
}

fn area_codes(areas: &serde_json::Value) -> Vec<String> {
    let mut codes: Vec<String> =
        areas.as_object().unwrap().values().map(|a| a["codes"]["gss"].as_str().unwrap().to_string()).collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn a_postcode_and_an_address_answer_with_the_areas_that_hold_them() {
    for (t, _registers) in common::stores().await {
        let dir = tempfile::tempdir().unwrap();
        let csv = common::seed_lookups(&t.url, dir.path());
        let uprn: String = csv.lines().nth(1).unwrap().split(',').next().unwrap().trim_matches('"').to_string();

        let settings = Settings { database_url: t.url.clone(), port: 0, ..Settings::default() };
        let app = Application::build_with_store(settings, t.store.clone()).await.unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());

        // Any usual form of the postcode, normalised; its point and every area holding it.
        let (status, body) = get_json(&base, "/postcode/cb21aa").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["postcode"], "CB2 1AA");
        assert_eq!(body["easting"], 545452.0);
        assert_eq!(body["codes"]["district"], "E07000008");
        assert!((body["wgs84_lat"].as_f64().unwrap() - 52.2).abs() < 0.05, "{body}");
        assert_eq!(area_codes(&body["areas"]), vec!["E05013057", "E07000008", "E10000003"]);
        // The ward's parent is the district that holds it, the district's the county.
        let ward = body["areas"].as_object().unwrap().values().find(|a| a["type"] == "DIW").unwrap().clone();
        let (_, district) = get_json(&base, &format!("/area/{}", ward["parent_area"])).await;
        assert_eq!(district["codes"]["gss"], "E07000008");
        let (_, county) = get_json(&base, &format!("/area/{}", district["parent_area"])).await;
        assert_eq!(county["name"], "Cambridgeshire");

        // Bad and unknown postcodes say which.
        let (status, body) = get_json(&base, "/postcode/NOT A POSTCODE").await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().unwrap().contains("not valid"), "{body}");
        let (status, _) = get_json(&base, "/postcode/SW1A%201AA").await;
        assert_eq!(status, 404);

        // Which district is this address in?
        let (status, body) = get_json(&base, &format!("/addresses/{uprn}/areas")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["uprn"].to_string(), uprn);
        assert!(body["postcode"].as_str().unwrap().starts_with("CB2 1A"), "{body}");
        assert!(area_codes(&body["areas"]).contains(&"E07000008".to_string()), "{body}");
        let (status, _) = get_json(&base, "/addresses/99999999999/areas").await;
        assert_eq!(status, 404);
        let (status, _) = get_json(&base, "/addresses/abc/areas").await;
        assert_eq!(status, 400);

        // The bricks' own look-ups, served beside them.
        let (status, body) = get_json(&base, "/addresses?postcode=cb2%201aa").await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = get_json(&base, &format!("/addresses/{uprn}")).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = get_json(&base, "/point/27700/545452,257933").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(area_codes(&body), vec!["E05013057", "E07000008", "E10000003"]);
        t.cleanup().await;
    }
}
