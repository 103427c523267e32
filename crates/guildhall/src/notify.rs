//! Wiring of the notifications brick: its settings, its Notify-shaped API at the server root
//! (Notify's clients drop any path prefix of their base URL), the HTTP providers' receipt
//! endpoints (`/notify/receipts/{sms,letter}/{provider}?token=…`), and the delivery worker with
//! the provider chains the settings ask for.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use notifications::api::ApiState;
use notifications::receipts::ReceiptsState;
use notifications::{
    EmailProvider, FiretextSms, LetterProvider, Notify, NotifyConfig, PrintApiLetters, Providers, SandboxProvider,
    SmsProvider, SmtpProvider, Worker, WorkerConfig,
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

/// The name the SMS API is recorded under as the provider that sent, and the last segment of
/// its receipt URL.
pub const SMS_PROVIDER: &str = "firetext";

/// The name the print-and-post API is recorded under, and the last segment of its receipt URL.
pub const LETTER_PROVIDER: &str = "print-api";

/// `/v2/…` as Notify serves it, with its OpenAPI document, and the receipt endpoints of the
/// HTTP providers configured (each refusing receipts without its token; none configured, every
/// receipt is refused).
pub fn routes(settings: &NotifySettings, notify: Notify) -> (Router, utoipa::openapi::OpenApi) {
    let mut tokens = HashMap::new();
    if let (Some(_), Some(token)) = (&settings.sms_http_url, &settings.sms_http_receipt_token) {
        tokens.insert(SMS_PROVIDER.to_string(), token.clone());
    }
    if let (Some(_), Some(token)) = (&settings.letter_http_url, &settings.letter_http_receipt_token) {
        tokens.insert(LETTER_PROVIDER.to_string(), token.clone());
    }
    let receipts = notifications::receipts::router(ReceiptsState::new(notify.clone(), tokens));
    let (api, openapi) = notifications::api::router(ApiState { notify, base_url: settings.base_url.clone() });
    (api.merge(receipts), openapi)
}

/// A chain of `first` then, unless turned off, the sandbox behind it.
fn with_fallback<P: ?Sized>(settings: &NotifySettings, first: Arc<P>, sandbox: Arc<P>) -> Vec<Arc<P>> {
    if settings.sandbox_fallback { vec![first, sandbox] } else { vec![first] }
}

/// The provider chains: for each channel its configured provider (SMTP, the SMS API, the print
/// API) first, then the sandbox unless turned off; a channel with none goes to the sandbox.
/// Refuses a half-configured HTTP provider, naming the missing setting.
pub fn providers(settings: &NotifySettings, store: store::Store) -> anyhow::Result<Providers> {
    settings.check()?;
    let mut providers = Providers::sandbox(store.clone());
    let sandbox = Arc::new(SandboxProvider::new(store.clone(), "sandbox"));
    if let (Some(url), Some(key)) = (&settings.sms_http_url, &settings.sms_http_key) {
        let sms: Arc<dyn SmsProvider> = Arc::new(FiretextSms::new(SMS_PROVIDER, url, key, &settings.sms_sender));
        providers.sms = with_fallback(settings, sms, sandbox.clone() as Arc<dyn SmsProvider>);
        tracing::info!(
            api = %url,
            receipts = %format!("/notify/receipts/sms/{SMS_PROVIDER}?token=<notify.sms_http_receipt_token>"),
            "text messages go through the SMS API"
        );
    }
    if let (Some(url), Some(key)) = (&settings.letter_http_url, &settings.letter_http_key) {
        let letter: Arc<dyn LetterProvider> = Arc::new(PrintApiLetters::new(LETTER_PROVIDER, url, key));
        providers.letter = with_fallback(settings, letter, sandbox.clone() as Arc<dyn LetterProvider>);
        tracing::info!(
            api = %url,
            receipts = %format!("/notify/receipts/letter/{LETTER_PROVIDER}?token=<notify.letter_http_receipt_token>"),
            "letters go through the print API"
        );
    }
    if let Some(url) = &settings.smtp_url {
        let smtp: Arc<dyn EmailProvider> = Arc::new(
            SmtpProvider::new("smtp", url, &settings.email_from)
                .with_context(|| format!("invalid notify.smtp_url {url:?} or notify.email_from"))?,
        );
        providers.email = with_fallback(settings, smtp, sandbox as Arc<dyn EmailProvider>);
    }
    Ok(providers)
}

/// Starts this node's delivery worker; every node runs one, and they share the outbox safely.
pub fn worker(settings: &NotifySettings, notify: Notify) -> anyhow::Result<Worker> {
    let providers = providers(settings, notify.store().clone())?;
    Ok(Worker::spawn(notify, providers, WorkerConfig::default()))
}
