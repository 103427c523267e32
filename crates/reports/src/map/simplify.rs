//! Boundaries made light enough to draw in a browser: Douglas–Peucker on each ring with a
//! tolerance in degrees, coordinates rounded to five decimal places (about a metre), and rings
//! that collapse below a triangle dropped. Only for drawing: routing uses the full boundary.

use areas::{MultiPolygon, Point};

/// Perpendicular distance (in degrees, flat) from `p` to the segment `a`–`b`.
fn distance(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let length2 = dx * dx + dy * dy;
    if length2 == 0.0 {
        return ((p[0] - a[0]).powi(2) + (p[1] - a[1]).powi(2)).sqrt();
    }
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2).clamp(0.0, 1.0);
    ((p[0] - a[0] - t * dx).powi(2) + (p[1] - a[1] - t * dy).powi(2)).sqrt()
}

/// Marks the vertices to keep between `first` and `last` (iteratively: rings can be long).
fn douglas_peucker(points: &[Point], tolerance: f64) -> Vec<Point> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    let mut stack = vec![(0, points.len() - 1)];
    while let Some((first, last)) = stack.pop() {
        let mut furthest = (0.0, 0);
        for i in first + 1..last {
            let d = distance(points[i], points[first], points[last]);
            if d > furthest.0 {
                furthest = (d, i);
            }
        }
        if furthest.0 > tolerance {
            keep[furthest.1] = true;
            stack.push((first, furthest.1));
            stack.push((furthest.1, last));
        }
    }
    points.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

fn round(p: Point) -> Point {
    [(p[0] * 1e5).round() / 1e5, (p[1] * 1e5).round() / 1e5]
}

/// A closed ring simplified: split at the vertex furthest from the start so that the closing
/// point is never the only anchor; `None` when too little is left to enclose anything.
fn ring(points: &[Point], tolerance: f64) -> Option<Vec<Point>> {
    if points.len() < 4 {
        return None;
    }
    let start = points[0];
    let far = (1..points.len() - 1)
        .max_by(|&a, &b| distance(points[a], start, start).total_cmp(&distance(points[b], start, start)))?;
    let mut out = douglas_peucker(&points[..=far], tolerance);
    out.pop();
    out.extend(douglas_peucker(&points[far..], tolerance));
    let mut rounded: Vec<Point> = Vec::with_capacity(out.len());
    for p in out.into_iter().map(round) {
        if rounded.last() != Some(&p) {
            rounded.push(p);
        }
    }
    (rounded.len() >= 4).then_some(rounded)
}

/// The boundary simplified to `tolerance` degrees, as a GeoJSON MultiPolygon value.
pub(crate) fn simplified(shape: &MultiPolygon, tolerance: f64) -> serde_json::Value {
    let polygons: Vec<Vec<Vec<Point>>> = shape
        .polygons
        .iter()
        .filter_map(|polygon| {
            let mut rings = polygon.iter().map(|r| ring(r, tolerance));
            let exterior = rings.next().flatten()?;
            Some(std::iter::once(exterior).chain(rings.flatten()).collect())
        })
        .collect();
    serde_json::json!({"type": "MultiPolygon", "coordinates": polygons})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wiggly_square_loses_its_wiggles_and_stays_closed() {
        let mut square = vec![[0.0, 0.0]];
        for i in 1..100 {
            square.push([i as f64 / 100.0, if i % 2 == 0 { 0.00001 } else { -0.00001 }]);
        }
        square.extend([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]);
        let shape = MultiPolygon { polygons: vec![vec![square]] };
        let out = simplified(&shape, 0.001);
        let ring = out["coordinates"][0][0].as_array().unwrap();
        assert_eq!(ring.len(), 5, "{out}");
        assert_eq!(ring.first(), ring.last());
    }

    #[test]
    fn a_ring_smaller_than_the_tolerance_is_dropped_and_so_is_its_polygon() {
        let tiny = vec![[0.0, 0.0], [0.000001, 0.0], [0.000001, 0.000001], [0.0, 0.0]];
        let shape = MultiPolygon { polygons: vec![vec![tiny]] };
        assert_eq!(simplified(&shape, 0.001)["coordinates"], serde_json::json!([]));
    }
}
