//! The two coordinate value types: [`GridPoint`] (EPSG:27700) and [`LonLat`] (EPSG:4326).

use serde::{Deserialize, Serialize};

use crate::{ConversionError, GRID_MAX_EASTING, GRID_MAX_NORTHING};

/// A British National Grid point (EPSG:27700): OSGB36 easting and northing in metres.
///
/// Kept as two plain fields so that millions of polygon vertices cost 16 bytes each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridPoint {
    /// Metres east of the grid's false origin (west of the Scilly Isles).
    pub easting: f64,
    /// Metres north of the grid's false origin.
    pub northing: f64,
}

/// A longitude/latitude point in decimal degrees (EPSG:4326, WGS84; ETRS89 in GB).
///
/// Longitude first, as in GeoJSON and EPSG:4326's common axis order in software.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    /// Degrees east of Greenwich (negative west).
    pub lon: f64,
    /// Degrees north of the equator.
    pub lat: f64,
}

impl GridPoint {
    /// A grid point from easting and northing in metres.
    pub fn new(easting: f64, northing: f64) -> Self {
        GridPoint { easting, northing }
    }

    /// Fails unless both values are finite and inside the OSTN15 rectangle.
    pub(crate) fn check(self) -> Result<(), ConversionError> {
        let what = "easting/northing";
        let (x, y) = (self.easting, self.northing);
        if !x.is_finite() || !y.is_finite() {
            return Err(ConversionError::NotFinite { what, x, y });
        }
        if !(0.0..=GRID_MAX_EASTING).contains(&x) || !(0.0..=GRID_MAX_NORTHING).contains(&y) {
            return Err(ConversionError::OutsideGrid { what, x, y });
        }
        Ok(())
    }
}

impl LonLat {
    /// A point from longitude and latitude in degrees.
    pub fn new(lon: f64, lat: f64) -> Self {
        LonLat { lon, lat }
    }

    /// Fails unless both values are finite angles on Earth.
    pub(crate) fn check(self) -> Result<(), ConversionError> {
        let (lon, lat) = (self.lon, self.lat);
        if !lon.is_finite() || !lat.is_finite() {
            return Err(ConversionError::NotFinite { what: "lon/lat", x: lon, y: lat });
        }
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(ConversionError::NotOnEarth { lon, lat });
        }
        Ok(())
    }
}
