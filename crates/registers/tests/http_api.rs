//! The register HTTP API over real HTTP on both stores: openregister v1 shapes, proofs that
//! verify, RSF download byte for byte, custodian keys, and 4xx errors that name the problem.

mod common;

use registers::api::{ApiState, router};
use registers::merkle::{verify_consistency, verify_inclusion};
use registers::{Owner, RegisterName, Registers};
use serde_json::{Value, json};
use store::{CouncilSlug, Councils};

async fn serve(registers: Registers) -> String {
    let councils = Councils::new(registers.store().clone());
    let signer = registers.checkpoint_signer("test.example").await.unwrap();
    let state = ApiState { registers, councils, signer, origin: "test.example".into() };
    let (app, _doc) = router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn b64(h: &str) -> Vec<u8> {
    hex::decode(h.strip_prefix("sha-256:").unwrap()).unwrap()
}

#[tokio::test]
async fn a_real_register_is_served_in_openregister_shapes_with_proofs_that_verify() {
    for (t, registers) in common::stores().await {
        let text = std::fs::read_to_string(common::rsf_dir().join("country.rsf")).unwrap();
        let name = RegisterName::parse("country").unwrap();
        registers.import_rsf(Owner::National, &name, text.as_bytes()).await.unwrap();
        let base = serve(registers.clone()).await;
        let http = reqwest::Client::new();
        let get = |path: &str| {
            let http = http.clone();
            let url = format!("{base}{path}");
            async move { http.get(url).send().await.unwrap() }
        };

        let list: Value = get("/registers").await.json().await.unwrap();
        assert_eq!(list[0]["name"], "country");
        let reg: Value = get("/registers/country/register").await.json().await.unwrap();
        assert_eq!(reg["total-entries"], 210);
        assert_eq!(reg["register-record"]["register"], "country");

        let gb: Value = get("/registers/country/records/GB").await.json().await.unwrap();
        assert_eq!(gb["GB"]["key"], "GB");
        assert_eq!(gb["GB"]["item"][0]["name"], "United Kingdom");
        let history: Value = get("/registers/country/records/GB/entries").await.json().await.unwrap();
        assert!(!history.as_array().unwrap().is_empty());
        let e1: Value = get("/registers/country/entries/1").await.json().await.unwrap();
        assert_eq!(e1[0]["key"], "SU");
        assert_eq!(e1[0]["entry-number"], "1");
        let item_hash = e1[0]["item-hash"][0].as_str().unwrap().to_string();
        let item: Value = get(&format!("/registers/country/items/{item_hash}")).await.json().await.unwrap();
        assert_eq!(item["country"], "SU");
        let page = get("/registers/country/records?page-size=10&page-index=2").await;
        assert!(page.headers()["link"].to_str().unwrap().contains("page-index=3"));
        let page: Value = page.json().await.unwrap();
        assert_eq!(page.as_object().unwrap().len(), 10);
        let csv = get("/registers/country/records.csv?page-size=5").await.text().await.unwrap();
        assert!(csv.starts_with("index-entry-number,entry-number,entry-timestamp,key,"), "{csv}");
        assert_eq!(csv.lines().count(), 6);

        let csv = get("/registers/country/entries.csv?limit=3").await.text().await.unwrap();
        assert!(csv.starts_with("index-entry-number,entry-number,entry-timestamp,key,item-hash\n1,1,"), "{csv}");
        assert_eq!(csv.lines().count(), 4);

        let rsf = get("/registers/country/download-rsf").await.text().await.unwrap();
        assert_eq!(rsf, text);

        let root: Value = get("/registers/country/proof/register/merkle:sha-256").await.json().await.unwrap();
        assert_eq!(root["root-hash"].as_str().unwrap(), common::asserted_root(&text));
        let info = registers.get(Owner::National, &name).await.unwrap();
        let proof: Value = get("/registers/country/proof/entries/17/150/merkle:sha-256").await.json().await.unwrap();
        let path: Vec<Vec<u8>> =
            proof["merkle-audit-path"].as_array().unwrap().iter().map(|h| b64(h.as_str().unwrap())).collect();
        let leaf = registers.leaf_hash(&info, 17).await.unwrap();
        let root150 = registers.root(&info, 150).await.unwrap();
        verify_inclusion(16, 150, &leaf, &path, &root150).unwrap();
        let redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r =
            redirect.get(format!("{base}/registers/country/proof/entry/17/150/merkle:sha-256")).send().await.unwrap();
        assert_eq!(r.status(), 308);
        assert_eq!(r.headers()["location"], "/registers/country/proof/entries/17/150/merkle:sha-256");
        let cons: Value =
            get("/registers/country/proof/consistency/150/210/merkle:sha-256").await.json().await.unwrap();
        let nodes: Vec<Vec<u8>> =
            cons["merkle-consistency-nodes"].as_array().unwrap().iter().map(|h| b64(h.as_str().unwrap())).collect();
        let root210 = b64(root["root-hash"].as_str().unwrap());
        verify_consistency(150, 210, &nodes, &root150, &root210).unwrap();

        let note = get("/registers/country/checkpoint").await.text().await.unwrap();
        let key = get("/checkpoint-key").await.text().await.unwrap();
        let checked = registers::verify_checkpoint(&note, key.trim()).unwrap();
        assert_eq!(checked.size, 210);
        assert_eq!(checked.origin, "test.example/registers/country");

        for (path, status, words) in [
            ("/registers/nowhere/records", 404, "no register named"),
            ("/registers/country/records/XX", 404, "no record"),
            ("/registers/country/entries/999", 404, "no entry number 999"),
            ("/registers/country/proof/entries/5/999/merkle:sha-256", 400, "999"),
            ("/registers/country/proof/consistency/0/5/merkle:sha-256", 400, ""),
            ("/registers/country/proof/consistency/9/5/merkle:sha-256", 400, ""),
            ("/registers/country/items/sha-256:zz", 400, "sha-256"),
            ("/registers/country/records?page-size=0", 400, "page-size"),
            ("/councils/nowhere/registers", 404, "no council"),
            ("/registers/country/download-rsf/999", 400, "999"),
        ] {
            let r = get(path).await;
            assert_eq!(r.status().as_u16(), status, "{path}");
            let body = r.text().await.unwrap();
            assert!(body.contains(words), "{path}: {body}");
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn writes_need_the_registers_custodian_key_and_bad_entries_change_nothing() {
    for (t, registers) in common::stores().await {
        let council = Councils::new(t.store.clone())
            .create(&CouncilSlug::parse("exampleshire").unwrap(), "Exampleshire")
            .await
            .unwrap();
        let owner = Owner::Council(council.id);
        let name = RegisterName::parse("street").unwrap();
        let info = registers.create(owner, &name, true).await.unwrap();
        let key = registers.create_key(&info, "test").await.unwrap();
        let base = serve(registers.clone()).await;
        let http = reqwest::Client::new();
        let url = format!("{base}/councils/exampleshire/registers/street/entries");
        let define = json!([
            {"key": "name", "item": {"name": "street"}, "log": "system"},
            {"key": "field:street", "item": {"field": "street", "datatype": "string", "cardinality": "1"}, "log": "system"},
            {"key": "field:name", "item": {"field": "name", "datatype": "string", "cardinality": "1"}, "log": "system"},
            {"key": "register:street", "item": {"fields": ["street", "name"], "register": "street"}, "log": "system"},
        ]);
        let r = http.post(&url).json(&define).send().await.unwrap();
        assert_eq!(r.status(), 401, "no key");
        let r = http.post(&url).bearer_auth("ghk_wrong").json(&define).send().await.unwrap();
        assert_eq!(r.status(), 401, "wrong key");
        let r = http.post(&url).bearer_auth(&key).json(&define).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let r = http
            .post(&url)
            .bearer_auth(&key)
            .json(&json!([{"key": "1", "item": {"street": "1", "name": "High Street"}}]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["entry-number"], "1");
        let before: Value = http
            .get(format!("{base}/councils/exampleshire/registers/street/proof/register/merkle:sha-256"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for (bad, status, words) in [
            (json!([{"key": "2", "item": {"street": "2", "colour": "red"}}]), 400, "colour"),
            (
                json!([{"key": "2", "item": {"street": "2"}}, {"key": "bad key", "item": {"street": "bad key"}}]),
                400,
                "key",
            ),
            (json!({"key": "2"}), 400, "JSON list"),
        ] {
            let r = http.post(&url).bearer_auth(&key).json(&bad).send().await.unwrap();
            assert_eq!(r.status().as_u16(), status, "{bad}");
            let text = r.text().await.unwrap();
            assert!(text.contains(words), "{bad}: {text}");
        }
        let after: Value = http
            .get(format!("{base}/councils/exampleshire/registers/street/proof/register/merkle:sha-256"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(before, after);
        // The national namespace has no register of that name.
        let r = http.get(format!("{base}/registers/street/records")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let load = format!("{base}/councils/exampleshire/registers/street/load-rsf");
        // RSF continuing from the current root appends, as GOV.UK Registers' load-rsf did.
        let item = registers::Item::from_value(&json!({"street": "2", "name": "Mill Lane"})).unwrap();
        let rsf = format!(
            "assert-root-hash\t{}\nadd-item\t{}\nappend-entry\tuser\t2\t2024-01-01T00:00:00Z\t{}\n",
            after["root-hash"].as_str().unwrap(),
            item.canonical(),
            item.hash()
        );
        let r = http.post(&load).body(rsf.clone()).send().await.unwrap();
        assert_eq!(r.status(), 401, "load-rsf without a key");
        let r = http.post(&load).bearer_auth(&key).body(rsf).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let loaded: Value = r.json().await.unwrap();
        assert_eq!((loaded["total-entries"].as_u64(), loaded["user-entries-added"].as_u64()), (Some(2), Some(1)));
        let two: Value = http
            .get(format!("{base}/councils/exampleshire/registers/street/records/2"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(two["2"]["item"][0]["name"], "Mill Lane");
        let r = http.post(&load).bearer_auth(&key).body("assert-root-hash\tsha-256:00\n").send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("line 1"));
        t.cleanup().await;
    }
}
