//! Loading OS Code-Point Open into the postcode register.
//!
//! The whole file is read and checked before anything is written: rows that break a rule are
//! rejected and reported (line, field, reason), and with [`ImportOptions::strict`] any rejected
//! row fails the import with nothing written. A file that cannot be read as CSV, or lacks a
//! needed column, fails with nothing written. Re-importing appends entries only for postcodes
//! that are new or whose item changed; postcodes no longer in the file are counted, not ended
//! (the register has no end-date field yet).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use futures_util::StreamExt;
use geography::{GridPoint, grid_to_lon_lat};
use registers::{Item, ItemHash, NewEntry, RegisterError, Registers};

use crate::postcode::Postcode;
use crate::progress::Progress;
use crate::register::{PostcodeItem, ensure_register};

/// Entries per append (one transaction each).
const BATCH: usize = 50_000;

/// The Code-Point Open columns, in OS's order (the files OS ships have no header row).
const CODE_POINT_COLUMNS: [&str; 10] = [
    "postcode",
    "positional_quality",
    "easting",
    "northing",
    "country_code",
    "nhs_regional_ha_code",
    "nhs_ha_code",
    "admin_county_code",
    "admin_district_code",
    "admin_ward_code",
];

/// Choices for an import; the default reports up to 100 rejected rows and imports the rest.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Fail the whole import, writing nothing, if any row is rejected.
    pub strict: bool,
    /// How many rejected rows the summary lists (all are counted).
    pub max_reported_rejects: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { strict: false, max_reported_rejects: 100 }
    }
}

/// One rejected row: where it is, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line number in the file.
    pub line: u64,
    /// The column at fault (Code-Point's name), or `row` for the row as a whole.
    pub field: String,
    /// The value found.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::fmt::Display for RejectedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, field {}: {:?}: {}", self.line, self.field, self.value, self.reason)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Entries appended: new postcodes and changed ones.
    pub imported: u64,
    /// Rows whose record already holds exactly this item.
    pub unchanged: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Postcodes in the register but not in this file (left as they are).
    pub absent: u64,
    /// The first rejected rows, up to [`ImportOptions::max_reported_rejects`].
    pub rejects: Vec<RejectedRow>,
}

/// Why an import failed; nothing was written unless the error says otherwise.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("reading the Code-Point file: {0}")]
    Io(#[from] io::Error),
    /// The header lacks a column the register needs.
    #[error("line 1: the header has no {0:?} column (Code-Point Open columns: {cols})", cols = CODE_POINT_COLUMNS.join(","))]
    MissingColumn(&'static str),
    /// The CSV itself is broken (bad quoting, not UTF-8).
    #[error("line {line}: not readable CSV: {message}")]
    Csv {
        /// Line of the fault.
        line: u64,
        /// The CSV reader's message.
        message: String,
    },
    /// Strict mode and some rows were rejected; the summary lists them.
    #[error("{} of {} rows rejected (first: {}); nothing imported", .0.rejected, .0.rows_read, .0.rejects.first().map(ToString::to_string).unwrap_or_default())]
    Rejected(Box<ImportSummary>),
    /// The register refused or the database failed. Batches before the failing one stay written:
    /// re-running the import completes it, appending only what is missing.
    #[error("writing the postcode register: {0}")]
    Register(#[from] RegisterError),
}

/// Opens a file for reading, decompressing it if it is gzip (told by its magic bytes, not its name).
pub fn open_maybe_gzip(path: impl AsRef<Path>) -> io::Result<Box<dyn BufRead + Send>> {
    maybe_gunzip(BufReader::with_capacity(1 << 20, File::open(path)?))
}

/// Decompresses a buffered input if it is gzip (told by its magic bytes), else passes it through:
/// every importer of open data files (often shipped gzipped) opens its input this way.
pub fn maybe_gunzip<R: BufRead + Send + 'static>(mut input: R) -> io::Result<Box<dyn BufRead + Send>> {
    if input.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(1 << 20, flate2::bufread::MultiGzDecoder::new(input))))
    } else {
        Ok(Box::new(input))
    }
}

/// Column positions of the fields the register takes.
struct Columns {
    postcode: usize,
    quality: usize,
    easting: usize,
    northing: usize,
    country: usize,
    county: usize,
    district: usize,
    ward: usize,
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Columns, ImportError> {
        let find = |name: &'static str| {
            header.iter().position(|h| h.trim().eq_ignore_ascii_case(name)).ok_or(ImportError::MissingColumn(name))
        };
        Ok(Columns {
            postcode: find("postcode")?,
            quality: find("positional_quality")?,
            easting: find("easting")?,
            northing: find("northing")?,
            country: find("country_code")?,
            county: find("admin_county_code")?,
            district: find("admin_district_code")?,
            ward: find("admin_ward_code")?,
        })
    }

    /// OS's own column order, for files without a header row.
    fn code_point_order() -> Columns {
        Columns { postcode: 0, quality: 1, easting: 2, northing: 3, country: 4, county: 7, district: 8, ward: 9 }
    }
}

/// A rejected field, before its line number is known.
struct Fault {
    field: &'static str,
    value: String,
    reason: String,
}

fn fault(field: &'static str, value: &str, reason: impl Into<String>) -> Fault {
    Fault { field, value: value.to_string(), reason: reason.into() }
}

/// A GSS code: a letter and eight digits (`E05000001`); empty means none.
fn gss(field: &'static str, value: &str) -> Result<Option<String>, Fault> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let b = v.as_bytes();
    if b.len() == 9 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit) {
        Ok(Some(v.to_string()))
    } else {
        Err(fault(field, value, "a GSS code is a capital letter and eight digits, such as E05000001"))
    }
}

/// A checked row, kept small (about 40 bytes) so that the whole country fits while the file is
/// checked before anything is written; the item is built when its batch is appended.
struct Row {
    postcode: Postcode,
    quality: u8,
    /// Easting and northing (checked to convert to lon/lat); none for positional quality 90.
    point: Option<(u32, u32)>,
    /// Interned GSS codes: country, county, district, ward (`u32::MAX` for none).
    codes: [u32; 4],
}

/// GSS codes seen, each stored once.
#[derive(Default)]
struct Codes {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Codes {
    fn intern(&mut self, code: Option<String>) -> u32 {
        let Some(code) = code else { return u32::MAX };
        if let Some(&id) = self.ids.get(&code) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(code.clone());
        self.ids.insert(code, id);
        id
    }

    fn get(&self, id: u32) -> Option<String> {
        self.names.get(id as usize).cloned()
    }
}

/// Checks one row and keeps what the register item needs.
fn check_row(row: &csv::StringRecord, c: &Columns, codes: &mut Codes) -> Result<Row, Fault> {
    let needed = [c.postcode, c.quality, c.easting, c.northing, c.country, c.county, c.district, c.ward];
    let width = needed.iter().max().map_or(0, |m| m + 1);
    if row.len() < width {
        return Err(fault(
            "row",
            &row.iter().collect::<Vec<_>>().join(","),
            format!("has {} fields; needs {width}", row.len()),
        ));
    }
    let get = |i: usize| row.get(i).unwrap_or("");
    let postcode = Postcode::parse(get(c.postcode)).map_err(|e| fault("postcode", get(c.postcode), e.reason))?;
    let q = get(c.quality).trim();
    let quality: u8 = match q.parse() {
        Ok(v @ (10 | 20 | 30 | 40 | 50 | 60 | 90)) => v,
        _ => return Err(fault("positional_quality", q, "must be one of 10, 20, 30, 40, 50, 60, 90")),
    };
    let metres = |field: &'static str, value: &str, max: u32| {
        value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| fault(field, value, format!("must be whole metres from 0 to {max}")))
    };
    let easting = metres("easting", get(c.easting), 700_000)?;
    let northing = metres("northing", get(c.northing), 1_250_000)?;
    let point = if quality == 90 {
        if easting != 0 || northing != 0 {
            return Err(fault(
                "easting",
                get(c.easting),
                "positional quality 90 means no coordinates, but some are given",
            ));
        }
        None
    } else {
        if easting == 0 || northing == 0 {
            return Err(fault("easting", get(c.easting), "no coordinates, but positional quality is not 90"));
        }
        grid_to_lon_lat(GridPoint::new(f64::from(easting), f64::from(northing)))
            .map_err(|err| fault("easting", get(c.easting), err.to_string()))?;
        Some((easting, northing))
    };
    let country = gss("country_code", get(c.country))?;
    let county = gss("admin_county_code", get(c.county))?;
    let district = gss("admin_district_code", get(c.district))?;
    let ward = gss("admin_ward_code", get(c.ward))?;
    let codes = [codes.intern(country), codes.intern(county), codes.intern(district), codes.intern(ward)];
    Ok(Row { postcode, quality, point, codes })
}

impl Row {
    /// The register item for this row (lon/lat computed again here rather than kept per row).
    fn item(&self, codes: &Codes) -> PostcodeItem {
        let (mut e, mut n, mut lat, mut lon) = (None, None, None, None);
        if let Some((easting, northing)) = self.point
            && let Ok(ll) = grid_to_lon_lat(GridPoint::new(f64::from(easting), f64::from(northing)))
        {
            (e, n) = (Some(easting.to_string()), Some(northing.to_string()));
            (lat, lon) = (Some(format!("{:.6}", ll.lat)), Some(format!("{:.6}", ll.lon)));
        }
        PostcodeItem {
            postcode: self.postcode.compact(),
            positional_quality: self.quality.to_string(),
            easting: e,
            northing: n,
            latitude: lat,
            longitude: lon,
            country: codes.get(self.codes[0]),
            county: codes.get(self.codes[1]),
            district: codes.get(self.codes[2]),
            ward: codes.get(self.codes[3]),
        }
    }
}

/// Reads Code-Point Open CSV (with OS's header or none) into the national postcode register,
/// creating the register if needed. See the module documentation for what is all-or-nothing.
///
/// Reading is synchronous (the reader is a plain [`BufRead`]): call it from a task that may block.
pub async fn import_code_point(
    registers: &Registers,
    reader: impl BufRead,
    progress: &dyn Progress,
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let mut state = Checked::default();
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
    let mut record = csv::StringRecord::new();
    let csv_error =
        |e: csv::Error| ImportError::Csv { line: e.position().map(|p| p.line()).unwrap_or(0), message: e.to_string() };
    progress.phase("reading", None);
    let mut more = csv.read_record(&mut record).map_err(csv_error)?;
    // The first row is a header unless it already starts with a postcode (OS ships none).
    let columns = if more && Postcode::parse(record.get(0).unwrap_or("")).is_err() {
        let columns = Columns::from_header(&record)?;
        more = csv.read_record(&mut record).map_err(csv_error)?;
        columns
    } else {
        Columns::code_point_order()
    };
    while more {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        state.take(&record, &columns, line, options);
        if state.summary.rows_read % 10_000 == 0 {
            progress.advance(10_000);
        }
        more = csv.read_record(&mut record).map_err(csv_error)?;
    }
    let Checked { mut summary, rows, codes, first_line } = state;
    drop(first_line);
    if options.strict && summary.rejected > 0 {
        progress.finish();
        return Err(ImportError::Rejected(Box::new(summary)));
    }

    let info = ensure_register(registers).await?;
    // What the register holds now, as item hashes, so that a re-import appends only changes.
    let mut current: HashMap<String, ItemHash> = HashMap::new();
    if info.user_size > 0 {
        progress.phase("comparing", Some(info.user_size));
        let mut pages = std::pin::pin!(crate::index::replay_all(registers, &info));
        while let Some(page) = pages.next().await {
            let page = page?;
            progress.advance(page.len() as u64);
            for record in page {
                if let Some(hash) = record.entry.item_hashes.first() {
                    current.insert(record.entry.key, *hash);
                }
            }
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    progress.phase("appending", Some(rows.len() as u64));
    let mut batch = Vec::with_capacity(BATCH);
    for (i, row) in rows.iter().enumerate() {
        let item = row.item(&codes);
        let value = item.to_value();
        if !current.is_empty() {
            seen.insert(item.postcode.clone());
            let hash = Item::from_value(&value).map(|i| i.hash()).ok();
            if hash.is_some() && current.get(&item.postcode) == hash.as_ref() {
                summary.unchanged += 1;
            } else {
                batch.push(NewEntry::user(item.postcode, value));
            }
        } else {
            batch.push(NewEntry::user(item.postcode, value));
        }
        if batch.len() == BATCH || (i + 1 == rows.len() && !batch.is_empty()) {
            let n = batch.len() as u64;
            registers.append(&info, std::mem::take(&mut batch)).await?;
            summary.imported += n;
        }
        if (i + 1) % 10_000 == 0 {
            progress.advance(10_000);
        }
    }
    summary.absent = current.keys().filter(|k| !seen.contains(*k)).count() as u64;
    progress.finish();
    Ok(summary)
}

/// Everything learnt from reading the file, before anything is written.
#[derive(Default)]
struct Checked {
    summary: ImportSummary,
    rows: Vec<Row>,
    codes: Codes,
    /// Line each postcode was first seen on, to name both lines of a duplicate.
    first_line: HashMap<Postcode, u64>,
}

impl Checked {
    /// Checks one data row, keeping it or recording it as rejected.
    fn take(&mut self, record: &csv::StringRecord, cols: &Columns, line: u64, options: &ImportOptions) {
        self.summary.rows_read += 1;
        let result =
            check_row(record, cols, &mut self.codes).and_then(|row| match self.first_line.get(&row.postcode) {
                Some(first) => {
                    Err(fault("postcode", row.postcode.as_str(), format!("appears twice; first on line {first}")))
                }
                None => {
                    self.first_line.insert(row.postcode, line);
                    Ok(row)
                }
            });
        match result {
            Ok(row) => self.rows.push(row),
            Err(f) => {
                self.summary.rejected += 1;
                if self.summary.rejects.len() < options.max_reported_rejects {
                    self.summary.rejects.push(RejectedRow {
                        line,
                        field: f.field.to_string(),
                        value: f.value,
                        reason: f.reason,
                    });
                }
            }
        }
    }
}
