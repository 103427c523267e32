//! The point-in-area test behind the view: each polygon of an area is a `Part` holding its rings'
//! vertices and an R-tree over runs of a few consecutive boundary segments (so a coastline of a
//! million vertices is a tree of small boxes hugging it, not one box around a council). A point is
//! located by counting, with exact orientation tests, the boundary crossings of a ray from it to
//! the nearest side of the part's bounding box: only the runs the ray meets are looked at.
//!
//! Boundary rule: areas are closed sets. A point exactly on an edge or vertex (a hole's too) is in
//! the area, so a point on a border two areas share is in both. "Exactly" means in the stored
//! lon/lat coordinates (7 decimal places).

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::geometry::{MultiPolygon, Point, Ring, bbox_of, orient};

/// Segments per leaf box of a part's tree.
const RUN: usize = 8;

/// Where a point lies against a polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Strictly inside (and outside every hole).
    Inside,
    /// On an edge or vertex of a ring.
    Boundary,
    /// Outside, or inside a hole.
    Outside,
}

/// A leaf of a part's tree: the box of segments `start..end` (segment `s` joins vertices `s`, `s + 1`).
type Run = GeomWithData<Rectangle<Point>, (u32, u32)>;

/// One polygon (exterior and holes) ready for point tests.
#[derive(Debug)]
pub(crate) struct Part {
    /// Every ring's vertices, one ring after another.
    coords: Vec<Point>,
    /// Where each ring starts in `coords`.
    ring_starts: Vec<u32>,
    /// `[min_x, min_y, max_x, max_y]`.
    pub(crate) bbox: [f64; 4],
    runs: RTree<Run>,
}

impl Part {
    /// Indexes one polygon's rings (ring 0 the exterior). `None` if it has no vertices.
    pub(crate) fn new(rings: Vec<Ring>) -> Option<Part> {
        let bbox = bbox_of(rings.iter().flatten())?;
        let total = rings.iter().map(Vec::len).sum();
        let mut coords = Vec::with_capacity(total);
        let mut ring_starts = Vec::with_capacity(rings.len());
        let mut leaves = Vec::with_capacity(total / RUN + rings.len());
        for ring in rings {
            let start = coords.len();
            ring_starts.push(start as u32);
            coords.extend(ring);
            let last_segment = coords.len().saturating_sub(1);
            let mut s = start;
            while s < last_segment {
                let end = (s + RUN).min(last_segment);
                let b = bbox_of(coords[s..=end].iter()).unwrap_or(bbox);
                leaves.push(GeomWithData::new(
                    Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]),
                    (s as u32, end as u32),
                ));
                s = end;
            }
        }
        Some(Part { coords, ring_starts, bbox, runs: RTree::bulk_load(leaves) })
    }

    /// The part's rings again.
    pub(crate) fn rings(&self) -> Vec<Ring> {
        let mut out = Vec::with_capacity(self.ring_starts.len());
        for (i, &s) in self.ring_starts.iter().enumerate() {
            let e = self.ring_starts.get(i + 1).map(|&e| e as usize).unwrap_or(self.coords.len());
            out.push(self.coords[s as usize..e].to_vec());
        }
        out
    }

    /// Vertices held.
    pub(crate) fn vertex_count(&self) -> usize {
        self.coords.len()
    }

    /// Approximate heap bytes: vertices, ring starts, and the run tree (leaves plus about a
    /// third again for inner nodes).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.coords.capacity() * size_of::<Point>()
            + self.ring_starts.capacity() * 4
            + self.runs.size() * size_of::<Run>() * 4 / 3
    }

    /// Where a point lies against this polygon.
    pub(crate) fn locate(&self, p: Point) -> Location {
        let [min_x, min_y, max_x, max_y] = self.bbox;
        let [x, y] = p;
        if !(min_x..=max_x).contains(&x) || !(min_y..=max_y).contains(&y) {
            return Location::Outside;
        }
        // Cast the ray towards the nearest side; `turn` maps it onto +x exactly (negation and swap).
        let sides = [max_x - x, x - min_x, max_y - y, y - min_y];
        let nearest = (0..4).min_by(|&a, &b| sides[a].total_cmp(&sides[b])).unwrap_or(0);
        let (ray, turn): (AABB<Point>, fn(Point) -> Point) = match nearest {
            0 => (AABB::from_corners(p, [max_x, y]), |[a, b]| [a, b]),
            1 => (AABB::from_corners([min_x, y], p), |[a, b]| [-a, b]),
            2 => (AABB::from_corners(p, [x, max_y]), |[a, b]| [b, a]),
            _ => (AABB::from_corners([x, min_y], p), |[a, b]| [-b, a]),
        };
        let q = turn(p);
        let mut crossings = 0u32;
        for run in self.runs.locate_in_envelope_intersecting(&ray) {
            let (start, end) = run.data;
            for s in start as usize..end as usize {
                let (a, b) = (turn(self.coords[s]), turn(self.coords[s + 1]));
                if a == q || b == q {
                    return Location::Boundary;
                }
                if (a[1] > q[1]) != (b[1] > q[1]) {
                    let o = orient(a, b, q);
                    if o == 0.0 {
                        return Location::Boundary;
                    }
                    // Upward with q on its left, or downward with q on its right: it crosses the ray.
                    if (b[1] > a[1]) == (o > 0.0) {
                        crossings += 1;
                    }
                } else if a[1] == q[1] && b[1] == q[1] && (a[0].min(b[0])..=a[0].max(b[0])).contains(&q[0]) {
                    return Location::Boundary;
                }
            }
        }
        if crossings % 2 == 1 { Location::Inside } else { Location::Outside }
    }
}

/// An area's polygons, each indexed.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    pub(crate) parts: Vec<Part>,
}

impl Shape {
    /// Indexes a boundary.
    pub(crate) fn new(geometry: MultiPolygon) -> Shape {
        Shape { parts: geometry.polygons.into_iter().filter_map(Part::new).collect() }
    }

    /// The boundary again, as stored.
    pub(crate) fn geometry(&self) -> MultiPolygon {
        MultiPolygon { polygons: self.parts.iter().map(Part::rings).collect() }
    }

    /// Vertices held.
    pub(crate) fn vertex_count(&self) -> usize {
        self.parts.iter().map(Part::vertex_count).sum()
    }

    /// Approximate heap bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.parts.iter().map(Part::heap_bytes).sum::<usize>() + self.parts.capacity() * size_of::<Part>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, s: f64) -> Ring {
        vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]
    }

    #[test]
    fn a_square_with_a_hole_holds_its_body_but_not_its_hole() {
        let part = Part::new(vec![square(0.0, 0.0, 10.0), square(4.0, 4.0, 2.0)]).unwrap();
        assert_eq!(part.locate([1.0, 1.0]), Location::Inside);
        assert_eq!(part.locate([5.0, 5.0]), Location::Outside);
        assert_eq!(part.locate([4.0, 5.0]), Location::Boundary);
        assert_eq!(part.locate([6.0, 6.0]), Location::Boundary);
        assert_eq!(part.locate([0.0, 3.0]), Location::Boundary);
        assert_eq!(part.locate([10.0, 10.0]), Location::Boundary);
        assert_eq!(part.locate([11.0, 1.0]), Location::Outside);
    }

    #[test]
    fn rays_in_every_direction_agree_with_geo_on_a_long_jagged_ring() {
        use geo::{Contains, Coord, LineString, Polygon};
        // A star of 400 spikes: long enough for a deep run tree, jagged enough to cross the ray often.
        let ring: Ring = (0..=800)
            .map(|i| {
                let t = (i % 800) as f64 / 800.0 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 10.0 } else { 4.0 };
                [r * t.cos(), r * t.sin()]
            })
            .collect();
        let part = Part::new(vec![ring.clone()]).unwrap();
        let poly =
            Polygon::new(LineString::from(ring.iter().map(|&[x, y]| Coord { x, y }).collect::<Vec<_>>()), vec![]);
        let mut disagreements = 0;
        for i in 0..200 {
            for j in 0..200 {
                let p = [-10.5 + i as f64 * 0.105 + 0.0013, -10.5 + j as f64 * 0.105 + 0.0007];
                let ours = part.locate(p) == Location::Inside;
                let theirs = poly.contains(&geo::Point::new(p[0], p[1]));
                disagreements += (ours != theirs) as u32;
            }
        }
        assert_eq!(disagreements, 0);
    }

    #[test]
    fn a_vertex_of_the_ring_is_on_the_boundary_whichever_way_the_ray_goes() {
        let part =
            Part::new(vec![vec![[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [2.0, 6.0], [0.0, 4.0], [0.0, 0.0]]]).unwrap();
        for v in [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [2.0, 6.0], [0.0, 4.0], [1.0, 5.0], [2.0, 0.0]] {
            assert_eq!(part.locate(v), Location::Boundary, "{v:?}");
        }
        assert_eq!(part.locate([2.0, 5.9]), Location::Inside);
        assert_eq!(part.locate([0.5, 5.9]), Location::Outside);
    }
}
