//! The Open311 GeoReport v2 server on a live socket, on SQLite and PostgreSQL: the PyPI
//! `georeport` client reads services, definitions and requests in JSON and XML, and a plain
//! HTTP client posts requests and gets the spec's errors for each kind of bad request.

mod support;

use serde_json::{Value, json};
use support::*;

async fn serve(reports: reports::Reports) -> String {
    let app = reports::open311::router(reports);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/open311/v2")
}

async fn post(base: &str, fmt: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let r = reqwest::Client::new()
        .post(format!("{base}/requests.{fmt}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Checks a JSON error answer: a bare array of one `{code, description}`.
fn json_error(answer: &(u16, String), code: u16, mentions: &str) {
    assert_eq!(answer.0, code, "{}", answer.1);
    let v: Value = serde_json::from_str(&answer.1).unwrap();
    assert_eq!(v[0]["code"], json!(code), "{v}");
    assert!(v[0]["description"].as_str().unwrap().contains(mentions), "{v}");
}

/// Checks an XML error answer.
fn xml_error(answer: &(u16, String), code: u16, mentions: &str) {
    assert_eq!(answer.0, code, "{}", answer.1);
    assert!(
        answer.1.starts_with(&format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>{code}</code><description>"
        )),
        "{}",
        answer.1
    );
    assert!(answer.1.contains(mentions), "{}", answer.1);
}

#[tokio::test]
async fn the_georeport_client_reads_services_definitions_and_requests_in_json_and_xml() {
    for f in fixtures().await {
        let key = f.reports.create_api_key(f.council, "ashby-pc", "test client").await.unwrap();
        let base = serve(f.reports.clone()).await;
        let first = f
            .reports
            .submit(f.council, new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "30")]))
            .await
            .unwrap();
        let form = [
            ("jurisdiction_id", "ashby-pc"),
            ("api_key", key.as_str()),
            ("service_code", "verge"),
            ("lat", "51.3"),
            ("long", "0.3"),
            ("description", "Verge <b>overgrown</b> at the bend"),
            ("attribute[speed_limit]", "20"),
        ];
        let posted = post(&base, "json", &form).await;
        assert_eq!(posted.0, 200, "{}", posted.1);
        let posted: Value = serde_json::from_str(&posted.1).unwrap();
        let second = posted[0]["service_request_id"].as_i64().unwrap();
        f.reports
            .add_update(f.council, second, Some("ashby-pc"), reports::Status::Fixed, "Cut back", "clerk")
            .await
            .unwrap();

        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/georeport_client.py");
        let out = tokio::process::Command::new("python3")
            .args([script, &base, "ashby-pc", &key, &first.id.to_string()])
            .output()
            .await
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "the georeport client failed (pip install georeport==0.3.1): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read: Value = serde_json::from_slice(&out.stdout).unwrap();

        let j = &read["json"];
        assert_eq!(j["services"].as_array().unwrap().len(), 2);
        assert_eq!(
            j["services"][0],
            json!({"service_code": "speeding", "service_name": "Speeding traffic", "description": "",
            "metadata": true, "type": "realtime", "keywords": "", "group": "Roads"})
        );
        assert_eq!(j["definition"]["service_code"], "speeding");
        let attr = &j["definition"]["attributes"][0];
        assert_eq!(
            (attr["code"].as_str(), attr["datatype"].as_str(), attr["required"].as_bool()),
            (Some("speed_limit"), Some("singlevaluelist"), Some(true))
        );
        assert_eq!(attr["values"][1], json!({"key": "30", "name": "30 mph"}));
        let ids: Vec<i64> =
            j["requests"].as_array().unwrap().iter().map(|r| r["service_request_id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [second, first.id]);
        let open: Vec<i64> =
            j["open"].as_array().unwrap().iter().map(|r| r["service_request_id"].as_i64().unwrap()).collect();
        assert_eq!(open, [first.id], "status and service_code filters");
        let one = &j["request"];
        assert_eq!(
            (one["status"].as_str(), one["service_code"].as_str(), one["agency_responsible"].as_str()),
            (Some("open"), Some("speeding"), Some("Ashby Parish Council"))
        );
        assert_eq!((one["lat"].as_f64(), one["long"].as_f64()), (Some(51.4), Some(0.4)));
        assert!(
            one.get("email").is_none() && !one.to_string().contains("ada@example.org"),
            "no personal details: {one}"
        );
        let fixed =
            j["requests"].as_array().unwrap().iter().find(|r| r["service_request_id"] == json!(second)).unwrap();
        assert_eq!((fixed["status"].as_str(), fixed["status_notes"].as_str()), (Some("closed"), Some("Cut back")));
        assert_eq!(fixed["description"], "Verge <b>overgrown</b> at the bend");

        let x = &read["xml"];
        assert_eq!(x["services"][1]["service_code"], "verge");
        assert_eq!(x["services"][1]["metadata"], "true");
        assert_eq!(x["definition"]["attributes"]["attribute"]["values"]["value"][0]["key"], "20");
        assert_eq!(x["requests"][0]["service_request_id"], second.to_string());
        assert_eq!(
            x["requests"][0]["description"], "Verge <b>overgrown</b> at the bend",
            "escaped in XML, read back whole"
        );
        assert_eq!(x["request"]["agency_responsible"], "Ashby Parish Council");
        assert_eq!(x["open"]["service_request_id"], first.id.to_string());
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn bad_posts_get_the_specs_errors_in_json_and_xml() {
    for f in fixtures().await {
        let key = f.reports.create_api_key(f.council, "exampleshire-county", "test client").await.unwrap();
        let base = serve(f.reports.clone()).await;
        let good: Vec<(&str, &str)> = vec![
            ("jurisdiction_id", "exampleshire-county"),
            ("api_key", &key),
            ("service_code", "speeding"),
            ("lat", "51.4"),
            ("long", "0.4"),
            ("description", "Racing"),
            ("attribute[speed_limit]", "60"),
        ];
        let without = |name: &str| good.iter().filter(|(k, _)| *k != name).cloned().collect::<Vec<_>>();
        let with = |name: &'static str, value: &'static str| {
            let mut v = without(name);
            v.push((name, value));
            v
        };
        for fmt in ["json", "xml"] {
            let check = if fmt == "json" { json_error } else { xml_error };
            check(&post(&base, fmt, &without("attribute[speed_limit]")).await, 400, "speed_limit");
            check(&post(&base, fmt, &with("attribute[speed_limit]", "90")).await, 400, "not one of 20, 30, 40, 60");
            check(&post(&base, fmt, &without("lat")).await, 400, "location (lat and long) is required");
            check(&post(&base, fmt, &with("long", "200")).await, 400, "longitude 200 is out of range");
            check(&post(&base, fmt, &with("lat", "50.5")).await, 400, "outside the area");
            check(
                &post(&base, fmt, &with("service_code", "dragons")).await,
                400,
                "service_code \"dragons\" was not found",
            );
            check(&post(&base, fmt, &without("service_code")).await, 400, "service_code was not provided");
            check(&post(&base, fmt, &with("api_key", "not-a-key")).await, 403, "api_key");
            check(&post(&base, fmt, &without("api_key")).await, 403, "api_key");
            check(&post(&base, fmt, &with("jurisdiction_id", "atlantis")).await, 404, "jurisdiction_id");
            check(&post(&base, fmt, &without("jurisdiction_id")).await, 400, "jurisdiction_id was not provided");
            check(&get(&format!("{base}/services/dragons.{fmt}?jurisdiction_id=ashby-pc")).await, 404, "service_code");
            check(&get(&format!("{base}/requests/999999.{fmt}?jurisdiction_id=ashby-pc")).await, 404, "999999");
            check(
                &get(&format!("{base}/services.{fmt}?jurisdiction_id=exampleshire-county&api_key=wrong")).await,
                403,
                "api_key",
            );
            check(
                &get(&format!("{base}/requests.{fmt}?jurisdiction_id=exampleshire-county&start_date=soon")).await,
                400,
                "start_date",
            );
        }
        use sqlx::Row;
        let stored: i64 =
            sqlx::query("SELECT COUNT(*) FROM reports_reports").fetch_one(f.test.store.pool()).await.unwrap().get(0);
        assert_eq!(stored, 0, "no refused request stored anything");

        let ok = post(&base, "xml", &good).await;
        assert_eq!(ok.0, 200, "{}", ok.1);
        assert!(
            ok.1.starts_with(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><service_request_id>"
            ),
            "{}",
            ok.1
        );
        assert!(
            ok.1.contains(
                "<service_notice>Reported to Exampleshire County Council</service_notice><account_id></account_id>"
            ),
            "{}",
            ok.1
        );
        let ok = post(&base, "json", &good).await;
        let id = serde_json::from_str::<Value>(&ok.1).unwrap()[0]["service_request_id"].as_i64().unwrap();
        let report = f.reports.report(Some(f.council), id).await.unwrap();
        assert_eq!(report.destinations[0].body_id, "exampleshire-county");
        assert_eq!(report.answers["speed_limit"], ["60"]);

        // Tokens resolve to the request id; the body's key is accepted on GET too.
        let token =
            get(&format!("{base}/tokens/{}.json?jurisdiction_id=exampleshire-county&api_key={key}", report.token))
                .await;
        assert_eq!(
            serde_json::from_str::<Value>(&token.1).unwrap(),
            json!([{"service_request_id": id, "token": report.token}])
        );
        // Another body cannot see it.
        let (code, _) = get(&format!("{base}/requests/{id}.json?jurisdiction_id=ashby-pc")).await;
        assert_eq!(code, 404);
        f.test.cleanup().await;
    }
}

#[tokio::test]
async fn discovery_and_the_servicerequestupdates_extension_carry_status_both_ways() {
    for f in fixtures().await {
        let key = f.reports.create_api_key(f.council, "ashby-pc", "back office").await.unwrap();
        let base = serve(f.reports.clone()).await;
        let (code, discovery) = get(&format!("{base}/discovery.json")).await;
        assert_eq!(code, 200);
        let d: Value = serde_json::from_str(&discovery).unwrap();
        assert_eq!(d["endpoints"][0]["url"], base.as_str());
        assert_eq!(d["endpoints"][0]["formats"], json!(["text/xml", "application/json"]));
        let (_, xml) = get(&format!("{base}/discovery.xml")).await;
        assert!(xml.contains("<formats><format>text/xml</format><format>application/json</format></formats>"), "{xml}");

        let report = f
            .reports
            .submit(f.council, new_report(ASHBY_ROAD, "Speeding traffic", &[("speed_limit", "30")]))
            .await
            .unwrap();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("jurisdiction_id", "ashby-pc"),
                ("api_key", key.as_str()),
                ("service_request_id", &report.id.to_string()),
                ("status", "IN_PROGRESS"),
                ("description", "Speed watch volunteers booked"),
                ("updated_datetime", "2026-11-23T10:00:00Z"),
            ])
            .finish();
        let r = reqwest::Client::new()
            .post(format!("{base}/servicerequestupdates.xml"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let text = r.text().await.unwrap();
        assert!(text.contains("<service_request_updates><request_update><update_id>"), "{text}");
        assert_eq!(f.reports.report(None, report.id).await.unwrap().status, reports::Status::InProgress);

        let (_, listed) =
            get(&format!("{base}/servicerequestupdates.json?jurisdiction_id=ashby-pc&api_key={key}")).await;
        let listed: Value = serde_json::from_str(&listed).unwrap();
        assert_eq!(listed[0]["service_request_id"], report.id.to_string());
        assert_eq!(
            (listed[0]["status"].as_str(), listed[0]["description"].as_str()),
            (Some("IN_PROGRESS"), Some("Speed watch volunteers booked"))
        );
        let (code, _) = get(&format!("{base}/servicerequestupdates.json?jurisdiction_id=exampleshire-county")).await;
        assert_eq!(code, 200);
        f.test.cleanup().await;
    }
}
