//! Benchmark: the address index against PostgreSQL pg_trgm on the same generated addresses, side
//! by side in one run. Autocomplete and postcode look-up: build time, memory (bytes/address),
//! latency p50/p99 and throughput, in process and over HTTP, plus top-3 relevance on the same
//! queries. Run through bench/address-search/run.sh; see bench/address-search/README.md.
//!
//! Usage: bench [ADDRESSES] [QUERIES]; BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)
//! names a server where a scratch database `address_search_bench` is created and dropped;
//! BENCH_NO_PG=1 skips the baseline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use address_search::{AddressView, IndexBuilder, Postcode, SearchAddress};
use addresses::Generator;
use sqlx::{Connection, Row};

const CODEPOINT: &str = "../../../shared/data/gb-postcodes-codepoint-open-2025-05.csv.gz";

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

struct Stats {
    p50: Duration,
    p99: Duration,
    qps: f64,
}

fn stats(mut times: Vec<Duration>, wall: Duration) -> Stats {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Stats { p50: at(0.5), p99: at(0.99), qps: times.len() as f64 / wall.as_secs_f64() }
}

fn show(name: &str, s: &Stats) {
    println!(
        "{name:<44} p50 {:>9.3} ms  p99 {:>9.3} ms  {:>10.0} queries/s",
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        s.qps
    );
}

/// One query a person might type for an address, and the UPRN they want.
struct Query {
    text: String,
    uprn: u64,
}

fn typo(word: &str, seed: u64) -> String {
    let b: Vec<char> = word.chars().collect();
    if b.len() < 5 {
        return word.to_string();
    }
    let i = 1 + (seed as usize % (b.len() - 1));
    let mut out = b.clone();
    out[i] = if b[i] == 'e' { 'a' } else { 'e' };
    out.into_iter().collect()
}

fn queries(sample: &[SearchAddress], n: usize) -> Vec<Query> {
    let mut out = Vec::new();
    for (k, a) in sample.iter().take(n).enumerate() {
        let number = a.pao_number.map(|n| format!("{n}{}", a.pao_suffix.to_lowercase())).unwrap_or_default();
        let building = if a.pao_text.is_empty() { String::new() } else { format!("{} ", a.pao_text.to_lowercase()) };
        let flat = match a.sao_number {
            Some(s) => format!("{} {s}{} ", a.sao_text.to_lowercase(), a.sao_suffix.to_lowercase()),
            None if !a.sao_text.is_empty() => format!("{} ", a.sao_text.to_lowercase()),
            None => String::new(),
        };
        let street = a.street.to_lowercase();
        let town = a.town.to_lowercase();
        let text = match k % 4 {
            0 => format!("{flat}{building}{number} {street} {town}"),
            1 => {
                // Town first, then the street as far as typed (all but its last two letters).
                let cut = street.chars().count().saturating_sub(2).max(3);
                format!("{flat}{building}{number} {town} {}", street.chars().take(cut).collect::<String>())
            }
            2 => {
                let words: Vec<String> = street
                    .split(' ')
                    .enumerate()
                    .map(|(i, w)| if i == 0 { typo(w, a.uprn) } else { w.into() })
                    .collect();
                format!("{flat}{building}{number} {} {town}", words.join(" "))
            }
            _ => format!("{flat}{building}{number} {street} {}", a.postcode.to_lowercase()),
        };
        out.push(Query { text: text.split_whitespace().collect::<Vec<_>>().join(" "), uprn: a.uprn });
    }
    out
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let count: u64 = args.get(1).map_or(Ok(1_000_000), |s| s.parse())?;
    let nq: usize = args.get(2).map_or(Ok(2_000), |s| s.parse())?;
    println!("== address search benchmark: {count} generated addresses, {nq} autocomplete queries ==");

    // Generated once while building (no copy of all addresses is kept); queries come from every
    // stride-th address; PostgreSQL is loaded from a second pass of the same deterministic generator.
    let stride = (count as usize / nq).max(1);
    let mut sample: Vec<SearchAddress> = Vec::new();
    let rss_before = rss_bytes();
    let started = Instant::now();
    let mut builder = IndexBuilder::new();
    for (i, a) in Generator::from_codepoint(CODEPOINT.as_ref(), count, 42)?.enumerate() {
        let a = SearchAddress::from(&a);
        builder.add(&a);
        if i % stride == 0 {
            sample.push(a);
        }
    }
    let generated = started.elapsed();
    let index = builder.build();
    let build = started.elapsed();
    let rss_after = rss_bytes();
    let qs = queries(&sample, nq);
    let mut postcodes: Vec<Postcode> = sample.iter().filter_map(|a| Postcode::parse(&a.postcode).ok()).collect();
    postcodes.dedup();
    println!(
        "index: generated+added in {:.1}s, built in {:.1}s more ({:.1}s total); {:.1} bytes/address counted ({} MB); process RSS {:.1} bytes/address",
        generated.as_secs_f64(),
        (build - generated).as_secs_f64(),
        build.as_secs_f64(),
        index.memory_bytes() as f64 / count as f64,
        index.memory_bytes() >> 20,
        rss_after.saturating_sub(rss_before) as f64 / count as f64
    );
    let mut times = Vec::new();
    let mut top3 = 0;
    let wall = Instant::now();
    for q in &qs {
        let t = Instant::now();
        let hits = index.search(&q.text, 10);
        times.push(t.elapsed());
        if hits.iter().take(3).any(|h| h.address.uprn == q.uprn) {
            top3 += 1;
        } else if std::env::var("BENCH_SHOW_MISSES").is_ok() {
            let got: Vec<String> =
                hits.iter().take(3).map(|h| format!("{} ({})", h.address.single_line(), h.score)).collect();
            println!("  miss: {:?} wanted {}: got {got:?}", q.text, q.uprn);
        }
    }
    let mut slowest: Vec<(Duration, &str)> = times.iter().copied().zip(qs.iter().map(|q| q.text.as_str())).collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (t, q) in slowest.iter().take(5) {
        println!("  slow: {:.3} ms {q:?}", t.as_secs_f64() * 1e3);
    }
    let ours_search = stats(times, wall.elapsed());
    show("index autocomplete (in process, 1 thread)", &ours_search);
    println!("index autocomplete top-3 relevance: {top3}/{} = {:.1}%", qs.len(), 100.0 * top3 as f64 / qs.len() as f64);
    let mut times = Vec::new();
    let wall = Instant::now();
    for p in &postcodes {
        let t = Instant::now();
        std::hint::black_box(index.by_postcode(p));
        times.push(t.elapsed());
    }
    let ours_postcode = stats(times, wall.elapsed());
    show("index postcode look-up (in process)", &ours_postcode);

    // --- over HTTP ---
    let view = Arc::new(AddressView::from_index(index));
    let (app, _) = address_search::api::router(view);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    let wall = Instant::now();
    for q in &qs {
        let t = Instant::now();
        let r = client.get(format!("{url}/addresses/search")).query(&[("q", q.text.as_str())]).send().await?;
        std::hint::black_box(r.bytes().await?);
        times.push(t.elapsed());
    }
    let http_search = stats(times, wall.elapsed());
    show("index autocomplete over HTTP (1 client)", &http_search);
    let concurrency = 4;
    let wall = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let (client, url) = (client.clone(), url.clone());
        let texts: Vec<String> = qs.iter().skip(c).step_by(concurrency).map(|q| q.text.clone()).collect();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for q in texts {
                let t = Instant::now();
                let r = client.get(format!("{url}/addresses/search")).query(&[("q", q.as_str())]).send().await?;
                r.bytes().await?;
                times.push(t.elapsed());
            }
            Ok::<_, reqwest::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let http_conc = stats(times, wall.elapsed());
    show(&format!("index autocomplete over HTTP ({concurrency} clients)"), &http_conc);
    let mut times = Vec::new();
    let wall = Instant::now();
    for p in &postcodes {
        let t = Instant::now();
        let r = client.get(format!("{url}/addresses")).query(&[("postcode", p.as_str())]).send().await?;
        std::hint::black_box(r.bytes().await?);
        times.push(t.elapsed());
    }
    show("index postcode look-up over HTTP (1 client)", &stats(times, wall.elapsed()));

    if std::env::var("BENCH_NO_PG").is_ok() {
        return Ok(());
    }
    // --- PostgreSQL pg_trgm baseline ---
    let admin_url =
        std::env::var("BENCH_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
    sqlx::query("DROP DATABASE IF EXISTS address_search_bench").execute(&mut admin).await?;
    sqlx::query("CREATE DATABASE address_search_bench").execute(&mut admin).await?;
    let db_url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/address_search_bench"),
        None => admin_url.clone(),
    };
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(concurrency as u32).connect(&db_url).await?;
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute(&pool).await?;
    sqlx::query("CREATE TABLE addresses (uprn bigint PRIMARY KEY, label text NOT NULL, postcode text NOT NULL, sort_key bigint NOT NULL)")
        .execute(&pool)
        .await?;
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    let mut copy = conn.copy_in_raw("COPY addresses FROM STDIN (FORMAT csv)").await?;
    // Sorted by postcode (then label), so a postcode's rows sit together as in our index.
    let mut rows: Vec<(String, String, u64)> = Generator::from_codepoint(CODEPOINT.as_ref(), count, 42)?
        .map(|a| {
            let a = SearchAddress::from(&a);
            (a.postcode.clone(), a.single_line(), a.uprn)
        })
        .collect();
    rows.sort();
    for (c, chunk) in rows.chunks(50_000).enumerate() {
        let mut buf = String::new();
        for (i, (postcode, label, uprn)) in chunk.iter().enumerate() {
            let label = label.replace('"', "\"\"");
            buf.push_str(&format!("{uprn},\"{label}\",{postcode},{}\n", c * 50_000 + i));
        }
        copy.send(buf.as_bytes()).await?;
    }
    drop(rows);
    copy.finish().await?;
    drop(conn);
    let loaded = started.elapsed();
    sqlx::query("CREATE INDEX addresses_label_trgm ON addresses USING gin (label gin_trgm_ops)").execute(&pool).await?;
    sqlx::query("CREATE INDEX addresses_postcode ON addresses (postcode, sort_key)").execute(&pool).await?;
    sqlx::query("ANALYZE addresses").execute(&pool).await?;
    let pg_build = started.elapsed();
    let bytes: i64 = sqlx::query("SELECT pg_total_relation_size('addresses')").fetch_one(&pool).await?.try_get(0)?;
    let index_bytes: i64 = sqlx::query("SELECT pg_indexes_size('addresses')").fetch_one(&pool).await?.try_get(0)?;
    println!(
        "pg_trgm: loaded in {:.1}s, indexed in {:.1}s (total {:.1}s); table+indexes {:.1} bytes/address (indexes {:.1})",
        loaded.as_secs_f64(),
        (pg_build - loaded).as_secs_f64(),
        pg_build.as_secs_f64(),
        bytes as f64 / count as f64,
        index_bytes as f64 / count as f64
    );
    let pg_queries: Vec<&Query> =
        qs.iter().take(std::env::var("BENCH_PG_QUERIES").ok().and_then(|s| s.parse().ok()).unwrap_or(500)).collect();
    let sql =
        "SELECT uprn FROM addresses WHERE $1 <% label ORDER BY word_similarity($1, label) DESC, sort_key LIMIT 10";
    let mut times = Vec::new();
    let mut pg_top3 = 0;
    let wall = Instant::now();
    for q in &pg_queries {
        let t = Instant::now();
        let rows = sqlx::query(sql).bind(&q.text).fetch_all(&pool).await?;
        times.push(t.elapsed());
        if rows.iter().take(3).any(|r| r.try_get::<i64, _>(0).ok() == Some(q.uprn as i64)) {
            pg_top3 += 1;
        }
    }
    let pg_search = stats(times, wall.elapsed());
    show("pg_trgm autocomplete (word_similarity, 1 client)", &pg_search);
    println!(
        "pg_trgm autocomplete top-3 relevance: {pg_top3}/{} = {:.1}%",
        pg_queries.len(),
        100.0 * pg_top3 as f64 / pg_queries.len() as f64
    );
    let wall = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let pool = pool.clone();
        let texts: Vec<String> = pg_queries.iter().skip(c).step_by(concurrency).map(|q| q.text.clone()).collect();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for q in texts {
                let t = Instant::now();
                sqlx::query(sql).bind(q).fetch_all(&pool).await?;
                times.push(t.elapsed());
            }
            Ok::<_, sqlx::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let pg_conc = stats(times, wall.elapsed());
    show(&format!("pg_trgm autocomplete ({concurrency} clients)"), &pg_conc);
    let mut times = Vec::new();
    let wall = Instant::now();
    for p in &postcodes {
        let t = Instant::now();
        sqlx::query("SELECT uprn, label FROM addresses WHERE postcode = $1 ORDER BY sort_key")
            .bind(p.as_str())
            .fetch_all(&pool)
            .await?;
        times.push(t.elapsed());
    }
    let pg_postcode = stats(times, wall.elapsed());
    show("PostgreSQL postcode look-up (btree, 1 client)", &pg_postcode);
    println!("-- ratios (index / PostgreSQL) --");
    println!("autocomplete throughput, in process vs pg 1 client: {:.0}x", ours_search.qps / pg_search.qps);
    println!("autocomplete throughput, HTTP 1 client vs pg 1 client: {:.1}x", http_search.qps / pg_search.qps);
    println!(
        "autocomplete throughput, HTTP {concurrency} clients vs pg {concurrency} clients: {:.1}x",
        http_conc.qps / pg_conc.qps
    );
    println!("autocomplete p99, pg / HTTP: {:.1}x", pg_search.p99.as_secs_f64() / http_search.p99.as_secs_f64());
    println!("postcode throughput, in process vs pg: {:.0}x", ours_postcode.qps / pg_postcode.qps);
    println!(
        "build time: index {:.1}s vs pg {:.1}s; memory: index {:.1} vs pg on disk {:.1} bytes/address",
        build.as_secs_f64(),
        pg_build.as_secs_f64(),
        0.0f64.max(rss_after.saturating_sub(rss_before) as f64 / count as f64),
        bytes as f64 / count as f64
    );
    drop(pool);
    sqlx::query("DROP DATABASE IF EXISTS address_search_bench").execute(&mut admin).await?;
    Ok(())
}
