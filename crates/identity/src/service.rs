//! [`Identity`]: the brick's handle, holding the store, the configuration and the email sender.

use std::sync::Arc;

use store::Store;

use crate::{EmailSender, IdentityConfig, Result, SandboxEmailSender};

/// The identity brick: accounts, sessions, sign-in codes, passkeys. Cheap to clone.
#[derive(Clone)]
pub struct Identity {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: IdentityConfig,
    email: Arc<dyn EmailSender>,
    sandbox: SandboxEmailSender,
}

impl Identity {
    /// Runs the brick's migrations (after the store's core migrations).
    pub async fn migrate(store: &Store) -> Result<()> {
        store.migrate(sqlx::migrate!("./migrations/sqlite"), sqlx::migrate!("./migrations/postgres")).await?;
        Ok(())
    }

    /// The brick on `store` with `config`, sending email to the sandbox mailbox until
    /// [`Identity::with_email_sender`] says otherwise.
    pub fn new(store: Store, config: IdentityConfig) -> Identity {
        let sandbox = SandboxEmailSender::new(store.clone());
        Identity { inner: Arc::new(Inner { store, config, email: Arc::new(sandbox.clone()), sandbox }) }
    }

    /// The same brick sending email through `sender` (SMTP in production).
    pub fn with_email_sender(self, sender: Arc<dyn EmailSender>) -> Identity {
        let inner = &self.inner;
        Identity {
            inner: Arc::new(Inner {
                store: inner.store.clone(),
                config: inner.config.clone(),
                email: sender,
                sandbox: inner.sandbox.clone(),
            }),
        }
    }

    /// The sandbox mailbox (what the sandbox sender has kept), for the development page.
    pub fn sandbox(&self) -> &SandboxEmailSender {
        &self.inner.sandbox
    }

    /// The configuration.
    pub fn config(&self) -> &IdentityConfig {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn email_sender(&self) -> &dyn EmailSender {
        self.inner.email.as_ref()
    }
}
