//! The public conversions against Ordnance Survey's own OSTN15 test points and against an
//! independent implementation (PyPI `osgb`) at 3,800 points across Great Britain.

use geography::{ConversionError, GridPoint, LonLat, distance_m, grid_to_lon_lat, lon_lat_to_grid};

/// Reads a small CSV fixture from tests/fixtures.
fn fixture(name: &str) -> Vec<csv::StringRecord> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    reader.records().map(|r| r.unwrap()).collect()
}

fn num(record: &csv::StringRecord, i: usize) -> f64 {
    record[i].trim().parse().unwrap_or_else(|e| panic!("{record:?} field {i}: {e}"))
}

/// OS's 40 test points: (id, ETRS89 lon/lat, OSGB36 easting/northing).
fn os_test_points() -> Vec<(String, LonLat, GridPoint)> {
    let input = fixture("os_ostn15_test_input_etrs_to_osgb.csv");
    let output = fixture("os_ostn15_test_output_etrs_to_osgb.csv");
    assert_eq!(input.len(), 40);
    input
        .iter()
        .zip(output.iter())
        .map(|(i, o)| {
            assert_eq!(i[0].trim_start_matches('\u{feff}'), o[0].trim_start_matches('\u{feff}'));
            (i[0].to_string(), LonLat::new(num(i, 2), num(i, 1)), GridPoint::new(num(o, 1), num(o, 2)))
        })
        .collect()
}

#[test]
fn os_ostn15_test_points_convert_to_the_published_grid_coordinates_within_a_centimetre() {
    for (id, lonlat, expected) in os_test_points() {
        let got = lon_lat_to_grid(lonlat).unwrap();
        let err = (got.easting - expected.easting).hypot(got.northing - expected.northing);
        assert!(err < 0.01, "{id}: got {got:?}, OS says {expected:?} ({err} m)");
    }
}

#[test]
fn os_ostn15_test_points_convert_back_to_their_lon_lat_within_a_centimetre() {
    for (id, expected, grid) in os_test_points() {
        let got = grid_to_lon_lat(grid).unwrap();
        let err = distance_m(got, expected);
        assert!(err < 0.01, "{id}: got {got:?}, OS input {expected:?} ({err} m)");
    }
}

#[test]
fn thousands_of_points_across_great_britain_agree_with_the_osgb_python_package_within_a_metre_both_ways() {
    let points = fixture("reference_points.csv");
    assert!(points.len() >= 3000, "{} reference points", points.len());
    let (mut worst_to_lon_lat, mut worst_to_grid) = (0.0f64, 0.0f64);
    for p in &points {
        let grid = GridPoint::new(num(p, 0), num(p, 1));
        let lonlat = LonLat::new(num(p, 2), num(p, 3));
        let got = grid_to_lon_lat(grid).unwrap();
        worst_to_lon_lat = worst_to_lon_lat.max(distance_m(got, lonlat));
        let back = lon_lat_to_grid(lonlat).unwrap();
        worst_to_grid = worst_to_grid.max((back.easting - grid.easting).hypot(back.northing - grid.northing));
    }
    println!("worst disagreement with osgb: grid->lon/lat {worst_to_lon_lat:.4} m, lon/lat->grid {worst_to_grid:.4} m");
    assert!(worst_to_lon_lat < 1.0, "grid -> lon/lat off by {worst_to_lon_lat} m");
    assert!(worst_to_grid < 1.0, "lon/lat -> grid off by {worst_to_grid} m");
}

#[test]
fn a_round_trip_through_lon_lat_returns_to_the_same_grid_point_within_a_centimetre() {
    for e in (0..=700_000).step_by(50_000) {
        for n in (0..=1_250_000).step_by(50_000) {
            let grid = GridPoint::new(f64::from(e), f64::from(n));
            let back = lon_lat_to_grid(grid_to_lon_lat(grid).unwrap());
            // The rectangle's own corners project back just outside it (the datum shift is ~100 m).
            let Ok(back) = back else { continue };
            let err = (back.easting - grid.easting).hypot(back.northing - grid.northing);
            assert!(err < 0.01, "{grid:?} -> {back:?} ({err} m)");
        }
    }
}

#[test]
fn nan_and_infinite_coordinates_are_refused() {
    assert!(matches!(grid_to_lon_lat(GridPoint::new(f64::NAN, 1.0)), Err(ConversionError::NotFinite { .. })));
    assert!(matches!(grid_to_lon_lat(GridPoint::new(1.0, f64::INFINITY)), Err(ConversionError::NotFinite { .. })));
    assert!(matches!(lon_lat_to_grid(LonLat::new(f64::NAN, 52.0)), Err(ConversionError::NotFinite { .. })));
}

#[test]
fn points_outside_the_ostn15_grid_or_off_the_earth_are_refused_with_a_clear_error() {
    let outside = [GridPoint::new(-1.0, 100.0), GridPoint::new(700_001.0, 100.0), GridPoint::new(100.0, 1_250_001.0)];
    for p in outside {
        let e = grid_to_lon_lat(p).unwrap_err();
        assert!(matches!(e, ConversionError::OutsideGrid { .. }), "{p:?}: {e}");
        assert!(e.to_string().contains("outside the OSTN15 grid"), "{e}");
    }
    // Paris, New York, the South Pole's neighbourhood, and a longitude that is not one.
    for p in [LonLat::new(2.35, 48.85), LonLat::new(-74.0, 40.7), LonLat::new(-2.0, -89.0)] {
        assert!(matches!(lon_lat_to_grid(p), Err(ConversionError::OutsideGrid { .. })), "{p:?}");
    }
    assert!(matches!(lon_lat_to_grid(LonLat::new(200.0, 52.0)), Err(ConversionError::NotOnEarth { .. })));
}

#[test]
fn the_far_edges_of_the_grid_convert() {
    for p in [GridPoint::new(0.0, 0.0), GridPoint::new(700_000.0, 1_250_000.0), GridPoint::new(700_000.0, 0.0)] {
        let ll = grid_to_lon_lat(p).unwrap();
        assert!(ll.lon.is_finite() && ll.lat.is_finite(), "{p:?} -> {ll:?}");
    }
}

#[test]
fn the_value_types_serialise_with_their_field_names() {
    let json = serde_json::to_string(&GridPoint::new(1.5, 2.0)).unwrap();
    assert_eq!(json, r#"{"easting":1.5,"northing":2.0}"#);
    let ll: LonLat = serde_json::from_str(r#"{"lon":-1.5,"lat":52.0}"#).unwrap();
    assert_eq!(ll, LonLat::new(-1.5, 52.0));
}
