//! Coordinates for Great Britain: the British National Grid (EPSG:27700, OSGB36 easting and
//! northing in metres) and longitude/latitude (EPSG:4326; in GB, WGS84 and ETRS89 agree to well
//! under a metre, which is how OS and every GB dataset treat them).
//!
//! Conversion is Ordnance Survey's definitive OSTN15 transformation: a transverse Mercator
//! projection on the GRS80 ellipsoid, then the OSTN15 grid of shifts (1 km cells, bilinear) to
//! reach OSGB36, which OS states reproduces the National Grid to about 0.1 m. A plain Helmert
//! datum shift is off by metres and is not used anywhere here. The shift grid is the
//! `ostn15_phf` crate; the projection is in [`tm`](crate) below, written from OS's "A guide to
//! coordinate systems in Great Britain", Annex C. This crate holds value types and conversion
//! only: no I/O and no polygon logic.
#![warn(missing_docs)]

mod error;
mod ostn15;
mod point;
mod tm;

pub use error::ConversionError;
pub use point::{GridPoint, LonLat};

/// The National Grid rectangle OSTN15 covers: eastings 0..=700 km, northings 0..=1250 km.
pub const GRID_MAX_EASTING: f64 = 700_000.0;
/// See [`GRID_MAX_EASTING`].
pub const GRID_MAX_NORTHING: f64 = 1_250_000.0;

/// Converts a British National Grid point (EPSG:27700) to lon/lat (EPSG:4326), through OSTN15.
///
/// Fails on NaN or infinite values and on points outside the OSTN15 rectangle
/// (0..=700,000 m east, 0..=1,250,000 m north).
pub fn grid_to_lon_lat(point: GridPoint) -> Result<LonLat, ConversionError> {
    point.check()?;
    let (e, n) = ostn15::osgb36_to_etrs89(point.easting, point.northing)?;
    let (lon, lat) = tm::inverse(e, n);
    Ok(LonLat { lon, lat })
}

/// Converts lon/lat (EPSG:4326) to a British National Grid point (EPSG:27700), through OSTN15.
///
/// Fails on NaN or infinite values, on impossible angles, and on points whose projection falls
/// outside the OSTN15 rectangle (roughly: farther from Great Britain than its offshore islands).
pub fn lon_lat_to_grid(point: LonLat) -> Result<GridPoint, ConversionError> {
    point.check()?;
    // The projection series is only meant for the neighbourhood of the grid; a point a quarter
    // of the globe away would give nonsense before it gave an out-of-range easting.
    if (point.lon - tm::CENTRAL_MERIDIAN_DEG).abs() > 15.0 || !(40.0..=70.0).contains(&point.lat) {
        return Err(ConversionError::OutsideGrid { what: "lon/lat", x: point.lon, y: point.lat });
    }
    let (e, n) = tm::forward(point.lon, point.lat);
    let (easting, northing) = ostn15::etrs89_to_osgb36(e, n)?;
    Ok(GridPoint { easting, northing })
}

/// Distance in metres between two lon/lat points on the GRS80 ellipsoid's mean sphere (haversine).
///
/// Good to a few parts in a thousand, which is what tests and tolerances need; not a geodesic.
pub fn distance_m(a: LonLat, b: LonLat) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}
