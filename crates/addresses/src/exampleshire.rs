//! Exampleshire, the made-up county of the Guildhall demo: its streets (the twenty of the demo's
//! street register, same USRNs and names, plus more made up around them) and a few thousand
//! addresses on them, with postcodes in the fictional area `ZX` (no real GB postcode area is ZX,
//! but every one is well-formed) and points in open country in the English Midlands. Deterministic
//! for a seed, and needing no data files, so the demo runs anywhere.

use std::collections::HashSet;

use crate::address::{Address, Aon, Uprn, Usrn};
use crate::generate::{LocalFrame, Rng};
use crate::names::{BUILDING_TYPES, HOUSE_NAMES, STREET_STEMS, STREET_TYPES};
use crate::street::Street;

/// One demo street: USRN, name, locality, town, start date, end date.
type CoreStreet = (u64, &'static str, Option<&'static str>, &'static str, &'static str, Option<&'static str>);

/// The demo street register's streets.
const CORE_STREETS: [CoreStreet; 20] = [
    (47100001, "High Street", None, "Exampleton", "1850", None),
    (47100002, "Market Place", None, "Exampleton", "1790", None),
    (47100003, "Church Lane", Some("Old Town"), "Exampleton", "1820", None),
    (47100004, "Station Road", None, "Exampleton", "1872-06", None),
    (47100005, "Mill Race", Some("Riverside"), "Exampleton", "1901", None),
    (47100006, "Guildhall Square", None, "Exampleton", "1925-04-01", None),
    (47100007, "Orchard Close", Some("Northfield"), "Exampleton", "1968-09", None),
    (47100008, "Copper Beech Avenue", Some("Northfield"), "Exampleton", "1969-03", None),
    (47100009, "Cooper's Yard", Some("Old Town"), "Exampleton", "1880", Some("2019-11-30")),
    (47100010, "Quarry Hill", None, "Stonebridge", "1840", None),
    (47100011, "Bridge Street", None, "Stonebridge", "1799", None),
    (47100012, "Ferry Lane", Some("Wharfside"), "Stonebridge", "1810", None),
    (47100013, "Tannery Row", Some("Wharfside"), "Stonebridge", "1860", None),
    (47100014, "Meadow Way", Some("Little Ashby"), "Stonebridge", "1992-05", None),
    (47100015, "School Lane", Some("Little Ashby"), "Stonebridge", "1875", None),
    (47100016, "The Green", Some("Ashby Parva"), "Upper Wendle", "1700", None),
    (47100017, "Pound Lane", Some("Ashby Parva"), "Upper Wendle", "1780", None),
    (47100018, "Windmill Rise", None, "Upper Wendle", "2004-10-12", None),
    (47100019, "Heron Drive", Some("Wendle Marsh"), "Upper Wendle", "2016-02", None),
    (47100020, "Kingfisher Walk", Some("Wendle Marsh"), "Upper Wendle", "2021-07-19", None),
];

/// Each town's postcode district and centre (British National Grid metres).
const TOWNS: [(&str, &str, (f64, f64)); 3] = [
    ("Exampleton", "ZX1", (452_000.0, 262_000.0)),
    ("Stonebridge", "ZX2", (461_500.0, 259_000.0)),
    ("Upper Wendle", "ZX3", (446_000.0, 270_500.0)),
];

/// Localities: town, name, and offset of their centre from the town's, metres.
const LOCALITIES: [(&str, Option<&str>, (f64, f64)); 9] = [
    ("Exampleton", None, (0.0, 0.0)),
    ("Exampleton", Some("Old Town"), (-600.0, 200.0)),
    ("Exampleton", Some("Riverside"), (700.0, -500.0)),
    ("Exampleton", Some("Northfield"), (200.0, 1_400.0)),
    ("Stonebridge", None, (0.0, 0.0)),
    ("Stonebridge", Some("Wharfside"), (500.0, -400.0)),
    ("Stonebridge", Some("Little Ashby"), (-1_800.0, 1_200.0)),
    ("Upper Wendle", Some("Ashby Parva"), (1_500.0, -1_200.0)),
    ("Upper Wendle", Some("Wendle Marsh"), (-900.0, 600.0)),
];

/// Letters a postcode's unit may use (never C, I, K, M, O or V).
const UNIT_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// Extra streets made up beside the twenty of the demo register.
const EXTRA_STREETS: usize = 70;

/// Exampleshire's streets and the addresses on them, the same for the same seed: about 5,000
/// addresses on 90 streets in three towns. Streets' USRNs and addresses' UPRNs start with 471.
pub fn exampleshire(seed: u64) -> (Vec<Street>, Vec<Address>) {
    let mut rng = Rng::new(seed ^ 0x4578_616d_706c_6573);
    let mut streets: Vec<Street> = CORE_STREETS
        .iter()
        .map(|&(usrn, name, locality, town, start, end)| Street {
            usrn: Usrn(usrn),
            name: name.to_string(),
            locality: locality.map(str::to_string),
            town: Some(town.to_string()),
            start_date: Some(start.to_string()),
            end_date: end.map(str::to_string),
        })
        .collect();
    let mut names: HashSet<String> = streets.iter().map(|s| s.name.clone()).collect();
    while streets.len() < CORE_STREETS.len() + EXTRA_STREETS {
        let name = format!("{} {}", rng.pick(STREET_STEMS), rng.pick(STREET_TYPES));
        if !names.insert(name.clone()) {
            continue;
        }
        let (town, locality, _) = LOCALITIES[rng.below(LOCALITIES.len() as u64) as usize];
        let year = 1850 + rng.below(170);
        streets.push(Street {
            usrn: Usrn(47_100_001 + streets.len() as u64),
            name,
            locality: locality.map(str::to_string),
            town: Some(town.to_string()),
            start_date: Some(year.to_string()),
            end_date: None,
        });
    }

    let mut addresses = Vec::new();
    let mut uprn = 471_000_000_001u64;
    // Next postcode unit per (district, sector): sector = locality's index in its town + 1.
    let mut units = [[0usize; 10]; 3];
    for street in &streets {
        let town_index = TOWNS.iter().position(|t| Some(t.0) == street.town.as_deref()).unwrap_or(0);
        let (_, district, centre) = TOWNS[town_index];
        let in_town: Vec<_> = LOCALITIES.iter().filter(|l| Some(l.0) == street.town.as_deref()).collect();
        let sector = 1 + in_town.iter().position(|l| l.1 == street.locality.as_deref()).unwrap_or(0);
        let offset = in_town.get(sector - 1).map_or((0.0, 0.0), |l| l.2);
        let spread = 700.0;
        let origin =
            (centre.0 + offset.0 + (rng.unit() - 0.5) * spread, centre.1 + offset.1 + (rng.unit() - 0.5) * spread);
        let angle = rng.unit() * std::f64::consts::PI;
        let dir = (angle.cos(), angle.sin());
        let frame = LocalFrame::at(origin);
        let houses = 12 + rng.below(if street.name == "High Street" { 90 } else { 50 }) as u32;
        let mut postcode = String::new();
        let mut in_postcode = 0;
        let mut number = 1;
        let mut i = 0u32;
        while i < houses {
            if postcode.is_empty() || in_postcode >= 14 + rng.below(10) {
                let unit = &mut units[town_index][sector];
                let (a, b) = (
                    UNIT_LETTERS[*unit / UNIT_LETTERS.len() % UNIT_LETTERS.len()],
                    UNIT_LETTERS[*unit % UNIT_LETTERS.len()],
                );
                *unit += 1;
                postcode = format!("{district} {sector}{}{}", a as char, b as char);
                in_postcode = 0;
            }
            let along = i as f64 * 7.0;
            let side = if number % 2 == 0 { -10.0 } else { 10.0 };
            let at = (origin.0 + dir.0 * along - dir.1 * side, origin.1 + dir.1 * along + dir.0 * side);
            let (pao, flats) = match rng.below(100) {
                0..=7 => (Aon::text(rng.pick(HOUSE_NAMES)), 0),
                8..=11 if number > 2 => (Aon::number_suffix(number - 1, 'A'), 0),
                12..=15 => (
                    Aon::text(format!("{} {}", rng.pick(STREET_STEMS), rng.pick(BUILDING_TYPES))),
                    4 + rng.below(20) as u32,
                ),
                16..=19 => (Aon::number(number), 2 + rng.below(6) as u32),
                _ => (Aon::number(number), 0),
            };
            if pao.start_suffix.is_none() {
                number += 1;
            }
            let saos: Vec<Aon> = if flats == 0 {
                vec![Aon::default()]
            } else {
                (1..=flats).map(|f| Aon::text(format!("Flat {f}"))).collect()
            };
            for sao in saos {
                let lon_lat = frame.map(|f| f.lon_lat(origin, at));
                let round = |v: f64| (v * 100.0).round() / 100.0;
                addresses.push(Address {
                    usrn: Some(street.usrn),
                    sao,
                    pao: pao.clone(),
                    street: Some(street.name.clone()),
                    locality: street.locality.clone(),
                    town: street.town.clone(),
                    postcode: Some(postcode.clone()),
                    easting: Some(round(at.0)),
                    northing: Some(round(at.1)),
                    longitude: lon_lat.map(|l| l.0),
                    latitude: lon_lat.map(|l| l.1),
                    start_date: street.start_date.clone(),
                    end_date: street.end_date.clone(),
                    ..Address::new(Uprn(uprn))
                });
                uprn += 1 + rng.below(3);
                in_postcode += 1;
            }
            i += 1;
        }
    }
    (streets, addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exampleshire_is_the_same_for_a_seed_and_consistent_with_its_streets() {
        let (streets, addresses) = exampleshire(1);
        assert_eq!((streets.clone(), addresses.clone()), exampleshire(1));
        assert_ne!(addresses, exampleshire(2).1);
        assert_eq!(streets.len(), 90);
        assert!((2_000..6_000).contains(&addresses.len()), "{} addresses", addresses.len());
        let by_usrn: std::collections::HashMap<_, _> = streets.iter().map(|s| (s.usrn, s)).collect();
        let mut uprns = HashSet::new();
        for a in &addresses {
            assert!(uprns.insert(a.uprn), "UPRN {} twice", a.uprn);
            let s = by_usrn[&a.usrn.unwrap()];
            assert_eq!((&a.street, &a.locality, &a.town), (&Some(s.name.clone()), &s.locality, &s.town));
            let pc = a.postcode.as_deref().unwrap();
            assert_eq!(crate::gb_postcode(pc).unwrap(), pc, "well-formed postcode");
            assert!(pc.starts_with("ZX"));
            assert_eq!(Address::from_item(&a.to_item()).unwrap(), *a);
            assert!(a.latitude.is_some_and(|l| (52.0..52.6).contains(&l)), "{a:?}");
        }
        // Every demo street has addresses, and the closed one's addresses are closed too.
        for s in &streets {
            assert!(addresses.iter().any(|a| a.usrn == Some(s.usrn)), "{} has no addresses", s.name);
        }
        assert!(
            addresses.iter().filter(|a| a.street.as_deref() == Some("Cooper's Yard")).all(|a| a.end_date.is_some())
        );
    }
}
