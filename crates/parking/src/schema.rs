//! The four registers' names and schemas, and creating them where missing: `vehicle` and `keeper`
//! are national and closed (personal data, read under consent); `parking-zone` is per council and
//! open (zones are public); `parking-permit` is per council and closed (it links a vehicle to a
//! home). A register that exists with other fields (the demo's hand-made `vehicle` register) is
//! brought to these fields by appending the definition again: later system entries win.

use registers::{NewEntry, Owner, RegisterInfo, RegisterName, Registers};
use serde_json::{Value, json};
use store::CouncilId;

use crate::error::Result;

/// The national vehicle register's name.
pub const VEHICLE_REGISTER: &str = "vehicle";
/// The national keeper register's name.
pub const KEEPER_REGISTER: &str = "keeper";
/// Each council's parking zone register's name.
pub const ZONE_REGISTER: &str = "parking-zone";
/// Each council's parking permit register's name.
pub const PERMIT_REGISTER: &str = "parking-permit";

/// One field: name, datatype, cardinality (`1` or `n`), linked register, description.
type FieldSpec = (&'static str, &'static str, &'static str, Option<&'static str>, &'static str);

const VEHICLE_FIELDS: &[FieldSpec] = &[
    ("vehicle", "string", "1", None, "The registration number, capitals without spaces (AB12CDE)."),
    ("make", "string", "1", None, "The manufacturer, as DVLA records it."),
    ("colour", "string", "1", None, "The main colour, as DVLA records it."),
    ("year-of-manufacture", "integer", "1", None, "The year the vehicle was made."),
    ("fuel-type", "string", "1", None, "DVLA's fuel type (PETROL, DIESEL, ELECTRICITY, HYBRID ELECTRIC, ...)."),
    ("co2-emissions", "integer", "1", None, "Carbon dioxide emissions, grams per kilometre."),
    ("tax-status", "string", "1", None, "Taxed, Untaxed, SORN or Not Taxed for on Road Use."),
    ("tax-due-date", "datetime", "1", None, "The day the vehicle tax runs out."),
    ("mot-status", "string", "1", None, "Valid, Not valid or No details held by DVLA."),
    ("mot-expiry-date", "datetime", "1", None, "The day the MOT certificate runs out."),
    ("keeper", "string", "1", Some(KEEPER_REGISTER), "The registered keeper's reference."),
];

const KEEPER_FIELDS: &[FieldSpec] = &[
    ("keeper", "string", "1", None, "An opaque keeper reference (K and 8 to 16 characters): never a name."),
    ("address", "integer", "1", Some("address"), "The UPRN of the address the keeper keeps their vehicles at."),
    ("vehicles", "string", "n", Some(VEHICLE_REGISTER), "The registration numbers of the vehicles kept."),
    ("citizen", "string", "1", None, "The identifier of the citizen account matched to this keeper, if any."),
];

const ZONE_FIELDS: &[FieldSpec] = &[
    ("parking-zone", "string", "1", None, "The zone code shown on signs and permits."),
    ("name", "string", "1", None, "The name residents know the zone by."),
    ("streets", "integer", "n", Some("street"), "USRNs of the streets in the zone."),
    ("areas", "string", "n", Some("area"), "GSS codes of areas wholly in the zone."),
    ("first-permit-price", "integer", "1", None, "The yearly price of an address's first permit, pence."),
    ("further-permit-price", "integer", "1", None, "The yearly price of each further permit at an address, pence."),
    ("zero-emission-price", "integer", "1", None, "The yearly price of a zero-emission vehicle's permit, pence."),
    ("permits-per-address", "integer", "1", None, "Most permits one address may hold."),
    ("start-date", "datetime", "1", None, "When the zone began."),
    ("end-date", "datetime", "1", None, "When the zone was withdrawn."),
];

const PERMIT_FIELDS: &[FieldSpec] = &[
    ("parking-permit", "string", "1", None, "The permit number (PP- and 10 characters)."),
    ("zone", "string", "1", Some(ZONE_REGISTER), "The zone the permit lets the vehicle park in."),
    ("vehicle", "string", "1", Some(VEHICLE_REGISTER), "The registration number of the vehicle."),
    ("address", "integer", "1", Some("address"), "The UPRN of the resident's address."),
    ("start-date", "datetime", "1", None, "The first day the permit is valid."),
    ("end-date", "datetime", "1", None, "The last day the permit is valid."),
    ("status", "string", "1", None, "active or cancelled."),
    ("price", "integer", "1", None, "What was charged, pence."),
    ("application", "string", "1", None, "The reference of the application the permit was issued for."),
];

/// The system entries defining a register.
fn definition(name: &str, title: &str, text: &str, fields: &[FieldSpec]) -> Vec<NewEntry> {
    let mut out = vec![
        NewEntry::system("name", json!({ "name": name })),
        NewEntry::system("register-name", json!({ "register-name": title })),
    ];
    for &(field, datatype, cardinality, link, text) in fields {
        let mut item =
            json!({"field": field, "datatype": datatype, "cardinality": cardinality, "phase": "alpha", "text": text});
        if let (Some(link), Value::Object(m)) = (link, &mut item) {
            m.insert("register".into(), Value::String(link.into()));
        }
        out.push(NewEntry::system(format!("field:{field}"), item));
    }
    let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
    out.push(NewEntry::system(
        format!("register:{name}"),
        json!({"register": name, "fields": names, "text": text, "phase": "alpha", "registry": "guildhall"}),
    ));
    out
}

/// Returns the register, creating it when missing and (re)defining it unless its fields are these.
async fn ensure(
    registers: &Registers,
    owner: Owner,
    name: &str,
    open: bool,
    (title, text): (&str, &str),
    fields: &[FieldSpec],
) -> Result<RegisterInfo> {
    let register_name = RegisterName::parse(name)?;
    let info = match registers.find(owner, &register_name).await? {
        Some(info) => info,
        None => match registers.create(owner, &register_name, open).await {
            Ok(info) => info,
            // Another node created it a moment ago.
            Err(registers::RegisterError::DuplicateRegister(_)) => registers.get(owner, &register_name).await?,
            Err(e) => return Err(e.into()),
        },
    };
    let wanted: Vec<&str> = fields.iter().map(|f| f.0).collect();
    if registers.schema(&info).await?.fields == wanted {
        return Ok(info);
    }
    Ok(registers.append(&info, definition(name, title, text, fields)).await?.register)
}

/// The national vehicle register (closed), created or brought to its fields when needed.
pub async fn ensure_vehicle_register(registers: &Registers) -> Result<RegisterInfo> {
    let about = ("Vehicles", "Every vehicle, keyed by its registration number, with DVLA's enquiry fields");
    ensure(registers, Owner::National, VEHICLE_REGISTER, false, about, VEHICLE_FIELDS).await
}

/// The national keeper register (closed), created or brought to its fields when needed.
pub async fn ensure_keeper_register(registers: &Registers) -> Result<RegisterInfo> {
    let about =
        ("Vehicle keepers", "Registered keepers, keyed by keeper reference, with the address vehicles are kept at");
    ensure(registers, Owner::National, KEEPER_REGISTER, false, about, KEEPER_FIELDS).await
}

/// A council's parking zone register (open), created or brought to its fields when needed.
pub async fn ensure_zone_register(registers: &Registers, council: CouncilId) -> Result<RegisterInfo> {
    let about = (
        "Parking zones",
        "The council's controlled parking zones, the streets and areas they cover, and permit prices",
    );
    ensure(registers, Owner::Council(council), ZONE_REGISTER, true, about, ZONE_FIELDS).await
}

/// A council's parking permit register (closed), created or brought to its fields when needed.
pub async fn ensure_permit_register(registers: &Registers, council: CouncilId) -> Result<RegisterInfo> {
    let about = ("Parking permits", "Residents' parking permits the council has issued, keyed by permit number");
    ensure(registers, Owner::Council(council), PERMIT_REGISTER, false, about, PERMIT_FIELDS).await
}
