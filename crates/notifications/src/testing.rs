//! Set-ups the notifications tests share (and other bricks' tests may use): a migrated store with
//! one council, and a key's caller as the API would authenticate it. Public, like
//! `store::testing`, because integration tests are separate crates.

use store::testing::TestStore;
use store::{Council, CouncilSlug, Councils};

use crate::{Caller, Notify, auth};

/// Migrates `t`'s store for this brick and creates the council "exampleshire" its services
/// belong to.
pub async fn exampleshire(t: &TestStore) -> (Notify, Council) {
    Notify::migrate(&t.store).await.expect("migrate the notifications tables");
    let council = Councils::new(t.store.clone())
        .create(&CouncilSlug::parse("exampleshire").expect("slug"), "Exampleshire")
        .await
        .expect("create the council");
    (Notify::new(t.store.clone()), council)
}

/// The caller `key` authenticates as on `notify`, with a token issued now.
pub async fn caller(notify: &Notify, key: &str) -> Caller {
    let (service, secret) = auth::split_api_key(key).expect("a Notify key");
    let bearer = format!("Bearer {}", auth::create_token(service, secret, auth::now_seconds()));
    notify.authenticate(Some(&bearer)).await.expect("the key authenticates")
}
