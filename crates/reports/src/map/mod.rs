//! The map on the report pages: Leaflet (vendored from npm, served by the brick, so the demo
//! works offline) over no tile server at all: the council's bodies' areas are drawn as vector
//! GeoJSON served by the instance (`/{council}/report-map/areas.geojson`, simplified for
//! drawing), with report markers on the staff list. `report-map.js` turns the pages' hooks into
//! maps: on the citizen's "where is it" step (`<div id="report-map">`) a click fills the form's
//! latitude and longitude; on the staff list (`<div id="staff-report-map">`) it draws the
//! listed reports. With JavaScript off the hooks stay empty and the forms work without them.

mod assets;
mod simplify;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use store::{CouncilSlug, Councils};

pub use assets::LEAFLET_VERSION;

use crate::model::Body;
use crate::reports::Reports;

/// How far (in degrees, about 20 m) a drawn boundary may stray from the real one.
const TOLERANCE: f64 = 0.0002;

/// One area's boundary, for drawing.
#[derive(Debug, Clone)]
pub struct Boundary {
    /// The area's key (GSS code).
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its MapIt type code (CTY, DIS, CPC, …).
    pub type_code: String,
    /// Its boundary, WGS84 lon/lat.
    pub shape: areas::MultiPolygon,
}

/// The future [`Boundaries::boundaries`] returns.
pub type BoundariesFuture<'a> = Pin<Box<dyn Future<Output = Vec<Boundary>> + Send + 'a>>;

/// Where the map reads areas' boundaries: the area brick's view, or anything answering like it.
pub trait Boundaries: Send + Sync {
    /// The boundaries of the areas with these keys that have one (others are left out).
    fn boundaries<'a>(&'a self, keys: &'a [String]) -> BoundariesFuture<'a>;
}

fn from_view(view: &areas::AreaView, keys: &[String]) -> Vec<Boundary> {
    keys.iter()
        .filter_map(|key| {
            let area = view.area_by_key(key)?;
            let shape = view.geometry(area.id)?;
            Some(Boundary { key: area.key, name: area.name, type_code: area.type_code, shape })
        })
        .collect()
}

impl Boundaries for areas::AreaView {
    fn boundaries<'a>(&'a self, keys: &'a [String]) -> BoundariesFuture<'a> {
        Box::pin(async move { from_view(self, keys) })
    }
}

impl Boundaries for areas::api::AreaState {
    /// Reads the view caught up with the register (as `/area/…` does).
    fn boundaries<'a>(&'a self, keys: &'a [String]) -> BoundariesFuture<'a> {
        Box::pin(async move {
            match self.view().await {
                Ok(view) => from_view(&view, keys),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the area view for the map");
                    Vec::new()
                }
            }
        })
    }
}

/// Each council's drawn areas, kept while its bodies are the same ones (same `Arc`).
type Drawn = HashMap<i64, (Arc<Vec<Body>>, Arc<String>)>;

/// What the map routes need. Cheap to clone.
#[derive(Clone)]
pub struct MapState {
    reports: Reports,
    boundaries: Arc<dyn Boundaries>,
    councils: Councils,
    drawn: Arc<RwLock<Drawn>>,
}

impl MapState {
    /// State over the brick and a boundary source.
    pub fn new(reports: Reports, boundaries: Arc<dyn Boundaries>) -> MapState {
        let councils = Councils::new(reports.store().clone());
        MapState { reports, boundaries, councils, drawn: Arc::default() }
    }
}

/// `GET /reports/map/{*file}` (Leaflet and the map script) and
/// `GET /{council}/report-map/areas.geojson`. Public: bodies and their areas are published data.
pub fn router(state: MapState) -> Router {
    Router::new()
        .route("/reports/map/{*file}", get(assets::serve))
        .route("/{council}/report-map/areas.geojson", get(areas_geojson))
        .with_state(state)
}

/// The council's bodies' areas as a FeatureCollection: one feature per area with its name, type
/// and the bodies covering it (with their tier), larger tiers first so smaller ones draw on top.
pub async fn council_areas(boundaries: &dyn Boundaries, bodies: &[Body]) -> Value {
    let mut covering: BTreeMap<String, Vec<&Body>> = BTreeMap::new();
    for body in bodies {
        for key in &body.areas {
            covering.entry(key.clone()).or_default().push(body);
        }
    }
    let keys: Vec<String> = covering.keys().cloned().collect();
    let mut found = boundaries.boundaries(&keys).await;
    let rank = |b: &Boundary| covering.get(&b.key).and_then(|v| v.iter().map(|b| b.tier).min());
    found.sort_by(|a, b| (rank(a), &a.key).cmp(&(rank(b), &b.key)));
    let features: Vec<Value> = found
        .iter()
        .map(|area| {
            let by = covering.get(&area.key).map(Vec::as_slice).unwrap_or_default();
            json!({"type": "Feature", "geometry": simplify::simplified(&area.shape, TOLERANCE),
                   "properties": {"key": area.key, "name": area.name, "type": area.type_code,
                                  "tier": by.first().map(|b| b.tier.as_str()),
                                  "bodies": by.iter().map(|b| b.name.as_str()).collect::<Vec<_>>()}})
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// `GET /{council}/report-map/areas.geojson`.
async fn areas_geojson(State(state): State<MapState>, Path(slug): Path<String>) -> Response {
    let council = match CouncilSlug::parse(&slug) {
        Ok(parsed) => state.councils.by_slug(&parsed).await,
        Err(e) => Err(e),
    };
    let council = match council {
        Ok(c) => c.id,
        Err(store::StoreError::UnknownCouncil(_) | store::StoreError::InvalidSlug(_)) => {
            return (StatusCode::NOT_FOUND, "no such council").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot find the council for the map");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let bodies = match state.reports.bodies_for_routing(council).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the bodies for the map");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let held = state.drawn.read().ok().and_then(|d| d.get(&council.0).cloned());
    let text = match held {
        Some((for_bodies, text)) if Arc::ptr_eq(&for_bodies, &bodies) => text,
        _ => {
            let text = Arc::new(council_areas(state.boundaries.as_ref(), &bodies).await.to_string());
            if let Ok(mut drawn) = state.drawn.write() {
                drawn.insert(council.0, (bodies, text.clone()));
            }
            text
        }
    };
    (
        [(header::CONTENT_TYPE, "application/geo+json"), (header::CACHE_CONTROL, "public, max-age=300")],
        text.as_ref().clone(),
    )
        .into_response()
}
