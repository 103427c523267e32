//! Wiring of the notifications brick: its settings, its Notify-shaped API at the server root
//! (Notify's clients drop any path prefix of their base URL), and the delivery worker with the
//! provider chains the settings ask for.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use notifications::api::ApiState;
use notifications::{
    EmailProvider, Notify, NotifyConfig, Providers, SandboxProvider, SmtpProvider, Worker, WorkerConfig,
};

use crate::configuration::NotifySettings;

/// The brick, configured; one value shared by the API and this node's worker, so a request
/// that commits a notification wakes the worker at once.
pub fn brick(settings: &NotifySettings, store: store::Store) -> Notify {
    Notify::with_config(
        store,
        NotifyConfig { email_from_domain: settings.email_from_domain.clone(), sms_sender: settings.sms_sender.clone() },
    )
}

/// `/v2/…` as Notify serves it, with its OpenAPI document.
pub fn routes(settings: &NotifySettings, notify: Notify) -> (Router, utoipa::openapi::OpenApi) {
    notifications::api::router(ApiState { notify, base_url: settings.base_url.clone() })
}

/// The provider chains: SMTP first when configured, then the sandbox unless turned off; text
/// messages and letters go to the sandbox.
pub fn providers(settings: &NotifySettings, store: store::Store) -> anyhow::Result<Providers> {
    let mut providers = Providers::sandbox(store.clone());
    if let Some(url) = &settings.smtp_url {
        let smtp: Arc<dyn EmailProvider> = Arc::new(
            SmtpProvider::new("smtp", url, &settings.email_from)
                .with_context(|| format!("invalid notify.smtp_url {url:?} or notify.email_from"))?,
        );
        providers.email = if settings.sandbox_fallback {
            vec![smtp, Arc::new(SandboxProvider::new(store, "sandbox"))]
        } else {
            vec![smtp]
        };
    }
    Ok(providers)
}

/// Starts this node's delivery worker; every node runs one, and they share the outbox safely.
pub fn worker(settings: &NotifySettings, notify: Notify) -> anyhow::Result<Worker> {
    let providers = providers(settings, notify.store().clone())?;
    Ok(Worker::spawn(notify, providers, WorkerConfig::default()))
}
