//! The area view: every area of the `area` register in memory, with an R-tree over the bounding
//! boxes of every current area's polygons, built by replaying the register and kept up to date by
//! following new entries. Two views of the same register answer the same (it is a pure function
//! of the log). Point look-ups answer current areas only (no end date).

use std::collections::HashMap;

use registers::{Owner, Registers};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::Serialize;

use crate::crs::Crs;
use crate::error::{AreaError, Result};
use crate::geometry::{MultiPolygon, Point};
use crate::index::{Location, Shape};
use crate::kinds::{country_name, country_of, type_name};
use crate::register::{AreaVersion, area_register_name};

/// Entries read from the register per page while catching up.
const PAGE: u64 = 256;

/// An area as look-ups answer it (no boundary): what MapIt's area object holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaSummary {
    /// Numeric id, MapIt style: the number of the register entry that first recorded the area.
    /// Stable for ever, and the same on every node that holds the same register.
    pub id: u64,
    /// The register key (the GSS code).
    pub key: String,
    /// The current name.
    pub name: String,
    /// MapIt type code.
    pub type_code: String,
    /// The type's display name.
    pub type_name: String,
    /// GSS code.
    pub code: Option<String>,
    /// MapIt country letter (E, S, W, N, or empty).
    pub country: String,
    /// The country's name.
    pub country_name: String,
    /// The parent's key.
    pub parent: Option<String>,
    /// The parent's numeric id, when the parent is in the register.
    pub parent_id: Option<u64>,
    /// First generation the area existed in.
    pub generation_low: u32,
    /// Last generation it exists in (the newest generation for a current area).
    pub generation_high: u32,
    /// When its current version took effect.
    pub start_date: Option<String>,
    /// When it was abolished, if it was.
    pub end_date: Option<String>,
    /// Whether it has a boundary.
    pub has_geometry: bool,
}

/// Centre, extent and size of an area, as MapIt's `/area/{id}/geometry` gives them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeometryStats {
    /// Number of polygons.
    pub parts: usize,
    /// Vertices over all rings.
    pub vertices: usize,
    /// Area in square metres (computed on the British National Grid for GB areas, else geodesically).
    pub area_m2: f64,
    /// Centroid `[lon, lat]`.
    pub centre: Point,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: [f64; 4],
}

/// One area held by the view.
#[derive(Debug)]
struct Held {
    id: u64,
    version: AreaVersion,
    generation_low: u32,
    shape: Option<Shape>,
}

/// Every area of the register, indexed for point look-ups.
#[derive(Debug, Default)]
pub struct AreaView {
    /// User entries applied so far.
    position: u64,
    areas: Vec<Held>,
    by_key: HashMap<String, usize>,
    by_id: HashMap<u64, usize>,
    /// Boxes of the polygons of current areas: (area slot, part number).
    tree: RTree<GeomWithData<Rectangle<Point>, (u32, u32)>>,
    max_generation: u32,
}

impl AreaView {
    /// An empty view, at position 0.
    pub fn new() -> AreaView {
        AreaView::default()
    }

    /// A view of everything the register holds now.
    pub async fn build(registers: &Registers) -> Result<AreaView> {
        let mut view = AreaView::new();
        view.catch_up(registers).await?;
        Ok(view)
    }

    /// Applies the entries appended since the view last looked; returns how many. A register
    /// that does not exist yet is an empty one.
    pub async fn catch_up(&mut self, registers: &Registers) -> Result<u64> {
        let mut applied = 0;
        let outcome = self.follow(registers, &mut applied).await;
        // Whatever was applied is indexed, even when a later page failed.
        if applied > 0 {
            self.rebuild_tree();
        }
        outcome.map(|()| applied)
    }

    async fn follow(&mut self, registers: &Registers, applied: &mut u64) -> Result<()> {
        let Some(info) = registers.find(Owner::National, &area_register_name()).await? else {
            return Ok(());
        };
        while self.position < info.user_size {
            let records = registers.replay(&info, self.position + 1, PAGE).await?;
            if records.is_empty() {
                break;
            }
            for record in records {
                let number = record.entry.number;
                if number != self.position + 1 {
                    return Err(AreaError::Corrupt {
                        entry: number,
                        problem: format!("expected entry {}", self.position + 1),
                    });
                }
                let item = record
                    .items
                    .first()
                    .ok_or_else(|| AreaError::Corrupt { entry: number, problem: "no item".into() })?;
                let version = AreaVersion::from_item(number, &record.entry.key, &item.value())?;
                self.apply(number, version);
                self.position = number;
                *applied += 1;
            }
        }
        Ok(())
    }

    fn apply(&mut self, entry: u64, mut version: AreaVersion) {
        self.max_generation = self.max_generation.max(version.generation);
        let shape = version.geometry.take().map(Shape::new);
        match self.by_key.get(&version.key) {
            Some(&slot) => {
                let held = &mut self.areas[slot];
                held.generation_low = held.generation_low.min(version.generation);
                held.version = version;
                held.shape = shape;
            }
            None => {
                let slot = self.areas.len();
                self.by_key.insert(version.key.clone(), slot);
                self.by_id.insert(entry, slot);
                self.areas.push(Held { id: entry, generation_low: version.generation, version, shape });
            }
        }
    }

    fn rebuild_tree(&mut self) {
        let mut boxes = Vec::new();
        for (slot, held) in self.areas.iter().enumerate() {
            if held.version.end_date.is_some() {
                continue;
            }
            for (i, part) in held.shape.iter().flat_map(|s| s.parts.iter()).enumerate() {
                let [a, b, c, d] = part.bbox;
                boxes.push(GeomWithData::new(Rectangle::from_corners([a, b], [c, d]), (slot as u32, i as u32)));
            }
        }
        self.tree = RTree::bulk_load(boxes);
    }

    /// User entries applied: the register size this view reflects.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Number of areas (current or not).
    pub fn len(&self) -> usize {
        self.areas.len()
    }

    /// Whether the view holds no areas.
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// Approximate heap bytes the view holds for boundaries and indexes (for sizing a server).
    pub fn heap_bytes(&self) -> usize {
        let shapes: usize = self.areas.iter().filter_map(|a| a.shape.as_ref()).map(Shape::heap_bytes).sum();
        let top = self.tree.size() * size_of::<GeomWithData<Rectangle<Point>, (u32, u32)>>() * 4 / 3;
        shapes + top + self.areas.capacity() * size_of::<Held>()
    }

    /// The newest generation in the register (0 when empty).
    pub fn current_generation(&self) -> u32 {
        self.max_generation
    }

    /// Slots of the current areas holding a lon/lat point, in id order.
    fn slots_containing(&self, p: Point) -> Vec<usize> {
        let mut slots: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point(p))
            .filter(|hit| {
                let (slot, part) = hit.data;
                let shape = self.areas[slot as usize].shape.as_ref();
                shape.is_some_and(|s| s.parts[part as usize].locate(p) != Location::Outside)
            })
            .map(|hit| hit.data.0 as usize)
            .collect();
        slots.sort_unstable_by_key(|&s| self.areas[s].id);
        slots.dedup();
        slots
    }

    /// The current areas holding a lon/lat point (EPSG:4326), in id order. A point on a boundary
    /// is in every area sharing it (see the `index` module for the rule).
    pub fn areas_containing(&self, lon_lat: Point) -> Vec<AreaSummary> {
        self.slots_containing(lon_lat).into_iter().map(|s| self.summary(s)).collect()
    }

    /// The current areas holding a point given in any supported reference system.
    pub fn areas_containing_in(&self, crs: Crs, point: Point) -> Result<Vec<AreaSummary>> {
        crs.check(point).map_err(AreaError::Conversion)?;
        let p = crs.to_lon_lat(point).map_err(AreaError::Conversion)?;
        Ok(self.areas_containing(p))
    }

    /// Keys of the current areas holding a point: the cheap form for bulk checks.
    pub fn keys_containing(&self, lon_lat: Point) -> Vec<&str> {
        self.slots_containing(lon_lat).into_iter().map(|s| self.areas[s].version.key.as_str()).collect()
    }

    /// An area by numeric id.
    pub fn area(&self, id: u64) -> Option<AreaSummary> {
        self.by_id.get(&id).map(|&s| self.summary(s))
    }

    /// An area by key (GSS code).
    pub fn area_by_key(&self, key: &str) -> Option<AreaSummary> {
        self.by_key.get(key).map(|&s| self.summary(s))
    }

    /// Current areas of one type code, in id order.
    pub fn areas_of_type(&self, type_code: &str) -> Vec<AreaSummary> {
        (0..self.areas.len())
            .filter(|&s| self.areas[s].version.type_code == type_code && self.areas[s].version.end_date.is_none())
            .map(|s| self.summary(s))
            .collect()
    }

    /// The areas whose parent is this one, in id order.
    pub fn children(&self, id: u64) -> Vec<AreaSummary> {
        let Some(&slot) = self.by_id.get(&id) else { return Vec::new() };
        let key = &self.areas[slot].version.key;
        (0..self.areas.len())
            .filter(|&s| self.areas[s].version.parent.as_ref() == Some(key))
            .map(|s| self.summary(s))
            .collect()
    }

    /// An area's boundary (lon/lat), if it has one.
    pub fn geometry(&self, id: u64) -> Option<MultiPolygon> {
        self.by_id.get(&id).and_then(|&s| self.areas[s].shape.as_ref()).map(Shape::geometry)
    }

    /// Centre, extent and size of an area's boundary.
    pub fn geometry_stats(&self, id: u64) -> Option<GeometryStats> {
        use geo::{Area, Centroid, GeodesicArea};
        let shape = self.by_id.get(&id).and_then(|&s| self.areas[s].shape.as_ref())?;
        let mp = shape.geometry();
        let bbox = mp.bbox()?;
        let to_geo = |rings: &[Vec<Point>], map: &dyn Fn(Point) -> Point| {
            let ls = |r: &Vec<Point>| {
                geo::LineString::from(r.iter().map(|&p| map(p)).map(|[x, y]| geo::Coord { x, y }).collect::<Vec<_>>())
            };
            geo::Polygon::new(ls(&rings[0]), rings[1..].iter().map(ls).collect())
        };
        let lonlat = geo::MultiPolygon::new(mp.polygons.iter().map(|p| to_geo(p, &|q| q)).collect());
        let centre = lonlat.centroid().map(|c| [c.x(), c.y()]).unwrap_or([bbox[0], bbox[1]]);
        // On the National Grid when every vertex converts (GB), as MapIt UK measures; else on the ellipsoid.
        let grid = |p: Point| Crs::BritishNationalGrid.from_lon_lat(p);
        let all_grid = mp.polygons.iter().flatten().flatten().all(|&p| grid(p).is_ok());
        let area_m2 = if all_grid {
            let g = geo::MultiPolygon::new(mp.polygons.iter().map(|p| to_geo(p, &|q| grid(q).unwrap_or(q))).collect());
            g.unsigned_area()
        } else {
            lonlat.geodesic_area_unsigned()
        };
        Some(GeometryStats { parts: mp.polygons.len(), vertices: shape.vertex_count(), area_m2, centre, bbox })
    }

    fn summary(&self, slot: usize) -> AreaSummary {
        let held = &self.areas[slot];
        let v = &held.version;
        let country = country_of(v.code.as_deref().unwrap_or(&v.key));
        let generation_high = match v.end_date {
            None => self.max_generation,
            Some(_) => v.generation.saturating_sub(1).max(held.generation_low),
        };
        AreaSummary {
            id: held.id,
            key: v.key.clone(),
            name: v.name.clone(),
            type_code: v.type_code.clone(),
            type_name: type_name(&v.type_code).to_string(),
            code: v.code.clone(),
            country: country.to_string(),
            country_name: country_name(country).to_string(),
            parent: v.parent.clone(),
            parent_id: v.parent.as_ref().and_then(|p| self.by_key.get(p)).map(|&s| self.areas[s].id),
            generation_low: held.generation_low,
            generation_high,
            start_date: v.start_date.clone(),
            end_date: v.end_date.clone(),
            has_geometry: held.shape.is_some(),
        }
    }
}
