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

/// The placeholder sigil for generated statements. Binding looks every numbered or named SQLite
/// parameter up in a list, so a statement with thousands of `$N` (or `?N`) costs quadratic time;
/// anonymous `?`, bound in order of appearance, cost nothing. PostgreSQL knows only `$N`.
pub(crate) fn sigil(conn: &AnyConnection) -> char {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") { '?' } else { '$' }
}

/// Placeholder `n`: `$n` on PostgreSQL, an anonymous `?` on SQLite (so statements must bind in text order).
pub(crate) fn ph(sigil: char, n: usize) -> String {
    if sigil == '?' { "?".to_string() } else { format!("${n}") }
}

/// Rows looked up per statement by [`lookup_sql`]: SQLite allows at most 500 terms in a compound SELECT.
pub(crate) const LOOKUP_CHUNK: usize = 400;

/// One statement that looks rows up by full primary key, as a `UNION ALL` of single-row
/// SELECTs: unlike `IN (…)`, each branch is an exact key lookup whatever the planner's statistics
/// say (PostgreSQL, before it has analysed a freshly loaded table, otherwise scans the register).
/// `branch` holds `{}` where the placeholder for the looked-up value goes.
pub(crate) fn lookup_sql(sigil: char, branch: &str, n: usize) -> String {
    (1..=n).map(|i| branch.replace("{}", &ph(sigil, i))).collect::<Vec<_>>().join(" UNION ALL ")
}

/// An id we own (never user input) written into SQL as a literal, `NULL` when absent.
pub(crate) fn sql_int(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "NULL".to_string())
}

/// `$s,$s+1,…` for an `IN (…)` list (`?` instead of `$` on SQLite).
pub(crate) fn list(sigil: char, start: usize, n: usize) -> String {
    (start..start + n).map(|i| ph(sigil, i)).collect::<Vec<_>>().join(",")
}

/// Fetches stored Merkle node hashes by id (from the rows of the entries that completed them);
/// ids that are not stored are simply absent.
pub(crate) async fn fetch_nodes(
    conn: &mut AnyConnection,
    register_id: i64,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>> {
    let mut numbers: Vec<i64> = ids.iter().map(|id| id.completed_by() as i64).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut blobs: HashMap<u64, Vec<u8>> = HashMap::with_capacity(numbers.len());
    for chunk in numbers.chunks(LOOKUP_CHUNK) {
        let branch = format!(
            "SELECT entry_number, merkle_hashes FROM entries WHERE register_id = {register_id} AND log = 0 AND entry_number = {{}}"
        );
        let sql = lookup_sql(sigil(conn), &branch, chunk.len());
        let mut q = sqlx::query(&sql);
        for n in chunk {
            q = q.bind(*n);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let blob: Option<Vec<u8>> = row.try_get(1)?;
            blobs.insert(row.try_get::<i64, _>(0)? as u64, blob.unwrap_or_default());
        }
    }
    let mut out = HashMap::with_capacity(ids.len());
    for id in ids {
        let (number, offset) = (id.completed_by(), 32 * id.level as usize);
        if let Some(hash) = blobs.get(&number).and_then(|b| b.get(offset..offset + 32)) {
            out.insert(*id, to_hash(hash)?);
        }
    }
    Ok(out)
}

/// Fetches items by hash; absent hashes are simply missing from the map.
pub(crate) async fn fetch_items(
    conn: &mut AnyConnection,
    register_id: i64,
    hashes: &[ItemHash],
) -> Result<HashMap<ItemHash, Item>> {
    let mut out = HashMap::with_capacity(hashes.len());
    for chunk in hashes.chunks(LOOKUP_CHUNK) {
        let branch = format!("SELECT hash, content FROM items WHERE register_id = {register_id} AND hash = {{}}");
        let sql = lookup_sql(sigil(conn), &branch, chunk.len());
        let mut q = sqlx::query(&sql);
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
    let rows =
        sqlx::query("SELECT key, item_hashes FROM entries WHERE register_id = $1 AND log = 1 ORDER BY entry_number")
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
            let item = items
                .get(&h)
                .ok_or_else(|| RegisterError::Corrupt(format!("system entry {key:?} points at missing item {h}")))?;
            schema.apply_system_item(&key, &item.value());
        }
    }
    Ok(schema)
}

/// A stored hash must be 32 bytes.
pub(crate) fn to_hash(bytes: &[u8]) -> Result<Hash> {
    bytes.try_into().map_err(|_| RegisterError::Corrupt(format!("a stored hash is {} bytes, not 32", bytes.len())))
}
