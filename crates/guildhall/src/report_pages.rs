//! Report a problem's citizen pages in the binary: the reports brick's journey
//! (`/{council}/report`, `/{council}/reports/…`) over the instance's address view, behind its own identity layer. That layer is the same session and anti-forgery check
//! as the other pages', but accepts forms up to the details step's limit, so a photo over the
//! brick's limit gets the brick's field error rather than the identity layer's bare 413.
//! With the development pages on, it also serves `/dev/notifications` (see `dev_notifications`).

use std::sync::Arc;

use address_search::AddressView;
use axum::Router;
use identity::{Identity, IdentityState};
use reports::Reports;
use reports::citizen_pages::{self, CitizenState, PlaceAddress, PlaceFuture, Places, PostcodeAnswer, PostcodePlace};
use reports::routing::Location;
use store::{Councils, Store};

use crate::configuration::Settings;

/// The address view, as the citizen pages ask for a postcode: its addresses, and as its centre
/// the mean of their points (how the demo's postcodes are made; a postcode without addresses is
/// not offered, and the citizen can give a grid reference instead).
pub struct LookupPlaces(pub Arc<AddressView>);

impl Places for LookupPlaces {
    fn postcode<'a>(&'a self, text: &'a str) -> PlaceFuture<'a> {
        Box::pin(async move {
            let postcode = match postcodes::Postcode::parse(text) {
                Ok(p) => p,
                Err(e) => return PostcodeAnswer::Invalid(e.reason.to_string()),
            };
            let written = postcode.as_str().to_string();
            let Ok(key) = address_search::Postcode::parse(&written) else { return PostcodeAnswer::Unknown(written) };
            let addresses: Vec<PlaceAddress> = self
                .0
                .by_postcode(&key)
                .into_iter()
                .map(|a| PlaceAddress {
                    uprn: a.uprn.to_string(),
                    label: a.single_line(),
                    location: if a.lat == 0.0 && a.lon == 0.0 { None } else { Location::new(a.lat, a.lon).ok() },
                })
                .collect();
            let points: Vec<Location> = addresses.iter().filter_map(|a| a.location).collect();
            if addresses.is_empty() {
                return PostcodeAnswer::Unknown(written);
            }
            let n = points.len() as f64;
            let centre = (!points.is_empty()).then(|| Location {
                lat: points.iter().map(|p| p.lat).sum::<f64>() / n,
                lon: points.iter().map(|p| p.lon).sum::<f64>() / n,
            });
            PostcodeAnswer::Found(PostcodePlace { postcode: written, centre, addresses })
        })
    }
}

/// The largest form the report pages accept (the details step with its photo).
const MAX_FORM_BYTES: usize = citizen_pages::MAX_DETAILS_REQUEST_BYTES;

/// The citizen pages wrapped in an identity layer of their own (see the module comment), plus
/// `/dev/notifications` when the development pages are on.
pub async fn router(
    settings: &Settings,
    store: Store,
    identity: &Identity,
    reports: Reports,
    addresses: Arc<AddressView>,
) -> anyhow::Result<Router> {
    let web = crate::pages::web_state(settings, Councils::new(store.clone())).await?;
    let mut config = identity.config().clone();
    config.max_form_bytes = MAX_FORM_BYTES;
    let identity = Identity::new(store.clone(), config);
    let state = CitizenState {
        reports,
        web: web.clone(),
        councils: Councils::new(store.clone()),
        places: Arc::new(LookupPlaces(addresses)),
    };
    let mut pages = citizen_pages::router(state);
    if settings.dev_pages {
        pages = pages.merge(crate::dev_notifications::router(store, web.clone()));
    }
    Ok(pages.layer(identity::layer(IdentityState::new(identity, web))))
}
