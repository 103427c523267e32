//! The service engine's ports over this instance's bricks, assembled in one place, and the
//! consent prompt its pages ask before the checks run: one consent request (the consent brick's
//! page at `/{council}/consent/{request}`) covering every register read the checks make, which
//! returns the citizen to check your answers. Each port lives in `services_records.rs` or
//! `services_delivery.rs`.

use std::sync::Arc;

use address_search::AddressView;
use consent::{Consent, ConsentRequest, RegisterRef, Scope, Service};
use identity::Identity;
use registers::Registers;
use services::RegisterOwner;
use services::ports::{BoxFuture, ConsentAsk, ConsentPrompt, ConsentRead, PortError};
use store::{Councils, Store};

use crate::services_delivery::{NotifyNotifier, PaymentsFees, RegisterOutputs, council_slug};
use crate::services_records::{ConsentRecords, ViewAddressBook, failed};

/// How long a consent given for a service's checks lasts: long enough to come back to a
/// saved application, short enough that a yearly renewal asks again.
const CONSENT_DAYS: i64 = 90;

/// The bricks the ports work through.
pub struct Bricks {
    /// The store (councils).
    pub store: Store,
    /// Registers, read and appended.
    pub registers: Registers,
    /// Consent: grants and THE read.
    pub consent: Consent,
    /// Citizens' and staff's email addresses.
    pub identity: Identity,
    /// Notifications.
    pub notify: notifications::Notify,
    /// Payments.
    pub payments: payments::Payments,
    /// The address view the look-up API serves.
    pub addresses: Arc<AddressView>,
    /// The public origin, for payment return addresses.
    pub public_url: String,
}

/// The engine's ports, and the notifier (kept to provision councils' templates at start-up).
pub fn ports(b: &Bricks) -> (services::Ports, Arc<NotifyNotifier>) {
    let notifier = Arc::new(NotifyNotifier::new(b.notify.clone(), b.identity.clone()));
    let ports = services::Ports {
        records: Arc::new(ConsentRecords::new(b.consent.clone(), b.registers.clone())),
        addresses: Arc::new(ViewAddressBook::new(b.addresses.clone(), b.registers.clone())),
        fees: Arc::new(PaymentsFees::new(b.payments.clone(), &b.public_url)),
        notifier: notifier.clone(),
        outputs: Arc::new(RegisterOutputs::new(b.registers.clone(), Councils::new(b.store.clone()))),
    };
    (ports, notifier)
}

/// The consent brick's request page, asked once for every read a service's checks make.
pub struct ConsentRequests {
    consent: Consent,
    councils: Councils,
}

impl ConsentRequests {
    /// Over the consent brick.
    pub fn new(consent: Consent, councils: Councils) -> ConsentRequests {
        ConsentRequests { consent, councils }
    }
}

fn register_ref(ask: &ConsentAsk, read: &ConsentRead) -> Result<RegisterRef, PortError> {
    match read.owner {
        RegisterOwner::National => RegisterRef::national(&read.register),
        RegisterOwner::Council => RegisterRef::council(ask.council, &read.register),
    }
    .map_err(failed)
}

/// The purposes, each once, as one text within the consent brick's limit.
fn purpose_of(reads: &[ConsentRead]) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for r in reads {
        let p = r.purpose.trim().trim_end_matches('.');
        if !parts.contains(&p) {
            parts.push(p);
        }
    }
    let text = format!("{}.", parts.join(". "));
    text.chars().take(consent::MAX_PURPOSE).collect()
}

impl ConsentPrompt for ConsentRequests {
    fn ask<'a>(&'a self, ask: &'a ConsentAsk) -> BoxFuture<'a, Result<Option<String>, PortError>> {
        Box::pin(async move {
            let grants = self.consent.grants_of(&ask.citizen).await.map_err(failed)?;
            let live: Vec<_> = grants
                .into_iter()
                .filter(|g| g.is_live() && g.service.council_id == ask.council && g.service.slug == ask.service)
                .collect();
            let mut scopes = Vec::new();
            let mut covered = true;
            for read in &ask.reads {
                let register = register_ref(ask, read)?;
                // The read source uses the newest live grant covering the register: that one must hold every field.
                let newest = live.iter().filter(|g| g.scope_for(&register).is_some()).max_by_key(|g| g.requested_at);
                let holds = newest
                    .and_then(|g| g.scope_for(&register))
                    .is_some_and(|s| read.fields.iter().all(|f| s.fields.contains(f)));
                covered &= holds;
                let fields: Vec<&str> = read.fields.iter().map(String::as_str).collect();
                scopes.push(Scope::new(register, &fields));
            }
            if covered {
                return Ok(None);
            }
            let request = ConsentRequest {
                service: Service::new(ask.council, &ask.service, &ask.service_name),
                citizen: ask.citizen.clone(),
                scopes,
                purpose: purpose_of(&ask.reads),
                duration: time::Duration::days(CONSENT_DAYS),
                return_to: ask.return_to.clone(),
            };
            let id = self.consent.request(&request).await.map_err(failed)?;
            let slug = council_slug(&self.councils, ask.council).await?;
            Ok(Some(format!("/{slug}/consent/{}", id.as_str())))
        })
    }
}
