//! Sending sign-in codes by email: the [`EmailSender`] trait, a sandbox that keeps messages in
//! the database for a development page, and SMTP through `lettre` (rustls).

use std::future::Future;
use std::pin::Pin;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;
use store::Store;

use crate::{IdentityError, Result};

/// A boxed future, so [`EmailSender`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something that delivers a plain-text email; swappable so the demo works offline.
pub trait EmailSender: Send + Sync {
    /// Sends `body_text` with `subject` to the address `to`.
    fn send<'a>(&'a self, to: &'a str, subject: &'a str, body_text: &'a str) -> BoxFuture<'a, Result<()>>;
}

/// One message in the sandbox mailbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SandboxEmail {
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
    /// When it was "sent" (RFC 3339).
    pub created_at: String,
}

/// Keeps every message in the database instead of sending it, for the demo and tests.
#[derive(Debug, Clone)]
pub struct SandboxEmailSender {
    store: Store,
}

impl SandboxEmailSender {
    /// A sandbox on `store` (the identity migrations must have run).
    pub fn new(store: Store) -> SandboxEmailSender {
        SandboxEmailSender { store }
    }

    /// The newest `limit` messages, newest first.
    pub async fn list(&self, limit: i64) -> Result<Vec<SandboxEmail>> {
        let rows = sqlx::query(
            "SELECT to_address, subject, body_text, created_at FROM identity_sandbox_emails ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.store.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SandboxEmail {
                    to: r.try_get(0)?,
                    subject: r.try_get(1)?,
                    body_text: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    async fn store(&self, to: &str, subject: &str, body_text: &str) -> Result<()> {
        let seq = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64;
        sqlx::query(
            "INSERT INTO identity_sandbox_emails (id, seq, to_address, subject, body_text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(seq)
        .bind(to)
        .bind(subject)
        .bind(body_text)
        .bind(store::now_timestamp())
        .execute(self.store.pool())
        .await?;
        Ok(())
    }
}

impl EmailSender for SandboxEmailSender {
    fn send<'a>(&'a self, to: &'a str, subject: &'a str, body_text: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.store(to, subject, body_text))
    }
}

/// Sends through an SMTP relay with `lettre` over rustls.
#[derive(Clone)]
pub struct SmtpEmailSender {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpEmailSender {
    /// A sender for the relay at `url` (lettre's form: `smtp://host:25`, `smtp://host:587?tls=required`
    /// or `smtps://user:pass@host:465`) sending from `from` (`Name <address>` or an address).
    pub fn new(url: &str, from: &str) -> Result<SmtpEmailSender> {
        let from: Mailbox = from.parse().map_err(|e| IdentityError::Email(format!("sender {from:?}: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| IdentityError::Email(format!("SMTP URL {url:?}: {e}")))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(SmtpEmailSender { from, transport })
    }

    async fn deliver(&self, to: &str, subject: &str, body_text: &str) -> Result<()> {
        let to: Mailbox = to.parse().map_err(|e| IdentityError::Email(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body_text.to_string())
            .map_err(|e| IdentityError::Email(e.to_string()))?;
        self.transport.send(message).await.map_err(|e| IdentityError::Email(e.to_string()))?;
        Ok(())
    }
}

impl EmailSender for SmtpEmailSender {
    fn send<'a>(&'a self, to: &'a str, subject: &'a str, body_text: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.deliver(to, subject, body_text))
    }
}
