//! Small SQL helpers shared by the writer and the reader: placeholder lists and the queries that
//! fetch Merkle nodes, items and the system log in bulk. SQL here is written once for both backends.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use crate::canonical::{Item, ItemHash};
use crate::error::{RegisterError, Result};
use crate::merkle::{Hash, NodeId};
use crate::schema::Schema;

/// At most this many bound values per statement (SQLite allows 32766, PostgreSQL 65535).
pub(crate) const MAX_PARAMS: usize = 30_000;

/// `($s,$s+1,…),(…)` for `rows` rows of `cols` values starting at `$start`.
pub(crate) fn value_rows(start: usize, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 7);
    let mut n = start;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            s.push('$');
            s.push_str(&n.to_string());
            n += 1;
        }
        s.push(')');
    }
    s
}

/// `$s,$s+1,…` for an `IN (…)` list.
pub(crate) fn list(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(",")
}

/// Fetches stored Merkle node hashes by id; ids that are not stored are simply absent.
pub(crate) async fn fetch_nodes(conn: &mut AnyConnection, register_id: i64, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_PARAMS - 1) {
        let sql = format!(
            "SELECT node, hash FROM merkle_nodes WHERE register_id = $1 AND node IN ({})",
            list(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(register_id);
        for id in chunk {
            q = q.bind(id.storage_key());
        }
        for row in q.fetch_all(&mut *conn).await? {
            let node = NodeId::from_storage_key(row.try_get(0)?);
            out.insert(node, to_hash(&row.try_get::<Vec<u8>, _>(1)?)?);
        }
    }
    Ok(out)
}

/// Fetches items by hash; absent hashes are simply missing from the map.
pub(crate) async fn fetch_items(conn: &mut AnyConnection, register_id: i64, hashes: &[ItemHash]) -> Result<HashMap<ItemHash, Item>> {
    let mut out = HashMap::with_capacity(hashes.len());
    for chunk in hashes.chunks(MAX_PARAMS - 1) {
        let sql = format!(
            "SELECT hash, content FROM items WHERE register_id = $1 AND hash IN ({})",
            list(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(register_id);
        for h in chunk {
            q = q.bind(h.0.to_vec());
        }
        for row in q.fetch_all(&mut *conn).await? {
            let hash = ItemHash(to_hash(&row.try_get::<Vec<u8>, _>(0)?)?);
            out.insert(hash, Item::from_stored(row.try_get(1)?));
        }
    }
    Ok(out)
}

/// Replays the system log into a schema.
pub(crate) async fn load_schema(conn: &mut AnyConnection, register_id: i64) -> Result<Schema> {
    let rows = sqlx::query("SELECT key, item_hashes FROM entries WHERE register_id = $1 AND log = 1 ORDER BY entry_number")
        .bind(register_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut system = Vec::with_capacity(rows.len());
    let mut hashes = Vec::new();
    for row in rows {
        let key: String = row.try_get(0)?;
        let hs = crate::entry::parse_item_hashes(&row.try_get::<String, _>(1)?).map_err(RegisterError::Corrupt)?;
        hashes.extend(hs.iter().copied());
        system.push((key, hs));
    }
    let items = fetch_items(conn, register_id, &hashes).await?;
    let mut schema = Schema::default();
    for (key, hs) in system {
        for h in hs {
            let item = items.get(&h).ok_or_else(|| RegisterError::Corrupt(format!("system entry {key:?} points at missing item {h}")))?;
            schema.apply_system_item(&key, &item.value());
        }
    }
    Ok(schema)
}

/// A stored hash must be 32 bytes.
pub(crate) fn to_hash(bytes: &[u8]) -> Result<Hash> {
    bytes.try_into().map_err(|_| RegisterError::Corrupt(format!("a stored hash is {} bytes, not 32", bytes.len())))
}
