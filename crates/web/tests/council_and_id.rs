//! `WebState::council_and_id`, the prelude of every per-council page, against a real store
//! (SQLite, and PostgreSQL when configured): the council and its id, or the 404 or 500 page.

use axum::http::StatusCode;
use axum::response::Response;
use store::{CouncilSlug, Councils};
use web::{Council, WebState};

async fn text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn web_councils() -> WebState {
    WebState::new(
        "Guildhall",
        vec![
            Council::new("exampleshire", "Exampleshire County Council", "#00703c").unwrap(),
            Council::new("northtown", "Northtown Borough Council", "#f9d71c").unwrap(),
            // The web brick accepts a leading hyphen; the store does not.
            Council::new("-edgeton", "Edgeton Town Council", "#1d70b8").unwrap(),
        ],
    )
    .unwrap()
}

#[tokio::test]
async fn a_council_both_sides_know_gives_its_store_id_and_any_other_slug_gives_the_404_page() {
    for test in store::testing::all().await {
        let councils = Councils::new(test.store.clone());
        let created =
            councils.create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire County Council").await.unwrap();
        let web = web_councils();

        let (council, id) = web.council_and_id(&councils, "exampleshire").await.unwrap();
        assert_eq!((council.slug.as_str(), id), ("exampleshire", created.id));

        let unknown_to_web = web.council_and_id(&councils, "nowhere").await.unwrap_err();
        assert_eq!(unknown_to_web.status(), StatusCode::NOT_FOUND);
        let page = text(unknown_to_web).await;
        assert!(page.contains("Page not found"), "{page}");
        assert!(
            !page.contains("Exampleshire") && !page.contains("Northtown"),
            "a council the web brick does not know gets the site's 404: {page}"
        );

        for (slug, name) in [("northtown", "Northtown Borough Council"), ("-edgeton", "Edgeton Town Council")] {
            let unknown_to_store = web.council_and_id(&councils, slug).await.unwrap_err();
            assert_eq!(unknown_to_store.status(), StatusCode::NOT_FOUND, "{slug}");
            let page = text(unknown_to_store).await;
            assert!(page.contains("Page not found") && page.contains(name), "{slug} gets its branded 404: {page}");
        }
        test.cleanup().await;
    }
}

#[tokio::test]
async fn a_database_error_is_the_councils_branded_500_page() {
    for test in store::testing::all().await {
        let councils = Councils::new(test.store.clone());
        councils.create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire County Council").await.unwrap();
        let web = web_councils();
        test.store.close().await;

        let failed = web.council_and_id(&councils, "exampleshire").await.unwrap_err();
        assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let page = text(failed).await;
        assert!(page.contains("Sorry, there is a problem with the service"), "{page}");
        assert!(page.contains("Exampleshire County Council"), "the 500 page is the council's: {page}");
        test.cleanup().await;
    }
}
