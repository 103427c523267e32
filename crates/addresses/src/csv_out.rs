//! Writing addresses as CSV in the column shape of OS AddressBase Plus (the subset the address
//! register holds), the same shape the `addressbase` importer reads.

use std::io::Write;

use crate::address::{Address, Aon};
use crate::error::AddressError;

/// The columns written, in order: AddressBase Plus names for the register's fields.
pub const ADDRESSBASE_COLUMNS: [&str; 22] = [
    "UPRN",
    "USRN",
    "SAO_TEXT",
    "SAO_START_NUMBER",
    "SAO_START_SUFFIX",
    "SAO_END_NUMBER",
    "SAO_END_SUFFIX",
    "PAO_TEXT",
    "PAO_START_NUMBER",
    "PAO_START_SUFFIX",
    "PAO_END_NUMBER",
    "PAO_END_SUFFIX",
    "STREET_DESCRIPTION",
    "LOCALITY",
    "TOWN_NAME",
    "POSTCODE_LOCATOR",
    "X_COORDINATE",
    "Y_COORDINATE",
    "LATITUDE",
    "LONGITUDE",
    "LA_START_DATE",
    "END_DATE",
];

/// Writes a header and one row per address; returns how many rows were written. The writer is
/// buffered here, so pass it unbuffered (a file, stdout's lock).
pub fn write_addressbase_csv<W: Write>(
    out: W,
    addresses: impl IntoIterator<Item = Address>,
) -> Result<u64, AddressError> {
    let io = |e| AddressError::Io { context: "writing CSV".into(), source: e };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut line = Vec::with_capacity(512);
    out.write_all(ADDRESSBASE_COLUMNS.join(",").as_bytes()).map_err(io)?;
    out.write_all(b"\n").map_err(io)?;
    let mut n = 0;
    for a in addresses {
        line.clear();
        row(&a, &mut line);
        out.write_all(&line).map_err(io)?;
        n += 1;
    }
    out.flush().map_err(io)?;
    Ok(n)
}

/// Appends one CSV row (with its newline) for an address.
fn row(a: &Address, line: &mut Vec<u8>) {
    use std::io::Write as _;
    // Writing into a Vec cannot fail.
    let _ = write!(line, "{}", a.uprn);
    line.push(b',');
    if let Some(u) = a.usrn {
        let _ = write!(line, "{u}");
    }
    for aon in [&a.sao, &a.pao] {
        aon_fields(aon, line);
    }
    for text in [&a.street, &a.locality, &a.town, &a.postcode] {
        line.push(b',');
        if let Some(t) = text {
            field(t, line);
        }
    }
    for c in [a.easting, a.northing, a.latitude, a.longitude] {
        line.push(b',');
        if let Some(c) = c {
            let _ = write!(line, "{c}");
        }
    }
    for d in [&a.start_date, &a.end_date] {
        line.push(b',');
        if let Some(d) = d {
            field(d, line);
        }
    }
    line.push(b'\n');
}

/// The five columns of one addressable object, each preceded by its comma.
fn aon_fields(aon: &Aon, line: &mut Vec<u8>) {
    use std::io::Write as _;
    line.push(b',');
    if let Some(t) = &aon.text {
        field(t, line);
    }
    for (n, s) in [(aon.start_number, aon.start_suffix), (aon.end_number, aon.end_suffix)] {
        line.push(b',');
        if let Some(n) = n {
            let _ = write!(line, "{n}");
        }
        line.push(b',');
        if let Some(s) = s {
            let _ = write!(line, "{s}");
        }
    }
}

/// One text field, quoted only when it must be.
fn field(s: &str, line: &mut Vec<u8>) {
    if s.contains([',', '"', '\n', '\r']) {
        line.push(b'"');
        line.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        line.push(b'"');
    } else {
        line.extend_from_slice(s.as_bytes());
    }
}
