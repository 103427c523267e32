//! The street value type: one record of the `street` register, keyed by its USRN.

use serde_json::{Map, Value};

use crate::address::{Usrn, is_date};
use crate::error::AddressError;

/// A street as the street register holds it (the shape of OS Open USRN joined with its name from
/// OS Open Names or the council's gazetteer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Street {
    /// The key.
    pub usrn: Usrn,
    /// The street's name (`High Street`).
    pub name: String,
    /// The locality it is in, if any.
    pub locality: Option<String>,
    /// The post town.
    pub town: Option<String>,
    /// When the street came into being (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub start_date: Option<String>,
    /// When it ceased to exist, if it has.
    pub end_date: Option<String>,
}

impl Street {
    /// The register key: the USRN in decimal.
    pub fn key(&self) -> String {
        self.usrn.to_string()
    }

    /// The street register item (`street` and `usrn` both hold the USRN, as the demo register does).
    pub fn to_item(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<&String>| {
            if let Some(v) = v {
                m.insert(k.to_string(), Value::String(v.clone()));
            }
        };
        let usrn = self.usrn.to_string();
        put("street", Some(&usrn));
        put("name", Some(&self.name));
        put("locality", self.locality.as_ref());
        put("town", self.town.as_ref());
        put("usrn", Some(&usrn));
        put("start-date", self.start_date.as_ref());
        put("end-date", self.end_date.as_ref());
        Value::Object(m)
    }

    /// Reads a street register item; the error names the field at fault.
    pub fn from_item(item: &Value) -> Result<Street, AddressError> {
        let Value::Object(map) = item else {
            return Err(AddressError::NotAnItem(item.to_string()));
        };
        let get = |k: &str| -> Result<Option<&str>, AddressError> {
            match map.get(k) {
                None => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim())),
                Some(v) => Err(AddressError::invalid(k, &v.to_string(), "must be a string")),
            }
        };
        Street::from_parts(
            get("street")?.or(get("usrn")?),
            get("name")?,
            get("locality")?,
            get("town")?,
            get("start-date")?,
            get("end-date")?,
        )
    }

    /// Builds and checks a street from its parts (USRN, name, locality, town, start and end dates).
    pub(crate) fn from_parts(
        usrn: Option<&str>,
        name: Option<&str>,
        locality: Option<&str>,
        town: Option<&str>,
        start_date: Option<&str>,
        end_date: Option<&str>,
    ) -> Result<Street, AddressError> {
        let usrn = usrn.ok_or_else(|| AddressError::MissingField("street".into()))?;
        // The key field of the street register is `street`, whatever the USRN parser calls it.
        let usrn = usrn.parse().map_err(|_| AddressError::invalid("street", usrn, "is not a USRN (1 to 8 digits)"))?;
        let name = name.ok_or_else(|| AddressError::MissingField("name".into()))?.to_string();
        let date = |f: &str, v: Option<&str>| match v {
            Some(d) if !is_date(d) => Err(AddressError::invalid(f, d, "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")),
            other => Ok(other.map(str::to_string)),
        };
        Ok(Street {
            usrn,
            name,
            locality: locality.map(str::to_string),
            town: town.map(str::to_string),
            start_date: date("start-date", start_date)?,
            end_date: date("end-date", end_date)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_street_item_round_trips_and_matches_the_demo_register_shape() {
        let item = json!({"locality":"Old Town","name":"Church Lane","start-date":"1820","street":"47100003","town":"Exampleton","usrn":"47100003"});
        let s = Street::from_item(&item).unwrap();
        assert_eq!(s.usrn.get(), 47100003);
        assert_eq!(s.to_item(), item);
    }

    #[test]
    fn a_street_without_a_name_or_with_a_bad_date_is_refused() {
        let e = Street::from_item(&json!({"street":"1"})).unwrap_err();
        assert_eq!(e.field(), Some("name"));
        let e = Street::from_item(&json!({"street":"1","name":"x","end-date":"yesterday"})).unwrap_err();
        assert_eq!(e.field(), Some("end-date"));
        let e = Street::from_item(&json!({"street":"123456789","name":"x"})).unwrap_err();
        assert_eq!(e.field(), Some("street"));
    }
}
