//! The service engine's register reads and address look-up over the real bricks. A read about a
//! citizen goes through `consent::Consent::read` (the only way to read a personal register: the
//! grant is checked and the access log written before anything comes back); a register without
//! personal data (a council's parking zones) is read directly, the zone found through parking's
//! `ZoneView`. Addresses come from the address view the look-up API serves. Fees, notifications
//! and outputs live in `services_delivery.rs`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use address_search::{AddressView, Postcode};
use consent::{Consent, ConsentError, RegisterRef, Service};
use parking_registers::ZoneView;
use registers::{Owner, RegisterError, RegisterName, Registers};
use serde_json::{Map, Value};
use services::RegisterOwner;
use services::ports::{Address, AddressBook, BoxFuture, PortError, RecordRead, RecordRequest, RecordSource};
use store::CouncilId;
use tokio::sync::Mutex;

/// A port error from any brick's error.
pub(crate) fn failed(e: impl std::fmt::Display) -> PortError {
    PortError::Failed(e.to_string())
}

fn owner(o: RegisterOwner, council: CouncilId) -> Owner {
    match o {
        RegisterOwner::National => Owner::National,
        RegisterOwner::Council => Owner::Council(council),
    }
}

/// Register reads for checks: under consent when the check names a purpose, directly otherwise.
pub struct ConsentRecords {
    consent: Consent,
    registers: Registers,
    /// Each council's zone view, caught up with its register before every read.
    zones: Mutex<HashMap<i64, ZoneView>>,
}

impl ConsentRecords {
    /// Reads through `consent` (personal registers) and `registers` (the others).
    pub fn new(consent: Consent, registers: Registers) -> ConsentRecords {
        ConsentRecords { consent, registers, zones: Mutex::new(HashMap::new()) }
    }

    /// The citizen's grant to this service that covers the register: the newest live one, else
    /// the newest of any state (so that reading through it is refused and logged as refused).
    async fn grant_for(
        &self,
        service: &Service,
        citizen: &str,
        register: &RegisterRef,
    ) -> Result<Option<consent::Grant>, PortError> {
        let grants = self.consent.grants_of(citizen).await.map_err(failed)?;
        let mine = grants
            .into_iter()
            .filter(|g| g.service.council_id == service.council_id && g.service.slug == service.slug)
            .filter(|g| g.scope_for(register).is_some());
        let (live, other): (Vec<_>, Vec<_>) = mine.partition(|g| g.is_live());
        let newest = |list: Vec<consent::Grant>| list.into_iter().max_by_key(|g| g.requested_at);
        Ok(newest(live).or_else(|| newest(other)))
    }

    async fn read_under_consent(&self, r: &RecordRequest) -> Result<Option<RecordRead>, PortError> {
        let register = match r.owner {
            RegisterOwner::National => RegisterRef::national(&r.register),
            RegisterOwner::Council => RegisterRef::council(r.council, &r.register),
        }
        .map_err(failed)?;
        if r.by.is_some() {
            return Err(PortError::Failed(format!(
                "register {} cannot be searched by field under consent",
                r.register
            )));
        }
        let service = Service::new(r.council, &r.service, &r.service_name);
        let grant = self.grant_for(&service, &r.citizen, &register).await?;
        let fields: Vec<&str> = r.fields.iter().map(String::as_str).collect();
        // The vehicle register is keyed by registration numbers in one form (`EX23MNO`); a
        // citizen may type `ex23 mno`.
        let key = match r.register.as_str() {
            parking_registers::VEHICLE_REGISTER => parking_registers::Registration::parse(&r.key)
                .map(|reg| reg.as_str().to_string())
                .unwrap_or_else(|_| r.key.clone()),
            _ => r.key.clone(),
        };
        match self.consent.read_with_grant(&service, grant.as_ref(), &r.citizen, &register, &key, &fields).await {
            Ok(read) => Ok(Some(RecordRead {
                key: read.key,
                entry_number: read.entry_number,
                fields: read.fields.into_iter().collect(),
                access_log_id: Some(read.log_id),
            })),
            // No such record: the check fails with its reason (the refused read is in the log).
            Err(ConsentError::NotFound(_)) => Ok(None),
            Err(e) if e.is_refusal() => Err(PortError::NoConsent { register: r.register.clone() }),
            Err(e) => Err(failed(e)),
        }
    }

    /// The zone whose streets hold the USRN, from the council's zone view.
    async fn zone_by_street(&self, council: CouncilId, usrn: &str) -> Result<Option<String>, PortError> {
        let Ok(usrn) = addresses::Usrn::from_str(usrn.trim()) else { return Ok(None) };
        let mut zones = self.zones.lock().await;
        let view = zones.entry(council.0).or_insert_with(|| ZoneView::new(council));
        view.catch_up(&self.registers).await.map_err(failed)?;
        Ok(view.zone_for(Some(usrn), &[]).map(|(zone, _)| zone.key()))
    }

    async fn read_open(&self, r: &RecordRequest) -> Result<Option<RecordRead>, PortError> {
        let owner = owner(r.owner, r.council);
        let name = RegisterName::parse(&r.register).map_err(failed)?;
        let Some(info) = self.registers.find(owner, &name).await.map_err(failed)? else { return Ok(None) };
        // A closed register holds personal data: a check without a purpose never reads one.
        if !info.open {
            return Err(PortError::NoConsent { register: r.register.clone() });
        }
        let key = match r.by.as_deref() {
            None => Some(r.key.clone()),
            Some("streets") if r.register == parking_registers::ZONE_REGISTER && owner != Owner::National => {
                self.zone_by_street(r.council, &r.key).await?
            }
            Some(field) => self.find_by_field(&info, field, &r.key).await?,
        };
        let Some(key) = key else { return Ok(None) };
        let record = match self.registers.record(&info, &key).await {
            Ok(record) => record,
            Err(RegisterError::UnknownRecord(_)) => return Ok(None),
            Err(e) => return Err(failed(e)),
        };
        let all = record.items.first().map(|i| i.value()).and_then(|v| v.as_object().cloned()).unwrap_or_default();
        let fields: Map<String, Value> =
            r.fields.iter().filter_map(|f| all.get(f).map(|v| (f.clone(), v.clone()))).collect();
        Ok(Some(RecordRead { key, entry_number: record.entry.number, fields, access_log_id: None }))
    }

    /// The key of the first record whose field holds (or lists) the value; a scan, for small
    /// open registers without a view of their own.
    async fn find_by_field(
        &self,
        info: &registers::RegisterInfo,
        field: &str,
        value: &str,
    ) -> Result<Option<String>, PortError> {
        const PAGE: u64 = 1000;
        let mut offset = 0;
        loop {
            let page = self.registers.records(info, offset, PAGE).await.map_err(failed)?;
            for record in &page {
                let item = record.items.first().map(|i| i.value()).unwrap_or(Value::Null);
                let holds = match item.get(field) {
                    Some(Value::String(s)) => s.split(';').any(|p| p.trim() == value),
                    Some(Value::Array(list)) => list.iter().any(|v| v.as_str() == Some(value)),
                    _ => false,
                };
                if holds {
                    return Ok(Some(record.entry.key.clone()));
                }
            }
            if (page.len() as u64) < PAGE {
                return Ok(None);
            }
            offset += PAGE;
        }
    }
}

impl RecordSource for ConsentRecords {
    fn read<'a>(&'a self, request: &'a RecordRequest) -> BoxFuture<'a, Result<Option<RecordRead>, PortError>> {
        Box::pin(async move {
            if request.purpose.is_some() {
                self.read_under_consent(request).await
            } else {
                self.read_open(request).await
            }
        })
    }
}

/// Addresses in a postcode, from the address view (UPRN and label) and the address register
/// (each address's USRN, which the view does not hold).
pub struct ViewAddressBook {
    view: Arc<AddressView>,
    registers: Registers,
}

impl ViewAddressBook {
    /// Over the look-up API's address view.
    pub fn new(view: Arc<AddressView>, registers: Registers) -> ViewAddressBook {
        ViewAddressBook { view, registers }
    }
}

impl AddressBook for ViewAddressBook {
    fn in_postcode<'a>(
        &'a self,
        _council: CouncilId,
        postcode: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Address>, PortError>> {
        Box::pin(async move {
            let Ok(parsed) = Postcode::parse(postcode) else { return Ok(Vec::new()) };
            let mut out = Vec::new();
            for found in self.view.by_postcode(&parsed) {
                let uprn = addresses::Uprn::new(found.uprn).map_err(failed)?;
                let usrn = match parking_registers::read_address(&self.registers, uprn).await {
                    Ok(a) => a.usrn.map(|u| u.get().to_string()).unwrap_or_default(),
                    Err(parking_registers::ParkingError::UnknownAddress(_)) => continue,
                    Err(e) => return Err(failed(e)),
                };
                out.push(Address {
                    uprn: found.uprn.to_string(),
                    usrn,
                    text: found.single_line(),
                    postcode: postcode.to_string(),
                });
            }
            Ok(out)
        })
    }
}
