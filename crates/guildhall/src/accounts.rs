//! The citizen's side of the instance: the web brick's pages with the identity brick's sign-in,
//! account and staff pages, the consent brick's request and "Your data" pages, the
//! notifications staff pages, the hosted payment pages, the external (OpenID Connect) sign-in, and the
//! demonstration vehicle check, all behind the identity layer (which resolves the session into a
//! `web::Visitor` and refuses forged forms). The JSON APIs are not behind it: they authenticate
//! with bearer keys, not cookies.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use consent::{Consent, ConsentState};
use identity::{Identity, IdentityConfig, IdentityState, SmtpEmailSender};
use registers::Registers;
use store::{Councils, Store};

use crate::configuration::Settings;
use crate::vehicle_check::{self, VehicleCheckState};

/// The identity brick for `public_url`, the origin citizens use (cookies are `Secure` unless it
/// is plain-HTTP localhost), sending sign-in codes through `[notify] smtp_url` when set, its
/// sign-in page linking to the `[oidc]` provider when there is one.
pub fn identity(settings: &Settings, store: Store, public_url: &str) -> anyhow::Result<Identity> {
    let mut config = IdentityConfig::new(public_url);
    config.external_sign_in = settings.oidc.as_ref().map(crate::oidc::sign_in_link);
    let identity = Identity::new(store, config);
    let Some(url) = &settings.notify.smtp_url else { return Ok(identity) };
    let smtp = SmtpEmailSender::new(url, &settings.notify.email_from)
        .with_context(|| format!("invalid notify.smtp_url {url:?} for sign-in emails"))?;
    Ok(identity.with_email_sender(Arc::new(smtp)))
}

/// Every page route, wrapped in the identity layer; with an `[oidc]` table, the external sign-in
/// routes too (the provider is discovered here, so start-up fails if it cannot be reached).
pub async fn router(
    settings: &Settings,
    store: Store,
    identity: Identity,
    notify: notifications::Notify,
    payments: payments::Payments,
) -> anyhow::Result<Router> {
    let web_state = crate::pages::web_state(settings, Councils::new(store.clone())).await?;
    let identity_state = IdentityState::new(identity, web_state.clone());
    let consent = Consent::new(store.clone(), Registers::new(store.clone()));
    let vehicle =
        VehicleCheckState { consent: consent.clone(), web: web_state.clone(), councils: Councils::new(store.clone()) };
    let mut pages = web::router(web_state.clone())
        .merge(identity::router(identity_state.clone()))
        .merge(consent::router(ConsentState::new(consent, web_state.clone())))
        .merge(notifications::pages::router(notifications::pages::PagesState::new(notify, web_state.clone())))
        .merge(payments::pages::router(payments::pages::PagesState { payments, web: web_state }))
        .merge(vehicle_check::router(vehicle));
    if let Some(oidc) = &settings.oidc {
        pages =
            pages.merge(crate::oidc::routes(oidc, identity_state.identity.clone(), identity_state.web.clone()).await?);
    }
    if settings.dev_pages {
        pages = pages.merge(identity::dev_router(identity_state.clone()));
    }
    Ok(pages.layer(identity::layer(identity_state)))
}

/// How often a node deletes sessions past their idle or absolute expiry.
const SWEEP_SESSIONS_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes expired sessions now and then (an expired one is already refused and deleted when it
/// is presented; this removes those nobody comes back with). Safe on several nodes at once.
pub fn sweep_expired_sessions(identity: Identity) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_SESSIONS_EVERY);
        loop {
            tick.tick().await;
            match identity.delete_expired_sessions().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "deleted expired sessions"),
                Err(e) => tracing::warn!(error = %e, "cannot delete expired sessions"),
            }
        }
    })
}
