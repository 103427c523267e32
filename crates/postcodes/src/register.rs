//! The national postcode register: its name, field definitions, and the item every entry holds.
//!
//! Keys are the postcode's compact form (`SW1A1AA`): register keys cannot hold spaces, and the
//! compact form is unambiguous ([`crate::Postcode::parse`] restores `SW1A 1AA`). Fields follow OS
//! Code-Point Open's columns; GSS codes are kept as given, and empty codes are left out.

use registers::{NewEntry, Owner, RegisterError, RegisterInfo, RegisterName, Registers};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The register's name, owned nationally (one for the whole instance).
pub const POSTCODE_REGISTER: &str = "postcode";

/// The register's name as a [`RegisterName`].
pub fn register_name() -> RegisterName {
    // A constant lower-case name always parses.
    RegisterName::parse(POSTCODE_REGISTER).unwrap_or_else(|_| unreachable!("\"postcode\" is a valid register name"))
}

/// One postcode's item, exactly as stored in the register (every value a string, JSON-wise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PostcodeItem {
    /// Compact postcode, the record key (`SW1A1AA`).
    pub postcode: String,
    /// Code-Point positional quality: 10 best (within the building), 90 no coordinates.
    pub positional_quality: String,
    /// OSGB36 easting in metres (EPSG:27700); absent when there are no coordinates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub easting: Option<String>,
    /// OSGB36 northing in metres (EPSG:27700).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub northing: Option<String>,
    /// WGS84 latitude in decimal degrees, 6 places (EPSG:4326, through OSTN15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<String>,
    /// WGS84 longitude in decimal degrees, 6 places.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<String>,
    /// GSS code of the country (E92000001 England, S92000003 Scotland, W92000004 Wales).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// GSS code of the county (two-tier areas only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    /// GSS code of the district, unitary authority or council area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// GSS code of the electoral ward or division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward: Option<String>,
}

impl PostcodeItem {
    /// The item as the JSON value an entry carries.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The system entries that define the register: its name, fields and metadata.
pub fn definition() -> Vec<NewEntry> {
    let field = |name: &str, datatype: &str, text: &str| {
        NewEntry::system(
            format!("field:{name}"),
            json!({"field": name, "datatype": datatype, "cardinality": "1", "phase": "alpha", "text": text}),
        )
    };
    let fields = [
        ("postcode", "string", "A UK postcode in compact form, such as SW1A1AA."),
        (
            "positional-quality",
            "integer",
            "OS Code-Point positional quality: 10 within the building, 20 and 30 approximate, 40 to 60 estimated, 90 no coordinates.",
        ),
        ("easting", "integer", "OSGB36 British National Grid easting in metres (EPSG:27700)."),
        ("northing", "integer", "OSGB36 British National Grid northing in metres (EPSG:27700)."),
        (
            "latitude",
            "string",
            "WGS84 latitude in decimal degrees (EPSG:4326), from the grid point through OS's OSTN15.",
        ),
        (
            "longitude",
            "string",
            "WGS84 longitude in decimal degrees (EPSG:4326), from the grid point through OS's OSTN15.",
        ),
        ("country", "string", "GSS code of the country the postcode is in."),
        ("county", "string", "GSS code of the county, where there is a county council."),
        ("district", "string", "GSS code of the district, unitary authority or council area."),
        ("ward", "string", "GSS code of the electoral ward or division."),
    ];
    let mut entries = vec![NewEntry::system("name", json!({"name": POSTCODE_REGISTER}))];
    entries.extend(fields.iter().map(|(name, datatype, text)| field(name, datatype, text)));
    entries.push(NewEntry::system(
        format!("register:{POSTCODE_REGISTER}"),
        json!({
            "register": POSTCODE_REGISTER,
            "fields": fields.iter().map(|f| f.0).collect::<Vec<_>>(),
            "phase": "alpha",
            "text": "Every live postcode in Great Britain with its point and the codes of the areas it is in, from OS Code-Point Open. Contains OS data © Crown copyright and database right.",
        }),
    ));
    entries
}

/// The national postcode register, created and defined if this instance does not have it yet.
pub async fn ensure_register(registers: &Registers) -> Result<RegisterInfo, RegisterError> {
    let name = register_name();
    let info = match registers.find(Owner::National, &name).await? {
        Some(info) => info,
        None => registers.create(Owner::National, &name, true).await?,
    };
    if info.system_size > 0 {
        return Ok(info);
    }
    Ok(registers.append(&info, definition()).await?.register)
}
