//! Set-ups the notifications tests share (and other bricks' tests may use): a migrated store with
//! one council, a key's caller as the API would authenticate it, and what the official clients'
//! tests need (whether the Python client is installed, the service their scripts expect, a
//! router served on a free port). Public, like `store::testing`, because integration tests are
//! separate crates.

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

/// Whether the official Python client is importable. Outside CI a missing client skips its test
/// loudly; on CI (`CI=true`) it is a failure, so the test cannot pass by not running.
pub fn python_client_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import notifications_python_client"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let hint = "pip install 'notifications-python-client==13.*'";
    if !ok {
        if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
            panic!("CI=true but notifications-python-client is not installed: {hint}");
        }
        eprintln!("SKIPPED: notifications-python-client is not installed ({hint})");
    }
    ok
}

/// The service the official clients' scripts run against: "Bins and recycling" with a live
/// key and one template of each kind, worded as the scripts expect.
pub struct BinsService {
    /// The live API key, whole.
    pub key: String,
    /// The email template (`((day))`, `((name))`, `((items))`).
    pub email: uuid::Uuid,
    /// The text message template (`((code))`).
    pub sms: uuid::Uuid,
    /// The letter template (`((name))`).
    pub letter: uuid::Uuid,
}

/// Creates [`BinsService`] for `council`.
pub async fn bins_service(notify: &Notify, council: &Council) -> BinsService {
    use crate::{KeyType, TemplateType};
    let service = notify.create_service(council.id, "Bins and recycling").await.expect("service");
    let key = notify.create_key(service, KeyType::Live, "integration").await.expect("key");
    let email = notify
        .create_template(
            service,
            TemplateType::Email,
            "Collection",
            Some("Your ((day)) collection"),
            "Hello ((name)),\n\nPlease put out:((items))",
        )
        .await
        .expect("email template");
    let sms =
        notify.create_template(service, TemplateType::Sms, "Code", None, "Your code is ((code))").await.expect("sms");
    let letter = notify
        .create_template(service, TemplateType::Letter, "Bins letter", Some("About your bins"), "Dear ((name))")
        .await
        .expect("letter");
    BinsService { key, email, sms, letter }
}

/// Serves `app` on a free port of 127.0.0.1; returns its address and the server's task.
#[cfg(feature = "http")]
pub async fn serve(app: axum::Router) -> (std::net::SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (addr, tokio::spawn(async move { axum::serve(listener, app).await }))
}
