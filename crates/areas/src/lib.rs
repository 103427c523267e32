//! Areas: which council, ward and parish holds a point. Boundaries live in the national `area`
//! register (one record per area, keyed by GSS code; a changed boundary is a new entry in a new
//! generation), imported from GeoJSON in lon/lat or British National Grid. [`AreaView`] replays
//! the register into memory and answers point look-ups from an R-tree of polygon boxes over
//! per-polygon trees of boundary runs, with exact orientation tests. The `http` feature serves
//! MapIt's API shapes.
//!
//! A CLI calls, in a few lines:
//! ```no_run
//! # async fn demo(registers: registers::Registers) -> Result<(), areas::AreaError> {
//! let file = std::fs::File::open("councils.geojson")?;
//! let options = areas::ImportOptions::new("UTA", areas::Crs::BritishNationalGrid);
//! let summary = areas::import_geojson(&registers, std::io::BufReader::new(file), &options).await?;
//! let view = areas::AreaView::build(&registers).await?;
//! let found = view.areas_containing([-3.19, 55.95]);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod crs;
mod error;
pub mod geometry;
mod import;
mod index;
pub mod kinds;
mod register;
mod view;

#[cfg(feature = "http")]
pub mod api;

pub use crs::Crs;
pub use error::{AreaError, Rejection, Result};
pub use geometry::{MultiPolygon, Point};
pub use import::{ImportOptions, ImportSummary, import_geojson};
pub use register::{
    AREA_REGISTER, AreaVersion, RecordedAreas, area_register, area_register_definition, end_areas, record_areas,
};
pub use view::{AreaSummary, AreaView, GeometryStats};
