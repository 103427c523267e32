//! Sending email for reports: the [`Mailer`] trait the queue calls, and [`NotifyMailer`], which
//! hands each email to the notifications brick (its durable outbox and provider chains) as a
//! council's "Report a problem" Notify service.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::RwLock;

use notifications::{Caller, KeyType, Notify, NotifyError, SendRequest, TemplateType};
use serde_json::{Map, Value};
use store::CouncilId;
use uuid::Uuid;

/// One email the queue wants sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// A reference for de-duplication at the receiver (the job's idempotency key).
    pub reference: String,
}

/// Why an email or request was not sent; a permanent failure is not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// True when retrying cannot help (a refused address, a 4xx answer).
    pub permanent: bool,
    /// What went wrong, shown to staff.
    pub reason: String,
}

/// The future a [`Mailer`] returns: the sent message's id, or why it failed.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<String, SendFailure>> + Send + 'a>>;

/// Sends one email for a council. The binary may supply its own; [`NotifyMailer`] is the usual one.
pub trait Mailer: Send + Sync {
    /// Sends (or durably accepts) one email and returns its id.
    fn send<'a>(&'a self, council: CouncilId, email: &'a Email) -> SendFuture<'a>;
}

/// Email through the notifications brick: one Notify service and template per council.
pub struct NotifyMailer {
    notify: Notify,
    services: RwLock<HashMap<i64, (Caller, Uuid)>>,
}

impl NotifyMailer {
    /// A mailer with no councils registered yet.
    pub fn new(notify: Notify) -> NotifyMailer {
        NotifyMailer { notify, services: RwLock::new(HashMap::new()) }
    }

    /// Uses an existing Notify caller and email template (`((subject))` / `((body))`) for a council.
    pub fn register(&self, council: CouncilId, caller: Caller, template_id: Uuid) {
        if let Ok(mut map) = self.services.write() {
            map.insert(council.0, (caller, template_id));
        }
    }

    /// Creates a "Report a problem" Notify service for a council with its email template,
    /// registers it, and returns the caller it sends as and the template's id.
    pub async fn provision(&self, council: CouncilId) -> Result<(Caller, Uuid), NotifyError> {
        let service = self.notify.create_service(council, "Report a problem").await?;
        let template = self
            .notify
            .create_template(service, TemplateType::Email, "Problem report", Some("((subject))"), "((body))")
            .await?;
        let caller = self.connect(council, service, template).await?;
        Ok((caller, template))
    }

    /// Registers a council's existing service and template. The mailer sends as the service's
    /// live key named [`WORKER_KEY`], made the first time and reused by every later start and
    /// node (it acts in-process, so it needs the key's identity, not its secret).
    pub async fn connect(&self, council: CouncilId, service: Uuid, template_id: Uuid) -> Result<Caller, NotifyError> {
        let caller = self.notify.own_key(council, service, KeyType::Live, WORKER_KEY).await?;
        self.register(council, caller.clone(), template_id);
        Ok(caller)
    }
}

/// The name of the live key the reports worker sends under on a council's Notify service.
pub const WORKER_KEY: &str = "reports worker";

impl Mailer for NotifyMailer {
    fn send<'a>(&'a self, council: CouncilId, email: &'a Email) -> SendFuture<'a> {
        Box::pin(async move {
            let found = self.services.read().ok().and_then(|m| m.get(&council.0).cloned());
            let (caller, template_id) = found.ok_or_else(|| SendFailure {
                permanent: false,
                reason: format!("no Notify service is set up for council {}", council.0),
            })?;
            let mut personalisation = Map::new();
            personalisation.insert("subject".into(), Value::String(email.subject.clone()));
            personalisation.insert("body".into(), Value::String(email.body.clone()));
            let request = SendRequest {
                notification_type: TemplateType::Email,
                template_id,
                recipient: email.to.clone(),
                personalisation,
                reference: Some(email.reference.clone()),
            };
            match self.notify.send(&caller, request).await {
                Ok(n) => Ok(n.id),
                Err(e @ (NotifyError::BadRequest(_) | NotifyError::Validation(_))) => {
                    Err(SendFailure { permanent: true, reason: e.to_string() })
                }
                Err(e) => Err(SendFailure { permanent: false, reason: e.to_string() }),
            }
        })
    }
}
