//! Precompiled letters: `POST /v2/notifications/letter` with `reference` and `content` (a base64
//! PDF), as the clients' `send_precompiled_letter_notification` sends it. The PDF is checked (its
//! magic bytes and a 5 MB limit) with Notify's errors, kept beside its notification in the same
//! transaction, handed to the letter provider, and readable at `GET /v2/notifications/{id}/pdf`.

use base64::Engine;
use serde_json::{Map, Value};
use sqlx::Row;
use uuid::Uuid;

use crate::auth::KeyType;
use crate::error::{NotifyError, Result};
use crate::notify::{Caller, Notification, Notify, timestamp};
use crate::outbox::NewRow;
use crate::template::TemplateType;

/// The largest precompiled letter accepted, in bytes of PDF.
pub const MAX_PDF_BYTES: usize = 5 * 1024 * 1024;

/// The template every precompiled letter is recorded against (Notify uses one hidden template too).
pub const PRECOMPILED_TEMPLATE_ID: &str = "00000000-0000-0000-0000-000000000000";

/// What a precompiled letter request carries, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrecompiledLetter {
    /// The sender's reference (required for precompiled letters, as in Notify).
    pub reference: String,
    /// The PDF.
    pub pdf: Vec<u8>,
    /// first, second or economy (second when not given).
    pub postage: String,
}

fn validation(msg: impl Into<String>) -> NotifyError {
    NotifyError::Validation(msg.into())
}

impl PrecompiledLetter {
    /// Whether a letter request body is a precompiled one (it has `content`).
    pub fn is_precompiled(body: &Value) -> bool {
        body.get("content").is_some()
    }

    /// Checks a request body as Notify's schema and PDF check do.
    pub fn from_json(body: &Value) -> Result<PrecompiledLetter> {
        let object = body.as_object().ok_or_else(|| validation("Invalid JSON supplied in POST data"))?;
        if let Some(unknown) = object.keys().find(|k| !["reference", "content", "postage"].contains(&k.as_str())) {
            return Err(validation(format!("Additional properties are not allowed ({unknown} was unexpected)")));
        }
        let reference = match object.get("reference") {
            None | Some(Value::Null) => return Err(validation("reference is a required property")),
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(validation(format!("reference {other} is not of type string"))),
        };
        let postage = match object.get("postage") {
            None | Some(Value::Null) => "second".to_string(),
            Some(Value::String(p)) if ["first", "second", "economy"].contains(&p.as_str()) => p.clone(),
            Some(_) => return Err(validation("postage invalid. It must be either first, second or economy.")),
        };
        let content = match object.get("content") {
            Some(Value::String(s)) => s,
            Some(other) => return Err(validation(format!("content {other} is not of type string"))),
            None => return Err(validation("content is a required property")),
        };
        let not_pdf = || NotifyError::BadRequest("Letter content is not a valid PDF".to_string());
        let pdf = base64::engine::general_purpose::STANDARD.decode(content.trim()).map_err(|_| not_pdf())?;
        if pdf.len() > MAX_PDF_BYTES {
            return Err(NotifyError::BadRequest("Letter content is larger than 5MB".to_string()));
        }
        // A PDF starts with `%PDF-` (some writers put junk first; readers look in the first KB) and ends with `%%EOF`.
        let head = &pdf[..pdf.len().min(1024)];
        let tail = &pdf[pdf.len().saturating_sub(1024)..];
        let starts = head.windows(5).any(|w| w == b"%PDF-");
        let ends = tail.windows(5).any(|w| w == b"%%EOF");
        if !starts || !ends {
            return Err(not_pdf());
        }
        Ok(PrecompiledLetter { reference, pdf, postage })
    }
}

impl Notify {
    /// Accepts a precompiled letter: committed (with its PDF) before this returns. Team keys are
    /// refused as Notify refuses them; test keys get Notify's simulated status and never post.
    pub async fn send_precompiled_letter(&self, caller: &Caller, letter: PrecompiledLetter) -> Result<Notification> {
        if caller.key_type == KeyType::Team {
            return Err(NotifyError::BadRequest("Cannot send letters with a team api key".to_string()));
        }
        let id = Uuid::new_v4().to_string();
        let now = timestamp();
        let test = caller.key_type == KeyType::Test;
        let (status, sent_at, completed_at, provider) = if test {
            ("delivered", Some(now.clone()), Some(now.clone()), Some("simulated".to_string()))
        } else {
            ("created", None, None, None)
        };
        let recipient = "Provided as PDF".to_string();
        let subject = Some("Pre-compiled PDF".to_string());
        let pdf = base64::engine::general_purpose::STANDARD.encode(&letter.pdf);
        self.commit_rows(vec![NewRow {
            id: id.clone(),
            council_id: caller.council_id,
            service_id: caller.service_id.clone(),
            key_id: caller.key_id.clone(),
            key_type: caller.key_type,
            notification_type: TemplateType::Letter.as_str(),
            template_id: PRECOMPILED_TEMPLATE_ID.to_string(),
            template_version: 1,
            recipient: recipient.clone(),
            personalisation: "{}".to_string(),
            reference: Some(letter.reference.clone()),
            status,
            subject: subject.clone(),
            body: String::new(),
            html: None,
            fragments: 0,
            postage: Some(letter.postage.clone()),
            created_at: now.clone(),
            sent_at: sent_at.clone(),
            completed_at: completed_at.clone(),
            provider: provider.clone(),
            due_at: now.clone(),
            callback: if test { Some("delivered") } else { None },
            pdf: Some(pdf),
            files: Vec::new(),
            job_id: None,
        }])
        .await?;
        Ok(Notification {
            id,
            service_id: caller.service_id.clone(),
            council_id: caller.council_id,
            reference: Some(letter.reference),
            notification_type: TemplateType::Letter,
            key_type: caller.key_type,
            recipient,
            personalisation: Map::new(),
            status: status.to_string(),
            template_id: PRECOMPILED_TEMPLATE_ID.to_string(),
            template_version: 1,
            subject,
            body: String::new(),
            html: None,
            fragments: 0,
            postage: Some(letter.postage),
            created_at: now,
            sent_at,
            completed_at,
            provider,
        })
    }

    /// The PDF of one of the service's precompiled letters (`GET /v2/notifications/{id}/pdf`).
    pub async fn letter_pdf(&self, service_id: &str, id: Uuid) -> Result<Vec<u8>> {
        let n = self.notification(service_id, id).await?;
        if n.notification_type != TemplateType::Letter {
            return Err(NotifyError::BadRequest("Notification is not a letter".to_string()));
        }
        let row = sqlx::query("SELECT pdf FROM notify_letter_pdfs WHERE notification_id = $1 AND service_id = $2")
            .bind(id.to_string())
            .bind(service_id)
            .fetch_optional(self.store().pool())
            .await?
            .ok_or_else(|| NotifyError::BadRequest("PDF not available for this letter".to_string()))?;
        let pdf: String = row.try_get(0)?;
        base64::engine::general_purpose::STANDARD
            .decode(pdf)
            .map_err(|e| NotifyError::InvalidArgument(format!("stored PDF is not base64: {e}")))
    }
}

/// Reads the PDFs of claimed letters, by notification id, for the letter providers.
pub(crate) async fn pdfs_for(
    store: &store::Store,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Vec<u8>>> {
    let mut found = std::collections::HashMap::new();
    for id in ids {
        let row = sqlx::query("SELECT pdf FROM notify_letter_pdfs WHERE notification_id = $1")
            .bind(id)
            .fetch_optional(store.pool())
            .await?;
        if let Some(row) = row {
            let pdf: String = row.try_get(0)?;
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(pdf) {
                found.insert(id.clone(), bytes);
            }
        }
    }
    Ok(found)
}
