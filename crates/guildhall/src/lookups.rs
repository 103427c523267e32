//! The look-ups that join two bricks' views, composed here because neither brick may reach into
//! the other: `/postcode/{pc}` (a postcode's point, in MapIt's shape, with the areas holding it)
//! and `/addresses/{uprn}/areas` ("which parish is UPRN X in"). The views themselves, and the
//! single-brick routes, live in `postcodes`, `areas` and `address-search`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use address_search::AddressView;
use areas::api::{AreaState, area_json};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use postcodes::{Postcode, PostcodeIndex};
use registers::Registers;
use serde_json::{Value, json};
use tokio::sync::RwLock;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How often the followers look for new register entries.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// The views the joined look-ups read.
#[derive(Clone)]
pub struct LookupState {
    /// Postcode → point and codes, following the `postcode` register.
    pub postcodes: Arc<RwLock<PostcodeIndex>>,
    /// Point → areas, following the `area` register.
    pub areas: AreaState,
    /// UPRN → address, following the `address` register.
    pub addresses: Arc<AddressView>,
}

/// Keeps the postcode and address views current with their registers, in the background.
pub fn follow(registers: Registers, state: &LookupState) {
    let postcodes = state.postcodes.clone();
    let addresses = state.addresses.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FOLLOW_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = postcodes.write().await.catch_up(&registers).await {
                tracing::warn!(error = %e, "cannot follow the postcode register");
            }
            if let Err(e) = addresses.catch_up().await {
                tracing::warn!(error = %e, "cannot follow the address register");
            }
        }
    });
}

fn mapit_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"code": status.as_u16(), "error": message.into()}))).into_response()
}

async fn areas_at(state: &LookupState, lon: f64, lat: f64) -> Result<Value, Response> {
    let view = state.areas.view().await.map_err(|e| {
        tracing::error!(error = %e, "cannot read the area view");
        mapit_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error; the details are logged")
    })?;
    let found: BTreeMap<String, Value> =
        view.areas_containing([lon, lat]).iter().map(|a| (a.id.to_string(), area_json(a))).collect();
    Ok(json!(found))
}

/// A postcode's point and the areas holding it, in MapIt's `/postcode` shape.
#[utoipa::path(get, path = "/postcode/{postcode}", tag = "areas",
    params(("postcode" = String, Path, description = "A UK postcode in any usual form: `SW1A 1AA`, `sw1a1aa`")),
    responses((status = 200, description = "The postcode's point (EPSG:4326 and 27700) and the current areas holding it, keyed by id", body = Object),
              (status = 400, description = "Not a valid UK postcode", body = Object),
              (status = 404, description = "A valid postcode this instance does not hold", body = Object)))]
pub async fn postcode(State(state): State<LookupState>, Path(text): Path<String>) -> Response {
    let postcode = match Postcode::parse(&text) {
        Ok(p) => p,
        Err(e) => return mapit_error(StatusCode::BAD_REQUEST, format!("Postcode '{text}' is not valid: {}", e.reason)),
    };
    let (body, lon_lat) = {
        let index = state.postcodes.read().await;
        let Some(found) = index.get(&postcode) else {
            return mapit_error(StatusCode::NOT_FOUND, format!("Postcode '{postcode}' not found"));
        };
        let mut body = json!({
            "postcode": found.postcode.as_str(),
            "coordsyst": "G",
            "positional_quality": found.positional_quality,
            "codes": {"country": found.country, "county": found.county, "district": found.district, "ward": found.ward},
        });
        if let Some(grid) = found.grid {
            body["easting"] = json!(grid.easting);
            body["northing"] = json!(grid.northing);
        }
        if let Some(ll) = found.lon_lat {
            body["wgs84_lon"] = json!(ll.lon);
            body["wgs84_lat"] = json!(ll.lat);
        }
        (body, found.lon_lat)
    };
    let mut body = body;
    body["areas"] = match lon_lat {
        Some(ll) => match areas_at(&state, ll.lon, ll.lat).await {
            Ok(a) => a,
            Err(r) => return r,
        },
        None => json!({}),
    };
    Json(body).into_response()
}

/// The areas an address lies in: "which parish is UPRN X in".
#[utoipa::path(get, path = "/addresses/{uprn}/areas", tag = "addresses",
    params(("uprn" = String, Path, description = "The address's UPRN")),
    responses((status = 200, description = "The address's UPRN, label and point, and the current areas holding it, keyed by id", body = Object),
              (status = 400, description = "Not a UPRN", body = Object),
              (status = 404, description = "No such address", body = Object)))]
pub async fn address_areas(State(state): State<LookupState>, Path(text): Path<String>) -> Response {
    let Ok(uprn) = text.parse::<u64>() else {
        return mapit_error(StatusCode::BAD_REQUEST, format!("'{text}' is not a UPRN: a UPRN is a whole number"));
    };
    let Some(address) = state.addresses.by_uprn(uprn) else {
        return mapit_error(StatusCode::NOT_FOUND, format!("No address has UPRN {uprn}"));
    };
    let areas = if address.lat == 0.0 && address.lon == 0.0 {
        json!({})
    } else {
        match areas_at(&state, address.lon, address.lat).await {
            Ok(a) => a,
            Err(r) => return r,
        }
    };
    Json(json!({
        "uprn": uprn,
        "address": address.single_line(),
        "postcode": address.postcode,
        "wgs84_lon": address.lon,
        "wgs84_lat": address.lat,
        "areas": areas,
    }))
    .into_response()
}

/// The joined look-ups' routes and OpenAPI.
pub fn routes(state: LookupState) -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(postcode)).routes(routes!(address_areas)).with_state(state)
}
