//! The application in-process on port 0 (SQLite, and PostgreSQL when configured): liveness,
//! readiness, metrics, and an OpenAPI 3.1 document that lists every route served.

mod common;

use std::collections::BTreeSet;

use guildhall::configuration::Settings;
use guildhall::startup::Application;
use registers::{Owner, RegisterName};
use store::{CouncilSlug, Councils};

/// The instance's own paths.
const OPERATIONS_PATHS: [&str; 4] = ["/healthz", "/readyz", "/metrics", "/openapi.json"];

/// The look-ups over the national address, area and postcode registers.
const LOOKUP_PATHS: [&str; 13] = [
    "/addresses",
    "/addresses/search",
    "/addresses/{uprn}",
    "/addresses/{uprn}/areas",
    "/postcode/{postcode}",
    "/point/{srid}/{coordinates}",
    "/area/{id}",
    "/area/{id}/children",
    "/area/{id}/geometry",
    "/area/{id}/feature.geojson",
    "/areas/{types}",
    "/code/gss/{code}",
    "/checkpoint-key",
];

/// Paths every register has, national under `/registers/{name}`, a council's under
/// `/councils/{council}/registers/{name}`.
const REGISTER_PATHS: [&str; 17] = [
    "/register",
    "/records",
    "/records.csv",
    "/records/{key}",
    "/records/{key}/entries",
    "/entries",
    "/entries.csv",
    "/entries/{number}",
    "/items/{hash}",
    "/download-rsf",
    "/download-rsf/{start}",
    "/load-rsf",
    "/proof/register/merkle:sha-256",
    "/proof/entries/{number}/{size}/merkle:sha-256",
    "/proof/entry/{number}/{size}/merkle:sha-256",
    "/proof/consistency/{from}/{to}/merkle:sha-256",
    "/checkpoint",
];

/// Every path the application serves; the OpenAPI document must list exactly these.
/// GOV.UK Notify's API v2, served at the root as its clients expect.
const NOTIFY_PATHS: [&str; 13] = [
    "/v2/notifications",
    "/v2/notifications/bulk",
    "/v2/notifications/bulk/{id}",
    "/v2/notifications/email",
    "/v2/notifications/letter",
    "/v2/notifications/sms",
    "/v2/notifications/{id}",
    "/v2/notifications/{id}/pdf",
    "/v2/received-text-messages",
    "/v2/template/{id}",
    "/v2/template/{id}/preview",
    "/v2/template/{id}/version/{version}",
    "/v2/templates",
];

/// GOV.UK Pay's API v1, served at the root.
const PAY_PATHS: [&str; 8] = [
    "/v1/payments",
    "/v1/payments/{paymentId}",
    "/v1/payments/{paymentId}/cancel",
    "/v1/payments/{paymentId}/capture",
    "/v1/payments/{paymentId}/events",
    "/v1/payments/{paymentId}/refunds",
    "/v1/payments/{paymentId}/refunds/{refundId}",
    "/v1/refunds",
];

fn expected_paths() -> BTreeSet<String> {
    let mut paths: BTreeSet<String> = OPERATIONS_PATHS.iter().map(|p| p.to_string()).collect();
    paths.insert("/checkpoint-key".into());
    paths.extend(LOOKUP_PATHS.iter().map(|p| p.to_string()));
    paths.extend(NOTIFY_PATHS.iter().map(|p| p.to_string()));
    paths.extend(PAY_PATHS.iter().map(|p| p.to_string()));
    for prefix in ["", "/councils/{council}"] {
        paths.insert(format!("{prefix}/registers"));
        for p in REGISTER_PATHS {
            paths.insert(format!("{prefix}/registers/{{name}}{p}"));
        }
    }
    paths
}

struct TestApp {
    base: String,
    client: reqwest::Client,
}

async fn spawn_app(t: &store::testing::TestStore) -> TestApp {
    let settings = Settings { database_url: t.url.clone(), port: 0, ..Settings::default() };
    let app = Application::build_with_store(settings, t.store.clone()).await.expect("build the application");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp { base, client: reqwest::Client::new() }
}

impl TestApp {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.expect("request")
    }
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    for (t, _) in common::stores().await {
        let app = spawn_app(&t).await;
        let r = app.get("/healthz").await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "ok");
        assert_eq!(app.get("/readyz").await.status(), 200);
        let metrics = app.get("/metrics").await;
        assert_eq!(metrics.status(), 200);
        let text = metrics.text().await.unwrap();
        assert!(text.contains("http_requests_total"), "{text}");
        assert!(text.contains("http_request_duration_seconds"), "{text}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone_but_liveness_holds() {
    let t = store::testing::sqlite().await;
    registers::Registers::migrate(&t.store).await.unwrap();
    let app = spawn_app(&t).await;
    t.store.close().await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn the_openapi_document_is_version_3_1_and_lists_every_route() {
    let rsf = std::fs::read(common::vector("country.rsf")).unwrap();
    for (t, registers) in common::stores().await {
        // A national and a council register, so every listed path can be requested.
        let council = Councils::new(t.store.clone())
            .create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire")
            .await
            .unwrap();
        let name = RegisterName::parse("country").unwrap();
        registers.import_rsf(Owner::National, &name, &rsf[..]).await.unwrap();
        let report = registers.import_rsf(Owner::Council(council.id), &name, &rsf[..]).await.unwrap();
        let first = registers.entry(&report.register, 1).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let csv = common::seed_lookups(&t.url, dir.path());
        let uprn = csv.lines().nth(1).unwrap().split(',').next().unwrap().trim_matches('"').to_string();

        let app = spawn_app(&t).await;
        let r = app.get("/addresses?postcode=CB2%201AA").await;
        assert_eq!(r.status(), 200);
        let r = app.get("/openapi.json").await;
        assert_eq!(r.status(), 200);
        let doc: serde_json::Value = r.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
        let listed: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(listed, expected_paths(), "/openapi.json must list exactly the routes served");

        for path in &listed {
            let concrete = path
                .replace("{council}", "exampleshire")
                .replace("{name}", "country")
                .replace("{key}", &first.key)
                .replace("{hash}", &first.item_hashes[0].to_string())
                .replace("{number}", "1")
                .replace("{size}", "2")
                .replace("{start}", "1")
                .replace("{from}", "1")
                .replace("{to}", "2")
                .replace("{uprn}", &uprn)
                .replace("{postcode}", "CB2%201AA")
                .replace("{srid}/{coordinates}", "4326/0.12,52.2")
                .replace("{id}", "1")
                .replace("{types}", "CTY")
                .replace("{version}", "1")
                .replace("{paymentId}", "nosuchpayment")
                .replace("{refundId}", "nosuchrefund")
                .replace("{code}", "E10000003");
            let status = app.get(&concrete).await.status();
            assert!(status != 404 && !status.is_server_error(), "{path} is listed but GET {concrete} gave {status}");
        }
        t.cleanup().await;
    }
}
