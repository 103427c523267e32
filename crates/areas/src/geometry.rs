//! Area boundaries as plain coordinate rings: reading GeoJSON Polygon/MultiPolygon geometry,
//! checking it (closed rings, coordinates in range, no self-crossing rings), converting British
//! National Grid input to lon/lat, and writing the stored form. Point tests live in `index`.

use std::fmt::Write as _;

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::crs::Crs;

/// A vertex: `[x, y]`, which is `[lon, lat]` once stored.
pub type Point = [f64; 2];
/// A closed ring of vertices (the first repeated as the last).
pub type Ring = Vec<Point>;

/// An area's boundary: polygons, each an exterior ring followed by its holes. Stored as a GeoJSON
/// MultiPolygon in EPSG:4326 lon/lat, seven decimal places (about 1 cm).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiPolygon {
    /// The polygons; in each, ring 0 is the exterior and the rest are holes.
    pub polygons: Vec<Vec<Ring>>,
}

/// Decimal places kept for stored lon/lat (1e-7 degrees is about a centimetre).
const STORED_DECIMALS: f64 = 1e7;

/// Rings within this many metres of a straight line are slivers and are dropped.
const MIN_RING_WIDTH_M: f64 = 0.1;

/// One GeoJSON position: two numbers or more (a third, elevation, is ignored).
struct Position(Point);

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Position, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Position;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a position: an array of at least two numbers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Position, A::Error> {
                let x: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Position([x, y]))
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
struct RawGeometry<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    coordinates: Option<&'a RawValue>,
}

fn rings_of(raw: Vec<Vec<Position>>) -> Vec<Ring> {
    raw.into_iter().map(|r| r.into_iter().map(|p| p.0).collect()).collect()
}

impl MultiPolygon {
    /// Reads a GeoJSON geometry object; only Polygon and MultiPolygon are areas. Coordinates are
    /// taken as given (see [`MultiPolygon::checked`]).
    pub fn from_geojson(text: &str) -> Result<MultiPolygon, String> {
        let raw: RawGeometry = serde_json::from_str(text).map_err(|e| format!("geometry is not valid GeoJSON: {e}"))?;
        let coords = raw.coordinates.ok_or_else(|| format!("{} geometry has no coordinates", raw.kind))?;
        let bad = |e: serde_json::Error| format!("{} coordinates are malformed: {e}", raw.kind);
        let polygons = match raw.kind.as_str() {
            "Polygon" => vec![rings_of(serde_json::from_str::<Vec<Vec<Position>>>(coords.get()).map_err(bad)?)],
            "MultiPolygon" => serde_json::from_str::<Vec<Vec<Vec<Position>>>>(coords.get())
                .map_err(bad)?
                .into_iter()
                .map(rings_of)
                .collect(),
            other => return Err(format!("geometry type {other} is not an area (Polygon or MultiPolygon)")),
        };
        Ok(MultiPolygon { polygons })
    }

    /// The boundary as it is stored: checked, converted to lon/lat when the input is in another
    /// reference system, rounded to 7 decimals, and cleaned of what encloses nothing: repeated
    /// vertices, out-and-back spikes, sliver rings (within 10 cm of a line), and knots (loops
    /// of up to four segments under a metre across or a square metre in area). Any other self-crossing ring is an error. The error names the
    /// polygon, ring and vertex (all counted from 0).
    pub fn checked(self, crs: Crs) -> Result<MultiPolygon, String> {
        if self.polygons.is_empty() {
            return Err("geometry has no polygons".into());
        }
        let mut out = Vec::with_capacity(self.polygons.len());
        for (pi, polygon) in self.polygons.into_iter().enumerate() {
            if polygon.is_empty() {
                return Err(format!("polygon {pi} has no rings"));
            }
            let mut rings = Vec::with_capacity(polygon.len());
            for (ri, ring) in polygon.into_iter().enumerate() {
                let at = format!("polygon {pi} ring {ri}{}", if ri == 0 { "" } else { " (a hole)" });
                match check_ring(ring, crs).map_err(|e| format!("{at}: {e}"))? {
                    Some(ring) => rings.push(ring),
                    // A hole that encloses nothing is dropped; an exterior that does drops its polygon.
                    None if ri == 0 => break,
                    None => {}
                }
            }
            if !rings.is_empty() {
                out.push(rings);
            }
        }
        if out.is_empty() {
            return Err("no polygon encloses any area (every ring is a line or a point)".into());
        }
        Ok(MultiPolygon { polygons: out })
    }

    /// The GeoJSON MultiPolygon text stored in the register.
    pub fn to_geojson(&self) -> String {
        let vertices: usize = self.polygons.iter().flatten().map(Vec::len).sum();
        let mut s = String::with_capacity(48 + vertices * 24);
        s.push_str(r#"{"type":"MultiPolygon","coordinates":["#);
        for (pi, polygon) in self.polygons.iter().enumerate() {
            s.push_str(if pi == 0 { "[" } else { ",[" });
            for (ri, ring) in polygon.iter().enumerate() {
                s.push_str(if ri == 0 { "[" } else { ",[" });
                for (vi, [x, y]) in ring.iter().enumerate() {
                    let _ = write!(s, "{}[{x},{y}]", if vi == 0 { "" } else { "," });
                }
                s.push(']');
            }
            s.push(']');
        }
        s.push_str("]}");
        s
    }

    /// Number of vertices over every ring.
    pub fn vertex_count(&self) -> usize {
        self.polygons.iter().flatten().map(Vec::len).sum()
    }

    /// The bounding box `[min_x, min_y, max_x, max_y]`, if there is any vertex.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        bbox_of(self.polygons.iter().flatten().flatten())
    }
}

/// The bounding box of some points.
pub(crate) fn bbox_of<'a>(points: impl Iterator<Item = &'a Point>) -> Option<[f64; 4]> {
    let mut b: Option<[f64; 4]> = None;
    for &[x, y] in points {
        b = Some(match b {
            None => [x, y, x, y],
            Some([a, c, d, e]) => [a.min(x), c.min(y), d.max(x), e.max(y)],
        });
    }
    b
}

/// The ring as stored, or `None` when it encloses nothing once spikes and repeats are gone.
fn check_ring(ring: Ring, crs: Crs) -> Result<Option<Ring>, String> {
    if ring.len() < 4 {
        return Err(format!("has {} positions; a ring needs at least 4 (3 corners and the first again)", ring.len()));
    }
    let (first, last) = (ring[0], ring[ring.len() - 1]);
    if first != last {
        return Err(format!(
            "is not closed: it starts at ({}, {}) but ends at ({}, {})",
            first[0], first[1], last[0], last[1]
        ));
    }
    let mut stored: Ring = Vec::with_capacity(ring.len());
    for (vi, p) in ring.into_iter().enumerate() {
        crs.check(p).map_err(|e| format!("vertex {vi}: {e}"))?;
        let [lon, lat] = crs.to_lon_lat(p).map_err(|e| format!("vertex {vi}: {e}"))?;
        stored.push([
            (lon * STORED_DECIMALS).round() / STORED_DECIMALS,
            (lat * STORED_DECIMALS).round() / STORED_DECIMALS,
        ]);
    }
    let out = without_spikes(stored);
    if out.len() < 4 {
        return Ok(None);
    }
    // Slivers (dissolve leftovers) enclose nothing a point could usefully be in.
    if is_sliver(&out) {
        return Ok(None);
    }
    let out = untie_knots(out).map_err(|(i, j, out)| {
        format!(
            "crosses itself: segment {i} ({}, {})-({}, {}) crosses segment {j} ({}, {})-({}, {})",
            out[i][0],
            out[i][1],
            out[i + 1][0],
            out[i + 1][1],
            out[j][0],
            out[j][1],
            out[j + 1][0],
            out[j + 1][1]
        )
    })?;
    Ok(Some(out))
}

/// The ring without repeated vertices and without spikes (`a, b, a`: out to a point and straight
/// back), which enclose nothing; dissolved boundaries are full of both. Closed again on return.
fn without_spikes(mut ring: Ring) -> Ring {
    ring.pop();
    let mut out: Ring = Vec::with_capacity(ring.len() + 1);
    for p in ring {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 && out[out.len() - 2] == p {
            out.pop();
            continue;
        }
        out.push(p);
    }
    // The same at the join of the last vertex to the first.
    loop {
        let n = out.len();
        if n >= 2 && out[n - 1] == out[0] {
            out.pop();
        } else if n >= 3 && out[n - 1] == out[1] {
            out.remove(0);
        } else if n >= 3 && out[n - 2] == out[0] {
            out.pop();
        } else {
            break;
        }
    }
    if let Some(&first) = out.first() {
        out.push(first);
    }
    out
}

/// Exact orientation of `c` against the line `a`→`b`: positive when counter-clockwise.
pub(crate) fn orient(a: Point, b: Point, c: Point) -> f64 {
    robust::orient2d(
        robust::Coord { x: a[0], y: a[1] },
        robust::Coord { x: b[0], y: b[1] },
        robust::Coord { x: c[0], y: c[1] },
    )
}

/// Whether two segments cross at a point inside both, or overlap along a stretch. Touching at a
/// vertex (a ring pinched at one point, as dissolved boundaries often are) is allowed.
fn segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool {
    let (o1, o2, o3, o4) = (orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b));
    let opposite = |p: f64, q: f64| (p > 0.0 && q < 0.0) || (p < 0.0 && q > 0.0);
    if opposite(o1, o2) && opposite(o3, o4) {
        return true;
    }
    if o1 == 0.0 && o2 == 0.0 {
        // Collinear: an overlap of positive length along the longer axis.
        let axis = if (b[0] - a[0]).abs() >= (b[1] - a[1]).abs() { 0 } else { 1 };
        let (lo1, hi1) = (a[axis].min(b[axis]), a[axis].max(b[axis]));
        let (lo2, hi2) = (c[axis].min(d[axis]), c[axis].max(d[axis]));
        return lo1.max(lo2) < hi1.min(hi2);
    }
    false
}

/// The first pair of non-neighbouring segments of a closed ring that cross, if any.
pub(crate) fn find_self_crossing(ring: &[Point]) -> Option<(usize, usize)> {
    crossings(ring, 1).into_iter().next()
}

/// Pairs `(i, j)`, `i < j`, of non-neighbouring segments of a closed ring that cross, in order,
/// stopping once `limit` are found (the first few then, not necessarily the smallest).
fn crossings(ring: &[Point], limit: usize) -> Vec<(usize, usize)> {
    let n = ring.len() - 1;
    let neighbours = |i: usize, j: usize| j == i + 1 || (i == 0 && j == n - 1);
    let mut found = Vec::new();
    if n <= 48 {
        for i in 0..n {
            for j in i + 1..n {
                if !neighbours(i, j) && segments_cross(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                    found.push((i, j));
                    if found.len() >= limit {
                        return found;
                    }
                }
            }
        }
        return found;
    }
    let boxes: Vec<GeomWithData<Rectangle<Point>, usize>> =
        (0..n).map(|i| GeomWithData::new(Rectangle::from_corners(ring[i], ring[i + 1]), i)).collect();
    let tree = RTree::bulk_load(boxes);
    for i in 0..n {
        let env = AABB::from_corners(ring[i], ring[i + 1]);
        let mut here: Vec<(usize, usize)> = tree
            .locate_in_envelope_intersecting(&env)
            .map(|other| other.data)
            .filter(|&j| j > i && !neighbours(i, j) && segments_cross(ring[i], ring[i + 1], ring[j], ring[j + 1]))
            .map(|j| (i, j))
            .collect();
        here.sort_unstable();
        found.extend(here);
        if found.len() >= limit {
            found.truncate(limit);
            break;
        }
    }
    found
}

/// Largest knot untied, in degrees (about a metre).
const KNOT: f64 = 1e-5;

/// Largest area (m²) of a loop that counts as a knot, however long (a zig-zag along one line).
const KNOT_AREA_M2: f64 = 1.0;

/// The area in square metres of the loop a crossing of segments `i` and `j` closes: from the
/// crossing point through vertices `i + 1 ..= j` and back (local flat approximation).
fn loop_area_m2(ring: &[Point], i: usize, j: usize) -> f64 {
    let (a, b, c, d) = (ring[i], ring[i + 1], ring[j], ring[j + 1]);
    let (r, s) = ([b[0] - a[0], b[1] - a[1]], [d[0] - c[0], d[1] - c[1]]);
    let denominator = r[0] * s[1] - r[1] * s[0];
    let x = if denominator == 0.0 {
        b
    } else {
        let t = ((c[0] - a[0]) * s[1] - (c[1] - a[1]) * s[0]) / denominator;
        [a[0] + t * r[0], a[1] + t * r[1]]
    };
    let (kx, ky) = (111_320.0 * x[1].to_radians().cos(), 110_574.0);
    let m = |p: Point| [(p[0] - x[0]) * kx, (p[1] - x[1]) * ky];
    let mut points = vec![[0.0, 0.0]];
    points.extend(ring[i + 1..=j].iter().map(|&p| m(p)));
    points.push([0.0, 0.0]);
    points.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum::<f64>().abs() / 2.0
}

/// Most segments in a loop that counts as a knot.
const KNOT_SEGMENTS: usize = 4;

/// Unties knots: small loops (segment `i` crossing segment `j`, at most four segments on) whose
/// inner vertices `i + 1 ..= j` lie within a metre of each other or which enclose under a square
/// metre: the digitising noise of dissolved boundaries (a near-spike with a 10 cm jog, a zig-zag
/// along one line). They are
/// untied by dropping those inner vertices, a few rounds for knots on knots. Any other crossing,
/// or one left at the end, is returned as an error naming the segments.
fn untie_knots(mut ring: Ring) -> Result<Ring, (usize, usize, Ring)> {
    for _ in 0..4 {
        let found = crossings(&ring, 100_000);
        let Some(&first) = found.first() else { return Ok(ring) };
        let knot = |&(i, j): &(usize, usize)| {
            j - i <= KNOT_SEGMENTS
                && (bbox_of(ring[i + 1..=j].iter()).is_some_and(|[a, b, c, d]| c - a < KNOT && d - b < KNOT)
                    || loop_area_m2(&ring, i, j) < KNOT_AREA_M2)
        };
        if let Some(&(i, j)) = found.iter().find(|p| !knot(p)) {
            return Err((i, j, ring));
        }
        let mut drop = vec![false; ring.len()];
        let mut last_end = 0;
        for &(i, j) in &found {
            if i >= last_end {
                drop[i + 1..=j].iter_mut().for_each(|d| *d = true);
                last_end = j + 1;
            }
        }
        let kept: Ring = ring.iter().zip(&drop).filter(|(_, d)| !**d).map(|(p, _)| *p).collect();
        let kept = without_spikes(kept);
        if kept.len() < 4 {
            return Err((first.0, first.1, ring));
        }
        ring = kept;
    }
    match find_self_crossing(&ring) {
        None => Ok(ring),
        Some((i, j)) => Err((i, j, ring)),
    }
}

/// Whether a lon/lat ring lies within 10 cm of one straight line (measured on a local flat
/// approximation): a sliver, enclosing nothing a point could usefully be in.
fn is_sliver(ring: &[Point]) -> bool {
    let lat = ring.iter().map(|p| p[1]).sum::<f64>() / ring.len() as f64;
    let (kx, ky) = (111_320.0 * lat.to_radians().cos(), 110_574.0);
    let m = |p: &Point| [(p[0] - ring[0][0]) * kx, (p[1] - ring[0][1]) * ky];
    let far = ring.iter().map(m).max_by(|a, b| a[0].hypot(a[1]).total_cmp(&b[0].hypot(b[1])));
    let Some([fx, fy]) = far else { return true };
    let length = fx.hypot(fy);
    if length < MIN_RING_WIDTH_M {
        return true;
    }
    ring.iter().map(m).all(|[x, y]| (x * fy - y * fx).abs() / length < MIN_RING_WIDTH_M)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, s: f64) -> Ring {
        vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]
    }

    #[test]
    fn a_polygon_reads_as_a_one_part_multipolygon_and_round_trips() {
        let mp = MultiPolygon::from_geojson(r#"{"type":"Polygon","coordinates":[[[0,0,5],[1,0],[1,1],[0,1],[0,0]]]}"#)
            .unwrap()
            .checked(Crs::Wgs84)
            .unwrap();
        assert_eq!(mp.polygons, vec![vec![square(0.0, 0.0, 1.0)]]);
        assert_eq!(MultiPolygon::from_geojson(&mp.to_geojson()).unwrap(), mp);
    }

    #[test]
    fn points_and_lines_are_not_areas() {
        let e = MultiPolygon::from_geojson(r#"{"type":"Point","coordinates":[0,0]}"#).unwrap_err();
        assert!(e.contains("Point is not an area"), "{e}");
    }

    #[test]
    fn an_unclosed_ring_is_named() {
        let mp = MultiPolygon { polygons: vec![vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]]] };
        let e = mp.checked(Crs::Wgs84).unwrap_err();
        assert!(e.starts_with("polygon 0 ring 0: is not closed"), "{e}");
    }

    #[test]
    fn a_latitude_beyond_the_pole_is_named_with_its_vertex() {
        let mut ring = square(0.0, 0.0, 1.0);
        ring[2] = [1.0, 91.0];
        let mp = MultiPolygon { polygons: vec![vec![square(5.0, 5.0, 1.0), ring]] };
        let e = mp.checked(Crs::Wgs84).unwrap_err();
        assert!(e.starts_with("polygon 0 ring 1 (a hole): vertex 2"), "{e}");
    }

    #[test]
    fn a_bow_tie_ring_crosses_itself() {
        let bow = vec![[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]];
        let e = MultiPolygon { polygons: vec![vec![bow]] }.checked(Crs::Wgs84).unwrap_err();
        assert!(e.contains("crosses itself: segment 0"), "{e}");
    }

    #[test]
    fn long_rings_are_checked_for_crossings_through_the_segment_index() {
        // A 200-vertex zig-zag comb, then the same with one tooth bent across its neighbour.
        let mut ring: Ring = (0..100).flat_map(|i| [[i as f64, 0.0], [i as f64 + 0.5, 10.0]]).collect();
        ring.extend([[100.0, 0.0], [100.0, -1.0], [0.0, -1.0], [0.0, 0.0]]);
        assert_eq!(find_self_crossing(&ring), None);
        ring[41] = [22.0, 10.0];
        assert!(find_self_crossing(&ring).is_some());
    }

    #[test]
    fn spikes_out_and_back_are_dropped_even_across_the_ring_join() {
        let spiky = vec![
            [0.0, 0.0],
            [5.0, 0.0],
            [5.0, 5.0],
            [7.0, 7.0],
            [8.0, 8.0],
            [7.0, 7.0],
            [5.0, 5.0],
            [0.0, 5.0],
            [-1.0, -1.0],
            [0.0, 0.0],
        ];
        assert_eq!(
            without_spikes(spiky.clone()),
            vec![[0.0, 0.0], [5.0, 0.0], [5.0, 5.0], [0.0, 5.0], [-1.0, -1.0], [0.0, 0.0]]
        );
        let at_the_join = vec![[-1.0, -1.0], [0.0, 0.0], [5.0, 0.0], [5.0, 5.0], [0.0, 5.0], [0.0, 0.0], [-1.0, -1.0]];
        assert_eq!(without_spikes(at_the_join), vec![[0.0, 0.0], [5.0, 0.0], [5.0, 5.0], [0.0, 5.0], [0.0, 0.0]]);
    }

    #[test]
    fn slivers_are_dropped_and_tiny_knots_untied_but_big_loops_refused() {
        // A hole 40 m long and a few mm wide, as dissolved boundaries leave.
        let sliver = vec![
            [-4.4864149, 55.6053977],
            [-4.4863064, 55.6050125],
            [-4.4863822, 55.6052824],
            [-4.4864149, 55.6053977],
        ];
        let mp = MultiPolygon { polygons: vec![vec![square(-4.5, 55.5, 0.2), sliver]] }.checked(Crs::Wgs84).unwrap();
        assert_eq!(mp.polygons[0].len(), 1);
        // A long ring with a 40 cm knot: A, B, C, D where B-C doubles back across A-B's neighbour.
        let mut ring: Ring = (0..60).map(|i| [i as f64 * 1e-4, 0.0]).collect();
        ring.extend([[59e-4, 1e-3], [0.0, 1e-3], [0.0, 0.0]]);
        let knot = vec![[30e-4, 0.0], [30.01e-4, 0.0], [30.01e-4, 0.2e-5], [30.005e-4, -0.2e-5], [31e-4, 0.0]];
        ring.splice(30..32, knot);
        assert!(find_self_crossing(&ring).is_some());
        let untied = MultiPolygon { polygons: vec![vec![ring.clone()]] }.checked(Crs::Wgs84).unwrap();
        assert_eq!(find_self_crossing(&untied.polygons[0][0]), None);
        assert_eq!(untied.polygons[0][0].len(), ring.len() - 2);
        // The same loop fifty times the size (20 m) is a real crossing.
        let mut big: Ring = (0..60).map(|i| [i as f64 * 1e-4, 0.0]).collect();
        big.extend([[59e-4, 1e-3], [0.0, 1e-3], [0.0, 0.0]]);
        big.splice(30..32, [[30e-4, 0.0], [30.5e-4, 0.0], [30.5e-4, 1e-4], [30.25e-4, -1e-4], [31e-4, 0.0]]);
        let e = MultiPolygon { polygons: vec![vec![big]] }.checked(Crs::Wgs84).unwrap_err();
        assert!(e.contains("crosses itself: segment 30"), "{e}");
    }

    #[test]
    fn a_ring_pinched_at_one_vertex_is_accepted_and_repeated_vertices_are_dropped() {
        let ring = vec![[0.0, 0.0], [2.0, 0.0], [1.0, 1.0], [2.0, 2.0], [0.0, 2.0], [1.0, 1.0], [1.0, 1.0], [0.0, 0.0]];
        let mp = MultiPolygon { polygons: vec![vec![ring]] }.checked(Crs::Wgs84).unwrap();
        assert_eq!(mp.polygons[0][0].len(), 7);
    }
}
