//! The cost of a verifiable register: append throughput and proof latency through the real store,
//! each beside a baseline without Merkle work (plain multi-row INSERTs; an in-memory tree).
//!
//! `cargo bench -p registers --no-default-features --bench log`
//!
//! Environment: `BENCH_SIZES` (register sizes to reach and measure at, default `1000000,10000000`;
//! one register grows through them), `BENCH_BATCH` (entries per `Registers::append`, default
//! 50000), `BENCH_RAW_PARAMS` (bound values per baseline INSERT, default 1000),
//! `GUILDHALL_TEST_POSTGRES_URL` (also run on a fresh PostgreSQL database). SQLite runs on
//! a temporary file in WAL mode with the store's production settings. See bench/README.md.

use std::io::Write as _;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use registers::canonical::to_canonical_json;
use registers::merkle::{Hash, MemoryTree, leaf_hash, verify_consistency, verify_inclusion};
use registers::{Entry, Item, Log, NewEntry, Owner, RegisterInfo, RegisterName, Registers};
use serde_json::{Value, json};
use sqlx::Row;
use store::{Backend, Store};

/// Proofs timed at each size.
const PROOFS: usize = 2000;
/// Every entry carries this timestamp, so the leaves can be rebuilt in memory for the baseline.
const TIMESTAMP: &str = "2024-05-01T12:00:00Z";
/// Bound values per baseline INSERT statement unless `BENCH_RAW_PARAMS` says otherwise. Kept
/// modest: SQLite looks `$N` parameters up by name in a list, so a statement's prepare and bind
/// cost grows with the square of its parameter count (30 000 parameters take seconds).
const RAW_PARAMS: u64 = 1000;

macro_rules! say {
    ($($arg:tt)*) => {{
        println!($($arg)*);
        let _ = std::io::stdout().flush();
    }};
}

const STREETS: [&str; 8] = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Mill Lane",
    "Park Avenue",
    "Queens Road",
    "Green Lane",
];
const TOWNS: [(&str, &str); 6] =
    [("Leeds", "LS"), ("York", "YO"), ("Bradford", "BD"), ("Harrogate", "HG"), ("Wakefield", "WF"), ("Halifax", "HX")];

/// The key of entry `i`: a UPRN-like number, unique per entry.
fn key(i: u64) -> String {
    (100_000_000_000 + i).to_string()
}

/// An address-like item of about 150 bytes for entry `i`.
fn address(i: u64) -> Value {
    let (town, area) = TOWNS[(i % 6) as usize];
    json!({
        "address": key(i),
        "property": format!("Flat {}, {} House", i % 97 + 1, ["Rose", "Oak", "Elm", "Ash"][(i % 4) as usize]),
        "street": STREETS[(i / 7 % 8) as usize],
        "town": town,
        "postcode": format!("{area}{} {}{}", i % 29 + 1, i % 9 + 1, ["AB", "XY", "QT", "LN"][(i / 3 % 4) as usize]),
        "usrn": (40_000_000 + i / 50).to_string(),
        "start-date": "2019-04-01",
    })
}

/// The system entries that define the bench's address register.
fn definition() -> Vec<NewEntry> {
    let field = |name: &str, datatype: &str| {
        NewEntry::system(format!("field:{name}"), json!({"field": name, "datatype": datatype, "cardinality": "1"}))
    };
    vec![
        NewEntry::system("name", json!({"name": "address"})),
        field("address", "string"),
        field("property", "string"),
        field("street", "string"),
        field("town", "string"),
        field("postcode", "string"),
        field("usrn", "integer"),
        field("start-date", "datetime"),
        NewEntry::system(
            "register:address",
            json!({"fields": ["address", "property", "street", "town", "postcode", "usrn", "start-date"], "register": "address", "text": "Addresses, for benchmarking"}),
        ),
    ]
}

fn env_list(name: &str, default: &str) -> Vec<u64> {
    let text = std::env::var(name).unwrap_or_else(|_| default.to_string());
    let mut sizes: Vec<u64> = text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().replace('_', "").parse().unwrap_or_else(|_| panic!("{name}: {s:?} is not a number")))
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// ceil(log2 n) for n >= 1: the RFC 9162 bound on an inclusion proof's length.
fn ceil_log2(n: u64) -> u32 {
    64 - (n - 1).leading_zeros()
}

/// Latencies in µs: mean and 99th percentile.
struct Latency {
    mean: f64,
    p99: f64,
}

fn latency(mut samples: Vec<Duration>) -> Latency {
    samples.sort_unstable();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mean = samples.iter().map(|d| us(*d)).sum::<f64>() / samples.len() as f64;
    let p99 = us(samples[((samples.len() as f64 * 0.99).ceil() as usize).clamp(1, samples.len()) - 1]);
    Latency { mean, p99 }
}

/// Hashes per proof: max and mean.
struct Lengths {
    max: usize,
    mean: f64,
}

fn lengths(ls: &[usize]) -> Lengths {
    Lengths {
        max: ls.iter().copied().max().unwrap_or(0),
        mean: ls.iter().sum::<usize>() as f64 / ls.len().max(1) as f64,
    }
}

/// One row of results.
struct Measured {
    store: &'static str,
    from: u64,
    size: u64,
    append_rate: f64,
    raw_rate: f64,
    bytes: Option<i64>,
    inclusion: Latency,
    inclusion_view: Latency,
    inclusion_memory: Latency,
    inclusion_hashes: Lengths,
    consistency: Latency,
    consistency_view: Latency,
    consistency_memory: Latency,
    consistency_hashes: Lengths,
    floor: Latency,
    view_catch_up: Duration,
}

/// The store's size on disk (SQLite: the file and its WAL; PostgreSQL: the database).
async fn storage_bytes(store: &Store, sqlite_dir: Option<&std::path::Path>) -> Option<i64> {
    match (store.backend(), sqlite_dir) {
        (Backend::Sqlite, Some(dir)) => {
            let total =
                std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len() as i64).sum();
            Some(total)
        }
        (Backend::Postgres, _) => {
            let row = sqlx::query("SELECT pg_database_size(current_database())").fetch_one(store.pool()).await.ok()?;
            row.try_get::<i64, _>(0).ok()
        }
        _ => None,
    }
}

/// Appends entries `from+1 ..= to` in batches; returns the time spent inside `Registers::append`.
async fn append(
    registers: &Registers,
    info: &RegisterInfo,
    from: u64,
    to: u64,
    batch: u64,
    tree: &mut MemoryTree,
    leaves: &mut Vec<Hash>,
) -> Duration {
    let mut spent = Duration::ZERO;
    let mut next = from + 1;
    let batches = (to - from).div_ceil(batch);
    let report_every = (batches / 10).max(1);
    let mut done = 0;
    while next <= to {
        let last = (next + batch - 1).min(to);
        let mut entries = Vec::with_capacity((last - next + 1) as usize);
        for i in next..=last {
            let item = address(i);
            // The same leaf the store will hash, kept for the in-memory baseline.
            let hash = Item::from_value(&item).unwrap().hash();
            let entry =
                Entry { log: Log::User, number: i, key: key(i), timestamp: TIMESTAMP.into(), item_hashes: vec![hash] };
            let leaf = leaf_hash(&entry.leaf_bytes());
            tree.push(leaf);
            leaves.push(leaf);
            entries.push(NewEntry {
                log: Log::User,
                key: entry.key,
                timestamp: Some(TIMESTAMP.into()),
                items: vec![item],
            });
        }
        let started = Instant::now();
        let receipt = registers.append(info, entries).await.unwrap_or_else(|e| panic!("append {next}..={last}: {e}"));
        spent += started.elapsed();
        assert_eq!(receipt.user_entries, next..=last);
        done += 1;
        if done % report_every == 0 || last == to {
            say!(
                "    appended {last:>11} entries  ({:>9.0} entries/s so far)",
                (last - from) as f64 / spent.as_secs_f64()
            );
        }
        next = last + 1;
    }
    spent
}

/// Inserts rows `from+1 ..= to` into the scratch table in one transaction with multi-row
/// INSERTs; returns the time spent in the database (not building the rows).
async fn baseline_insert(store: &Store, from: u64, to: u64, params: u64) -> Duration {
    let per_statement = (params / 4).max(1);
    let started = Instant::now();
    let mut tx = store.pool().begin().await.unwrap();
    let mut spent = started.elapsed();
    let mut next = from + 1;
    while next <= to {
        let last = (next + per_statement - 1).min(to);
        let rows: Vec<(i64, String, String)> =
            (next..=last).map(|i| (i as i64, key(i), to_canonical_json(&address(i)))).collect();
        let mut sql = String::from("INSERT INTO bench_plain_rows (n, key, timestamp, content) VALUES ");
        for r in 0..rows.len() {
            if r > 0 {
                sql.push(',');
            }
            let p = r * 4;
            sql.push_str(&format!("(${},${},${},${})", p + 1, p + 2, p + 3, p + 4));
        }
        let started = Instant::now();
        let mut q = sqlx::query(&sql);
        for (n, k, content) in &rows {
            q = q.bind(*n).bind(k.as_str()).bind(TIMESTAMP).bind(content.as_str());
        }
        q.execute(&mut *tx).await.unwrap();
        spent += started.elapsed();
        next = last + 1;
    }
    let started = Instant::now();
    tx.commit().await.unwrap();
    spent + started.elapsed()
}

/// Times inclusion and consistency proofs at the register's current size: from the store (one
/// query each), from the brick's in-memory Merkle view, and from the in-memory tree, checking that
/// all three give the same proofs and that every proof verifies.
async fn proofs(
    registers: &Registers,
    viewed: &Registers,
    info: &RegisterInfo,
    tree: &MemoryTree,
    leaves: &[Hash],
    rng: &mut StdRng,
) -> [(Latency, Latency, Latency, Lengths); 2] {
    let size = info.user_size;
    let root = registers.root(info, size).await.unwrap();
    assert_eq!(root, tree.root_at(size).unwrap(), "the store's root differs from the in-memory tree's");

    let picks: Vec<u64> = (0..PROOFS).map(|_| rng.gen_range(1..=size)).collect();
    let (mut store_t, mut view_t, mut memory_t, mut lens) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &n in &picks {
        let started = Instant::now();
        let proof = registers.inclusion_proof(info, n, size).await.unwrap();
        store_t.push(started.elapsed());
        let started = Instant::now();
        let from_view = viewed.inclusion_proof(info, n, size).await.unwrap();
        view_t.push(started.elapsed());
        let started = Instant::now();
        let in_memory = tree.inclusion_proof(n - 1, size).unwrap();
        memory_t.push(started.elapsed());
        assert_eq!(proof, in_memory, "inclusion of {n} in {size}");
        assert_eq!(from_view, in_memory, "inclusion of {n} in {size} from the view");
        verify_inclusion(n - 1, size, &leaves[(n - 1) as usize], &proof, &root).unwrap();
        lens.push(proof.len());
    }
    let inclusion = (latency(store_t), latency(view_t), latency(memory_t), lengths(&lens));

    let (mut store_t, mut view_t, mut memory_t, mut lens) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if size > 1 {
        for _ in 0..PROOFS {
            let m = rng.gen_range(1..size);
            let started = Instant::now();
            let proof = registers.consistency_proof(info, m, size).await.unwrap();
            store_t.push(started.elapsed());
            let started = Instant::now();
            let from_view = viewed.consistency_proof(info, m, size).await.unwrap();
            view_t.push(started.elapsed());
            let started = Instant::now();
            let in_memory = tree.consistency_proof(m, size).unwrap();
            memory_t.push(started.elapsed());
            assert_eq!(proof, in_memory, "consistency {m} to {size}");
            assert_eq!(from_view, in_memory, "consistency {m} to {size} from the view");
            verify_consistency(m, size, &proof, &tree.root_at(m).unwrap(), &root).unwrap();
            lens.push(proof.len());
        }
    } else {
        store_t.push(Duration::ZERO);
        view_t.push(Duration::ZERO);
        memory_t.push(Duration::ZERO);
    }
    [inclusion, (latency(store_t), latency(view_t), latency(memory_t), lengths(&lens))]
}

/// The floor under any proof from the store: a trivial query through the same pool.
async fn query_floor(store: &Store) -> Latency {
    let mut samples = Vec::with_capacity(PROOFS);
    for _ in 0..PROOFS {
        let started = Instant::now();
        let row = sqlx::query("SELECT CAST(1 AS BIGINT)").fetch_one(store.pool()).await.unwrap();
        samples.push(started.elapsed());
        assert_eq!(row.try_get::<i64, _>(0).unwrap(), 1);
    }
    latency(samples)
}

/// The whole run on one store: grow one register through every size, measuring at each.
async fn run(
    label: &'static str,
    store: &Store,
    sqlite_dir: Option<&std::path::Path>,
    sizes: &[u64],
    batch: u64,
    raw_params: u64,
) -> Vec<Measured> {
    Registers::migrate(store).await.unwrap();
    let registers = Registers::new(store.clone());
    let viewed = registers.clone().with_merkle_views();
    sqlx::query("CREATE TABLE bench_plain_rows (n BIGINT PRIMARY KEY, key TEXT NOT NULL, timestamp TEXT NOT NULL, content TEXT NOT NULL)")
        .execute(store.pool())
        .await
        .unwrap();
    let info = registers.create(Owner::National, &RegisterName::parse("address").unwrap(), true).await.unwrap();
    let info = registers.append(&info, definition()).await.unwrap().register;
    let mut tree = MemoryTree::new();
    let mut leaves = Vec::new();
    let mut rng = StdRng::seed_from_u64(9162);
    let mut rows = Vec::new();
    let mut from = 0;
    for &size in sizes {
        say!("\n== {label}: entries {} to {size}, batches of {batch} ==", from + 1);
        let append_time = append(&registers, &info, from, size, batch, &mut tree, &mut leaves).await;
        let append_rate = (size - from) as f64 / append_time.as_secs_f64();
        say!(
            "  registers append : {:>10.0} entries/s  ({:.2} s in Registers::append)",
            append_rate,
            append_time.as_secs_f64()
        );
        let raw_time = baseline_insert(store, from, size, raw_params).await;
        let raw_rate = (size - from) as f64 / raw_time.as_secs_f64();
        say!(
            "  baseline INSERT  : {:>10.0} rows/s     ({:.2} s, one transaction, {} rows per INSERT, no Merkle work)  raw/registers {:.2}x",
            raw_rate,
            raw_time.as_secs_f64(),
            (raw_params / 4).max(1),
            raw_rate / append_rate
        );
        let info = registers.get(Owner::National, &info.name).await.unwrap();
        assert_eq!(info.user_size, size);
        let bytes = storage_bytes(store, sqlite_dir).await;
        if let Some(b) = bytes {
            say!("  storage          : {:.1} MiB (register and baseline rows together)", b as f64 / 1_048_576.0);
        }
        let started = Instant::now();
        viewed.warm_merkle_view(&info).await.unwrap();
        let view_catch_up = started.elapsed();
        say!(
            "  Merkle view      : caught up to {size} entries in {:.2} s (built from the stored hashes, 64 bytes per entry)",
            view_catch_up.as_secs_f64()
        );
        let [inclusion, consistency] = proofs(&registers, &viewed, &info, &tree, &leaves, &mut rng).await;
        let floor = query_floor(store).await;
        say!("  query floor      : SELECT 1 through the pool, mean {:.1} µs p99 {:.1} µs", floor.mean, floor.p99);
        for (what, (stored, view, memory, lens)) in [("inclusion", &inclusion), ("consistency", &consistency)] {
            say!(
                "  {what:<11} proof: store mean {:>7.1} µs p99 {:>7.1} µs | view mean {:>6.2} µs p99 {:>6.2} µs | memory tree mean {:>6.2} µs | store/view {:>6.1}x | hashes max {} mean {:.1} (ceil(log2 {size}) = {})",
                stored.mean,
                stored.p99,
                view.mean,
                view.p99,
                memory.mean,
                stored.mean / view.mean.max(1e-3),
                lens.max,
                lens.mean,
                ceil_log2(size)
            );
        }
        assert!(inclusion.3.max as u32 <= ceil_log2(size), "an inclusion proof exceeded ceil(log2 n) hashes");
        let (inclusion_store, inclusion_view, inclusion_memory, inclusion_hashes) = inclusion;
        let (consistency_store, consistency_view, consistency_memory, consistency_hashes) = consistency;
        rows.push(Measured {
            store: label,
            from,
            size,
            append_rate,
            raw_rate,
            bytes,
            inclusion: inclusion_store,
            inclusion_view,
            inclusion_memory,
            inclusion_hashes,
            consistency: consistency_store,
            consistency_view,
            consistency_memory,
            consistency_hashes,
            floor,
            view_catch_up,
        });
        from = size;
    }
    if std::env::var("BENCH_VERIFY").map(|v| v != "0").unwrap_or(true) {
        let started = Instant::now();
        let verified = registers.verify(&info).await.unwrap();
        assert_eq!(verified.alteration, None);
        say!(
            "  verify: {} entries replayed, no alteration, in {:.1} s",
            verified.size,
            started.elapsed().as_secs_f64()
        );
    } else {
        say!("  verify: skipped (BENCH_VERIFY=0)");
    }
    rows
}

fn summary(rows: &[Measured]) {
    say!(
        "\n## Append throughput (entries/s; baseline = plain multi-row INSERTs of the same items in one transaction)\n"
    );
    say!(
        "| store | entries | registers append/s | baseline rows/s | baseline/append | bytes/entry | goal >= 100k/s (SQLite) |"
    );
    say!("|---|---|---:|---:|---:|---:|---|");
    for r in rows {
        let goal = match r.store {
            "SQLite" if r.append_rate >= 100_000.0 => "met",
            "SQLite" => "NOT met",
            _ => "-",
        };
        let per_entry = r.bytes.map(|b| format!("{:.0}", b as f64 / (2 * r.size) as f64)).unwrap_or_else(|| "-".into());
        say!(
            "| {} | {}..{} | {:.0} | {:.0} | {:.2}x | {per_entry} | {goal} |",
            r.store,
            r.from + 1,
            r.size,
            r.append_rate,
            r.raw_rate,
            r.raw_rate / r.append_rate
        );
    }
    say!("\n(bytes/entry: storage divided by 2 x entries, since the register and the baseline rows share the store.)");
    say!(
        "\n## Proofs at size n ({PROOFS} random proofs each; µs; store = one query per proof; view = the brick's in-memory Merkle view; memory tree = merkle::MemoryTree of the same leaves, the baseline)\n"
    );
    say!(
        "| store | n | proof | store mean | store p99 | view mean | view p99 | memory tree mean | store/view | view/memory tree | hashes max | hashes mean | ceil(log2 n) | goal < 100 µs (view) | view catch-up s |"
    );
    say!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
    let floors: Vec<String> = rows
        .iter()
        .map(|r| format!("{} at {}: mean {:.1} µs, p99 {:.1} µs", r.store, r.size, r.floor.mean, r.floor.p99))
        .collect();
    for r in rows {
        for (what, s, v, m, h) in [
            ("inclusion", &r.inclusion, &r.inclusion_view, &r.inclusion_memory, &r.inclusion_hashes),
            ("consistency", &r.consistency, &r.consistency_view, &r.consistency_memory, &r.consistency_hashes),
        ] {
            say!(
                "| {} | {} | {what} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} | {:.1}x | {:.2}x | {} | {:.1} | {} | {} | {:.2} |",
                r.store,
                r.size,
                s.mean,
                s.p99,
                v.mean,
                v.p99,
                m.mean,
                s.mean / v.mean.max(1e-3),
                v.mean / m.mean.max(1e-3),
                h.max,
                h.mean,
                ceil_log2(r.size),
                if v.mean < 100.0 { "met (mean)" } else { "NOT met (mean)" },
                r.view_catch_up.as_secs_f64()
            );
        }
    }
    say!("\nQuery floor (SELECT 1 through the same pool): {}", floors.join("; "));
}

fn main() {
    let sizes = env_list("BENCH_SIZES", "1000000,10000000");
    let batch = env_list("BENCH_BATCH", "50000").first().copied().unwrap_or(50_000).max(1);
    let raw_params =
        env_list("BENCH_RAW_PARAMS", &RAW_PARAMS.to_string()).first().copied().unwrap_or(RAW_PARAMS).max(4);
    assert!(!sizes.is_empty() && sizes[0] > 0, "BENCH_SIZES must name sizes above 0");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        say!("registers log benchmark: sizes {sizes:?}, batches of {batch}, {PROOFS} proofs per measurement, baseline {raw_params} parameters per INSERT");
        let mut rows = Vec::new();

        if std::env::var("BENCH_SQLITE").map(|v| v != "0").unwrap_or(true) {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/bench.sqlite", dir.path().display());
            let sqlite = Store::connect(&url).await.unwrap();
            sqlite.migrate_core().await.unwrap();
            say!("SQLite: {url} (WAL, synchronous=FULL)");
            rows.extend(run("SQLite", &sqlite, Some(dir.path()), &sizes, batch, raw_params).await);
            sqlite.close().await;
            drop(dir);
        } else {
            say!("SQLite: skipped (BENCH_SQLITE=0)");
        }

        match store::testing::postgres().await {
            Some(t) => {
                say!("\nPostgreSQL: a fresh database at {}", t.url.split('@').next_back().unwrap_or("?"));
                rows.extend(run("PostgreSQL", &t.store, None, &sizes, batch, raw_params).await);
                t.cleanup().await;
            }
            None => say!("\nPostgreSQL: skipped (set GUILDHALL_TEST_POSTGRES_URL to include it)"),
        }
        summary(&rows);
    });
}
