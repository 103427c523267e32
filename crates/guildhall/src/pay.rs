//! Wiring of the payments brick: its Pay-shaped API at the server root, and the housekeeping
//! every node runs (webhook deliveries that are due, payments past their 90 minutes).

use std::time::Duration;

use payments::Payments;
use store::Councils;

/// How often a node looks for due webhooks and expired payments.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(30);

/// `/v1/payments…` and `/v1/refunds` as GOV.UK Pay serves them, with their OpenAPI document;
/// `next_url` and `_links` use `public_url`.
pub fn routes(payments: Payments, public_url: &str) -> (axum::Router, utoipa::openapi::OpenApi) {
    payments::api::router(payments::api::ApiState { payments, base_url: Some(public_url.to_string()) })
}

/// Delivers due webhooks and expires payments left unfinished, until the process ends. Several
/// nodes may run it at once: both are conditional updates in the database.
pub fn spawn_housekeeping(payments: Payments, councils: Councils) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = payments.deliver_due_webhooks().await {
                tracing::warn!(error = %e, "payment webhook deliveries failed");
            }
            match councils.list().await {
                Ok(list) => {
                    for council in list {
                        if let Err(e) = payments.expire_due(council.id).await {
                            tracing::warn!(council = %council.slug, error = %e, "expiring payments failed");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot list councils to expire payments"),
            }
        }
    })
}
