//! Importers: AddressBase Plus-shaped address CSV, Iceland's address register, and streets, each
//! into its national register. Library functions a CLI calls in a line; each returns an
//! [`ImportSummary`] (rows read, imported, rejected, and the rejected rows with line, column and
//! reason).
//!
//! **Never a partial import.** A first pass reads and checks every row without writing; if the
//! header is unusable or more rows are rejected than [`ImportOptions::max_rejects`] allows, the
//! import stops there and nothing is written. Only then does a second pass append the good rows in
//! batches of [`ImportOptions::batch_size`], each batch one transaction. Should the store itself fail
//! during that second pass, the batches already committed stay; running the same import again
//! appends every row once more, which leaves each record (the newest entry per key) holding the same
//! item as before. Importing into a register that already holds a key likewise appends an update.
//! A key repeated within one file becomes two entries, the later winning.
//!
//! Reading is synchronous between batches: the functions are async only to append.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use csv::StringRecord;
use registers::{NewEntry, RegisterInfo, Registers};

use crate::address::Address;
use crate::error::AddressError;
use crate::register::{ensure_address_register, ensure_street_register};
use crate::street::Street;
use crate::{iceland, input};

/// The shapes of address file the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFormat {
    /// OS AddressBase Plus columns, with a header row (`UPRN`, `USRN`, `SAO_TEXT`, …,
    /// `STREET_DESCRIPTION`, `LOCALITY`, `TOWN_NAME`, `POSTCODE_LOCATOR`, `X_COORDINATE`,
    /// `Y_COORDINATE`, `LATITUDE`, `LONGITUDE`); other AddressBase columns are ignored. Postcodes
    /// must be well-formed GB postcodes.
    AddressBase,
    /// Iceland's address register (Staðfangaskrá): `address_id`, `street`, `house_number`,
    /// `house_letter`, `postcode`, `municipality_code`, `lat`, `lon`.
    Iceland,
}

impl FromStr for AddressFormat {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<AddressFormat, AddressError> {
        match s {
            "addressbase" => Ok(AddressFormat::AddressBase),
            "iceland" => Ok(AddressFormat::Iceland),
            other => Err(AddressError::invalid("format", other, "is not a known format (addressbase, iceland)")),
        }
    }
}

/// How an import behaves.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// How many rows may be rejected (and left out) before the whole file is refused; 0 means any
    /// bad row refuses the file.
    pub max_rejects: u64,
    /// Entries per append (one transaction each).
    pub batch_size: usize,
    /// Show a progress bar on stderr (it stays hidden when stderr is not a terminal).
    pub progress: bool,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions { max_rejects: 0, batch_size: 50_000, progress: true }
    }
}

/// One row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    /// The column at fault, when it is one column.
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Data rows read (not counting the header).
    pub rows_read: u64,
    /// Rows appended to the register.
    pub imported: u64,
    /// Rows left out.
    pub rejected: u64,
    /// The first [`MAX_REPORTED`] rejected rows.
    pub rejections: Vec<Rejection>,
}

/// How many rejected rows a summary lists (all are counted).
pub const MAX_REPORTED: usize = 1_000;

/// Imports addresses from a CSV file (plain or gzip) into the national address register, creating
/// it if missing. See the module documentation for what happens on bad rows and on failure.
pub async fn import_addresses(
    registers: &Registers,
    path: &Path,
    format: AddressFormat,
    options: &ImportOptions,
) -> Result<ImportSummary, AddressError> {
    let register = ensure_address_register(registers).await?;
    let mapping = match format {
        AddressFormat::AddressBase => Mapping::AddressBase,
        AddressFormat::Iceland => Mapping::Iceland,
    };
    run(registers, &register, path, mapping, options).await
}

/// Imports streets from a CSV file (plain or gzip) into the national street register, creating it
/// if missing. Columns, by header (case-blind): `USRN` (required); the name from
/// `STREET_DESCRIPTION` or `NAME1` (OS Open Names) or `NAME` (required); `LOCALITY`; the town from
/// `TOWN_NAME` or `POPULATED_PLACE` (OS Open Names) or `TOWN`; `START_DATE`; `END_DATE`. This is OS
/// Open USRN's key joined with names from OS Open Names or a council's street gazetteer.
pub async fn import_streets(
    registers: &Registers,
    path: &Path,
    options: &ImportOptions,
) -> Result<ImportSummary, AddressError> {
    let register = ensure_street_register(registers).await?;
    run(registers, &register, path, Mapping::Streets, options).await
}

/// The row mappings the importers know.
#[derive(Debug, Clone, Copy)]
enum Mapping {
    AddressBase,
    Iceland,
    Streets,
}

impl Mapping {
    /// For each field the row reader needs: the columns that may hold it (first present wins).
    fn columns(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Mapping::AddressBase => &[
                ("address", &["UPRN"]),
                ("usrn", &["USRN"]),
                ("sao-text", &["SAO_TEXT"]),
                ("sao-start-number", &["SAO_START_NUMBER"]),
                ("sao-start-suffix", &["SAO_START_SUFFIX"]),
                ("sao-end-number", &["SAO_END_NUMBER"]),
                ("sao-end-suffix", &["SAO_END_SUFFIX"]),
                ("pao-text", &["PAO_TEXT"]),
                ("pao-start-number", &["PAO_START_NUMBER"]),
                ("pao-start-suffix", &["PAO_START_SUFFIX"]),
                ("pao-end-number", &["PAO_END_NUMBER"]),
                ("pao-end-suffix", &["PAO_END_SUFFIX"]),
                ("street", &["STREET_DESCRIPTION", "THOROUGHFARE"]),
                ("locality", &["LOCALITY", "DEPENDENT_LOCALITY"]),
                ("town", &["TOWN_NAME", "POST_TOWN"]),
                ("postcode", &["POSTCODE_LOCATOR", "POSTCODE"]),
                ("easting", &["X_COORDINATE"]),
                ("northing", &["Y_COORDINATE"]),
                ("latitude", &["LATITUDE"]),
                ("longitude", &["LONGITUDE"]),
                ("start-date", &["LA_START_DATE", "START_DATE"]),
                ("end-date", &["END_DATE"]),
            ],
            Mapping::Iceland => &[
                ("address", &["address_id"]),
                ("street", &["street"]),
                ("pao-start-number", &["house_number"]),
                ("pao-start-suffix", &["house_letter"]),
                ("postcode", &["postcode"]),
                ("latitude", &["lat"]),
                ("longitude", &["lon"]),
            ],
            Mapping::Streets => &[
                ("street", &["USRN"]),
                ("name", &["STREET_DESCRIPTION", "NAME1", "NAME"]),
                ("locality", &["LOCALITY"]),
                ("town", &["TOWN_NAME", "POPULATED_PLACE", "TOWN"]),
                ("start-date", &["START_DATE"]),
                ("end-date", &["END_DATE"]),
            ],
        }
    }

    /// The columns a file must have.
    fn required(self) -> &'static [&'static str] {
        match self {
            Mapping::AddressBase => &["address"],
            Mapping::Iceland => &["address", "street", "pao-start-number", "postcode", "latitude", "longitude"],
            Mapping::Streets => &["street", "name"],
        }
    }
}

/// A header resolved: field → (column index, column name as in the file).
struct Columns(HashMap<&'static str, (usize, String)>);

impl Columns {
    fn resolve(mapping: Mapping, header: &StringRecord) -> Result<Columns, AddressError> {
        let mut found = HashMap::new();
        for (field, names) in mapping.columns() {
            let hit = names.iter().find_map(|name| {
                header.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
            });
            if let Some(i) = hit {
                found.insert(*field, (i, header[i].trim().trim_start_matches('\u{feff}').to_string()));
            }
        }
        for field in mapping.required() {
            if !found.contains_key(field) {
                let names = mapping.columns().iter().find(|(f, _)| f == field).map_or(&[][..], |(_, n)| n);
                return Err(AddressError::BadFile(format!(
                    "the header has no {} column (the first line must be the header row; found: {})",
                    names.join(" or "),
                    header.iter().collect::<Vec<_>>().join(",")
                )));
            }
        }
        Ok(Columns(found))
    }

    fn get<'r>(&self, record: &'r StringRecord, field: &str) -> Option<&'r str> {
        self.0.get(field).and_then(|(i, _)| record.get(*i)).map(str::trim).filter(|s| !s.is_empty())
    }

    /// The file's column name for a register field (for rejections).
    fn column(&self, field: &str) -> String {
        self.0.get(field).map_or_else(|| field.to_string(), |(_, name)| name.clone())
    }
}

/// Reads one row into the entry to append.
fn entry(mapping: Mapping, columns: &Columns, record: &StringRecord) -> Result<NewEntry, AddressError> {
    match mapping {
        Mapping::AddressBase => {
            let mut address = Address::from_fields(|f| columns.get(record, f))?;
            if let Some(pc) = &address.postcode {
                address.postcode = Some(crate::gb_postcode(pc)?);
            }
            Ok(NewEntry::user(address.key(), address.to_item()))
        }
        Mapping::Iceland => {
            let postcode = columns.get(record, "postcode");
            if let Some(pc) = postcode
                && (pc.len() != 3 || !pc.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(AddressError::invalid("postcode", pc, "is not an Icelandic postcode (3 digits)"));
            }
            let town = postcode.and_then(iceland::town);
            // A farm's buildings are told apart by a letter with no number (`Minni-Núpur` A, C,
            // D): that letter is the building's name.
            let number = columns.get(record, "pao-start-number");
            let letter = columns.get(record, "pao-start-suffix");
            let address = Address::from_fields(|f| match f {
                "town" => town,
                "pao-text" if number.is_none() => letter,
                "pao-start-suffix" if number.is_none() => None,
                f => columns.get(record, f),
            })?;
            Ok(NewEntry::user(address.key(), address.to_item()))
        }
        Mapping::Streets => {
            let get = |f| columns.get(record, f);
            let street = Street::from_parts(
                get("street"),
                get("name"),
                get("locality"),
                get("town"),
                get("start-date"),
                get("end-date"),
            )?;
            Ok(NewEntry::user(street.key(), street.to_item()))
        }
    }
}

/// The rows of a file, each read into an entry to append or a rejection; I/O and CSV structure
/// failures end the iteration with an error.
struct Rows {
    csv: csv::Reader<Box<dyn std::io::Read + Send>>,
    header_len: usize,
    columns: Columns,
    mapping: Mapping,
    record: StringRecord,
    line: u64,
    bar: indicatif::ProgressBar,
}

impl Rows {
    fn open(path: &Path, mapping: Mapping, options: &ImportOptions, message: &str) -> Result<Rows, AddressError> {
        let (reader, bar) = input::open(path, options.progress, message)?;
        let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let header = csv.headers().map_err(|e| AddressError::BadFile(format!("reading the header: {e}")))?.clone();
        let columns = Columns::resolve(mapping, &header)?;
        Ok(Rows { csv, header_len: header.len(), columns, mapping, record: StringRecord::new(), line: 1, bar })
    }

    /// The next row: `None` at the end of the file.
    fn next_row(&mut self) -> Result<Option<Result<NewEntry, Rejection>>, AddressError> {
        match self.csv.read_record(&mut self.record) {
            Ok(false) => {
                self.bar.finish_and_clear();
                Ok(None)
            }
            Ok(true) => {
                let line = self.record.position().map_or(self.line + 1, |p| p.line());
                self.line = line;
                if self.record.len() != self.header_len {
                    let reason = format!("has {} fields but the header has {}", self.record.len(), self.header_len);
                    return Ok(Some(Err(Rejection { line, column: None, reason })));
                }
                let columns = &self.columns;
                Ok(Some(entry(self.mapping, columns, &self.record).map_err(|e| Rejection {
                    line,
                    column: e.field().map(|f| columns.column(f)),
                    reason: match e {
                        AddressError::InvalidField { value, reason, .. } => format!("{value:?} {reason}"),
                        AddressError::MissingField(_) => "is required".into(),
                        other => other.to_string(),
                    },
                })))
            }
            Err(e) => {
                let at = e.position().map_or(self.line + 1, |p| p.line());
                match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        self.line = at;
                        Ok(Some(Err(Rejection { line: at, column: None, reason: "is not valid UTF-8".into() })))
                    }
                    _ => Err(AddressError::BadFile(format!("line {at}: {e}"))),
                }
            }
        }
    }
}

/// Checks every row, then (if few enough are bad) appends the good ones in batches.
async fn run(
    registers: &Registers,
    register: &RegisterInfo,
    path: &Path,
    mapping: Mapping,
    options: &ImportOptions,
) -> Result<ImportSummary, AddressError> {
    let mut summary = ImportSummary::default();
    let mut rows = Rows::open(path, mapping, options, "checking")?;
    while let Some(row) = rows.next_row()? {
        summary.rows_read += 1;
        if let Err(r) = row {
            summary.rejected += 1;
            if summary.rejections.len() < MAX_REPORTED {
                summary.rejections.push(r);
            }
        }
    }
    if summary.rejected > options.max_rejects {
        let first = summary.rejections.iter().take(5).map(ToString::to_string).collect::<Vec<_>>().join("; ");
        return Err(AddressError::BadFile(format!(
            "{} of {} rows are bad (at most {} allowed): {first}{}",
            summary.rejected,
            summary.rows_read,
            options.max_rejects,
            if summary.rejected > 5 { "; …" } else { "" }
        )));
    }
    // Second pass: the same rows read the same way; the bad ones, counted above, are skipped.
    let batch_size = options.batch_size.max(1);
    let mut rows = Rows::open(path, mapping, options, "importing")?;
    let mut batch = Vec::with_capacity(batch_size.min(100_000));
    let mut register = register.clone();
    loop {
        let row = rows.next_row()?;
        let done = row.is_none();
        if let Some(Ok(entry)) = row {
            batch.push(entry);
        }
        if (done && !batch.is_empty()) || batch.len() >= batch_size {
            let n = batch.len() as u64;
            register = registers.append(&register, std::mem::take(&mut batch)).await?.register;
            summary.imported += n;
        }
        if done {
            break;
        }
    }
    Ok(summary)
}
