//! A register's field schema and metadata, read from its system log (`field:…`, `register:…`,
//! `name`, `custodian`, `register-name` entries), and the check every user item must pass.

use std::collections::BTreeMap;

use serde_json::Value;

/// The form a field's value takes, as the GOV.UK datatype register names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Datatype {
    /// Unicode text on one line.
    String,
    /// Text that may hold Markdown.
    Text,
    /// A whole number, written as a string.
    Integer,
    /// ISO 8601 date-time, possibly truncated (`2014`, `2014-05`, `2014-05-01T10:00:00Z`).
    Datetime,
    /// An absolute http(s) URL.
    Url,
    /// A compact URI `prefix:reference`.
    Curie,
    /// An ISO 8601 interval.
    Period,
    /// Any datatype this version does not check beyond being a string.
    Other(String),
}

impl Datatype {
    /// Reads a datatype name.
    pub fn parse(s: &str) -> Datatype {
        match s {
            "string" => Datatype::String,
            "text" => Datatype::Text,
            "integer" => Datatype::Integer,
            "datetime" => Datatype::Datetime,
            "url" => Datatype::Url,
            "curie" => Datatype::Curie,
            "period" => Datatype::Period,
            other => Datatype::Other(other.to_string()),
        }
    }

    /// Checks one value of this datatype; the error says what was expected.
    fn check(&self, v: &str) -> Result<(), String> {
        let ok = match self {
            Datatype::String | Datatype::Text | Datatype::Other(_) => true,
            Datatype::Integer => {
                let digits = v.strip_prefix('-').unwrap_or(v);
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            }
            Datatype::Datetime => is_datetime(v),
            Datatype::Url => {
                (v.starts_with("http://") || v.starts_with("https://"))
                    && v.len() > 8
                    && !v.contains(char::is_whitespace)
            }
            Datatype::Curie => !v.is_empty() && !v.contains(char::is_whitespace),
            Datatype::Period => !v.is_empty(),
        };
        if ok { Ok(()) } else { Err(format!("{v:?} is not a valid {}", self.name())) }
    }

    /// The datatype's name.
    pub fn name(&self) -> &str {
        match self {
            Datatype::String => "string",
            Datatype::Text => "text",
            Datatype::Integer => "integer",
            Datatype::Datetime => "datetime",
            Datatype::Url => "url",
            Datatype::Curie => "curie",
            Datatype::Period => "period",
            Datatype::Other(s) => s,
        }
    }
}

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, then optionally `Thh`, `:mm`, `:ss`, and `Z`.
fn is_datetime(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let v = v.strip_suffix('Z').unwrap_or(v);
    let n = v.len();
    let mut ok = n >= 4 && digits(0..4);
    for (sep_at, sep) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
        if n > sep_at {
            ok &= b[sep_at] == sep && digits(sep_at + 1..sep_at + 3) && n >= sep_at + 3;
        }
    }
    ok && n <= 19 && ![5, 6, 8, 9, 11, 12, 14, 15, 17, 18].contains(&n)
}

/// Whether a field holds one value or many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// One value.
    One,
    /// A list of values (a JSON array, or one `;`-joined string as some real registers hold).
    Many,
}

/// One field of a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its datatype.
    pub datatype: Datatype,
    /// One or many.
    pub cardinality: Cardinality,
    /// The register its values are keys of, if it links to one.
    pub register: Option<String>,
}

/// Why an item does not fit its register's schema; always names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field:?}: {problem}")]
pub struct SchemaError {
    /// The field at fault.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

/// What the system log says about a register: its fields and descriptive metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// Field definitions by name (`field:…` system entries).
    pub field_defs: BTreeMap<String, Field>,
    /// The register record (`register:NAME`), as the `/register` resource shows it.
    pub register_record: Option<Value>,
    /// Fields of the register, in the order its register record lists them.
    pub fields: Vec<String>,
    /// The `name` system record.
    pub name: Option<String>,
    /// The `custodian` system record.
    pub custodian: Option<String>,
    /// The `register-name` system record (a human title).
    pub title: Option<String>,
}

impl Schema {
    /// Applies one system entry's item, as the log replays; later entries for a key win.
    pub fn apply_system_item(&mut self, key: &str, item: &Value) {
        let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
        if let Some(field) = key.strip_prefix("field:") {
            let cardinality =
                if text("cardinality").as_deref() == Some("n") { Cardinality::Many } else { Cardinality::One };
            let def = Field {
                name: text("field").unwrap_or_else(|| field.to_string()),
                datatype: Datatype::parse(text("datatype").as_deref().unwrap_or("string")),
                cardinality,
                register: text("register"),
            };
            self.field_defs.insert(field.to_string(), def);
        } else if key.starts_with("register:") {
            self.fields = match item.get("fields") {
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                Some(Value::String(s)) => s.split(';').map(str::to_string).collect(),
                _ => Vec::new(),
            };
            self.register_record = Some(item.clone());
        } else if key == "name" {
            self.name = text("name");
        } else if key == "custodian" {
            self.custodian = text("custodian");
        } else if key == "register-name" {
            self.title = text("register-name");
        }
    }

    /// Whether the system log has defined any fields yet (a register without them accepts no data).
    pub fn is_defined(&self) -> bool {
        !self.fields.is_empty()
    }

    /// The definition of a field of this register; a listed field without a `field:` entry is a one-valued string.
    pub fn field(&self, name: &str) -> Option<Field> {
        if !self.fields.iter().any(|f| f == name) {
            return None;
        }
        Some(self.field_defs.get(name).cloned().unwrap_or(Field {
            name: name.to_string(),
            datatype: Datatype::String,
            cardinality: Cardinality::One,
            register: None,
        }))
    }

    /// Checks a user item against the fields; `key_field` (the register's own name) must equal `key` when present.
    pub fn check_item(&self, register: &str, key: &str, item: &Value) -> Result<(), SchemaError> {
        let err = |field: &str, problem: String| SchemaError { field: field.to_string(), problem };
        let Value::Object(map) = item else {
            return Err(err("", "an item must be a JSON object".into()));
        };
        if !self.is_defined() {
            return Err(err("", format!("register {register:?} has no fields defined in its system log yet")));
        }
        for (name, value) in map {
            let field = self.field(name).ok_or_else(|| {
                err(
                    name,
                    format!("is not a field of register {register:?} (its fields are: {})", self.fields.join(", ")),
                )
            })?;
            let values: Vec<&str> = match (field.cardinality, value) {
                (_, Value::String(s)) => vec![s.as_str()],
                (Cardinality::Many, Value::Array(a)) => a
                    .iter()
                    .map(|v| v.as_str().ok_or_else(|| err(name, "every value in the list must be a string".into())))
                    .collect::<Result<_, _>>()?,
                (Cardinality::One, Value::Array(_)) => {
                    return Err(err(name, "has cardinality 1 but holds a list".into()));
                }
                _ => {
                    return Err(err(
                        name,
                        format!(
                            "must be a string{}",
                            if field.cardinality == Cardinality::Many { " or a list of strings" } else { "" }
                        ),
                    ));
                }
            };
            for v in values {
                field.datatype.check(v).map_err(|p| err(name, p))?;
            }
        }
        if let Some(Value::String(k)) = map.get(register)
            && k != key
        {
            return Err(err(register, format!("holds {k:?} but the entry's key is {key:?}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        let mut s = Schema::default();
        s.apply_system_item("field:street", &json!({"field":"street","datatype":"string","cardinality":"1"}));
        s.apply_system_item("field:start-date", &json!({"field":"start-date","datatype":"datetime","cardinality":"1"}));
        s.apply_system_item("field:usrn", &json!({"field":"usrn","datatype":"integer","cardinality":"1"}));
        s.apply_system_item("field:aliases", &json!({"field":"aliases","datatype":"string","cardinality":"n"}));
        s.apply_system_item(
            "register:street",
            &json!({"fields":["street","usrn","start-date","aliases"],"register":"street"}),
        );
        s
    }

    #[test]
    fn an_item_that_fits_the_fields_is_accepted() {
        let item = json!({"street":"1","usrn":"100","start-date":"2014-05","aliases":["a","b"]});
        assert_eq!(schema().check_item("street", "1", &item), Ok(()));
        assert_eq!(schema().check_item("street", "1", &json!({"aliases":"a;b"})), Ok(()));
    }

    #[test]
    fn items_that_do_not_fit_are_rejected_naming_the_field() {
        let s = schema();
        let cases = [
            (json!({"colour":"red"}), "colour"),
            (json!({"usrn":"12a"}), "usrn"),
            (json!({"start-date":"05/2014"}), "start-date"),
            (json!({"street":["1"]}), "street"),
            (json!({"usrn":100}), "usrn"),
            (json!({"street":"2"}), "street"),
        ];
        for (item, field) in cases {
            let e = s.check_item("street", "1", &item).unwrap_err();
            assert_eq!(e.field, field, "{item}: {e}");
        }
    }

    #[test]
    fn datetimes_may_be_truncated_but_not_malformed() {
        for ok in ["2014", "2014-05", "2014-05-01", "2014-05-01T10", "2014-05-01T10:00", "2014-05-01T10:00:00Z"] {
            assert!(is_datetime(ok), "{ok}");
        }
        for bad in ["14", "2014-5", "2014-05-01 10:00", "2014-05-01T10:00:00:00", "abcd"] {
            assert!(!is_datetime(bad), "{bad}");
        }
    }
}
