//! [`PostcodeIndex`]: the postcode register as an in-memory map, postcode → point and codes,
//! built by replaying the register and kept current with [`PostcodeIndex::catch_up`].
//!
//! Memory: one sorted array of 40-byte slots (postcode, grid point, lon/lat in 1e-7 degrees,
//! four interned GSS codes, quality), about 70 MB for all 1.74 M GB postcodes, searched by
//! binary search; postcodes added after the build go in a small hash map beside it.

use std::collections::HashMap;

use futures_util::{Stream, StreamExt};

use geography::{GridPoint, LonLat};
use registers::{Owner, Record, RegisterError, RegisterInfo, Registers};

use crate::postcode::Postcode;
use crate::register::{PostcodeItem, register_name};

/// Entries fetched per replay call.
const PAGE: u64 = 10_000;
/// Marks "no code" in a slot.
const NO_CODE: u16 = u16::MAX;

/// Pages replayed at once. Six in flight was measured on the whole country (SQLite, a loaded
/// machine): no faster, and ~800 MB more memory held in pages; so one, kept as a knob.
const PAGES_IN_FLIGHT: usize = 1;

/// Every user entry of `register` as it stood, in order, in pages fetched several at a time.
pub(crate) fn replay_all<'a>(
    registers: &'a Registers,
    register: &'a RegisterInfo,
) -> impl Stream<Item = Result<Vec<Record>, RegisterError>> + 'a {
    let starts = (0..register.user_size.div_ceil(PAGE)).map(|k| 1 + k * PAGE);
    futures_util::stream::iter(starts).map(|start| registers.replay(register, start, PAGE)).buffered(PAGES_IN_FLIGHT)
}

/// Why the view could not be built or brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// This instance has no postcode register yet (import Code-Point first).
    #[error("there is no national postcode register on this instance yet")]
    NoRegister,
    /// Reading the register failed.
    #[error("reading the postcode register: {0}")]
    Register(#[from] RegisterError),
    /// An entry's item is not a postcode item (the register's schema should make this impossible).
    #[error("postcode register entry {entry}: {message}")]
    BadItem {
        /// Entry number.
        entry: u64,
        /// What is wrong.
        message: String,
    },
    /// More distinct GSS codes than the view's 16-bit code table holds.
    #[error("more than 65,535 distinct GSS codes in the postcode register")]
    TooManyCodes,
}

/// One postcode's point and codes, as the register holds them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PostcodeLocation<'a> {
    /// The postcode.
    pub postcode: Postcode,
    /// Code-Point positional quality (10 best, 90 no coordinates).
    pub positional_quality: u8,
    /// British National Grid point, whole metres; none for positional quality 90.
    pub grid: Option<GridPoint>,
    /// WGS84 lon/lat as the register holds it (6 decimal places); none without coordinates.
    pub lon_lat: Option<LonLat>,
    /// GSS code of the country.
    pub country: Option<&'a str>,
    /// GSS code of the county, if any.
    pub county: Option<&'a str>,
    /// GSS code of the district, unitary authority or council area.
    pub district: Option<&'a str>,
    /// GSS code of the ward or electoral division.
    pub ward: Option<&'a str>,
}

/// One postcode's data packed into 29 bytes (40 with the key and padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    /// Easting in metres, or -1 when there are no coordinates.
    easting: i32,
    northing: i32,
    /// Lon/lat in units of 1e-7 degree (1 cm), exact for the register's 6 decimal places.
    lon_e7: i32,
    lat_e7: i32,
    /// Country, county, district, ward as code-table ids.
    codes: [u16; 4],
    quality: u8,
}

/// The postcode register as an in-memory look-up table that can follow the register.
#[derive(Debug)]
pub struct PostcodeIndex {
    register: RegisterInfo,
    /// Next user entry number to apply.
    next_entry: u64,
    /// Postcodes present at build time, sorted.
    sorted: Vec<(Postcode, Slot)>,
    /// Postcodes first seen after the build.
    added: HashMap<Postcode, Slot>,
    /// GSS code table.
    codes: Vec<Box<str>>,
    code_ids: HashMap<Box<str>, u16>,
}

impl PostcodeIndex {
    /// Builds the view by replaying the whole national postcode register (then call
    /// [`PostcodeIndex::catch_up`] now and then to follow it).
    pub async fn build(registers: &Registers) -> Result<PostcodeIndex, IndexError> {
        let register = registers.find(Owner::National, &register_name()).await?.ok_or(IndexError::NoRegister)?;
        let mut index = PostcodeIndex {
            register,
            next_entry: 1,
            sorted: Vec::new(),
            added: HashMap::new(),
            codes: Vec::new(),
            code_ids: HashMap::new(),
        };
        let mut all = Vec::with_capacity(index.register.user_size as usize);
        let register = index.register.clone();
        let mut pages = std::pin::pin!(replay_all(registers, &register));
        while let Some(page) = pages.next().await {
            for record in &page? {
                index.next_entry = record.entry.number + 1;
                all.push(index.slot_of(record)?);
            }
        }
        // Entries in log order; for a postcode listed more than once the newest wins.
        all.sort_by_key(|(p, _)| *p);
        all.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                *earlier = *later;
                true
            } else {
                false
            }
        });
        all.shrink_to_fit();
        index.sorted = all;
        Ok(index)
    }

    /// Applies entries appended since the build or the last catch-up; returns how many.
    pub async fn catch_up(&mut self, registers: &Registers) -> Result<u64, IndexError> {
        let mut applied = 0;
        loop {
            let page = registers.replay(&self.register, self.next_entry, PAGE).await?;
            let Some(last) = page.last() else { break };
            self.next_entry = last.entry.number + 1;
            for record in &page {
                let (postcode, slot) = self.slot_of(record)?;
                match self.sorted.binary_search_by_key(&postcode, |(p, _)| *p) {
                    Ok(i) => self.sorted[i].1 = slot,
                    Err(_) => {
                        self.added.insert(postcode, slot);
                    }
                }
                applied += 1;
            }
        }
        Ok(applied)
    }

    /// The point and codes of a postcode, if the register has it.
    pub fn get(&self, postcode: &Postcode) -> Option<PostcodeLocation<'_>> {
        let slot = match self.sorted.binary_search_by_key(postcode, |(p, _)| *p) {
            Ok(i) => &self.sorted[i].1,
            Err(_) => self.added.get(postcode)?,
        };
        Some(self.location(*postcode, slot))
    }

    /// Every postcode in the view with its location (build-time ones in order, then newer ones).
    pub fn iter(&self) -> impl Iterator<Item = PostcodeLocation<'_>> {
        self.sorted.iter().map(|(p, s)| (p, s)).chain(self.added.iter()).map(|(p, s)| self.location(*p, s))
    }

    /// Number of postcodes in the view.
    pub fn len(&self) -> usize {
        self.sorted.len() + self.added.len()
    }

    /// Whether the view holds no postcode.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many user entries of the register the view has applied.
    pub fn entries_applied(&self) -> u64 {
        self.next_entry - 1
    }

    /// Bytes the view's tables hold (capacity, not counting allocator overhead).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let codes: usize = self.codes.iter().map(|c| 2 * c.len() + 2 * size_of::<Box<str>>() + 3).sum();
        self.sorted.capacity() * size_of::<(Postcode, Slot)>()
            + self.added.capacity() * (size_of::<(Postcode, Slot)>() + 1)
            + codes
    }

    fn location(&self, postcode: Postcode, s: &Slot) -> PostcodeLocation<'_> {
        let code = |id: u16| self.codes.get(usize::from(id)).map(|c| &**c);
        let has_point = s.easting >= 0;
        PostcodeLocation {
            postcode,
            positional_quality: s.quality,
            grid: has_point.then(|| GridPoint::new(f64::from(s.easting), f64::from(s.northing))),
            lon_lat: has_point.then(|| LonLat::new(f64::from(s.lon_e7) / 1e7, f64::from(s.lat_e7) / 1e7)),
            country: code(s.codes[0]),
            county: code(s.codes[1]),
            district: code(s.codes[2]),
            ward: code(s.codes[3]),
        }
    }

    fn intern(&mut self, code: Option<&str>) -> Result<u16, IndexError> {
        let Some(code) = code else { return Ok(NO_CODE) };
        if let Some(&id) = self.code_ids.get(code) {
            return Ok(id);
        }
        let id = u16::try_from(self.codes.len()).ok().filter(|id| *id != NO_CODE).ok_or(IndexError::TooManyCodes)?;
        self.codes.push(code.into());
        self.code_ids.insert(code.into(), id);
        Ok(id)
    }

    /// Reads one replayed record into a slot.
    fn slot_of(&mut self, record: &Record) -> Result<(Postcode, Slot), IndexError> {
        let entry = record.entry.number;
        let bad = |message: String| IndexError::BadItem { entry, message };
        let item = record.items.first().ok_or_else(|| bad("no item".into()))?;
        let item: PostcodeItem = serde_json::from_str(item.canonical()).map_err(|e| bad(e.to_string()))?;
        let postcode = Postcode::parse(&item.postcode).map_err(|e| bad(e.to_string()))?;
        let int = |field: &str, v: &Option<String>| -> Result<i32, IndexError> {
            match v {
                None => Ok(-1),
                Some(v) => v.parse().map_err(|_| bad(format!("{field} {v:?} is not a whole number"))),
            }
        };
        let e7 = |field: &str, v: &Option<String>| -> Result<i32, IndexError> {
            match v {
                None => Ok(0),
                Some(v) => v
                    .parse::<f64>()
                    .map(|d| (d * 1e7).round() as i32)
                    .map_err(|_| bad(format!("{field} {v:?} is not a decimal"))),
            }
        };
        let quality = item.positional_quality.parse().map_err(|_| bad("positional-quality is not a number".into()))?;
        let codes = [
            self.intern(item.country.as_deref())?,
            self.intern(item.county.as_deref())?,
            self.intern(item.district.as_deref())?,
            self.intern(item.ward.as_deref())?,
        ];
        let slot = Slot {
            easting: int("easting", &item.easting)?,
            northing: int("northing", &item.northing)?,
            lon_e7: e7("longitude", &item.longitude)?,
            lat_e7: e7("latitude", &item.latitude)?,
            codes,
            quality,
        };
        Ok((postcode, slot))
    }
}
