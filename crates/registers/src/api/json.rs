//! The openregister v1 JSON and CSV shapes of entries, records, registers and proofs, shared by
//! the HTTP API and the CLI so that both print the same thing.

use serde_json::{Map, Value, json};

use crate::entry::Entry;
use crate::merkle::Hash;
use crate::read::Record;
use crate::register::RegisterInfo;
use crate::schema::Schema;

/// `sha-256:<hex>`, as registers write every hash.
pub fn hash_text(h: &Hash) -> String {
    format!("sha-256:{}", hex::encode(h))
}

/// An entry: numbers as strings, item hashes always a list.
pub fn entry_json(e: &Entry) -> Value {
    json!({
        "index-entry-number": e.number.to_string(),
        "entry-number": e.number.to_string(),
        "entry-timestamp": e.timestamp,
        "key": e.key,
        "item-hash": e.item_hashes.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    })
}

/// A record's body: its entry's fields and its items.
pub fn record_body(r: &Record) -> Value {
    json!({
        "index-entry-number": r.entry.number.to_string(),
        "entry-number": r.entry.number.to_string(),
        "entry-timestamp": r.entry.timestamp,
        "key": r.entry.key,
        "item": r.items.iter().map(|i| i.value()).collect::<Vec<_>>(),
    })
}

/// Records keyed by their key, as `/records` and `/records/{key}` return them.
pub fn records_json(records: &[Record]) -> Value {
    let mut map = Map::new();
    for r in records {
        map.insert(r.entry.key.clone(), record_body(r));
    }
    Value::Object(map)
}

/// The `/register` resource.
pub fn register_json(info: &RegisterInfo, schema: &Schema, records: u64, domain: &str) -> Value {
    let mut v = json!({
        "domain": domain,
        "total-entries": info.user_size,
        "total-records": records,
        "last-updated": info.updated_at,
        "register-record": schema.register_record.clone().unwrap_or_else(|| json!({ "register": info.name.as_str() })),
    });
    if let Some(c) = &schema.custodian {
        v["custodian"] = json!(c);
    }
    if let Some(t) = &schema.title {
        v["register-name"] = json!(t);
    }
    v
}

/// The root of the tree: `/proof/register/merkle:sha-256`.
pub fn root_json(size: u64, root: &Hash) -> Value {
    json!({ "proof-identifier": "merkle:sha-256", "total-entries": size, "root-hash": hash_text(root) })
}

/// An inclusion proof: `/proof/entries/{n}/{size}/merkle:sha-256`.
pub fn inclusion_json(number: u64, size: u64, path: &[Hash]) -> Value {
    json!({
        "proof-identifier": "merkle:sha-256",
        "entry-number": number.to_string(),
        "total-entries": size,
        "merkle-audit-path": path.iter().map(hash_text).collect::<Vec<_>>(),
    })
}

/// A consistency proof: `/proof/consistency/{m}/{n}/merkle:sha-256`.
pub fn consistency_json(from: u64, to: u64, nodes: &[Hash]) -> Value {
    json!({
        "proof-identifier": "merkle:sha-256",
        "from-total-entries": from,
        "to-total-entries": to,
        "merkle-consistency-nodes": nodes.iter().map(hash_text).collect::<Vec<_>>(),
    })
}

/// Entries as CSV: the entry fields, item hashes `;`-joined.
pub fn entries_csv(entries: &[Entry]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["index-entry-number", "entry-number", "entry-timestamp", "key", "item-hash"])?;
    for e in entries {
        let n = e.number.to_string();
        w.write_record([
            n.as_str(),
            n.as_str(),
            e.timestamp.as_str(),
            e.key.as_str(),
            e.joined_item_hashes().as_str(),
        ])?;
    }
    Ok(String::from_utf8_lossy(&w.into_inner().map_err(|e| e.into_error())?).into_owned())
}

/// Records as CSV: the entry fields, then one column per register field (lists `;`-joined).
pub fn records_csv(records: &[Record], schema: &Schema) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["index-entry-number", "entry-number", "entry-timestamp", "key"];
    header.extend(schema.fields.iter().map(String::as_str));
    w.write_record(&header)?;
    for r in records {
        let n = r.entry.number.to_string();
        let item = r.items.first().map(|i| i.value()).unwrap_or(Value::Null);
        let mut row = vec![n.clone(), n, r.entry.timestamp.clone(), r.entry.key.clone()];
        for f in &schema.fields {
            row.push(match item.get(f) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(";"),
                Some(other) => other.to_string(),
                None => String::new(),
            });
        }
        w.write_record(&row)?;
    }
    Ok(String::from_utf8_lossy(&w.into_inner().map_err(|e| e.into_error())?).into_owned())
}
