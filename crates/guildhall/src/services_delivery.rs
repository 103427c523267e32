//! What the service engine sends out, over the real bricks: fees through the payments brick (its
//! hosted card pages), notifications through each council's "Council services" Notify service,
//! register outputs through the registers brick (a parking permit through parking's
//! `issue_permit`, once per case), and webhooks over HTTP. Reads live in `services_records.rs`.

use std::collections::HashMap;

use identity::{CitizenId, Identity, Role};
use notifications::{Caller, KeyType as NotifyKey, Notify, SendRequest, TemplateType};
use payments::{CreatePayment, KeyType as PayKey, PaymentSearch, Payments};
use registers::{NewEntry, Owner, RegisterName, Registers};
use serde_json::Value;
use services::RegisterOwner;
use services::ports::{
    BoxFuture, FeeCollector, NotificationRequest, Notifier, OutputReceipt, OutputSink, PaymentRequest, PaymentStart,
    PaymentState, PortError, RegisterOutput, WebhookOutput,
};
use store::{CouncilId, Councils};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::services_records::failed;

/// Fees through the payments brick, as test (sandbox) payments: the instance has no live card
/// provider configured, so live keys would reach the sandbox too.
pub struct PaymentsFees {
    payments: Payments,
    /// The public origin, to make the payment's return address absolute.
    public_url: String,
}

impl PaymentsFees {
    /// Over the payments brick; relative return addresses are made absolute with `public_url`.
    pub fn new(payments: Payments, public_url: &str) -> PaymentsFees {
        PaymentsFees { payments, public_url: public_url.trim_end_matches('/').to_string() }
    }

    fn caller(council: CouncilId) -> payments::Caller {
        payments::Caller { council_id: council, key_type: PayKey::Test }
    }

    async fn by_reference(&self, council: CouncilId, reference: &str) -> Result<Option<payments::Payment>, PortError> {
        let search =
            PaymentSearch { reference: Some(reference.to_string()), page: 1, display_size: 1, ..Default::default() };
        let page = self.payments.search(Self::caller(council), &search).await.map_err(failed)?;
        Ok(page.results.into_iter().next())
    }
}

impl FeeCollector for PaymentsFees {
    /// Creates the payment with the application (attempt) as both its reference and idempotency
    /// key, so a repeat returns the same payment; the id the engine keeps is that reference.
    fn start<'a>(&'a self, r: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentStart, PortError>> {
        Box::pin(async move {
            let return_url = if r.return_url.starts_with('/') {
                format!("{}{}", self.public_url, r.return_url)
            } else {
                r.return_url.clone()
            };
            let request = CreatePayment {
                amount: r.pence,
                reference: r.application.clone(),
                description: r.description.clone(),
                return_url: return_url.clone(),
                email: None,
                language: "en".into(),
                delayed_capture: false,
                metadata: None,
                prefilled: None,
            };
            let hash = format!("{}|{}|{}", r.pence, r.description, return_url);
            let (payment, _) = self
                .payments
                .create(Self::caller(r.council), request, Some((&r.application, &hash)))
                .await
                .map_err(failed)?;
            let slug = self.payments.council_slug(r.council).await.map_err(failed)?;
            // Once the citizen has opened the card page its one-time address is spent: send them
            // back to the service, which shows where the payment stands.
            let next_url = match &payment.next_url_token {
                Some(token) => format!("/{slug}/pay/secure/{token}"),
                None => return_url,
            };
            Ok(PaymentStart { payment_id: r.application.clone(), next_url })
        })
    }

    fn state<'a>(&'a self, council: CouncilId, payment_id: &'a str) -> BoxFuture<'a, Result<PaymentState, PortError>> {
        Box::pin(async move {
            let Some(payment) = self.by_reference(council, payment_id).await? else {
                return Err(PortError::Failed(format!("no payment {payment_id}")));
            };
            Ok(match payment.state {
                payments::PaymentState::Success => PaymentState::Paid(payment.amount),
                payments::PaymentState::Failed | payments::PaymentState::Cancelled | payments::PaymentState::Error => {
                    PaymentState::Failed
                }
                _ => PaymentState::Pending,
            })
        })
    }
}

/// The Notify service each council's services send through.
pub const NOTIFY_SERVICE: &str = "Council services";

/// Subject and body of the email templates the shipped definitions name; any other template a
/// definition names is made with [`GENERIC_TEMPLATE`]. Only placeholders every case fills are used.
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "parking-permit-issued",
        "Your parking permit is issued: ((reference))",
        "Your residents' parking permit has been issued.\n\nReference: ((reference))\n\nYou do not need to display a paper permit: wardens check the council's permit register.",
    ),
    (
        "parking-permit-being-checked",
        "We are checking your parking permit application: ((reference))",
        "We could not issue your permit straight away, so a member of staff will check your application.\n\nReference: ((reference))\n\nWhat we need to check:\n\n((reasons))",
    ),
    (
        "parking-permit-needs-caseworker",
        "Parking permit application to check: ((reference))",
        "An application for a residents' parking permit needs a caseworker.\n\nReference: ((reference))\n\nReasons:\n\n((reasons))",
    ),
    (
        "parking-permit-refused",
        "Your parking permit application: ((reference))",
        "We cannot issue your residents' parking permit.\n\nReference: ((reference))\n\nWhy: ((decision_reason))",
    ),
    (
        "bulky-waste-booked",
        "Your bulky waste collection is booked: ((reference))",
        "Your bulky waste collection is booked.\n\nReference: ((reference))",
    ),
    (
        "bulky-waste-crew-sheet",
        "Bulky waste collection: ((reference))",
        "A bulky waste collection has been booked.\n\nReference: ((reference))",
    ),
];

/// The template for a name no shipped definition uses.
const GENERIC_TEMPLATE: (&str, &str) = ("((service)): ((reference))", "((service))\n\nReference: ((reference))");

/// One council's Notify service as this node sends through it.
#[derive(Clone)]
struct CouncilNotify {
    caller: Caller,
    templates: HashMap<String, Uuid>,
}

/// Notifications through each council's "Council services" Notify service, provisioned (with
/// its templates) the first time a council sends; the citizen's address is their account's
/// unless the service asked for one, the council's are its caseworkers'.
pub struct NotifyNotifier {
    notify: Notify,
    identity: Identity,
    councils: Mutex<HashMap<i64, CouncilNotify>>,
}

impl NotifyNotifier {
    /// Over the notifications and identity bricks.
    pub fn new(notify: Notify, identity: Identity) -> NotifyNotifier {
        NotifyNotifier { notify, identity, councils: Mutex::new(HashMap::new()) }
    }

    /// The council's "Council services" service, found or created, the caller of its one
    /// "service engine" live key (made the first time, then reused by every start and node) and
    /// the templates it has.
    async fn open(&self, council: CouncilId) -> Result<CouncilNotify, PortError> {
        let existing = self.notify.services(council).await.map_err(failed)?;
        let service = match existing.into_iter().find(|s| s.name == NOTIFY_SERVICE) {
            Some(s) => Uuid::parse_str(&s.id).map_err(failed)?,
            None => self.notify.create_service(council, NOTIFY_SERVICE).await.map_err(failed)?,
        };
        let caller = self.notify.own_key(council, service, NotifyKey::Live, "service engine").await.map_err(failed)?;
        let mut templates = HashMap::new();
        for t in self.notify.templates(&service.to_string(), Some(TemplateType::Email)).await.map_err(failed)? {
            templates.entry(t.name.clone()).or_insert(Uuid::parse_str(&t.id).map_err(failed)?);
        }
        Ok(CouncilNotify { caller, templates })
    }

    /// The council's service (opened on first use) and the template's id, made when missing.
    async fn connect(&self, council: CouncilId, template: &str) -> Result<(Caller, Uuid), PortError> {
        let mut councils = self.councils.lock().await;
        if let std::collections::hash_map::Entry::Vacant(slot) = councils.entry(council.0) {
            slot.insert(self.open(council).await?);
        }
        let entry = councils.get_mut(&council.0).ok_or_else(|| failed("council lost"))?;
        if let Some(id) = entry.templates.get(template) {
            return Ok((entry.caller.clone(), *id));
        }
        let (subject, body) = TEMPLATES
            .iter()
            .find(|(name, _, _)| *name == template)
            .map(|(_, s, b)| (*s, *b))
            .unwrap_or(GENERIC_TEMPLATE);
        let service = Uuid::parse_str(&entry.caller.service_id).map_err(failed)?;
        let id = self
            .notify
            .create_template(service, TemplateType::Email, template, Some(subject), body)
            .await
            .map_err(failed)?;
        entry.templates.insert(template.to_string(), id);
        Ok((entry.caller.clone(), id))
    }

    /// Provisions a council's service and the templates named now (at start-up, so staff see
    /// them before the first case).
    pub async fn provision(&self, council: CouncilId, templates: &[String]) -> Result<(), PortError> {
        for t in templates {
            self.connect(council, t).await?;
        }
        Ok(())
    }

    async fn recipients(&self, r: &NotificationRequest) -> Result<Vec<String>, PortError> {
        match r.to {
            services::Recipient::Citizen => {
                if let Some(email) = r.email.as_ref().filter(|e| !e.trim().is_empty()) {
                    return Ok(vec![email.clone()]);
                }
                let citizen = self.identity.citizen(&CitizenId(r.citizen.clone())).await.map_err(failed)?;
                Ok(citizen.map(|c| vec![c.email]).unwrap_or_default())
            }
            services::Recipient::Council => {
                let staff = self.identity.staff_of_council(r.council).await.map_err(failed)?;
                let caseworkers: Vec<String> =
                    staff.iter().filter(|s| s.roles.contains(&Role::Caseworker)).map(|s| s.email.clone()).collect();
                if !caseworkers.is_empty() {
                    return Ok(caseworkers);
                }
                Ok(staff.into_iter().filter(|s| s.roles.contains(&Role::Admin)).map(|s| s.email).collect())
            }
        }
    }
}

impl Notifier for NotifyNotifier {
    fn send<'a>(&'a self, r: &'a NotificationRequest) -> BoxFuture<'a, Result<String, PortError>> {
        Box::pin(async move {
            let (caller, template_id) = self.connect(r.council, &r.template).await?;
            let recipients = self.recipients(r).await?;
            if recipients.is_empty() {
                return Err(PortError::Failed(format!("nobody to send {} to", r.template)));
            }
            let mut ids = Vec::new();
            for to in recipients {
                let request = SendRequest {
                    notification_type: TemplateType::Email,
                    template_id,
                    recipient: to,
                    personalisation: r.personalisation.clone(),
                    // The engine's idempotency key, so a repeat delivery can be recognised.
                    reference: Some(r.idempotency_key.clone()),
                };
                ids.push(self.notify.send(&caller, request).await.map_err(failed)?.id);
            }
            Ok(ids.join(","))
        })
    }
}

/// Register entries and webhooks.
pub struct RegisterOutputs {
    registers: Registers,
    councils: Councils,
    http: reqwest::Client,
}

impl RegisterOutputs {
    /// Over the registers brick, calling webhooks with a 10-second timeout.
    pub fn new(registers: Registers, councils: Councils) -> RegisterOutputs {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        RegisterOutputs { registers, councils, http }
    }

    /// Issues a parking permit: one per case reference, its number derived from it, valid a year.
    async fn issue_permit(&self, o: &RegisterOutput, slug: &str) -> Result<OutputReceipt, PortError> {
        let text = |k: &str| o.item.get(k).and_then(Value::as_str).unwrap_or_default().trim().to_string();
        let bad = |what: &str| PortError::Failed(format!("the permit's {what} is not valid"));
        let valid_from = match text("start-date") {
            s if s.is_empty() => time::OffsetDateTime::now_utc().date(),
            s => time::Date::parse(&s, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| bad("start date"))?,
        };
        let valid_to = valid_from.replace_year(valid_from.year() + 1).unwrap_or(valid_from) - time::Duration::days(1);
        let application = parking_registers::PermitApplication {
            reference: o.key.clone(),
            zone: parking_registers::ZoneCode::parse(&text("zone")).map_err(|_| bad("zone"))?,
            vehicle: parking_registers::Registration::parse(&text("vehicle")).map_err(|_| bad("vehicle"))?,
            address: text("address").parse().map_err(|_| bad("address"))?,
            valid_from,
            valid_to,
            price: text("price").parse::<f64>().map(|p| p.round() as u32).unwrap_or(0),
        };
        let issued = parking_registers::issue_permit(&self.registers, o.council, &application).await.map_err(failed)?;
        Ok(OutputReceipt { entry_number: issued.entry_number, link: issued.entry_path(slug) })
    }

    /// Appends any other entry, once per key.
    async fn append_entry(&self, o: &RegisterOutput, slug: &str) -> Result<OutputReceipt, PortError> {
        let owner = match o.owner {
            RegisterOwner::National => Owner::National,
            RegisterOwner::Council => Owner::Council(o.council),
        };
        let name = RegisterName::parse(&o.register).map_err(failed)?;
        let info = self.registers.get(owner, &name).await.map_err(failed)?;
        let base = match owner {
            Owner::National => format!("/registers/{}", o.register),
            Owner::Council(_) => format!("/councils/{slug}/registers/{}", o.register),
        };
        let number = match self.registers.record(&info, &o.key).await {
            Ok(existing) => existing.entry.number,
            Err(registers::RegisterError::UnknownRecord(_)) => {
                let entry = NewEntry::user(o.key.clone(), Value::Object(o.item.clone()));
                *self.registers.append(&info, vec![entry]).await.map_err(failed)?.user_entries.start()
            }
            Err(e) => return Err(failed(e)),
        };
        Ok(OutputReceipt { entry_number: number, link: format!("{base}/entries/{number}") })
    }
}

impl OutputSink for RegisterOutputs {
    fn append<'a>(&'a self, o: &'a RegisterOutput) -> BoxFuture<'a, Result<OutputReceipt, PortError>> {
        Box::pin(async move {
            let slug = council_slug(&self.councils, o.council).await?;
            if o.register == parking_registers::PERMIT_REGISTER && o.owner == RegisterOwner::Council {
                self.issue_permit(o, &slug).await
            } else {
                self.append_entry(o, &slug).await
            }
        })
    }

    /// POSTs the body with its idempotency key; a server error or no answer is retried later,
    /// any other answer is final and recorded on the case.
    fn webhook<'a>(&'a self, o: &'a WebhookOutput) -> BoxFuture<'a, Result<u16, PortError>> {
        Box::pin(async move {
            let response = self
                .http
                .post(&o.url)
                .header("Idempotency-Key", &o.idempotency_key)
                .json(&o.body)
                .send()
                .await
                .map_err(failed)?;
            let status = response.status().as_u16();
            if status >= 500 {
                return Err(PortError::Failed(format!("the webhook answered {status}")));
            }
            Ok(status)
        })
    }
}

/// A council's slug, for links under `/councils/{slug}/…` and `/{slug}/…`.
pub(crate) async fn council_slug(councils: &Councils, id: CouncilId) -> Result<String, PortError> {
    let all = councils.list().await.map_err(failed)?;
    all.into_iter()
        .find(|c| c.id == id)
        .map(|c| c.slug.as_str().to_string())
        .ok_or_else(|| PortError::Failed(format!("no council {}", id.0)))
}

/// Every email template the definitions name.
pub fn templates_of(definitions: &[services::ServiceDefinition]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in definitions {
        for n in &d.notifications {
            if !out.contains(&n.template) {
                out.push(n.template.clone());
            }
        }
    }
    out
}
