//! The OSTN15 shift grid: ETRS89 grid coordinates to OSGB36 (National Grid) and back.
//!
//! Shifts are stored every kilometre (701 x 1251 nodes over the grid rectangle, from the
//! `ostn15_phf` crate, OS's data file verbatim) and interpolated bilinearly, exactly as OS's
//! "Transformations and OSGM15 user guide" prescribes; the reverse is OS's iteration.

use crate::{ConversionError, GRID_MAX_EASTING, GRID_MAX_NORTHING};

/// Nodes per row of the OSTN15 grid (0..=700 km).
const ROW: i32 = 701;
/// Highest cell index east (cell 699 spans 699..700 km).
const LAST_CELL_EAST: i32 = 699;
/// Highest cell index north.
const LAST_CELL_NORTH: i32 = 1249;

/// The four corner shifts (east, north) of one 1 km cell, so repeated look-ups in the same cell
/// (the reverse iteration, and neighbouring polygon vertices) skip the hash look-ups.
#[derive(Clone, Copy)]
struct Cell {
    ix: i32,
    iy: i32,
    /// Corners in order (x0,y0), (x1,y0), (x0,y1), (x1,y1); each (shift east, shift north).
    corners: [(f64, f64); 4],
}

impl Cell {
    /// Loads the cell holding (`e`, `n`), which must lie inside the grid rectangle.
    fn load(ix: i32, iy: i32, what: &'static str, e: f64, n: f64) -> Result<Cell, ConversionError> {
        let node = |x: i32, y: i32| {
            ostn15_phf::ostn15_lookup(&(x + y * ROW + 1))
                .map(|(se, sn, _)| (se, sn))
                .ok_or(ConversionError::OutsideGrid { what, x: e, y: n })
        };
        Ok(Cell { ix, iy, corners: [node(ix, iy)?, node(ix + 1, iy)?, node(ix, iy + 1)?, node(ix + 1, iy + 1)?] })
    }

    /// Bilinear interpolation of the shifts at (`e`, `n`) inside this cell.
    fn shift(&self, e: f64, n: f64) -> (f64, f64) {
        let t = (e - f64::from(self.ix) * 1000.0) / 1000.0;
        let u = (n - f64::from(self.iy) * 1000.0) / 1000.0;
        let w = [(1.0 - t) * (1.0 - u), t * (1.0 - u), (1.0 - t) * u, t * u];
        let mut s = (0.0, 0.0);
        for (wi, c) in w.iter().zip(self.corners.iter()) {
            s.0 += wi * c.0;
            s.1 += wi * c.1;
        }
        s
    }
}

/// The cell indices for a point inside the rectangle; the far edges belong to the last cell.
fn cell_of(e: f64, n: f64) -> (i32, i32) {
    (((e / 1000.0) as i32).min(LAST_CELL_EAST), ((n / 1000.0) as i32).min(LAST_CELL_NORTH))
}

/// Whether (`e`, `n`) lies in the OSTN15 rectangle.
fn inside(e: f64, n: f64) -> bool {
    (0.0..=GRID_MAX_EASTING).contains(&e) && (0.0..=GRID_MAX_NORTHING).contains(&n)
}

/// ETRS89 grid coordinates to OSGB36 easting/northing.
pub(crate) fn etrs89_to_osgb36(e: f64, n: f64) -> Result<(f64, f64), ConversionError> {
    if !inside(e, n) {
        return Err(ConversionError::OutsideGrid { what: "lon/lat (projected)", x: e, y: n });
    }
    let (ix, iy) = cell_of(e, n);
    let (se, sn) = Cell::load(ix, iy, "lon/lat (projected)", e, n)?.shift(e, n);
    Ok((e + se, n + sn))
}

/// OSGB36 easting/northing (inside the rectangle) to ETRS89 grid coordinates, by OS's iteration.
///
/// The estimate can stray up to ~100 m past the rectangle's edge in open sea; the shift there is
/// read at the nearest point of the rectangle (shifts change by millimetres per 100 m).
pub(crate) fn osgb36_to_etrs89(e: f64, n: f64) -> Result<(f64, f64), ConversionError> {
    let what = "easting/northing";
    let clamp = |x: f64, y: f64| (x.clamp(0.0, GRID_MAX_EASTING), y.clamp(0.0, GRID_MAX_NORTHING));
    let (ix, iy) = cell_of(e, n);
    let mut cell = Cell::load(ix, iy, what, e, n)?;
    let (mut se, mut sn) = cell.shift(e, n);
    for _ in 0..10 {
        let (x, y) = clamp(e - se, n - sn);
        let (ix, iy) = cell_of(x, y);
        if (ix, iy) != (cell.ix, cell.iy) {
            cell = Cell::load(ix, iy, what, e, n)?;
        }
        let (se2, sn2) = cell.shift(x, y);
        let converged = (se2 - se).abs() < 1e-4 && (sn2 - sn).abs() < 1e-4;
        (se, sn) = (se2, sn2);
        if converged {
            break;
        }
    }
    Ok((e - se, n - sn))
}
