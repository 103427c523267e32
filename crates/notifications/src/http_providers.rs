//! HTTP provider adapters and their delivery receipts. [`FiretextSms`] sends text messages the
//! way Firetext's public API takes them (`POST {base}/sendsms/json`, form fields `apiKey`,
//! `message`, `from`, `to`, `reference`; JSON `{"code": 0, …}` when queued), and its receipts
//! (form fields `reference`, `status`: 0 delivered, 1 declined, 2 undelivered) move the
//! notification to delivered, permanent-failure or temporary-failure. [`PrintApiLetters`] posts
//! letters to a print-and-post API (`POST {base}/print-jobs`, JSON, `X-API-Key`), text or a
//! precompiled PDF, whose receipts (`{"id", "status": "DESPATCHED" | "REJECTED" | "RETURNED"}`)
//! move it to delivered (Notify's `received`) or permanent-failure. Both answer
//! [`SendOutcome::Sent`], so the status stays `sending` until a receipt arrives, and both fit
//! in a [`Providers`](crate::Providers) chain that fails over when they answer with an error.

use std::time::Duration;

use base64::Engine;
use serde_json::json;

use crate::delivery::{BoxFuture, LetterProvider, Outgoing, ProviderError, SendOutcome, SmsProvider};
use crate::error::Result;
use crate::notify::{Notify, timestamp};

fn failure(provider: &str, message: impl Into<String>) -> ProviderError {
    ProviderError { provider: provider.to_string(), message: message.into() }
}

/// Text messages through a Firetext-shaped HTTP API.
#[derive(Clone)]
pub struct FiretextSms {
    name: String,
    base_url: String,
    api_key: String,
    from: String,
    client: reqwest::Client,
}

impl FiretextSms {
    /// An adapter named `name` (recorded on what it sends) for the API at `base_url`
    /// (`https://www.firetext.co.uk/api`), sending from `from` (up to 11 characters).
    pub fn new(name: &str, base_url: &str, api_key: &str, from: &str) -> FiretextSms {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        FiretextSms {
            name: name.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
            from: from.to_string(),
            client,
        }
    }

    async fn send(&self, m: &Outgoing) -> std::result::Result<SendOutcome, ProviderError> {
        let form = [
            ("apiKey", self.api_key.as_str()),
            ("message", m.body.as_str()),
            ("from", self.from.as_str()),
            ("to", m.recipient.as_str()),
            ("reference", m.notification_id.as_str()),
        ];
        let response = self
            .client
            .post(format!("{}/sendsms/json", self.base_url))
            .form(&form)
            .send()
            .await
            .map_err(|e| failure(&self.name, e.to_string()))?;
        if !response.status().is_success() {
            return Err(failure(&self.name, format!("answered {}", response.status())));
        }
        let body: serde_json::Value = response.json().await.map_err(|e| failure(&self.name, e.to_string()))?;
        match body.get("code").and_then(serde_json::Value::as_i64) {
            Some(0) => Ok(SendOutcome::Sent),
            _ => Err(failure(&self.name, format!("refused: {body}"))),
        }
    }
}

impl SmsProvider for FiretextSms {
    fn name(&self) -> &str {
        &self.name
    }
    fn send_sms<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>> {
        Box::pin(self.send(message))
    }
}

/// Letters through a print-and-post HTTP API.
#[derive(Clone)]
pub struct PrintApiLetters {
    name: String,
    base_url: String,
    api_key: String,
    client: reqwest::Client,
}

impl PrintApiLetters {
    /// An adapter named `name` for the print API at `base_url`, authenticated with `api_key`.
    pub fn new(name: &str, base_url: &str, api_key: &str) -> PrintApiLetters {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap_or_default();
        PrintApiLetters {
            name: name.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
            client,
        }
    }

    async fn send(&self, m: &Outgoing) -> std::result::Result<SendOutcome, ProviderError> {
        let content = match &m.pdf {
            Some(pdf) => json!({"type": "pdf", "pdf": base64::engine::general_purpose::STANDARD.encode(pdf)}),
            None => json!({"type": "text", "heading": m.subject, "body": m.body}),
        };
        let address: Vec<&str> = if m.pdf.is_some() { Vec::new() } else { m.recipient.lines().collect() };
        let job = json!({
            "id": m.notification_id,
            "postage": m.postage.clone().unwrap_or_else(|| "second".to_string()),
            "address": address,
            "content": content,
        });
        let response = self
            .client
            .post(format!("{}/print-jobs", self.base_url))
            .header("X-API-Key", &self.api_key)
            .json(&job)
            .send()
            .await
            .map_err(|e| failure(&self.name, e.to_string()))?;
        if response.status().is_success() {
            Ok(SendOutcome::Sent)
        } else {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            Err(failure(&self.name, format!("answered {status}: {text}")))
        }
    }
}

impl LetterProvider for PrintApiLetters {
    fn name(&self) -> &str {
        &self.name
    }
    fn send_letter<'a>(
        &'a self,
        message: &'a Outgoing,
    ) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>> {
        Box::pin(self.send(message))
    }
}

/// What a provider's receipt says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// Delivered to the phone, or posted.
    Delivered,
    /// Will never arrive (a declined number, a rejected letter).
    PermanentFailure,
    /// Did not arrive this time (phone off too long).
    TemporaryFailure,
}

impl Receipt {
    fn status(self) -> &'static str {
        match self {
            Receipt::Delivered => "delivered",
            Receipt::PermanentFailure => "permanent-failure",
            Receipt::TemporaryFailure => "temporary-failure",
        }
    }

    /// A Firetext receipt's `status` field.
    pub fn from_firetext(status: &str) -> Option<Receipt> {
        match status.trim() {
            "0" => Some(Receipt::Delivered),
            "1" => Some(Receipt::PermanentFailure),
            "2" => Some(Receipt::TemporaryFailure),
            _ => None,
        }
    }

    /// A print API receipt's `status` field.
    pub fn from_print_api(status: &str) -> Option<Receipt> {
        match status.trim().to_ascii_uppercase().as_str() {
            "DESPATCHED" | "DISPATCHED" => Some(Receipt::Delivered),
            "REJECTED" | "RETURNED" => Some(Receipt::PermanentFailure),
            _ => None,
        }
    }
}

impl Notify {
    /// Records a provider's receipt for a notification it was handed: the final status, when,
    /// and (in the same transaction) the service's delivery-status callback. Only a notification
    /// still `sending` with that provider changes, so a repeated or forged receipt for another
    /// provider's message does nothing; returns whether one changed.
    pub async fn record_receipt(&self, provider: &str, notification_id: &str, receipt: Receipt) -> Result<bool> {
        let _turn = self.write_turn().await;
        let mut tx = self.store().pool().begin().await?;
        let changed = sqlx::query(
            "UPDATE notify_notifications SET status = $1, completed_at = $2 \
             WHERE id = $3 AND provider = $4 AND status = 'sending'",
        )
        .bind(receipt.status())
        .bind(timestamp())
        .bind(notification_id)
        .bind(provider)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0 {
            Notify::queue_callback(&mut *tx, notification_id, receipt.status()).await?;
        }
        tx.commit().await?;
        if changed > 0 {
            self.wake.notify_waiters();
        }
        Ok(changed > 0)
    }
}
