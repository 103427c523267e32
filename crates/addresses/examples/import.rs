//! Times an import into a fresh test store, for bench/addresses:
//! `cargo run --release -p addresses --example import -- FORMAT FILE [sqlite|postgres]`
//! (FORMAT is addressbase, iceland or streets; postgres needs GUILDHALL_TEST_POSTGRES_URL).

use std::path::Path;
use std::time::Instant;

use addresses::{ImportOptions, import_addresses, import_streets};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (format, file) = (args.get(1).ok_or("FORMAT")?, args.get(2).ok_or("FILE")?);
    let t = match args.get(3).map(String::as_str) {
        Some("postgres") => store::testing::postgres().await.ok_or("set GUILDHALL_TEST_POSTGRES_URL")?,
        _ => store::testing::sqlite().await,
    };
    registers::Registers::migrate(&t.store).await?;
    let registers = registers::Registers::new(t.store.clone());
    let options = ImportOptions { max_rejects: u64::MAX, ..ImportOptions::default() };
    let start = Instant::now();
    let summary = if format == "streets" {
        import_streets(&registers, Path::new(file), &options).await?
    } else {
        import_addresses(&registers, Path::new(file), format.parse()?, &options).await?
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:?}: read {}, imported {}, rejected {} in {secs:.1} s: {:.0} rows/s",
        t.backend(),
        summary.rows_read,
        summary.imported,
        summary.rejected,
        summary.rows_read as f64 / secs
    );
    t.cleanup().await;
    Ok(())
}
