//! Crash safety: `guildhall serve` is SIGKILLed while custodians append entries over HTTP; after a
//! restart on the same database every acknowledged entry is there, unchanged, and the register
//! verifies. Runs on SQLite, and on PostgreSQL when configured.

mod common;

use common::Server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use registers::{Item, NewEntry, Owner, RegisterName, Registers};
use serde_json::{Value, json};

/// An entry the server acknowledged with 201.
#[derive(Debug, Clone)]
struct Acked {
    number: u64,
    key: String,
    item: Value,
}

fn entry_number(body: &Value) -> Option<u64> {
    let v = match body {
        Value::Array(a) => a.first()?.get("entry-number")?,
        other => other.get("entry-number")?,
    };
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

async fn prepared_register(registers: &Registers) -> String {
    let name = RegisterName::parse("crash-test").unwrap();
    let info = registers.create(Owner::National, &name, true).await.unwrap();
    let field =
        |f: &str| NewEntry::system(format!("field:{f}"), json!({"field": f, "datatype": "string", "cardinality": "1"}));
    registers
        .append(
            &info,
            vec![
                NewEntry::system("name", json!({"name": "crash-test"})),
                field("crash-test"),
                field("value"),
                NewEntry::system(
                    "register:crash-test",
                    json!({"register": "crash-test", "fields": ["crash-test", "value"]}),
                ),
            ],
        )
        .await
        .unwrap();
    registers.create_key(&info, "crash test").await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_entry_survives_a_sigkill_and_the_register_still_verifies() {
    for (t, registers) in common::stores().await {
        let key = prepared_register(&registers).await;
        let mut server = Server::start(&t.url);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
        let mut writers = Vec::new();
        for w in 0..4 {
            let (client, acked, key) = (client.clone(), acked.clone(), key.clone());
            let url = format!("{}/registers/crash-test/entries", server.base);
            writers.push(tokio::spawn(async move {
                for i in 0.. {
                    let record = format!("w{w}-{i}");
                    let item = json!({"crash-test": record, "value": format!("value {i} from writer {w}")});
                    let sent =
                        client.post(&url).bearer_auth(&key).json(&json!([{"key": record, "item": item}])).send().await;
                    let Ok(response) = sent else { break };
                    if response.status() != 201 {
                        let status = response.status();
                        let text = response.text().await.unwrap_or_default();
                        assert!(status.is_server_error(), "append refused with {status}: {text}");
                        break;
                    }
                    let Ok(body) = response.json::<Value>().await else { break };
                    let number = entry_number(&body).unwrap_or_else(|| panic!("201 without an entry-number: {body}"));
                    acked.lock().unwrap().push(Acked { number, key: record, item });
                }
            }));
        }
        let started = Instant::now();
        while acked.lock().unwrap().len() < 400 && started.elapsed() < Duration::from_secs(3) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.kill();
        for w in writers {
            w.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(acked.len() >= 20, "only {} entries were acknowledged before the kill", acked.len());

        let restarted = Server::start(&t.url);
        let ready = client.get(format!("{}/readyz", restarted.base)).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let info = registers.get(Owner::National, &RegisterName::parse("crash-test").unwrap()).await.unwrap();
        assert!(info.user_size >= acked.len() as u64, "{} stored < {} acknowledged", info.user_size, acked.len());
        for a in &acked {
            let entry = registers.entry(&info, a.number).await.unwrap();
            assert_eq!(entry.key, a.key, "entry {}", a.number);
            assert_eq!(entry.item_hashes, vec![Item::from_value(&a.item).unwrap().hash()], "entry {}", a.number);
        }
        let out = common::guildhall(&t.url, &["register", "verify", "crash-test"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        drop(restarted);
        eprintln!("{:?}: {} acknowledged, {} stored after the crash", t.backend(), acked.len(), info.user_size);
        t.cleanup().await;
    }
}
