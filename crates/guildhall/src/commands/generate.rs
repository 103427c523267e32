//! `guildhall generate addresses --count N --seed S`: synthetic GB addresses in AddressBase Plus
//! CSV shape, anchored on real Code-Point postcodes, for demos and national-scale benchmarks.
//! The generator is the addresses brick's; this module picks the output and prints nothing else
//! on stdout, so the CSV can be piped.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::Context;

use crate::cli::GenerateCommand;

/// Writes the generated CSV to the file or stdout; a summary goes to stderr.
pub fn run(command: GenerateCommand) -> anyhow::Result<u8> {
    match command {
        GenerateCommand::Addresses { count, seed, output, postcodes } => {
            let written = match &output {
                Some(path) => {
                    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
                    let mut out = BufWriter::with_capacity(1 << 20, file);
                    let n = addresses::write_csv(&mut out, count, seed, &postcodes)?;
                    out.flush().with_context(|| format!("cannot write {}", path.display()))?;
                    n
                }
                None => {
                    let stdout = std::io::stdout().lock();
                    let mut out = BufWriter::with_capacity(1 << 20, stdout);
                    let n = addresses::write_csv(&mut out, count, seed, &postcodes)?;
                    out.flush().context("cannot write to stdout")?;
                    n
                }
            };
            eprintln!("generated {written} addresses (seed {seed})");
            Ok(crate::EXIT_OK)
        }
    }
}
