//! The coordinate reference systems areas arrive in: EPSG:4326 lon/lat (stored as is) and
//! EPSG:27700 British National Grid (converted vertex by vertex through OSTN15 by `geography`).

use geography::{GRID_MAX_EASTING, GRID_MAX_NORTHING, GridPoint, LonLat};

use crate::geometry::Point;

/// A coordinate reference system, by its EPSG number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// EPSG:4326, WGS84 longitude and latitude in degrees (x is longitude).
    Wgs84,
    /// EPSG:27700, the British National Grid: easting and northing in metres.
    BritishNationalGrid,
}

impl Crs {
    /// The CRS for an EPSG number (4326 or 27700), as MapIt's `/point/{srid}/…` names them.
    pub fn from_srid(srid: u32) -> Option<Crs> {
        match srid {
            4326 => Some(Crs::Wgs84),
            27700 => Some(Crs::BritishNationalGrid),
            _ => None,
        }
    }

    /// The EPSG number.
    pub fn srid(self) -> u32 {
        match self {
            Crs::Wgs84 => 4326,
            Crs::BritishNationalGrid => 27700,
        }
    }

    /// Checks a coordinate is finite and within the system's range.
    pub fn check(self, [x, y]: Point) -> Result<(), String> {
        let ok = x.is_finite()
            && y.is_finite()
            && match self {
                Crs::Wgs84 => (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y),
                Crs::BritishNationalGrid => {
                    (0.0..=GRID_MAX_EASTING).contains(&x) && (0.0..=GRID_MAX_NORTHING).contains(&y)
                }
            };
        if ok {
            Ok(())
        } else {
            Err(match self {
                Crs::Wgs84 => format!("({x}, {y}) is not a longitude in -180..180 and a latitude in -90..90"),
                Crs::BritishNationalGrid => format!(
                    "({x}, {y}) is outside the British National Grid (easting 0..{GRID_MAX_EASTING}, northing 0..{GRID_MAX_NORTHING})"
                ),
            })
        }
    }

    /// The coordinate as lon/lat.
    pub fn to_lon_lat(self, [x, y]: Point) -> Result<Point, String> {
        match self {
            Crs::Wgs84 => Ok([x, y]),
            Crs::BritishNationalGrid => {
                let LonLat { lon, lat } =
                    geography::grid_to_lon_lat(GridPoint::new(x, y)).map_err(|e| e.to_string())?;
                Ok([lon, lat])
            }
        }
    }

    /// A lon/lat coordinate in this system.
    pub fn from_lon_lat(self, [lon, lat]: Point) -> Result<Point, String> {
        match self {
            Crs::Wgs84 => Ok([lon, lat]),
            Crs::BritishNationalGrid => {
                let GridPoint { easting, northing } =
                    geography::lon_lat_to_grid(LonLat::new(lon, lat)).map_err(|e| e.to_string())?;
                Ok([easting, northing])
            }
        }
    }
}
