//! The citizen-facing pages as the binary serves them: every council in the store gets its pages
//! under `/{slug}/`, in its configured brand colour, beside the APIs; councils created after
//! start-up appear without a restart.

use guildhall::configuration::Settings;
use guildhall::startup::Application;
use store::{CouncilSlug, Councils};

#[tokio::test]
async fn each_council_has_its_own_branded_pages_beside_the_apis() {
    let t = store::testing::sqlite().await;
    guildhall::startup::open_store(&t.url).await.unwrap().close().await;
    let councils = Councils::new(t.store.clone());
    councils.create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire Council").await.unwrap();
    let mut settings = Settings { database_url: t.url.clone(), port: 0, ..Settings::default() };
    settings.brand_colours.insert("exampleshire".into(), "#00703c".into());
    let app = Application::build_with_store(settings, t.store.clone()).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let page = reqwest::get(format!("{base}/exampleshire/")).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Exampleshire Council"), "{html}");
    assert!(
        html.contains("govuk-generic-header") && html.contains("govuk-footer"),
        "the Design System's layout: {html}"
    );
    for path in ["/exampleshire/accessibility", "/exampleshire/cookies", "/exampleshire/privacy"] {
        assert_eq!(reqwest::get(format!("{base}{path}")).await.unwrap().status(), 200, "{path}");
    }
    let css = reqwest::get(format!("{base}/exampleshire/brand.css")).await.unwrap().text().await.unwrap();
    assert!(css.contains("#00703c"), "{css}");
    // The APIs are still there, and an unknown council is a 404 page, not another council's.
    assert_eq!(reqwest::get(format!("{base}/registers")).await.unwrap().status(), 200);
    assert_eq!(reqwest::get(format!("{base}/nowhere-council/")).await.unwrap().status(), 404);

    // A council created while the server runs gets pages, in the default colour.
    councils.create(&CouncilSlug::parse("new-town").unwrap(), "New Town Council").await.unwrap();
    let mut found = false;
    for _ in 0..40 {
        if reqwest::get(format!("{base}/new-town/")).await.unwrap().status() == 200 {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(found, "a new council's pages appear within the refresh interval");
    let css = reqwest::get(format!("{base}/new-town/brand.css")).await.unwrap().text().await.unwrap();
    assert!(css.contains(guildhall::configuration::DEFAULT_BRAND_COLOUR), "{css}");
    t.cleanup().await;
}
