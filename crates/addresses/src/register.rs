//! The `address` and `street` registers' schemas, and creating them (national, open) when missing.

use registers::{NewEntry, Owner, RegisterInfo, RegisterName, Registers};
use serde_json::{Value, json};

use crate::address::FIELDS;
use crate::error::AddressError;

/// The name of the national address register.
pub const ADDRESS_REGISTER: &str = "address";
/// The name of the national street register.
pub const STREET_REGISTER: &str = "street";

/// The datatype and description of one field of either register.
fn field_def(name: &str) -> (&'static str, Option<&'static str>, &'static str) {
    match name {
        "address" => ("integer", Some("address"), "The Unique Property Reference Number (UPRN) of an address."),
        "street" => ("string", None, "The name of the street an address is on; in the street register, its USRN."),
        "usrn" => ("integer", Some("street"), "The Unique Street Reference Number of the street."),
        "name" => ("string", None, "The commonly-used name of a record."),
        "locality" => ("string", None, "The village, suburb or area of a town, if any."),
        "town" => ("string", None, "The post town."),
        "postcode" => ("string", None, "The postcode, as printed."),
        "easting" | "northing" => ("decimal", None, "British National Grid (EPSG:27700) coordinate, metres."),
        "latitude" | "longitude" => ("decimal", None, "WGS84 (EPSG:4326) coordinate, degrees."),
        "start-date" => ("datetime", None, "The date a record first became relevant to a register."),
        "end-date" => ("datetime", None, "The date a record stopped being relevant to a register."),
        f if f.ends_with("-number") => ("integer", None, "A BS 7666 addressable object number."),
        f if f.ends_with("-suffix") => ("string", None, "The letter after a BS 7666 addressable object number."),
        _ => ("string", None, "A BS 7666 addressable object name."),
    }
}

/// The system entries defining a register with these fields.
fn definition(register: &str, title: &str, text: &str, fields: &[&str]) -> Vec<NewEntry> {
    let mut out = vec![
        NewEntry::system("name", json!({ "name": register })),
        NewEntry::system("register-name", json!({ "register-name": title })),
    ];
    for f in fields {
        let (datatype, link, text) = field_def(if *f == register { register } else { f });
        let (datatype, link) =
            if *f == "street" && register == STREET_REGISTER { ("string", None) } else { (datatype, link) };
        let mut item = json!({"field": f, "datatype": datatype, "cardinality": "1", "phase": "alpha", "text": text});
        if let (Some(l), Value::Object(m)) = (link, &mut item) {
            m.insert("register".into(), Value::String(l.into()));
        }
        out.push(NewEntry::system(format!("field:{f}"), item));
    }
    out.push(NewEntry::system(
        format!("register:{register}"),
        json!({"register": register, "fields": fields, "text": text, "phase": "alpha", "registry": "guildhall"}),
    ));
    out
}

/// The fields of the street register.
pub(crate) const STREET_FIELDS: [&str; 7] = ["street", "name", "locality", "town", "usrn", "start-date", "end-date"];

/// Returns the national address register, creating and defining it if missing (or defining it if it
/// exists with no fields yet).
pub async fn ensure_address_register(registers: &Registers) -> Result<RegisterInfo, AddressError> {
    ensure(
        registers,
        ADDRESS_REGISTER,
        definition(
            ADDRESS_REGISTER,
            "Addresses",
            "Every address, keyed by its UPRN (BS 7666 / AddressBase terms)",
            &FIELDS,
        ),
    )
    .await
}

/// Returns the national street register, creating and defining it if missing (or defining it if it
/// exists with no fields yet).
pub async fn ensure_street_register(registers: &Registers) -> Result<RegisterInfo, AddressError> {
    ensure(
        registers,
        STREET_REGISTER,
        definition(STREET_REGISTER, "Streets", "Every street, keyed by its USRN", &STREET_FIELDS),
    )
    .await
}

async fn ensure(registers: &Registers, name: &str, definition: Vec<NewEntry>) -> Result<RegisterInfo, AddressError> {
    let register_name = RegisterName::parse(name)?;
    let info = match registers.find(Owner::National, &register_name).await? {
        Some(info) => info,
        None => registers.create(Owner::National, &register_name, true).await?,
    };
    if registers.schema(&info).await?.is_defined() {
        return Ok(info);
    }
    Ok(registers.append(&info, definition).await?.register)
}
