//! The platform's own senders act through one key per service, on SQLite and PostgreSQL: asking
//! for it again (another start, another node) gives the same key and makes no new row; it sends
//! like any live key; another council cannot get it; once staff revoke it, the next start makes
//! a fresh one.

use notifications::testing::exampleshire;
use notifications::{KeyType, Notify, SendRequest, TemplateType};
use serde_json::Map;
use sqlx::Row;

async fn keys_named(t: &store::testing::TestStore, name: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM notify_api_keys WHERE name = $1")
        .bind(name)
        .fetch_one(t.store.pool())
        .await
        .expect("count keys")
        .try_get(0)
        .expect("count")
}

#[tokio::test]
async fn every_start_reuses_the_services_own_key_until_it_is_revoked() {
    for t in store::testing::all().await {
        let (first_start, council) = exampleshire(&t).await;
        let service = first_start.create_service(council.id, "Council services").await.expect("service");
        let first = first_start.own_key(council.id, service, KeyType::Live, "service engine").await.expect("key");
        assert_eq!((first.council_id, first.key_type), (council.id, KeyType::Live), "{:?}", t.backend());
        assert_eq!(first.service_id, service.to_string());

        // Another start (or node) over the same database: the same key, no new row.
        let second_start = Notify::new(t.store.clone());
        let again =
            second_start.own_key(council.id, service, KeyType::Live, "service engine").await.expect("key again");
        assert_eq!(again.key_id, first.key_id, "{:?}", t.backend());
        assert_eq!(keys_named(&t, "service engine").await, 1);
        // A test key of the same name is another key.
        let test_key =
            second_start.own_key(council.id, service, KeyType::Test, "service engine").await.expect("test key");
        assert_ne!(test_key.key_id, first.key_id);

        // It sends like any key, and the notification names it.
        let template = second_start
            .create_template(service, TemplateType::Email, "Hello", Some("Hello"), "Hello ((name))")
            .await
            .expect("template");
        let mut personalisation = Map::new();
        personalisation.insert("name".into(), "Ada".into());
        let sent = second_start
            .send(
                &again,
                SendRequest {
                    notification_type: TemplateType::Email,
                    template_id: template,
                    recipient: "ada@example.com".into(),
                    personalisation,
                    reference: None,
                },
            )
            .await
            .expect("send");
        let key_of: String = sqlx::query("SELECT api_key_id FROM notify_notifications WHERE id = $1")
            .bind(&sent.id)
            .fetch_one(t.store.pool())
            .await
            .expect("stored")
            .try_get(0)
            .expect("key id");
        assert_eq!(key_of, first.key_id);

        // Another council asking for this service's key is refused, and no key is made.
        let other = store::Councils::new(t.store.clone())
            .create(&store::CouncilSlug::parse("northtown").expect("slug"), "Northtown")
            .await
            .expect("other council");
        let refused = second_start.own_key(other.id, service, KeyType::Live, "intruder").await;
        assert!(matches!(refused, Err(notifications::NotifyError::UnknownService(_))), "{refused:?}");
        assert_eq!(keys_named(&t, "intruder").await, 0);

        // Revoked by staff: the next start makes a fresh key rather than sending as a dead one.
        sqlx::query("UPDATE notify_api_keys SET revoked_at = '2026-11-24T00:00:00.000Z' WHERE id = $1")
            .bind(&first.key_id)
            .execute(t.store.pool())
            .await
            .expect("revoke");
        let fresh = Notify::new(t.store.clone())
            .own_key(council.id, service, KeyType::Live, "service engine")
            .await
            .expect("fresh");
        assert_ne!(fresh.key_id, first.key_id, "{:?}", t.backend());
        assert_eq!(keys_named(&t, "service engine").await, 3, "the revoked live key, the test key and the fresh one");
        t.cleanup().await;
    }
}
