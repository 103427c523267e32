//! The generator over the real Code-Point Open postcodes: deterministic bytes, exact counts, and
//! addresses that sit in real postcodes near their points, on consistent streets.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use addresses::{Generator, PostcodePoint, read_codepoint, write_addressbase_csv, write_csv};

const CODEPOINT: &str = "../../../shared/data/gb-postcodes-codepoint-open-2025-05.csv.gz";

/// The real postcodes, read once for every test in this file.
fn postcodes() -> Arc<Vec<PostcodePoint>> {
    static P: OnceLock<Arc<Vec<PostcodePoint>>> = OnceLock::new();
    P.get_or_init(|| Arc::new(read_codepoint(Path::new(CODEPOINT)).unwrap())).clone()
}

fn csv(count: u64, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    write_addressbase_csv(&mut out, Generator::new(postcodes(), count, seed)).unwrap();
    out
}

#[test]
fn code_point_open_gives_every_postcode_with_a_point() {
    let p = postcodes();
    assert!(p.len() > 1_700_000, "{} postcodes", p.len());
    assert_eq!(p[0], PostcodePoint { postcode: "AB10 1AB".into(), easting: 394235, northing: 806529 });
    assert!(p.iter().all(|p| p.easting > 0 || p.northing > 0));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_addresses() {
    let a = csv(30_000, 42);
    assert_eq!(a, csv(30_000, 42));
    assert_ne!(a, csv(30_000, 43));
    // The file-based entry point writes the same bytes as the iterator over the same postcodes.
    let mut from_file = Vec::new();
    assert_eq!(write_csv(&mut from_file, 30_000, 42, Path::new(CODEPOINT)).unwrap(), 30_000);
    assert_eq!(from_file, a);
    assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 30_001);
}

#[test]
fn generated_addresses_sit_in_real_postcodes_near_their_points_on_consistent_streets() {
    let all = postcodes();
    let points: HashMap<&str, (f64, f64)> =
        all.iter().map(|p| (p.postcode.as_str(), (p.easting as f64, p.northing as f64))).collect();
    let addresses: Vec<_> = Generator::new(postcodes(), 100_000, 7).collect();
    assert_eq!(addresses.len(), 100_000);
    let uprns: HashSet<u64> = addresses.iter().map(|a| a.uprn.get()).collect();
    assert_eq!(uprns.len(), addresses.len(), "UPRNs are unique");
    let mut street_names = HashMap::new();
    let (mut flats, mut named, mut lettered, mut postcodes_used) = (0, 0, 0, HashSet::new());
    for a in &addresses {
        let pc = a.postcode.as_deref().unwrap();
        let (e, n) = points[pc];
        let d = ((a.easting.unwrap() - e).powi(2) + (a.northing.unwrap() - n).powi(2)).sqrt();
        assert!(d < 1_500.0, "{} is {d:.0} m from its postcode's point", a.single_line());
        // Lon/lat agree with a full OSTN15 conversion of the grid point to within 10 cm.
        let exact =
            geography::grid_to_lon_lat(geography::GridPoint::new(a.easting.unwrap(), a.northing.unwrap())).unwrap();
        let here = geography::LonLat::new(a.longitude.unwrap(), a.latitude.unwrap());
        assert!(geography::distance_m(exact, here) < 0.1, "{} is off", a.single_line());
        let name = street_names.entry(a.usrn.unwrap()).or_insert_with(|| a.street.clone().unwrap());
        assert_eq!(Some(&*name), a.street.as_ref(), "one name per USRN");
        assert!(a.town.is_some());
        flats += usize::from(!a.sao.is_empty());
        named += usize::from(a.sao.is_empty() && a.pao.text.is_some());
        lettered += usize::from(a.pao.start_suffix.is_some());
        postcodes_used.insert(pc);
        // Every generated address reads back from its own register item.
        assert_eq!(&addresses::Address::from_item(&a.to_item()).unwrap(), a);
    }
    // The mix of a real place: mostly numbered houses, some flats, named houses and 12A-style numbers.
    assert!((10_000..40_000).contains(&flats), "{flats} flats");
    assert!((2_000..10_000).contains(&named), "{named} named houses");
    assert!((500..5_000).contains(&lettered), "{lettered} lettered numbers");
    assert!(street_names.len() > 1_000 && street_names.len() < 20_000, "{} streets", street_names.len());
    assert!(postcodes_used.len() > 3_000, "{} postcodes", postcodes_used.len());
}

#[test]
fn tiny_and_zero_counts_are_exact() {
    assert_eq!(Generator::new(postcodes(), 0, 1).count(), 0);
    assert_eq!(Generator::new(postcodes(), 1, 1).count(), 1);
    assert_eq!(Generator::new(postcodes(), 17, 1).count(), 17);
}
