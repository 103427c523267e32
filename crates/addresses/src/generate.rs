//! A deterministic generator of synthetic addresses at national scale, anchored on real postcodes:
//! every address sits in a real Code-Point Open postcode unit, near that postcode's real point, on a
//! made-up street. Streets run through several postcodes of a sector; houses are numbered along them
//! (odd and even sides, the odd `12A`), with named houses and blocks of flats; postcode districts get
//! a post town and some sectors a locality. The same postcodes, count and seed give the same
//! addresses, byte for byte, on any machine (the random numbers are SplitMix64, written here).
//!
//! Memory is bounded by the number of postcodes (about 1.7 million), never by the count asked for:
//! addresses stream out of an iterator.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::address::{Address, Aon, Uprn, Usrn};
use crate::csv_out::write_addressbase_csv;
use crate::error::AddressError;
use crate::input;
use crate::names::{BUILDING_TYPES, HOUSE_NAMES, LOCALITY_WORDS, PLACE_HEADS, PLACE_TAILS, STREET_STEMS, STREET_TYPES};

/// Where the Code-Point Open file is by default, relative to the working directory (the repository
/// root, with `shared/` beside it as CI has it).
pub const DEFAULT_CODEPOINT: &str = "../shared/data/gb-postcodes-codepoint-open-2025-05.csv.gz";

/// The first UPRN given out; generated UPRNs rise from here with small gaps.
const FIRST_UPRN: u64 = 100_000_000_001;
/// The first USRN given out; one per generated street.
const FIRST_USRN: u64 = 10_000_001;
/// Average addresses per postcode when there are more postcodes than the count needs (real GB
/// postcodes hold about 15 to 20 delivery points).
const MEAN_PER_POSTCODE: u64 = 16;

/// A real postcode unit and its point, as Code-Point Open gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostcodePoint {
    /// The postcode as printed (`AB10 1AB`).
    pub postcode: String,
    /// British National Grid easting, metres.
    pub easting: u32,
    /// British National Grid northing, metres.
    pub northing: u32,
}

impl PostcodePoint {
    /// The sector: the postcode without its last two letters (`AB10 1`).
    fn sector(&self) -> &str {
        let p = self.postcode.as_str();
        p.get(..p.len().saturating_sub(2)).unwrap_or(p)
    }

    /// The district: the outward code (`AB10`).
    fn district(&self) -> &str {
        self.postcode.split(' ').next().unwrap_or(&self.postcode)
    }
}

/// Reads every postcode with a point from a Code-Point Open CSV (plain or gzip; columns
/// `postcode`, `easting`, `northing` by header). Postcodes without coordinates (0, 0) are skipped.
pub fn read_codepoint(path: &Path) -> Result<Vec<PostcodePoint>, AddressError> {
    let (reader, bar) = input::open(path, false, "postcodes")?;
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let bad = |m: String| AddressError::BadFile(format!("{}: {m}", path.display()));
    let header = csv.byte_headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.as_bytes()))
            .ok_or_else(|| bad(format!("no {name:?} column in the header (is it Code-Point Open?)")))
    };
    let (pc, e, n) = (col("postcode")?, col("easting")?, col("northing")?);
    let mut out = Vec::with_capacity(1_800_000);
    let mut record = csv::ByteRecord::new();
    while csv.read_byte_record(&mut record).map_err(|e| bad(e.to_string()))? {
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| std::str::from_utf8(record.get(i).unwrap_or_default()).unwrap_or("").trim();
        let number = |i: usize, name: &str| {
            field(i)
                .parse::<u32>()
                .map_err(|_| bad(format!("line {line}: {name} {:?} is not a whole number", field(i))))
        };
        let (easting, northing) = (number(e, "easting")?, number(n, "northing")?);
        let postcode = field(pc);
        if postcode.is_empty() {
            return Err(bad(format!("line {line}: postcode is empty")));
        }
        if easting == 0 && northing == 0 {
            continue;
        }
        out.push(PostcodePoint { postcode: postcode.to_string(), easting, northing });
    }
    bar.finish_and_clear();
    if out.is_empty() {
        return Err(bad("no postcodes with a point".into()));
    }
    Ok(out)
}

/// SplitMix64: tiny, fast, and the same on every platform and version (unlike `rand`'s `StdRng`).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True `per_mille` times in a thousand.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One element of a list.
    pub(crate) fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }
}

/// The SplitMix64 finaliser: a good 64-bit mixing function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded hash of a string (FNV-1a, then mixed), to give each place its own stable randomness.
fn hash_str(seed: u64, s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    mix(h ^ mix(seed))
}

/// A made-up place name (`Ashbury`, `Kelton`) from a hash.
pub(crate) fn place_name(h: u64) -> String {
    let head = PLACE_HEADS[(h % PLACE_HEADS.len() as u64) as usize];
    let tail = PLACE_TAILS[((h >> 16) % PLACE_TAILS.len() as u64) as usize];
    format!("{head}{tail}")
}

/// A street being numbered.
#[derive(Debug, Clone)]
struct StreetState {
    usrn: Usrn,
    name: String,
    /// The next house number to give.
    next: u32,
    /// 2 when odd and even sides alternate along the street's length, 1 when numbered straight.
    step: u32,
    /// Direction along the street (unit vector, grid metres).
    dir: (f64, f64),
    /// Metres between houses.
    spacing: f64,
}

/// A block of flats being filled.
#[derive(Debug, Clone)]
struct Building {
    pao: Aon,
    flats_left: u32,
    next_flat: u32,
    /// Whether flats are `Flat N` (text) or bare numbers.
    flat_text: bool,
    at: (f64, f64),
}

/// The postcode being filled, and its names.
#[derive(Debug, Clone, Default)]
struct Place {
    postcode: String,
    point: (f64, f64),
    district: String,
    sector: String,
    town: String,
    locality: Option<String>,
    /// Lon/lat at the point and its change per grid metre east and north, so that the addresses
    /// around the point get WGS84 coordinates without a full OSTN15 conversion each (exact to
    /// millimetres within a few hundred metres). `None` off the OSTN15 grid.
    frame: Option<LocalFrame>,
    /// Addresses still to make here.
    left: u32,
    /// Houses placed on the current street within this postcode (for positions).
    placed: u32,
    /// Houses to place on this street in this postcode before maybe starting another.
    run: u32,
}

/// A linearisation of the grid-to-lon/lat conversion around one point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LocalFrame {
    lon: f64,
    lat: f64,
    /// d(lon, lat)/d(easting), per metre.
    de: (f64, f64),
    /// d(lon, lat)/d(northing), per metre.
    dn: (f64, f64),
}

impl LocalFrame {
    /// The frame at a grid point, from three OSTN15 conversions 100 m apart.
    pub(crate) fn at((e, n): (f64, f64)) -> Option<LocalFrame> {
        let ll = |e: f64, n: f64| geography::grid_to_lon_lat(geography::GridPoint::new(e, n)).ok();
        let (o, east, north) = (ll(e, n)?, ll(e + 100.0, n)?, ll(e, n + 100.0)?);
        Some(LocalFrame {
            lon: o.lon,
            lat: o.lat,
            de: ((east.lon - o.lon) / 100.0, (east.lat - o.lat) / 100.0),
            dn: ((north.lon - o.lon) / 100.0, (north.lat - o.lat) / 100.0),
        })
    }

    /// (lon, lat) of a grid point near the frame's origin `origin`, to 7 decimals (about 1 cm).
    pub(crate) fn lon_lat(&self, origin: (f64, f64), at: (f64, f64)) -> (f64, f64) {
        let (dx, dy) = (at.0 - origin.0, at.1 - origin.1);
        let round = |v: f64| (v * 1e7).round() / 1e7;
        (round(self.lon + dx * self.de.0 + dy * self.dn.0), round(self.lat + dx * self.de.1 + dy * self.dn.1))
    }
}

/// Streams `count` synthetic addresses over real postcodes; see the module documentation.
#[derive(Debug, Clone)]
pub struct Generator {
    postcodes: Arc<Vec<PostcodePoint>>,
    /// (index into `postcodes`, addresses to make there), in file order.
    plan: Vec<(u32, u32)>,
    next_plan: usize,
    seed: u64,
    rng: Rng,
    emitted: u64,
    count: u64,
    uprn: u64,
    usrn: u64,
    place: Place,
    street: Option<StreetState>,
    building: Option<Building>,
    /// The number just given, for a following `A`/`B` house.
    last_number: Option<(u32, char)>,
}

impl Generator {
    /// A generator of exactly `count` addresses over these postcodes (from [`read_codepoint`]).
    /// With fewer addresses than the postcodes could hold, whole sectors are chosen at random (by
    /// seed) so towns stay dense; otherwise every postcode gets some. Each postcode's share varies.
    pub fn new(postcodes: Arc<Vec<PostcodePoint>>, count: u64, seed: u64) -> Generator {
        let plan = plan(&postcodes, count, seed);
        Generator {
            postcodes,
            plan,
            next_plan: 0,
            seed,
            rng: Rng::new(mix(seed ^ 0x0061_6464_7265_7373)),
            emitted: 0,
            count,
            uprn: FIRST_UPRN,
            usrn: FIRST_USRN,
            place: Place::default(),
            street: None,
            building: None,
            last_number: None,
        }
    }

    /// Reads the Code-Point Open file and makes a generator over it.
    pub fn from_codepoint(path: &Path, count: u64, seed: u64) -> Result<Generator, AddressError> {
        Ok(Generator::new(Arc::new(read_codepoint(path)?), count, seed))
    }

    /// Moves to the next postcode of the plan; false when the plan is done.
    fn next_place(&mut self) -> bool {
        let Some(&(index, n)) = self.plan.get(self.next_plan) else { return false };
        self.next_plan += 1;
        let p = &self.postcodes[index as usize];
        let district = p.district();
        if district != self.place.district {
            let h = hash_str(self.seed, district);
            self.place.town = place_name(h);
            self.place.district = district.to_string();
        }
        let sector = p.sector();
        let same_sector = sector == self.place.sector;
        if !same_sector {
            let h = hash_str(self.seed ^ 0x5ec7, sector);
            self.place.locality = match h % 100 {
                0..=59 => None,
                60..=79 => {
                    Some(format!("{} {}", LOCALITY_WORDS[(h >> 8) as usize % LOCALITY_WORDS.len()], self.place.town))
                }
                _ => Some(place_name(h >> 20)),
            };
            self.place.sector = sector.to_string();
        }
        self.place.postcode = p.postcode.clone();
        self.place.point = (p.easting as f64, p.northing as f64);
        self.place.frame = LocalFrame::at(self.place.point);
        self.place.left = n;
        self.place.placed = 0;
        self.place.run = 4 + self.rng.below(30) as u32;
        self.building = None;
        self.last_number = None;
        // A street carries on into the next postcode of its sector about half the time.
        if !same_sector || self.street.is_none() || !self.rng.chance(500) {
            self.new_street();
        }
        true
    }

    /// Starts a new street in the current place.
    fn new_street(&mut self) {
        let usrn = Usrn::new(self.usrn.min(Usrn::MAX)).unwrap_or_else(|_| unreachable_usrn());
        self.usrn += 1;
        let name = format!("{} {}", self.rng.pick(STREET_STEMS), self.rng.pick(STREET_TYPES));
        let angle = self.rng.unit() * std::f64::consts::PI;
        let step = if self.rng.chance(700) { 2 } else { 1 };
        let next = if step == 2 && self.rng.chance(500) { 2 } else { 1 };
        self.street = Some(StreetState {
            usrn,
            name,
            next,
            step,
            dir: (angle.cos(), angle.sin()),
            spacing: 6.0 + self.rng.unit() * 10.0,
        });
        self.place.placed = 0;
        self.last_number = None;
    }

    /// Takes the next house number on the street, and where that house stands.
    fn take_number(&mut self) -> (u32, (f64, f64)) {
        let place = &mut self.place;
        let Some(street) = self.street.as_mut() else { return (1, place.point) };
        let n = street.next;
        street.next += street.step;
        let i = place.placed as f64;
        place.placed += 1;
        // Along the street from the postcode's point, odd numbers on one side and even on the other.
        let along = (i - (place.left as f64 + i) / 2.0) * street.spacing / street.step as f64;
        let side = if street.step == 2 && n % 2 == 0 { -9.0 } else { 9.0 };
        let (dx, dy) = street.dir;
        let jitter = (self.rng.unit() - 0.5) * 3.0;
        (n, (place.point.0 + dx * along - dy * side + jitter, place.point.1 + dy * along + dx * side - jitter))
    }

    /// Makes the next address in the current place.
    fn make(&mut self) -> Address {
        if self.place.placed >= self.place.run && self.building.is_none() && self.rng.chance(300) {
            self.new_street();
            self.place.run = self.place.placed + 4 + self.rng.below(30) as u32;
        }
        let (sao, pao, at) = if let Some(b) = self.building.as_mut() {
            let sao = if b.flat_text { Aon::text(format!("Flat {}", b.next_flat)) } else { Aon::number(b.next_flat) };
            b.next_flat += 1;
            b.flats_left -= 1;
            let out = (sao, b.pao.clone(), b.at);
            if b.flats_left == 0 {
                self.building = None;
            }
            out
        } else {
            let r = self.rng.below(1000);
            if r < 90 && self.place.left >= 3 {
                let flats = 2 + self.rng.below(u64::from(self.place.left.min(40) - 1)) as u32;
                let (pao, at) = if self.rng.chance(550) {
                    let (n, at) = self.take_number();
                    (Aon::number(n), at)
                } else {
                    let name = format!("{} {}", self.rng.pick(STREET_STEMS), self.rng.pick(BUILDING_TYPES));
                    let (_, at) = self.take_number();
                    (Aon::text(name), at)
                };
                self.building =
                    Some(Building { pao, flats_left: flats, next_flat: 1, flat_text: self.rng.chance(750), at });
                self.last_number = None;
                return self.make();
            } else if r < 150 {
                let name = self.rng.pick(HOUSE_NAMES).to_string();
                let (n, at) = self.take_number();
                let pao =
                    if self.rng.chance(250) { Aon { text: Some(name), ..Aon::number(n) } } else { Aon::text(name) };
                (Aon::default(), pao, at)
            } else if let Some((n, s)) = self.last_number.filter(|&(_, s)| r < 185 && s < 'Z') {
                let next = char::from(s as u8 + 1);
                self.last_number = Some((n, next));
                let (_, at) = self.take_number();
                if let Some(st) = self.street.as_mut() {
                    st.next -= st.step;
                }
                (Aon::default(), Aon::number_suffix(n, next), at)
            } else {
                let (n, at) = self.take_number();
                self.last_number = Some((n, '@'));
                (Aon::default(), Aon::number(n), at)
            }
        };
        self.place.left -= 1;
        let uprn = Uprn::new(self.uprn).unwrap_or_else(|_| unreachable_uprn());
        self.uprn += 1 + if self.rng.chance(200) { self.rng.below(40) } else { 0 };
        let round = |v: f64| (v * 100.0).round() / 100.0;
        let lon_lat = self.place.frame.map(|f| f.lon_lat(self.place.point, at));
        let (street, usrn) = match &self.street {
            Some(s) => (Some(s.name.clone()), Some(s.usrn)),
            None => (None, None),
        };
        Address {
            usrn,
            sao,
            pao,
            street,
            locality: self.place.locality.clone(),
            town: Some(self.place.town.clone()),
            postcode: Some(self.place.postcode.clone()),
            easting: Some(round(at.0)),
            northing: Some(round(at.1)),
            longitude: lon_lat.map(|l| l.0),
            latitude: lon_lat.map(|l| l.1),
            ..Address::new(uprn)
        }
    }
}

/// UPRNs run out only after hundreds of billions of addresses: far beyond any count asked for.
fn unreachable_uprn() -> Uprn {
    Uprn(Uprn::MAX)
}

/// USRNs run out only after 89 million streets: far beyond national scale.
fn unreachable_usrn() -> Usrn {
    Usrn(Usrn::MAX)
}

impl Iterator for Generator {
    type Item = Address;

    fn next(&mut self) -> Option<Address> {
        if self.emitted >= self.count {
            return None;
        }
        while self.place.left == 0 {
            if !self.next_place() {
                return None;
            }
        }
        self.emitted += 1;
        Some(self.make())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.count - self.emitted) as usize;
        (left, Some(left))
    }
}

/// Chooses the postcodes to fill and how many addresses each gets, summing to exactly `count`.
fn plan(postcodes: &[PostcodePoint], count: u64, seed: u64) -> Vec<(u32, u32)> {
    if postcodes.is_empty() || count == 0 {
        return Vec::new();
    }
    // Sectors as runs of consecutive postcodes (Code-Point is sorted by postcode).
    let mut sectors: Vec<(usize, usize, u64)> = Vec::new();
    let mut start = 0;
    for i in 1..=postcodes.len() {
        if i == postcodes.len() || postcodes[i].sector() != postcodes[start].sector() {
            sectors.push((start, i, hash_str(seed, postcodes[start].sector())));
            start = i;
        }
    }
    let mut chosen = vec![false; sectors.len()];
    if count >= postcodes.len() as u64 * MEAN_PER_POSTCODE {
        chosen.iter_mut().for_each(|c| *c = true);
    } else {
        let mut order: Vec<usize> = (0..sectors.len()).collect();
        order.sort_by_key(|&i| sectors[i].2);
        let mut capacity = 0;
        for i in order {
            chosen[i] = true;
            capacity += (sectors[i].1 - sectors[i].0) as u64 * MEAN_PER_POSTCODE;
            if capacity >= count {
                break;
            }
        }
    }
    // Each chosen postcode gets a weight from 0.2 to 1.8; shares are rounded cumulatively so they
    // add up to exactly `count`.
    let mut weighted: Vec<(u32, u64)> = Vec::new();
    for (s, &(a, b, _)) in sectors.iter().enumerate() {
        if chosen[s] {
            for i in a..b {
                weighted.push((i as u32, 200 + mix(seed ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D)) % 1601));
            }
        }
    }
    let total: u128 = weighted.iter().map(|w| w.1 as u128).sum();
    let mut out = Vec::with_capacity(weighted.len());
    let mut cumulative: u128 = 0;
    let mut given: u64 = 0;
    for (i, w) in weighted {
        cumulative += w as u128;
        let upto = (count as u128 * cumulative / total) as u64;
        let n = upto - given;
        given = upto;
        if n > 0 {
            out.push((i, n.min(u32::MAX as u64) as u32));
        }
    }
    out
}

/// Writes `count` generated addresses as AddressBase-shaped CSV (see
/// [`crate::ADDRESSBASE_COLUMNS`]) to `out`, over the postcodes of the Code-Point Open file at
/// `codepoint` (usually [`DEFAULT_CODEPOINT`]). This is `guildhall generate addresses --count N
/// --seed S [--codepoint FILE]`; the same arguments give the same bytes. Returns the rows written.
pub fn write_csv<W: Write>(out: W, count: u64, seed: u64, codepoint: &Path) -> Result<u64, AddressError> {
    write_addressbase_csv(out, Generator::from_codepoint(codepoint, count, seed)?)
}
