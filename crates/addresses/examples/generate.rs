//! Generates addresses to a file (or /dev/null) and prints rows per second, for the benchmark in
//! bench/addresses: `cargo run --release -p addresses --example generate -- COUNT SEED [OUT]`.

use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let count: u64 = args.get(1).map_or(Ok(1_000_000), |s| s.parse())?;
    let seed: u64 = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let out = args.get(3).map_or("/dev/null", String::as_str);
    let t = Instant::now();
    let postcodes = addresses::read_codepoint(Path::new(addresses::DEFAULT_CODEPOINT))?;
    let load = t.elapsed().as_secs_f64();
    println!("read {} postcodes in {load:.2} s", postcodes.len());
    let t = Instant::now();
    let generator = addresses::Generator::new(std::sync::Arc::new(postcodes), count, seed);
    let plan = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let rows = addresses::write_addressbase_csv(std::fs::File::create(out)?, generator)?;
    let secs = t.elapsed().as_secs_f64();
    println!("planned in {plan:.2} s; wrote {rows} rows in {secs:.2} s: {:.0} rows/s", rows as f64 / secs);
    Ok(())
}
