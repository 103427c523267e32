//! The councils table on every backend.

use store::{CouncilSlug, Councils, StoreError, testing};

#[tokio::test]
async fn councils_are_created_found_by_slug_and_id_listed_and_slugs_stay_unique_on_every_store() {
    for t in testing::all().await {
        let councils = Councils::new(t.store.clone());
        let slug = CouncilSlug::parse("exampleshire").unwrap();
        let created = councils.create(&slug, "Exampleshire Council").await.unwrap();
        assert_eq!(councils.by_slug(&slug).await.unwrap(), created);
        assert_eq!(councils.by_id(created.id).await.unwrap(), created);
        let unknown = store::CouncilId(created.id.0 + 1000);
        assert!(matches!(councils.by_id(unknown).await, Err(StoreError::UnknownCouncilId(id)) if id == unknown.0));
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

#[tokio::test]
async fn a_council_cannot_take_a_route_word_of_the_instance_as_its_slug() {
    let t = testing::sqlite().await;
    let councils = Councils::new(t.store.clone());
    for word in ["registers", "v2", "open311", "addresses", "staff"] {
        let slug = CouncilSlug::parse(word).unwrap();
        let err = councils.create(&slug, "Shadowed").await.unwrap_err();
        assert!(matches!(err, StoreError::ReservedSlug(_)), "{word}: {err}");
        assert!(councils.by_slug(&slug).await.is_err(), "{word} was stored");
    }
    councils.create(&CouncilSlug::parse("registerside").unwrap(), "Registerside").await.unwrap();
    t.cleanup().await;
}
