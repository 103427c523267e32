//! `guildhall import postcodes|areas|addresses|streets FILE`: load open data into the registers
//! behind the look-ups. Each importer lives in its brick; this module opens the store, calls it,
//! and prints the summary (rows read, imported, rejected, and the first rejected rows by line).

use std::path::Path;

use anyhow::Context;
use registers::Registers;

use crate::cli::{AddressFormat, ImportCommand};
use crate::configuration::Settings;
use crate::startup::open_store;

/// How many rejected rows are printed (all are counted).
const REJECTS_SHOWN: usize = 20;

/// Runs one import and prints its summary; exit 0 when it finished (rejected rows are reported,
/// not fatal), 2 when the file as a whole could not be imported (nothing is half-imported).
pub async fn run(command: ImportCommand, settings: &Settings) -> anyhow::Result<u8> {
    let store = open_store(&settings.database_url).await?;
    let registers = Registers::new(store.clone());
    let result = match command {
        ImportCommand::Postcodes { file } => postcodes(&registers, &file).await,
        ImportCommand::Areas { file, type_code, crs, code_property, name_property, parent_property, generation } => {
            let crs = areas::Crs::from_srid(crs).with_context(|| {
                format!("--crs {crs} is not supported: use 4326 (lon/lat) or 27700 (British National Grid)")
            })?;
            let options = areas::ImportOptions {
                code_property,
                name_property,
                parent_property,
                generation,
                ..areas::ImportOptions::new(&type_code, crs)
            };
            area_boundaries(&registers, &file, options).await
        }
        ImportCommand::Addresses { file, format } => {
            let format = match format {
                AddressFormat::Addressbase => addresses::AddressFormat::AddressBase,
                AddressFormat::Iceland => addresses::AddressFormat::Iceland,
            };
            let options = addresses::ImportOptions { max_rejects: u64::MAX, ..addresses::ImportOptions::default() };
            let summary = addresses::import_addresses(&registers, &file, format, &options)
                .await
                .with_context(|| format!("cannot import {}", file.display()))?;
            print_address_summary("addresses", &summary);
            Ok(())
        }
        ImportCommand::Streets { file } => {
            let options = addresses::ImportOptions { max_rejects: u64::MAX, ..addresses::ImportOptions::default() };
            let summary = addresses::import_streets(&registers, &file, &options)
                .await
                .with_context(|| format!("cannot import {}", file.display()))?;
            print_address_summary("streets", &summary);
            Ok(())
        }
    };
    store.close().await;
    result.map(|()| crate::EXIT_OK)
}

async fn postcodes(registers: &Registers, file: &Path) -> anyhow::Result<()> {
    let reader = postcodes::open_maybe_gzip(file).with_context(|| format!("cannot open {}", file.display()))?;
    let progress = postcodes::TerminalProgress::new();
    let summary = postcodes::import_code_point(registers, reader, &progress, &postcodes::ImportOptions::default())
        .await
        .with_context(|| format!("cannot import {}", file.display()))?;
    println!(
        "postcodes: {} rows read, {} imported, {} unchanged, {} rejected",
        summary.rows_read, summary.imported, summary.unchanged, summary.rejected
    );
    for reject in summary.rejects.iter().take(REJECTS_SHOWN) {
        println!("  rejected {reject}");
    }
    Ok(())
}

async fn area_boundaries(registers: &Registers, file: &Path, options: areas::ImportOptions) -> anyhow::Result<()> {
    let reader = postcodes::open_maybe_gzip(file).with_context(|| format!("cannot open {}", file.display()))?;
    let summary = areas::import_geojson(registers, reader, &options)
        .await
        .with_context(|| format!("cannot import {}", file.display()))?;
    println!(
        "areas: {} features read, {} imported, {} unchanged, {} rejected ({} vertices)",
        summary.read,
        summary.imported,
        summary.unchanged,
        summary.rejected.len(),
        summary.vertices
    );
    for reject in summary.rejected.iter().take(REJECTS_SHOWN) {
        println!("  rejected {reject}");
    }
    Ok(())
}

fn print_address_summary(what: &str, summary: &addresses::ImportSummary) {
    println!("{what}: {} rows read, {} imported, {} rejected", summary.rows_read, summary.imported, summary.rejected);
    for reject in summary.rejections.iter().take(REJECTS_SHOWN) {
        println!("  rejected {reject}");
    }
}
