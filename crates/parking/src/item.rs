//! Reading register items field by field, with errors that name the register and field, and the
//! ISO dates (`YYYY-MM-DD`) the parking registers hold.

use serde_json::{Map, Value};
use time::Date;
use time::macros::format_description;

use crate::error::{ParkingError, Result};

/// One item of a parking register being read.
pub(crate) struct Fields<'a> {
    register: &'static str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Opens an item of `register`; anything but a JSON object is refused.
    pub(crate) fn of(register: &'static str, item: &'a Value) -> Result<Fields<'a>> {
        match item {
            Value::Object(map) => Ok(Fields { register, map }),
            _ => Err(ParkingError::InvalidField {
                register,
                field: String::new(),
                problem: "an item must be a JSON object".into(),
            }),
        }
    }

    /// The error for `field`.
    pub(crate) fn invalid(&self, field: &str, problem: impl Into<String>) -> ParkingError {
        ParkingError::InvalidField { register: self.register, field: field.to_string(), problem: problem.into() }
    }

    /// A one-valued text field, if present and not blank.
    pub(crate) fn optional(&self, field: &str) -> Result<Option<&'a str>> {
        match self.map.get(field) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim())),
            Some(_) => Err(self.invalid(field, "must be a string")),
        }
    }

    /// A one-valued text field that must be present.
    pub(crate) fn required(&self, field: &str) -> Result<&'a str> {
        self.optional(field)?.ok_or_else(|| self.invalid(field, "is missing"))
    }

    /// A many-valued field: a JSON list of strings (or one `;`-joined string).
    pub(crate) fn list(&self, field: &str) -> Result<Vec<&'a str>> {
        match self.map.get(field) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(s.split(';').map(str::trim).filter(|s| !s.is_empty()).collect()),
            Some(Value::Array(a)) => {
                a.iter().map(|v| v.as_str().ok_or_else(|| self.invalid(field, "must hold only strings"))).collect()
            }
            Some(_) => Err(self.invalid(field, "must be a list of strings")),
        }
    }

    /// An optional whole number.
    pub(crate) fn number(&self, field: &str) -> Result<Option<u32>> {
        self.optional(field)?
            .map(|s| s.parse().map_err(|_| self.invalid(field, format!("{s:?} is not a whole number"))))
            .transpose()
    }

    /// An optional `YYYY-MM-DD` date.
    pub(crate) fn date(&self, field: &str) -> Result<Option<Date>> {
        self.optional(field)?.map(|s| parse_date(s).ok_or_else(|| self.invalid(field, not_a_date(s)))).transpose()
    }
}

fn not_a_date(s: &str) -> String {
    format!("{s:?} is not a date (YYYY-MM-DD)")
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

/// Writes a date as `YYYY-MM-DD`.
pub(crate) fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Builds an item from present fields only, so absent values never reach the register.
#[derive(Default)]
pub(crate) struct ItemBuilder(Map<String, Value>);

impl ItemBuilder {
    /// Sets a text field.
    pub(crate) fn text(mut self, field: &str, value: impl Into<String>) -> Self {
        self.0.insert(field.to_string(), Value::String(value.into()));
        self
    }

    /// Sets a text field when there is a value.
    pub(crate) fn maybe(self, field: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.text(field, v),
            None => self,
        }
    }

    /// Sets a many-valued field (left out when empty).
    pub(crate) fn list(mut self, field: &str, values: impl IntoIterator<Item = String>) -> Self {
        let values: Vec<Value> = values.into_iter().map(Value::String).collect();
        if !values.is_empty() {
            self.0.insert(field.to_string(), Value::Array(values));
        }
        self
    }

    /// The item.
    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }
}
