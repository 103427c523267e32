//! Report a problem's staff pages and map in the binary: the reports brick's staff pages
//! (`/{council}/staff/reports…`) behind an identity layer of their own (the same session and
//! anti-forgery check as every other page; only caseworkers and admins of the council get in),
//! and the map's files and each council's areas as GeoJSON (`/reports/map/…`,
//! `/{council}/report-map/areas.geojson`), drawn from the instance's own area view: public, and
//! working offline.

use std::sync::Arc;

use axum::Router;
use identity::{Identity, IdentityState};
use reports::Reports;
use reports::map::{self, MapState};
use reports::staff_pages::{self, StaffState};
use store::{Councils, Store};

use crate::configuration::Settings;

/// The staff pages wrapped in the identity layer, merged with the map's public routes.
pub async fn router(
    settings: &Settings,
    store: Store,
    identity: &Identity,
    reports: Reports,
    areas: areas::api::AreaState,
) -> anyhow::Result<Router> {
    let web = crate::pages::web_state(settings, Councils::new(store)).await?;
    let staff = staff_pages::router(StaffState::new(reports.clone(), web.clone()))
        .layer(identity::layer(IdentityState::new(identity.clone(), web)));
    Ok(staff.merge(map::router(MapState::new(reports, Arc::new(areas)))))
}
