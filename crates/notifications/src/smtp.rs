//! An email provider that hands messages to an SMTP relay with `lettre` (rustls for TLS), as a
//! multipart message: the plain-text body and Notify-style HTML. The relay accepting a message
//! leaves the notification `sending`; a relay that refuses or cannot be reached makes the chain
//! fail over to the next provider.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::delivery::{BoxFuture, EmailProvider, Outgoing, ProviderError, SendOutcome};
use crate::error::{NotifyError, Result};
use crate::template;

/// Sends email through an SMTP relay.
#[derive(Clone)]
pub struct SmtpProvider {
    name: String,
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpProvider {
    /// A provider for the relay at `url` (lettre's form: `smtp://host:25` for plain, with
    /// `?tls=required` for STARTTLS, or `smtps://user:pass@host:465`), sending from `from`
    /// (`Name <address>` or a bare address).
    pub fn new(name: &str, url: &str, from: &str) -> Result<SmtpProvider> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| NotifyError::InvalidArgument(format!("SMTP sender {from:?} is not an address: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| NotifyError::InvalidArgument(format!("SMTP URL {url:?} is not usable: {e}")))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(SmtpProvider { name: name.to_string(), from, transport })
    }

    fn error(&self, message: impl ToString) -> ProviderError {
        ProviderError { provider: self.name.clone(), message: message.to_string() }
    }

    async fn send(&self, m: &Outgoing) -> std::result::Result<SendOutcome, ProviderError> {
        let to: Mailbox = m.recipient.parse().map_err(|e| self.error(format!("bad recipient: {e}")))?;
        let plain = template::email_plain_text(&m.body);
        let body_html = m.html.clone().unwrap_or_else(|| template::email_html(&m.body));
        let html = template::email_document(m.subject.as_deref().unwrap_or_default(), &body_html);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone().unwrap_or_default())
            .message_id(Some(format!("<{}@{}>", m.notification_id, self.from.email.domain())))
            .multipart(MultiPart::alternative_plain_html(plain, html))
            .map_err(|e| self.error(e))?;
        self.transport.send(message).await.map_err(|e| self.error(e))?;
        Ok(SendOutcome::Sent)
    }
}

impl EmailProvider for SmtpProvider {
    fn name(&self) -> &str {
        &self.name
    }
    fn send_email<'a>(
        &'a self,
        message: &'a Outgoing,
    ) -> BoxFuture<'a, std::result::Result<SendOutcome, ProviderError>> {
        Box::pin(self.send(message))
    }
}
