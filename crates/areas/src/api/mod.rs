//! MapIt's HTTP API over the area view: `/point/{srid}/{x},{y}`, `/area/{id}` (and `.geojson`,
//! `/geometry`, `/children`, `/feature.geojson`), `/areas/{type}`, `/code/gss/{code}`. Bodies and
//! errors (`{"code": 404, "error": "…"}`) take MapIt's shapes so MapIt clients work unchanged.
//! Every request first brings the view up to date with the register (one small query).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use registers::Registers;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::RwLock;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::crs::Crs;
use crate::error::AreaError;
use crate::view::{AreaSummary, AreaView};

/// What the handlers share: the registers brick and the view that follows the `area` register.
#[derive(Clone)]
pub struct AreaState {
    registers: Registers,
    view: Arc<RwLock<AreaView>>,
}

impl AreaState {
    /// Builds the view from the register now (so the first request is not the slow one).
    pub async fn load(registers: Registers) -> crate::Result<AreaState> {
        let view = AreaView::build(&registers).await?;
        Ok(AreaState { registers, view: Arc::new(RwLock::new(view)) })
    }

    /// The view, caught up with the register.
    pub async fn view(&self) -> crate::Result<tokio::sync::RwLockReadGuard<'_, AreaView>> {
        let size = match self.registers.find(registers::Owner::National, &crate::register::area_register_name()).await?
        {
            Some(info) => info.user_size,
            None => 0,
        };
        if self.view.read().await.position() < size {
            self.view.write().await.catch_up(&self.registers).await?;
        }
        Ok(self.view.read().await)
    }
}

/// An error in MapIt's shape: `{"code": status, "error": message}`.
#[derive(Debug)]
pub struct MapItError {
    status: StatusCode,
    message: String,
}

impl MapItError {
    fn new(status: StatusCode, message: impl Into<String>) -> MapItError {
        MapItError { status, message: message.into() }
    }
}

impl From<AreaError> for MapItError {
    fn from(e: AreaError) -> MapItError {
        tracing::error!(error = %e, "area request failed");
        MapItError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error; the details are logged")
    }
}

impl IntoResponse for MapItError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"code": self.status.as_u16(), "error": self.message}))).into_response()
    }
}

type ApiResult = Result<Response, MapItError>;

/// An area as MapIt shows it.
pub fn area_json(a: &AreaSummary) -> Value {
    let mut codes = serde_json::Map::new();
    if let Some(code) = &a.code {
        codes.insert("gss".into(), code.clone().into());
    }
    json!({
        "id": a.id,
        "name": a.name,
        "type": a.type_code,
        "type_name": a.type_name,
        "country": a.country,
        "country_name": a.country_name,
        "codes": codes,
        "parent_area": a.parent_id,
        "generation_low": a.generation_low,
        "generation_high": a.generation_high,
        "all_names": {},
    })
}

/// Areas keyed by id (as text), MapIt's answer to every list query.
fn keyed(areas: &[AreaSummary]) -> Value {
    let map: BTreeMap<String, Value> = areas.iter().map(|a| (a.id.to_string(), area_json(a))).collect();
    json!(map)
}

/// The `type` filter of list queries: comma-separated type codes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TypeFilter {
    /// Only areas of these types (comma-separated codes, e.g. `UTA,DIW`).
    #[serde(rename = "type")]
    pub types: Option<String>,
}

impl TypeFilter {
    fn keeps(&self, a: &AreaSummary) -> bool {
        self.types.as_deref().is_none_or(|t| t.split(',').any(|t| t.trim() == a.type_code))
    }
}

/// The areas holding a point.
#[utoipa::path(get, path = "/point/{srid}/{coordinates}", tag = "areas",
    params(("srid" = u32, Path, description = "4326 (lon/lat) or 27700 (British National Grid)"),
           ("coordinates" = String, Path, description = "`x,y`: `lon,lat` for 4326, `easting,northing` for 27700"),
           TypeFilter),
    responses((status = 200, description = "Current areas holding the point, keyed by id (empty if none)", body = Object),
              (status = 400, description = "Unknown SRID or malformed coordinates", body = Object)))]
pub async fn point(
    State(state): State<AreaState>,
    Path((srid, coordinates)): Path<(String, String)>,
    Query(filter): Query<TypeFilter>,
) -> ApiResult {
    let crs =
        srid.parse().ok().and_then(Crs::from_srid).ok_or_else(|| {
            MapItError::new(StatusCode::BAD_REQUEST, format!("Unknown SRID {srid}: use 4326 or 27700"))
        })?;
    let bad = || MapItError::new(StatusCode::BAD_REQUEST, format!("Bad coordinates {coordinates:?}: expected x,y"));
    let (x, y) = coordinates.split_once(',').ok_or_else(bad)?;
    let (x, y): (f64, f64) = (x.trim().parse().map_err(|_| bad())?, y.trim().parse().map_err(|_| bad())?);
    crs.check([x, y]).map_err(|e| MapItError::new(StatusCode::BAD_REQUEST, format!("Bad point: {e}")))?;
    let lon_lat =
        crs.to_lon_lat([x, y]).map_err(|e| MapItError::new(StatusCode::BAD_REQUEST, format!("Bad point: {e}")))?;
    let view = state.view().await?;
    let found: Vec<AreaSummary> = view.areas_containing(lon_lat).into_iter().filter(|a| filter.keeps(a)).collect();
    Ok(Json(keyed(&found)).into_response())
}

/// An area by numeric id or GSS code.
fn find(view: &AreaView, id: &str) -> Result<AreaSummary, MapItError> {
    let found = match id.parse::<u64>() {
        Ok(n) => view.area(n),
        Err(_) => view.area_by_key(id),
    };
    found.ok_or_else(|| MapItError::new(StatusCode::NOT_FOUND, format!("No area found with ID {id}")))
}

fn geojson_response(body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    r
}

/// One area; `{id}.geojson` gives its boundary as a GeoJSON geometry instead.
#[utoipa::path(get, path = "/area/{id}", tag = "areas",
    params(("id" = String, Path, description = "Numeric area id or GSS code; append `.geojson` for the boundary")),
    responses((status = 200, description = "The area (or its GeoJSON geometry)", body = Object),
              (status = 404, description = "No such area, or it has no boundary", body = Object)))]
pub async fn area(State(state): State<AreaState>, Path(id): Path<String>) -> ApiResult {
    let view = state.view().await?;
    if let Some(id) = id.strip_suffix(".geojson") {
        let a = find(&view, id)?;
        let geometry = view.geometry(a.id).ok_or_else(|| no_boundary(&a))?;
        return Ok(geojson_response(geometry.to_geojson()));
    }
    Ok(Json(area_json(&find(&view, &id)?)).into_response())
}

fn no_boundary(a: &AreaSummary) -> MapItError {
    MapItError::new(StatusCode::NOT_FOUND, format!("Area {} has no boundary", a.id))
}

/// An area as a GeoJSON Feature: its boundary with its name, type and codes as properties.
#[utoipa::path(get, path = "/area/{id}/feature.geojson", tag = "areas",
    params(("id" = String, Path, description = "Numeric area id or GSS code")),
    responses((status = 200, description = "A GeoJSON Feature", body = Object), (status = 404, description = "No such area", body = Object)))]
pub async fn feature(State(state): State<AreaState>, Path(id): Path<String>) -> ApiResult {
    let view = state.view().await?;
    let a = find(&view, &id)?;
    let geometry = view.geometry(a.id).ok_or_else(|| no_boundary(&a))?;
    let properties = json!({"id": a.id, "name": a.name, "type": a.type_code, "code": a.code});
    Ok(geojson_response(format!(
        r#"{{"type":"Feature","properties":{properties},"geometry":{}}}"#,
        geometry.to_geojson()
    )))
}

/// Centre, extent and area of an area's boundary, as MapIt gives them.
#[utoipa::path(get, path = "/area/{id}/geometry", tag = "areas",
    params(("id" = String, Path, description = "Numeric area id or GSS code")),
    responses((status = 200, description = "parts, area (m²), centre and bounds in lon/lat and on the National Grid", body = Object),
              (status = 404, description = "No such area, or it has no boundary", body = Object)))]
pub async fn geometry(State(state): State<AreaState>, Path(id): Path<String>) -> ApiResult {
    let view = state.view().await?;
    let a = find(&view, &id)?;
    let stats = view.geometry_stats(a.id).ok_or_else(|| no_boundary(&a))?;
    let [min_lon, min_lat, max_lon, max_lat] = stats.bbox;
    let mut body = json!({
        "parts": stats.parts,
        "area": stats.area_m2,
        "centre_lon": stats.centre[0], "centre_lat": stats.centre[1],
        "min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat,
    });
    let grid = |p| Crs::BritishNationalGrid.from_lon_lat(p).ok();
    if let (Some(c), Some(lo), Some(hi)) = (grid(stats.centre), grid([min_lon, min_lat]), grid([max_lon, max_lat])) {
        let extra = json!({"srid_en": 27700, "centre_e": c[0], "centre_n": c[1], "min_e": lo[0], "min_n": lo[1], "max_e": hi[0], "max_n": hi[1]});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
    }
    Ok(Json(body).into_response())
}

/// The areas whose parent is this one.
#[utoipa::path(get, path = "/area/{id}/children", tag = "areas",
    params(("id" = String, Path, description = "Numeric area id or GSS code"), TypeFilter),
    responses((status = 200, description = "Child areas keyed by id", body = Object), (status = 404, description = "No such area", body = Object)))]
pub async fn children(
    State(state): State<AreaState>,
    Path(id): Path<String>,
    Query(filter): Query<TypeFilter>,
) -> ApiResult {
    let view = state.view().await?;
    let a = find(&view, &id)?;
    let found: Vec<AreaSummary> = view.children(a.id).into_iter().filter(|c| filter.keeps(c)).collect();
    Ok(Json(keyed(&found)).into_response())
}

/// Every current area of some types.
#[utoipa::path(get, path = "/areas/{types}", tag = "areas",
    params(("types" = String, Path, description = "Type codes, comma-separated (e.g. `UTA` or `DIS,UTA`)")),
    responses((status = 200, description = "Areas keyed by id (empty if none)", body = Object)))]
pub async fn areas_of_type(State(state): State<AreaState>, Path(types): Path<String>) -> ApiResult {
    let view = state.view().await?;
    let found: Vec<AreaSummary> = types.split(',').flat_map(|t| view.areas_of_type(t.trim())).collect();
    Ok(Json(keyed(&found)).into_response())
}

/// Redirects a GSS code to its area.
#[utoipa::path(get, path = "/code/gss/{code}", tag = "areas",
    params(("code" = String, Path, description = "A GSS code, e.g. S12000036")),
    responses((status = 302, description = "Redirect to /area/{id}"), (status = 404, description = "No area has that code", body = Object)))]
pub async fn code(State(state): State<AreaState>, Path(code): Path<String>) -> ApiResult {
    let view = state.view().await?;
    let a = view
        .area_by_key(&code)
        .ok_or_else(|| MapItError::new(StatusCode::NOT_FOUND, format!("No area found with code {code}")))?;
    let location = HeaderValue::from_str(&format!("/area/{}", a.id))
        .map_err(|_| MapItError::new(StatusCode::INTERNAL_SERVER_ERROR, "bad redirect"))?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

#[derive(OpenApi)]
#[openapi(tags((name = "areas", description = "Which council, ward and parish holds a point (MapIt's API shapes)")))]
struct ApiDoc;

/// The area routes and their OpenAPI document.
pub fn router(state: AreaState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(point))
        .routes(routes!(area))
        .routes(routes!(feature))
        .routes(routes!(geometry))
        .routes(routes!(children))
        .routes(routes!(areas_of_type))
        .routes(routes!(code))
        .split_for_parts();
    (router.with_state(state), doc)
}
