//! The councils table on every backend.

use store::{CouncilSlug, Councils, StoreError, testing};

#[tokio::test]
async fn councils_are_created_found_listed_and_slugs_stay_unique_on_every_store() {
    for t in testing::all().await {
        let councils = Councils::new(t.store.clone());
        let slug = CouncilSlug::parse("exampleshire").unwrap();
        let created = councils.create(&slug, "Exampleshire Council").await.unwrap();
        assert_eq!(councils.by_slug(&slug).await.unwrap(), created);
        let again = councils.create(&slug, "Another").await;
        assert!(matches!(again, Err(StoreError::DuplicateCouncil(_))), "{:?} on {:?}", again, t.backend());
        let other = CouncilSlug::parse("westshire").unwrap();
        councils.create(&other, "Westshire").await.unwrap();
        let names: Vec<_> = councils.list().await.unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["Exampleshire Council", "Westshire"]);
        assert!(matches!(
            councils.by_slug(&CouncilSlug::parse("nowhere").unwrap()).await,
            Err(StoreError::UnknownCouncil(_))
        ));
        t.cleanup().await;
    }
}
