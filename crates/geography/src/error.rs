//! The one error type of coordinate conversion.

/// Why a coordinate could not be converted.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum ConversionError {
    /// A coordinate was NaN or infinite: usually a parse or arithmetic bug upstream.
    #[error("{what} is not a finite number ({x}, {y})")]
    NotFinite {
        /// Which kind of coordinate ("easting/northing" or "lon/lat").
        what: &'static str,
        /// First coordinate (easting or longitude).
        x: f64,
        /// Second coordinate (northing or latitude).
        y: f64,
    },
    /// A longitude outside -180..=180 or a latitude outside -90..=90.
    #[error("lon/lat ({lon}, {lat}) is not a place on Earth")]
    NotOnEarth {
        /// The longitude given.
        lon: f64,
        /// The latitude given.
        lat: f64,
    },
    /// The point lies outside the OSTN15 grid, so OS defines no transformation for it.
    #[error("{what} ({x}, {y}) lies outside the OSTN15 grid (National Grid 0..700 km east, 0..1250 km north)")]
    OutsideGrid {
        /// Which kind of coordinate ("easting/northing" or "lon/lat").
        what: &'static str,
        /// First coordinate (easting or longitude).
        x: f64,
        /// Second coordinate (northing or latitude).
        y: f64,
    },
}
