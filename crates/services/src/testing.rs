//! Implementations of the engine's ports for tests and local trials: register reads, address
//! look-up and register outputs over a real `registers` store; fees, notifications and webhooks
//! recorded in memory where a test can look (and pay). Not for production: the binary wires the
//! ports to consent, addresses, payments and notifications.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use registers::{NewEntry, Owner, RegisterName, Registers};
use serde_json::{Map, Value};
use store::CouncilId;

use crate::definition::RegisterOwner;
use crate::ports::*;

fn owner(o: RegisterOwner, council: CouncilId) -> Owner {
    match o {
        RegisterOwner::National => Owner::National,
        RegisterOwner::Council => Owner::Council(council),
    }
}

fn failed(e: impl std::fmt::Display) -> PortError {
    PortError::Failed(e.to_string())
}

fn item_fields(record: &registers::Record) -> Map<String, Value> {
    record.items.first().map(|i| i.value()).and_then(|v| v.as_object().cloned()).unwrap_or_default()
}

/// Reads records from a real registers store. Reads that need consent are refused until
/// [`RegistersRecordSource::consent`] records the citizen's consent to that register.
#[derive(Clone)]
pub struct RegistersRecordSource {
    registers: Registers,
    consents: Arc<Mutex<HashSet<(String, String)>>>,
    /// Every read made, for tests to assert on.
    pub reads: Arc<Mutex<Vec<RecordRequest>>>,
}

impl RegistersRecordSource {
    /// Over a registers brick.
    pub fn new(registers: Registers) -> RegistersRecordSource {
        RegistersRecordSource { registers, consents: Arc::default(), reads: Arc::default() }
    }

    /// Records that `citizen` consented to reads of `register`.
    pub fn consent(&self, citizen: &str, register: &str) {
        if let Ok(mut c) = self.consents.lock() {
            c.insert((citizen.to_string(), register.to_string()));
        }
    }
}

impl RecordSource for RegistersRecordSource {
    fn read<'a>(&'a self, r: &'a RecordRequest) -> BoxFuture<'a, Result<Option<RecordRead>, PortError>> {
        Box::pin(async move {
            if r.purpose.is_some() {
                let ok = self.consents.lock().map_err(failed)?.contains(&(r.citizen.clone(), r.register.clone()));
                if !ok {
                    return Err(PortError::NoConsent { register: r.register.clone() });
                }
            }
            self.reads.lock().map_err(failed)?.push(r.clone());
            let name = RegisterName::parse(&r.register).map_err(failed)?;
            let Some(info) = self.registers.find(owner(r.owner, r.council), &name).await.map_err(failed)? else {
                return Ok(None);
            };
            let record = match &r.by {
                None => match self.registers.record(&info, &r.key).await {
                    Ok(rec) => Some(rec),
                    Err(registers::RegisterError::UnknownRecord(_)) => None,
                    Err(e) => return Err(failed(e)),
                },
                Some(field) => {
                    let all = self.registers.records(&info, 0, 10_000).await.map_err(failed)?;
                    all.into_iter().find(|rec| match item_fields(rec).get(field) {
                        Some(Value::String(s)) => s == &r.key || s.split(';').any(|p| p.trim() == r.key),
                        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(r.key.as_str())),
                        _ => false,
                    })
                }
            };
            Ok(record.map(|rec| {
                let all = item_fields(&rec);
                let fields = r.fields.iter().filter_map(|f| all.get(f).map(|v| (f.clone(), v.clone()))).collect();
                RecordRead { key: rec.entry.key.clone(), entry_number: rec.entry.number, fields, access_log_id: None }
            }))
        })
    }
}

impl RegistersRecordSource {
    /// Whether `citizen` consented to reads of `register`.
    pub fn has_consent(&self, citizen: &str, register: &str) -> bool {
        self.consents.lock().map(|c| c.contains(&(citizen.to_string(), register.to_string()))).unwrap_or(false)
    }
}

/// The path of [`grant_router`]'s page that records consent and returns.
pub const TEST_CONSENT_PATH: &str = "/testing/consent";

/// A [`ConsentPrompt`] over a [`RegistersRecordSource`]'s consent set: when a read lacks
/// consent it sends the citizen to [`grant_router`]'s page, which records it and returns.
#[derive(Clone)]
pub struct RecordSourceConsent {
    records: RegistersRecordSource,
    /// Every ask made, for tests to assert on.
    pub asks: Arc<Mutex<Vec<ConsentAsk>>>,
}

impl RecordSourceConsent {
    /// Over the record source whose consent set the engine's reads check.
    pub fn new(records: RegistersRecordSource) -> RecordSourceConsent {
        RecordSourceConsent { records, asks: Arc::default() }
    }
}

impl ConsentPrompt for RecordSourceConsent {
    fn ask<'a>(&'a self, request: &'a ConsentAsk) -> BoxFuture<'a, Result<Option<String>, PortError>> {
        Box::pin(async move {
            self.asks.lock().map_err(failed)?.push(request.clone());
            let missing: Vec<&str> = request
                .reads
                .iter()
                .filter(|r| !self.records.has_consent(&request.citizen, &r.register))
                .map(|r| r.register.as_str())
                .collect();
            if missing.is_empty() {
                return Ok(None);
            }
            Ok(Some(format!(
                "{TEST_CONSENT_PATH}?citizen={}&registers={}&return_to={}",
                urlencoding::encode(&request.citizen),
                urlencoding::encode(&missing.join(",")),
                urlencoding::encode(&request.return_to)
            )))
        })
    }
}

/// Stands in for the consent brick's request page in tests: `GET /testing/consent?citizen=&
/// registers=a,b&return_to=` records the consent and redirects to `return_to`.
pub fn grant_router(records: RegistersRecordSource) -> axum::Router {
    use axum::extract::Query;
    use axum::response::Redirect;
    let grant = move |Query(q): Query<HashMap<String, String>>| {
        let records = records.clone();
        async move {
            let citizen = q.get("citizen").cloned().unwrap_or_default();
            for register in q.get("registers").map(|r| r.split(',').collect::<Vec<_>>()).unwrap_or_default() {
                records.consent(&citizen, register);
            }
            let back = q.get("return_to").filter(|r| r.starts_with('/')).cloned().unwrap_or_else(|| "/".into());
            Redirect::to(&back)
        }
    };
    axum::Router::new().route(TEST_CONSENT_PATH, axum::routing::get(grant))
}

/// Addresses from a register named `address` (national) whose items carry `address` (UPRN),
/// `street` (USRN), `name` and `postcode`.
#[derive(Clone)]
pub struct RegisterAddressBook {
    registers: Registers,
}

impl RegisterAddressBook {
    /// Over a registers brick.
    pub fn new(registers: Registers) -> RegisterAddressBook {
        RegisterAddressBook { registers }
    }
}

impl AddressBook for RegisterAddressBook {
    fn in_postcode<'a>(
        &'a self,
        _council: CouncilId,
        postcode: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Address>, PortError>> {
        Box::pin(async move {
            let name = RegisterName::parse("address").map_err(failed)?;
            let Some(info) = self.registers.find(Owner::National, &name).await.map_err(failed)? else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            for rec in self.registers.records(&info, 0, 10_000).await.map_err(failed)? {
                let f = item_fields(&rec);
                let text = |k: &str| f.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                if crate::answers::normalise_postcode(&text("postcode")).as_deref() == Some(postcode) {
                    out.push(Address {
                        uprn: text("address"),
                        usrn: text("street"),
                        text: text("name"),
                        postcode: postcode.to_string(),
                    });
                }
            }
            Ok(out)
        })
    }
}

/// A ledger of payments in memory; a test pays (or fails) one with [`MemoryFees::settle`].
#[derive(Clone, Default)]
pub struct MemoryFees {
    payments: Arc<Mutex<HashMap<String, (PaymentRequest, PaymentState)>>>,
}

impl MemoryFees {
    /// Settles a payment as a card payment page would.
    pub fn settle(&self, payment_id: &str, paid: bool) {
        if let Ok(mut p) = self.payments.lock()
            && let Some((req, state)) = p.get_mut(payment_id)
        {
            *state = if paid { PaymentState::Paid(req.pence) } else { PaymentState::Failed };
        }
    }

    /// How many payments were started.
    pub fn count(&self) -> usize {
        self.payments.lock().map(|p| p.len()).unwrap_or(0)
    }
}

impl FeeCollector for MemoryFees {
    fn start<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentStart, PortError>> {
        Box::pin(async move {
            let id = format!("pay-{}", request.application);
            self.payments
                .lock()
                .map_err(failed)?
                .entry(id.clone())
                .or_insert_with(|| (request.clone(), PaymentState::Pending));
            Ok(PaymentStart { next_url: format!("/pay/{id}"), payment_id: id })
        })
    }

    fn state<'a>(&'a self, council: CouncilId, payment_id: &'a str) -> BoxFuture<'a, Result<PaymentState, PortError>> {
        Box::pin(async move {
            let p = self.payments.lock().map_err(failed)?;
            match p.get(payment_id) {
                Some((req, state)) if req.council == council => Ok(*state),
                _ => Err(PortError::Failed(format!("no payment {payment_id}"))),
            }
        })
    }
}

/// Notifications and webhook calls kept in memory, de-duplicated by idempotency key as the
/// real receivers do.
#[derive(Clone, Default)]
pub struct MemoryOutbox {
    /// Notifications sent, in order.
    pub notifications: Arc<Mutex<Vec<NotificationRequest>>>,
    /// Webhook calls made, in order.
    pub webhooks: Arc<Mutex<Vec<WebhookOutput>>>,
    /// While true, every send fails (to test retries).
    pub failing: Arc<Mutex<bool>>,
}

impl Notifier for MemoryOutbox {
    fn send<'a>(&'a self, request: &'a NotificationRequest) -> BoxFuture<'a, Result<String, PortError>> {
        Box::pin(async move {
            if *self.failing.lock().map_err(failed)? {
                return Err(PortError::Failed("notifications are down".into()));
            }
            let mut sent = self.notifications.lock().map_err(failed)?;
            if !sent.iter().any(|n| n.idempotency_key == request.idempotency_key) {
                sent.push(request.clone());
            }
            Ok(request.idempotency_key.clone())
        })
    }
}

/// Register outputs appended to a real registers store (once per key), webhooks to a [`MemoryOutbox`].
#[derive(Clone)]
pub struct RegistersOutputs {
    registers: Registers,
    webhooks: MemoryOutbox,
}

impl RegistersOutputs {
    /// Over a registers brick, recording webhooks in `webhooks`.
    pub fn new(registers: Registers, webhooks: MemoryOutbox) -> RegistersOutputs {
        RegistersOutputs { registers, webhooks }
    }
}

impl OutputSink for RegistersOutputs {
    fn append<'a>(&'a self, o: &'a RegisterOutput) -> BoxFuture<'a, Result<OutputReceipt, PortError>> {
        Box::pin(async move {
            let name = RegisterName::parse(&o.register).map_err(failed)?;
            let info = self.registers.get(owner(o.owner, o.council), &name).await.map_err(failed)?;
            if let Ok(existing) = self.registers.record(&info, &o.key).await {
                return Ok(OutputReceipt {
                    entry_number: existing.entry.number,
                    link: format!("/registers/{}/entries/{}", o.register, existing.entry.number),
                });
            }
            let receipt = self
                .registers
                .append(&info, vec![NewEntry::user(o.key.clone(), Value::Object(o.item.clone()))])
                .await
                .map_err(failed)?;
            let n = *receipt.user_entries.start();
            Ok(OutputReceipt { entry_number: n, link: format!("/registers/{}/entries/{n}", o.register) })
        })
    }

    fn webhook<'a>(&'a self, o: &'a WebhookOutput) -> BoxFuture<'a, Result<u16, PortError>> {
        Box::pin(async move {
            let mut calls = self.webhooks.webhooks.lock().map_err(failed)?;
            if !calls.iter().any(|c| c.idempotency_key == o.idempotency_key) {
                calls.push(o.clone());
            }
            Ok(200)
        })
    }
}
