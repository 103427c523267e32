//! The `area` register (national): one record per area, keyed by its GSS code, each entry one
//! version of the area (name, type, parent, generation, dates, and boundary as GeoJSON in lon/lat).
//! A changed boundary or name is a new entry in a new generation; the record is the current version.

use registers::{NewEntry, Owner, RegisterInfo, RegisterName, Registers};
use serde_json::{Map, Value, json};

use crate::error::{AreaError, Result};
use crate::geometry::MultiPolygon;
use crate::kinds::is_type_code;

/// The register's name.
pub const AREA_REGISTER: &str = "area";

/// The field definitions of the register, in order: (field, datatype, description).
const FIELDS: &[(&str, &str, &str)] = &[
    ("area", "string", "The area's stable key: its GSS code (E05008942), or another code if it has none"),
    ("name", "string", "The area's name"),
    ("type", "string", "MapIt area type code: CTY, DIS, UTA, MTD, LBO, CPC, DIW, UTW, MTW, LBW, WMC, CED, ..."),
    ("code", "string", "The GSS code"),
    ("parent", "string", "The key of the area this one sits in (parish in district, district in county)"),
    ("generation", "integer", "The boundary generation this version was introduced in"),
    ("start-date", "datetime", "When this version took effect"),
    ("end-date", "datetime", "When the area was abolished; an area with an end date is no longer current"),
    ("geometry", "string", "The boundary: a GeoJSON MultiPolygon in EPSG:4326 lon/lat, 7 decimal places"),
];

/// The system entries that define the register's fields.
pub fn area_register_definition() -> Vec<NewEntry> {
    let mut entries = vec![NewEntry::system("name", json!({"name": AREA_REGISTER}))];
    for (field, datatype, text) in FIELDS {
        entries.push(NewEntry::system(
            format!("field:{field}"),
            json!({"field": field, "datatype": datatype, "cardinality": "1", "text": text}),
        ));
    }
    entries.push(NewEntry::system(
        format!("register:{AREA_REGISTER}"),
        json!({
            "register": AREA_REGISTER,
            "fields": FIELDS.iter().map(|(f, _, _)| *f).collect::<Vec<_>>(),
            "text": "Administrative areas and their boundaries: councils, wards, parishes, constituencies",
            "phase": "alpha",
            "registry": "guildhall",
        }),
    ));
    entries
}

/// The register's name, parsed.
pub fn area_register_name() -> RegisterName {
    // The constant is a valid name; parse cannot fail on it.
    RegisterName::parse(AREA_REGISTER).unwrap_or_else(|_| unreachable!("\"area\" is a valid register name"))
}

/// The national `area` register, created and defined on first use.
pub async fn area_register(registers: &Registers) -> Result<RegisterInfo> {
    let name = area_register_name();
    if let Some(info) = registers.find(Owner::National, &name).await? {
        return Ok(info);
    }
    let info = match registers.create(Owner::National, &name, true).await {
        Ok(info) => info,
        // Another importer created it meanwhile.
        Err(registers::RegisterError::DuplicateRegister(_)) => {
            return Ok(registers.get(Owner::National, &name).await?);
        }
        Err(e) => return Err(e.into()),
    };
    Ok(registers.append(&info, area_register_definition()).await?.register)
}

/// One version of an area, as an entry of the register holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaVersion {
    /// The record key: the GSS code, or another stable code.
    pub key: String,
    /// The area's name.
    pub name: String,
    /// MapIt type code (`UTA`, `DIW`, …).
    pub type_code: String,
    /// GSS code, when the area has one.
    pub code: Option<String>,
    /// Key of the parent area.
    pub parent: Option<String>,
    /// Generation this version belongs to (1 and up).
    pub generation: u32,
    /// When this version took effect (`YYYY-MM-DD`).
    pub start_date: Option<String>,
    /// When the area was abolished.
    pub end_date: Option<String>,
    /// The boundary in lon/lat; areas may have none (a district known only through its wards).
    pub geometry: Option<MultiPolygon>,
}

impl AreaVersion {
    /// The register item: every value a string, the boundary as GeoJSON text.
    pub fn to_item(&self) -> Value {
        let mut m = Map::new();
        m.insert("area".into(), self.key.clone().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("type".into(), self.type_code.clone().into());
        m.insert("generation".into(), self.generation.to_string().into());
        let optional = [
            ("code", &self.code),
            ("parent", &self.parent),
            ("start-date", &self.start_date),
            ("end-date", &self.end_date),
        ];
        for (field, value) in optional {
            if let Some(v) = value {
                m.insert(field.into(), v.clone().into());
            }
        }
        if let Some(g) = &self.geometry {
            m.insert("geometry".into(), g.to_geojson().into());
        }
        Value::Object(m)
    }

    /// Reads an item back; `entry` names it in errors.
    pub fn from_item(entry: u64, key: &str, item: &Value) -> Result<AreaVersion> {
        let corrupt = |problem: String| AreaError::Corrupt { entry, problem };
        let text = |f: &str| item.get(f).and_then(Value::as_str).map(str::to_string);
        let required = |f: &str| text(f).ok_or_else(|| corrupt(format!("field {f:?} is missing")));
        let generation = required("generation")?;
        let geometry = match item.get("geometry").and_then(Value::as_str) {
            Some(g) => Some(MultiPolygon::from_geojson(g).map_err(|e| corrupt(format!("field \"geometry\": {e}")))?),
            None => None,
        };
        Ok(AreaVersion {
            key: key.to_string(),
            name: required("name")?,
            type_code: required("type")?,
            code: text("code"),
            parent: text("parent"),
            generation: generation
                .parse()
                .map_err(|_| corrupt(format!("generation {generation:?} is not a number")))?,
            start_date: text("start-date"),
            end_date: text("end-date"),
            geometry,
        })
    }

    /// Checks what the register's field types cannot: a type code and a generation from 1.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        if !is_type_code(&self.type_code) {
            return Err(format!("type {:?} is not a MapIt type code (2-5 upper-case letters)", self.type_code));
        }
        if self.generation == 0 {
            return Err("generation must be 1 or more".into());
        }
        if self.name.trim().is_empty() {
            return Err("name is empty".into());
        }
        registers::entry::check_key(&self.key).map_err(|e| format!("area key: {e}"))
    }

    /// Whether two versions describe the same area the same way, whatever generation each came in.
    fn same_as(&self, other: &AreaVersion) -> bool {
        AreaVersion { generation: other.generation, start_date: other.start_date.clone(), ..self.clone() } == *other
    }
}

/// What recording a batch of area versions did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedAreas {
    /// Versions appended (new areas, or changed ones).
    pub appended: usize,
    /// Versions skipped because the current record already says the same (only the generation differs).
    pub unchanged: usize,
    /// User entry numbers given to the appended versions.
    pub entries: Option<std::ops::RangeInclusive<u64>>,
}

/// Appends area versions in one transaction (all or none), skipping those whose current record
/// already says the same. Every version is checked first; the error names the area.
pub async fn record_areas(registers: &Registers, versions: Vec<AreaVersion>) -> Result<RecordedAreas> {
    for v in &versions {
        v.check().map_err(|e| AreaError::InvalidArea(format!("area {:?}: {e}", v.key)))?;
    }
    let info = area_register(registers).await?;
    let mut entries = Vec::with_capacity(versions.len());
    let mut unchanged = 0;
    for v in versions {
        if info.user_size > 0 {
            match registers.record(&info, &v.key).await {
                Ok(record) => {
                    let item = record.items.first().map(|i| i.value()).unwrap_or(Value::Null);
                    let current = AreaVersion::from_item(record.entry.number, &v.key, &item)?;
                    if current.same_as(&v) {
                        unchanged += 1;
                        continue;
                    }
                }
                Err(registers::RegisterError::UnknownRecord(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        entries.push(NewEntry::user(v.key.clone(), v.to_item()));
    }
    if entries.is_empty() {
        return Ok(RecordedAreas { appended: 0, unchanged, entries: None });
    }
    let appended = entries.len();
    let receipt = registers.append(&info, entries).await?;
    Ok(RecordedAreas { appended, unchanged, entries: Some(receipt.user_entries) })
}

/// Marks areas as abolished from a date, in a new generation: each gets a new version with an
/// end date, and stops answering point look-ups. Unknown keys are an error and nothing is written.
pub async fn end_areas(registers: &Registers, keys: &[&str], end_date: &str, generation: u32) -> Result<RecordedAreas> {
    let info = area_register(registers).await?;
    let mut versions = Vec::with_capacity(keys.len());
    for key in keys {
        let record = registers.record(&info, key).await?;
        let item = record.items.first().map(|i| i.value()).unwrap_or(Value::Null);
        let mut v = AreaVersion::from_item(record.entry.number, key, &item)?;
        v.end_date = Some(end_date.to_string());
        v.generation = generation;
        versions.push(v);
    }
    record_areas(registers, versions).await
}
