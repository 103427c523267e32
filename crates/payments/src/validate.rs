//! Parsing a create-payment body with Pay's rules and messages: a missing field is P0101, a
//! bad value P0102, each naming the field. Nothing is stored until the whole body is valid.

use serde_json::{Map, Value};

use crate::payments::CreatePayment;

/// The largest amount Pay takes: £100,000 in pence.
pub const MAX_AMOUNT: i64 = 10_000_000;

/// One field's error in Pay's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The request field (`amount`, `return_url`, …).
    pub field: String,
    /// `P0101` (missing) or `P0102` (invalid), or an operation's own code.
    pub code: &'static str,
    /// Pay's description.
    pub description: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

impl FieldError {
    /// A missing mandatory field (P0101, 400).
    pub fn missing(field: &str) -> FieldError {
        FieldError {
            field: field.to_string(),
            code: "P0101",
            description: format!("Missing mandatory attribute: {field}"),
        }
    }

    /// An invalid value (P0102, 422).
    pub fn invalid(field: &str, why: &str) -> FieldError {
        let description = if why.is_empty() {
            format!("Invalid attribute value: {field}")
        } else {
            format!("Invalid attribute value: {field}. {why}")
        };
        FieldError { field: field.to_string(), code: "P0102", description }
    }
}

fn string(body: &Map<String, Value>, field: &str, max: usize, required: bool) -> Result<Option<String>, FieldError> {
    match body.get(field) {
        None | Some(Value::Null) if required => Err(FieldError::missing(field)),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() && required => Err(FieldError::missing(field)),
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(FieldError::invalid(field, &format!("Must be less than or equal to {max} characters length")))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(FieldError::invalid(field, "Must be of type String")),
    }
}

/// Whether `url` is an absolute http(s) URL with a host; live keys need https.
pub fn valid_return_url(url: &str, https_only: bool) -> bool {
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        if https_only {
            return false;
        }
        r
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && !host.contains(char::is_whitespace) && !url.contains(char::is_whitespace)
}

fn metadata(value: Option<&Value>) -> Result<Option<Map<String, Value>>, FieldError> {
    let map = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(FieldError::invalid("metadata", "Must be an object of JSON")),
    };
    if map.len() > 10 {
        return Err(FieldError::invalid("metadata", "Cannot have more than 10 key-value pairs"));
    }
    for (key, value) in map {
        if key.is_empty() || key.chars().count() > 30 {
            return Err(FieldError::invalid("metadata", "Keys must be between 1 and 30 characters long"));
        }
        match value {
            Value::String(s) if s.chars().count() > 100 => {
                return Err(FieldError::invalid("metadata", "Values must be no greater than 100 characters long"));
            }
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {}
            _ => return Err(FieldError::invalid("metadata", "Values must be of type String, Boolean or Number")),
        }
    }
    Ok(Some(map.clone()))
}

/// Parses a `POST /v1/payments` body; `https_only` for live keys.
pub fn create_payment(body: &Value, https_only: bool) -> Result<CreatePayment, FieldError> {
    let Some(body) = body.as_object() else { return Err(FieldError::missing("amount")) };
    let amount = match body.get("amount") {
        None | Some(Value::Null) => return Err(FieldError::missing("amount")),
        Some(Value::Number(n)) => {
            n.as_i64().ok_or_else(|| FieldError::invalid("amount", "Must be a valid numeric format"))?
        }
        Some(_) => return Err(FieldError::invalid("amount", "Must be a valid numeric format")),
    };
    if amount < 1 {
        return Err(FieldError::invalid("amount", "Must be greater than or equal to 1"));
    }
    if amount > MAX_AMOUNT {
        return Err(FieldError::invalid("amount", &format!("Must be less than or equal to {MAX_AMOUNT}")));
    }
    let reference = string(body, "reference", 255, true)?.unwrap_or_default();
    let description = string(body, "description", 255, true)?.unwrap_or_default();
    let return_url = string(body, "return_url", 2000, true)?.unwrap_or_default();
    if !valid_return_url(&return_url, https_only) {
        let why = if https_only { "Must be a valid URL format using https" } else { "Must be a valid URL format" };
        return Err(FieldError::invalid("return_url", why));
    }
    let email = string(body, "email", 254, false)?;
    if let Some(e) = &email
        && (!e.contains('@') || e.starts_with('@') || e.ends_with('@'))
    {
        return Err(FieldError::invalid("email", "Must be a valid email address"));
    }
    let language = string(body, "language", 2, false)?.unwrap_or_else(|| "en".to_string());
    if language != "en" && language != "cy" {
        return Err(FieldError::invalid("language", "Must be \"en\" or \"cy\""));
    }
    let delayed_capture = match body.get("delayed_capture") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(FieldError::invalid("delayed_capture", "Must be true or false")),
    };
    let metadata = metadata(body.get("metadata"))?;
    let prefilled = match body.get("prefilled_cardholder_details") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(m)) => {
            if let Some(name) = m.get("cardholder_name")
                && !(name.is_string() && name.as_str().is_some_and(|s| s.chars().count() <= 255))
            {
                return Err(FieldError::invalid("prefilled_cardholder_details.cardholder_name", ""));
            }
            if let Some(address) = m.get("billing_address")
                && !(address.is_object() || address.is_null())
            {
                return Err(FieldError::invalid("prefilled_cardholder_details.billing_address", ""));
            }
            Some(v.clone())
        }
        Some(_) => return Err(FieldError::invalid("prefilled_cardholder_details", "")),
    };
    Ok(CreatePayment {
        amount,
        reference,
        description,
        return_url,
        email,
        language,
        delayed_capture,
        metadata,
        prefilled,
    })
}

/// Canonical JSON (object keys sorted at every level), so the same body always hashes alike.
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> =
                keys.into_iter().map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k]))).collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({"amount": 1200, "reference": "PK-1", "description": "Parking permit", "return_url": "https://service.example/done"})
    }

    #[test]
    fn amounts_outside_one_penny_to_a_hundred_thousand_pounds_are_refused() {
        assert!(create_payment(&body(), true).is_ok());
        for (amount, why) in [(0, "greater than or equal to 1"), (10_000_001, "less than or equal to 10000000")] {
            let mut b = body();
            b["amount"] = json!(amount);
            let e = create_payment(&b, false).expect_err("refused");
            assert_eq!((e.field.as_str(), e.code), ("amount", "P0102"));
            assert!(e.description.contains(why), "{}", e.description);
        }
        let mut b = body();
        b.as_object_mut().expect("object").remove("amount");
        assert_eq!(create_payment(&b, false).expect_err("missing").code, "P0101");
    }

    #[test]
    fn return_urls_must_be_absolute_and_https_for_live_keys() {
        assert!(valid_return_url("http://localhost:8000/x", false));
        assert!(!valid_return_url("http://localhost:8000/x", true));
        assert!(!valid_return_url("not a url", false));
        assert!(!valid_return_url("https://", false));
    }

    #[test]
    fn metadata_over_ten_keys_or_with_nested_values_is_refused() {
        let mut b = body();
        b["metadata"] = json!((0..11).map(|i| (format!("k{i}"), json!(i))).collect::<Map<String, Value>>());
        assert_eq!(create_payment(&b, false).expect_err("too many").field, "metadata");
        b["metadata"] = json!({"fund": {"nested": 1}});
        assert_eq!(create_payment(&b, false).expect_err("nested").field, "metadata");
    }

    #[test]
    fn canonical_json_ignores_key_order() {
        assert_eq!(
            canonical(&json!({"b": 1, "a": [{"d": 2, "c": 3}]})),
            canonical(&json!({"a": [{"c": 3, "d": 2}], "b": 1}))
        );
    }
}
