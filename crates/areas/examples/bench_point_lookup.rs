//! Point → areas: the in-memory area view against PostGIS (GiST index on whole polygons, and on
//! `ST_Subdivide`d pieces), on the real Scottish council areas and the English wards, with real
//! Code-Point postcode points as queries. Prints index build time and size, throughput and
//! p50/p99 latency, and each figure's ratio to the PostGIS whole-polygon baseline.
//!
//! Run through `bench/areas/run.sh` (installs PostGIS if missing). Environment:
//! `BENCH_POSTGIS_URL` (default postgres://postgres@127.0.0.1:5432/postgres; a scratch database
//! `areas_bench` is created there and dropped), `BENCH_QUERIES` (points per data set, default 200000
//! for the view; PostGIS gets a tenth), `BENCH_CONNECTIONS` (concurrent PostGIS clients, default 8).

use std::io::{BufReader, Read};
use std::time::{Duration, Instant};

use areas::{AreaView, Crs, ImportOptions, import_geojson};
use registers::Registers;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, Executor, Row};

const DATA: &str = "../../../shared/data";

fn gz(name: &str) -> impl Read {
    let path = format!("{}/{DATA}/{name}", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    flate2::read::GzDecoder::new(BufReader::with_capacity(1 << 20, file))
}

/// Resident memory of this process (Linux), for a rough second opinion on the view's size.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

/// Every n-th postcode point of a country, as lon/lat.
fn points(country: &str, want: usize) -> Vec<[f64; 2]> {
    let mut reader = csv::Reader::from_reader(gz("gb-postcodes-codepoint-open-2025-05.csv.gz"));
    let mut all = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        if &row[4] != country {
            continue;
        }
        let (e, n): (f64, f64) = (row[2].parse().unwrap_or(0.0), row[3].parse().unwrap_or(0.0));
        if e > 0.0 && n > 0.0 {
            all.push([e, n]);
        }
    }
    let step = (all.len() / want).max(1);
    all.into_iter().step_by(step).take(want).map(|p| Crs::BritishNationalGrid.to_lon_lat(p).unwrap()).collect()
}

struct Figures {
    label: String,
    build: Duration,
    bytes: u64,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn print(set: &str, figures: &[Figures]) {
    let base = &figures[0];
    println!("\n{set}");
    println!(
        "| {:<34} | {:>9} | {:>9} | {:>12} | {:>9} | {:>9} | {:>8} |",
        "index", "build", "size MB", "queries/s", "p50 µs", "p99 µs", "× qps"
    );
    println!("|{}|", ["-"; 7].map(|_| "---").join("|"));
    for f in figures {
        println!(
            "| {:<34} | {:>8.2}s | {:>9.1} | {:>12.0} | {:>9.1} | {:>9.1} | {:>8.1} |",
            f.label,
            f.build.as_secs_f64(),
            f.bytes as f64 / 1e6,
            f.per_second,
            f.p50.as_secs_f64() * 1e6,
            f.p99.as_secs_f64() * 1e6,
            f.per_second / base.per_second
        );
    }
}

async fn postgis_figures(
    url: &str,
    table: &str,
    geojson: &[(String, String)],
    queries: &[[f64; 2]],
    connections: u32,
    subdivide: bool,
) -> (Figures, Vec<usize>) {
    let pool = PgPoolOptions::new().max_connections(connections).connect(url).await.unwrap();
    pool.execute(format!("DROP TABLE IF EXISTS {table}").as_str()).await.unwrap();
    pool.execute(format!("CREATE TABLE {table} (code text, geom geometry(MultiPolygon, 4326))").as_str())
        .await
        .unwrap();
    for (code, g) in geojson {
        sqlx::query(&format!("INSERT INTO {table} VALUES ($1, ST_SetSRID(ST_GeomFromGeoJSON($2), 4326))"))
            .bind(code)
            .bind(g)
            .execute(&pool)
            .await
            .unwrap();
    }
    let started = Instant::now();
    let (queried, label) = if subdivide {
        let pieces = format!("{table}_pieces");
        pool.execute(format!("DROP TABLE IF EXISTS {pieces}").as_str()).await.unwrap();
        pool.execute(
            format!("CREATE TABLE {pieces} AS SELECT code, ST_Subdivide(geom, 256) AS geom FROM {table}").as_str(),
        )
        .await
        .unwrap();
        (pieces, "PostGIS GiST, ST_Subdivide(256)")
    } else {
        (table.to_string(), "PostGIS GiST, whole polygons")
    };
    pool.execute(format!("CREATE INDEX ON {queried} USING gist (geom)").as_str()).await.unwrap();
    pool.execute(format!("VACUUM ANALYZE {queried}").as_str()).await.unwrap();
    let build = started.elapsed();
    let bytes: i64 =
        sqlx::query(&format!("SELECT pg_total_relation_size('{queried}')")).fetch_one(&pool).await.unwrap().get(0);
    let sql = format!(
        "SELECT DISTINCT code FROM {queried} WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))"
    );
    // Warm up, then `connections` clients each take every n-th point.
    for p in queries.iter().take(200) {
        sqlx::query(&sql).bind(p[0]).bind(p[1]).fetch_all(&pool).await.unwrap();
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections as usize {
        let (pool, sql) = (pool.clone(), sql.clone());
        let mine: Vec<(usize, [f64; 2])> =
            queries.iter().copied().enumerate().skip(c).step_by(connections as usize).collect();
        tasks.push(tokio::spawn(async move {
            let mut conn = pool.acquire().await.unwrap();
            let mut out = Vec::with_capacity(mine.len());
            for (i, p) in mine {
                let t = Instant::now();
                let rows = sqlx::query(&sql).bind(p[0]).bind(p[1]).fetch_all(&mut *conn).await.unwrap();
                out.push((i, t.elapsed(), rows.len()));
            }
            out
        }));
    }
    let mut latencies = Vec::with_capacity(queries.len());
    let mut counts = vec![0; queries.len()];
    for t in tasks {
        for (i, d, n) in t.await.unwrap() {
            latencies.push(d);
            counts[i] = n;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    pool.close().await;
    let figures = Figures {
        label: format!("{label} ({connections} clients)"),
        build,
        bytes: bytes as u64,
        per_second: queries.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
    };
    (figures, counts)
}

fn view_figures(
    view: &AreaView,
    label: &str,
    build: Duration,
    bytes: u64,
    queries: &[[f64; 2]],
    threads: usize,
) -> (Figures, Vec<usize>) {
    let started = Instant::now();
    let results: Vec<Vec<(usize, Duration, usize)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t..queries.len())
                        .step_by(threads)
                        .map(|i| {
                            let s = Instant::now();
                            let n = view.keys_containing(queries[i]).len();
                            (i, s.elapsed(), n)
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    let mut counts = vec![0; queries.len()];
    let mut latencies = Vec::with_capacity(queries.len());
    for (i, d, n) in results.into_iter().flatten() {
        counts[i] = n;
        latencies.push(d);
    }
    latencies.sort();
    let figures = Figures {
        label: format!("{label} ({threads} thread{})", if threads == 1 { "" } else { "s" }),
        build,
        bytes,
        per_second: queries.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
    };
    (figures, counts)
}

#[allow(clippy::too_many_arguments)]
async fn bench_set(
    set: &str,
    file: &str,
    options: ImportOptions,
    country: &str,
    db_url: &str,
    queries_wanted: usize,
    connections: u32,
) {
    let t = store::testing::sqlite().await;
    Registers::migrate(&t.store).await.unwrap();
    let registers = Registers::new(t.store.clone());
    let started = Instant::now();
    let summary = import_geojson(&registers, gz(file), &options).await.unwrap();
    println!(
        "\n{set}: {} areas, {} vertices imported into the register in {:.1?}",
        summary.imported,
        summary.vertices,
        started.elapsed()
    );
    let queries = points(country, queries_wanted);
    let before = rss_bytes();
    let started = Instant::now();
    let view = AreaView::build(&registers).await.unwrap();
    let build = started.elapsed();
    let bytes = view.heap_bytes() as u64;
    println!(
        "view: {:.1} MB of boundaries and indexes by count; the process grew {:.1} MB while building it",
        bytes as f64 / 1e6,
        rss_bytes().saturating_sub(before) as f64 / 1e6
    );
    let geojson: Vec<(String, String)> = view
        .areas_of_type(&options.type_code)
        .into_iter()
        .filter_map(|a| view.geometry(a.id).map(|g| (a.key, g.to_geojson())))
        .collect();
    let postgis_queries = &queries[..(queries.len() / 10).max(1000).min(queries.len())];
    let (whole, whole_counts) =
        postgis_figures(db_url, "bench_areas", &geojson, postgis_queries, connections, false).await;
    let (pieces, _) = postgis_figures(db_url, "bench_areas", &geojson, postgis_queries, connections, true).await;
    let label = "area view (R-tree + runs of 8 segments)";
    let (one, counts) = view_figures(&view, label, build, bytes, &queries, 1);
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let (many, _) = view_figures(&view, label, build, bytes, &queries, threads);
    let differ = whole_counts.iter().zip(&counts).filter(|(a, b)| a != b).count();
    print(set, &[whole, pieces, one, many]);
    println!(
        "({} points for the view, {} for PostGIS; the view and PostGIS disagree on the number of areas for {differ} of them)",
        queries.len(),
        postgis_queries.len()
    );
    t.cleanup().await;
}

#[tokio::main]
async fn main() {
    let admin_url = std::env::var("BENCH_POSTGIS_URL").unwrap_or("postgres://postgres@127.0.0.1:5432/postgres".into());
    let queries: usize = std::env::var("BENCH_QUERIES").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let connections: u32 = std::env::var("BENCH_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
    admin.execute("DROP DATABASE IF EXISTS areas_bench WITH (FORCE)").await.unwrap();
    admin.execute("CREATE DATABASE areas_bench").await.unwrap();
    let db_url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/areas_bench"),
        None => panic!("BENCH_POSTGIS_URL needs a database path"),
    };
    {
        let mut db = sqlx::PgConnection::connect(&db_url).await.unwrap();
        db.execute("CREATE EXTENSION postgis")
            .await
            .expect("PostGIS is not installed (bench/areas/run.sh installs it)");
        let version: String = sqlx::query("SELECT postgis_full_version()").fetch_one(&mut db).await.unwrap().get(0);
        println!("PostGIS: {}", version.split_whitespace().take(2).collect::<Vec<_>>().join(" "));
    }
    bench_set(
        "Scottish council areas (32, EPSG:27700 input)",
        "scotland-council-areas-epsg27700.geojson.gz",
        ImportOptions::new("UTA", Crs::BritishNationalGrid),
        "S92000003",
        &db_url,
        queries,
        connections,
    )
    .await;
    let mut wards = ImportOptions::new("DIW", Crs::Wgs84);
    wards.parent_property = Some("district_code".into());
    bench_set(
        "England wards 2013 (7,681)",
        "england-wards-2013-wgs84.geojson.gz",
        wards,
        "E92000001",
        &db_url,
        queries,
        connections,
    )
    .await;
    admin.execute("DROP DATABASE IF EXISTS areas_bench WITH (FORCE)").await.unwrap();
}
