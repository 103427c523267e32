//! Pay's published OpenAPI file (`openapi/publicapi_spec.json`) is in the repository unchanged,
//! and the brick serves every payment and refund operation it describes, at the same path and
//! method. (The client that checks every response body against the file's schemas is
//! `tests/e2e/pay-openapi.mjs`, run against a live server by the binary crate's `pay_openapi` test.)

mod support;

use serde_json::Value;
use sha2::{Digest, Sha256};

const SPEC: &str = include_str!("../openapi/publicapi_spec.json");

/// The SHA-256 recorded in `openapi/README.md` when the file was copied.
const SPEC_SHA256: &str = "79a24d1c3a34b44ed6e01fce12e39d819ea50916113a77cc512422d1b5c53525";

fn spec() -> Value {
    serde_json::from_str(SPEC).expect("Pay's OpenAPI file parses as JSON")
}

#[test]
fn pays_openapi_file_is_the_one_copied_from_alphagov_pay_publicapi() {
    assert_eq!(hex::encode(Sha256::digest(SPEC.as_bytes())), SPEC_SHA256, "the file changed since it was copied");
    let readme = include_str!("../openapi/README.md");
    assert!(readme.contains(SPEC_SHA256) && readme.contains("04aea3b33e8e99e9b19c5cdd55b46e155c1e5cc1"), "{readme}");
    let spec = spec();
    assert_eq!(spec["openapi"], "3.0.1");
    assert_eq!(spec["info"]["title"], "GOV.UK Pay API");
    assert_eq!(spec["paths"].as_object().map(|p| p.len()), Some(13));
    assert_eq!(spec["components"]["schemas"].as_object().map(|s| s.len()), Some(46));
}

#[tokio::test]
async fn every_payment_and_refund_operation_in_pays_openapi_file_is_served_at_its_path_and_method() {
    let t = store::testing::sqlite().await;
    let app = support::spawn(&t, None).await;
    let ours = serde_json::to_value(&app.openapi).expect("our OpenAPI document serialises");
    let spec = spec();
    let mut checked = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let tags: Vec<&str> = op["tags"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            // Agreements (recurring payments), disputes and MOTO authorisation are not part of issue 6.
            if !tags.iter().any(|t| *t == "Card payments" || *t == "Refunding card payments") {
                continue;
            }
            assert!(
                ours["paths"][path][method].is_object(),
                "Pay's {} ({} {path}) is not served",
                op["operationId"],
                method.to_uppercase()
            );
            checked.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert_eq!(checked.len(), 10, "{checked:?}");
    // And each of those answers over HTTP without a key with Pay's 401, not a 404 or 405.
    for line in &checked {
        let (method, path) = line.split_once(' ').expect("method and path");
        let path = path.replace("{paymentId}", "abc").replace("{refundId}", "def");
        let url = format!("{}{path}", app.base);
        let res = app
            .http
            .request(method.parse().expect("method"), &url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 401, "{line}");
    }
    t.cleanup().await;
}
