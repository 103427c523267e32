//! Issuing a residents' parking permit: one append to the council's `parking-permit` register per
//! application reference, however many times (and from however many nodes) it is asked. The
//! permit number is derived from the council and the reference, a claim row taken before the
//! append stops two requests appending at once, and a repeat returns the first issue's entry.

use std::time::Duration;

use addresses::Uprn;
use registers::{ItemHash, NewEntry, Owner, RegisterError, RegisterInfo, RegisterName, Registers};
use store::{CouncilId, now_timestamp};
use time::Date;
use time::format_description::well_known::Rfc3339;

use crate::error::{ParkingError, Result};
use crate::permit::{Permit, PermitNumber, PermitStatus};
use crate::registration::Registration;
use crate::schema::{ZONE_REGISTER, ensure_permit_register};
use crate::zone::{Zone, ZoneCode};
use crate::zone_view::read_address;

/// A claim older than this with no permit behind it is from a request that died; it may be taken over.
const STALE_CLAIM: time::Duration = time::Duration::seconds(30);
/// How long a repeat waits for a concurrent issue of the same application to finish.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(5);

/// What the service engine asks for, once its checks have passed and the fee is paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermitApplication {
    /// The application's reference: the idempotency key (1 to 100 printable characters).
    pub reference: String,
    /// The zone the address is in.
    pub zone: ZoneCode,
    /// The vehicle.
    pub vehicle: Registration,
    /// The resident's address.
    pub address: Uprn,
    /// First day valid.
    pub valid_from: Date,
    /// Last day valid.
    pub valid_to: Date,
    /// What was charged, pence.
    pub price: u32,
}

/// A permit on the register, with what a citizen needs to verify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPermit {
    /// The permit as issued.
    pub permit: Permit,
    /// The user entry that issued it.
    pub entry_number: u64,
    /// The SHA-256 of its item.
    pub item_hash: ItemHash,
    /// False when this call found the permit issued already (a repeat).
    pub newly_issued: bool,
}

impl IssuedPermit {
    /// Path of the RFC 9162 inclusion proof of the issuing entry in the tree of that size, under
    /// the register API (`/councils/{slug}/registers/...`): it stays valid for ever.
    pub fn proof_path(&self, council_slug: &str) -> String {
        let n = self.entry_number;
        format!("/councils/{council_slug}/registers/parking-permit/proof/entry/{n}/{n}/merkle:sha-256")
    }

    /// Path of the issuing entry under the register API.
    pub fn entry_path(&self, council_slug: &str) -> String {
        format!("/councils/{council_slug}/registers/parking-permit/entries/{}", self.entry_number)
    }
}

/// Issues the permit for an application exactly once; a repeat (or a concurrent request for the
/// same reference) returns the permit issued the first time. Refused, writing nothing, when the
/// reference or dates are malformed, the zone is not a current zone of the council, or the
/// address is not in the address register.
pub async fn issue_permit(
    registers: &Registers,
    council: CouncilId,
    application: &PermitApplication,
) -> Result<IssuedPermit> {
    check_application(application)?;
    let number = PermitNumber::for_application(council, &application.reference);
    let register = ensure_permit_register(registers, council).await?;
    if let Some(done) = issued(registers, &register, &number, &application.reference).await? {
        return Ok(done);
    }
    check_zone(registers, council, &application.zone).await?;
    read_address(registers, application.address).await?;
    if let Some(done) = claim(registers, council, application, &number, &register).await? {
        return Ok(done);
    }
    let permit = Permit {
        number: number.clone(),
        zone: application.zone.clone(),
        vehicle: application.vehicle.clone(),
        address: application.address,
        valid_from: application.valid_from,
        valid_to: application.valid_to,
        status: PermitStatus::Active,
        price: application.price,
        application: application.reference.clone(),
    };
    let item = permit.to_item();
    let appended = async {
        let register = ensure_permit_register(registers, council).await?;
        let receipt = registers.append(&register, vec![NewEntry::user(permit.key(), item.clone())]).await?;
        let hash = registers::Item::from_value(&item).map_err(|e| RegisterError::InvalidEntry(e.to_string()))?.hash();
        Ok::<_, ParkingError>((*receipt.user_entries.start(), hash))
    }
    .await;
    match appended {
        Ok((entry_number, item_hash)) => Ok(IssuedPermit { permit, entry_number, item_hash, newly_issued: true }),
        Err(e) => {
            release(registers, council, &application.reference).await?;
            Err(e)
        }
    }
}

fn check_application(a: &PermitApplication) -> Result<()> {
    let invalid = |field: &str, problem: &str| ParkingError::InvalidField {
        register: crate::schema::PERMIT_REGISTER,
        field: field.to_string(),
        problem: problem.to_string(),
    };
    let r = &a.reference;
    if r.is_empty() || r.chars().count() > 100 || r.chars().any(char::is_control) || r.trim() != r {
        return Err(invalid("application", "the reference must be 1 to 100 printable characters"));
    }
    if a.valid_to < a.valid_from {
        return Err(invalid("end-date", "the permit cannot end before it starts"));
    }
    Ok(())
}

async fn check_zone(registers: &Registers, council: CouncilId, code: &ZoneCode) -> Result<()> {
    let unknown = || ParkingError::UnknownZone(code.to_string());
    let name = RegisterName::parse(ZONE_REGISTER)?;
    let info = registers.find(Owner::Council(council), &name).await?.ok_or_else(unknown)?;
    let record = match registers.record(&info, code.as_str()).await {
        Ok(r) => r,
        Err(RegisterError::UnknownRecord(_)) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    let zone = Zone::from_item(&record.items.first().ok_or_else(unknown)?.value())?;
    if zone.end_date.is_some() { Err(unknown()) } else { Ok(()) }
}

/// The permit's first entry, when it has been issued; a number held by another application is refused.
async fn issued(
    registers: &Registers,
    register: &RegisterInfo,
    number: &PermitNumber,
    reference: &str,
) -> Result<Option<IssuedPermit>> {
    let entries = match registers.record_entries(register, number.as_str()).await {
        Ok(e) => e,
        Err(RegisterError::UnknownRecord(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let first = &entries[0];
    let hash = *first
        .item_hashes
        .first()
        .ok_or_else(|| RegisterError::Corrupt(format!("permit entry {} has no item", first.number)))?;
    let permit = Permit::from_item(&registers.item(register, &hash).await?.value())?;
    if permit.application != reference {
        return Err(ParkingError::PermitNumberTaken { number: number.to_string(), other: permit.application });
    }
    Ok(Some(IssuedPermit { permit, entry_number: first.number, item_hash: hash, newly_issued: false }))
}

/// Takes the claim on an application (`None`: go ahead and append); when another request holds
/// it, waits for that request's permit and returns it, takes over a stale claim, or says the
/// issue is still in progress.
async fn claim(
    registers: &Registers,
    council: CouncilId,
    application: &PermitApplication,
    number: &PermitNumber,
    register: &RegisterInfo,
) -> Result<Option<IssuedPermit>> {
    let pool = registers.store().pool();
    let started = std::time::Instant::now();
    loop {
        let inserted = sqlx::query(
            "INSERT INTO parking_permit_claims (council_id, application_ref, permit_number, claimed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (council_id, application_ref) DO NOTHING",
        )
        .bind(council.0)
        .bind(&application.reference)
        .bind(number.as_str())
        .bind(now_timestamp())
        .execute(pool)
        .await?;
        // Claims of issued permits are kept, so holding the claim means no permit was issued
        // unless a stale claim was taken over just as its request finished: look once more.
        let done = issued(registers, register, number, &application.reference).await?;
        if inserted.rows_affected() == 1 || done.is_some() {
            return Ok(done);
        }
        let claimed_at: Option<String> = sqlx::query_scalar(
            "SELECT claimed_at FROM parking_permit_claims WHERE council_id = $1 AND application_ref = $2",
        )
        .bind(council.0)
        .bind(&application.reference)
        .fetch_optional(pool)
        .await?;
        let stale = claimed_at
            .as_deref()
            .and_then(|t| time::OffsetDateTime::parse(t, &Rfc3339).ok())
            .is_some_and(|t| time::OffsetDateTime::now_utc() - t > STALE_CLAIM);
        if stale {
            sqlx::query(
                "DELETE FROM parking_permit_claims WHERE council_id = $1 AND application_ref = $2 AND claimed_at = $3",
            )
            .bind(council.0)
            .bind(&application.reference)
            .bind(claimed_at)
            .execute(pool)
            .await?;
            continue;
        }
        if started.elapsed() > WAIT_FOR_OTHER {
            return Err(ParkingError::IssueInProgress(application.reference.clone()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn release(registers: &Registers, council: CouncilId, reference: &str) -> Result<()> {
    sqlx::query("DELETE FROM parking_permit_claims WHERE council_id = $1 AND application_ref = $2")
        .bind(council.0)
        .bind(reference)
        .execute(registers.store().pool())
        .await?;
    Ok(())
}
