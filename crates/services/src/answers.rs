//! Turning a page's form fields into a stored answer, by question kind, with the GOV.UK-style
//! message for each way an answer can be wrong. Values a citizen cannot type (an option, an
//! address) are checked against what was offered, so a tampered form is refused here.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::Date;

use crate::definition::{Question, QuestionKind};
use crate::eval::{Scope, holds};
use crate::ports::Address;

/// A posted form: field name to every value sent under it (checkboxes send several).
pub type FormInput = BTreeMap<String, Vec<String>>;

/// What is wrong with one field of a page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The form field (for the error summary's link), e.g. `date-day` or `items`.
    pub field: String,
    /// The message, shown in the summary and by the field.
    pub message: String,
}

fn first<'a>(input: &'a FormInput, field: &str) -> &'a str {
    input.get(field).and_then(|v| v.first()).map(|s| s.trim()).unwrap_or("")
}

fn fail<T>(field: &str, message: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError { field: field.to_string(), message: message.into() })
}

/// Normalises a UK postcode (`zx11aa` → `ZX1 1AA`), or None when it is not shaped like one.
pub fn normalise_postcode(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = inward.as_bytes()[0].is_ascii_digit() && inward[1..].chars().all(|c| c.is_ascii_alphabetic());
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic();
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

/// Reads one page's answer. `addresses` are those offered for the posted postcode (address
/// questions only); `answers` and `today` feed the question's validation rules.
pub fn read_answer(
    q: &Question,
    input: &FormInput,
    addresses: &[Address],
    answers: &Map<String, Value>,
    today: Date,
) -> Result<Value, FieldError> {
    let id = q.id.as_str();
    let value = match q.kind {
        QuestionKind::Text | QuestionKind::Email | QuestionKind::Phone | QuestionKind::Number => {
            let text = first(input, id);
            if text.is_empty() {
                return if q.required { fail(id, missing_message(q)) } else { Ok(Value::Null) };
            }
            match q.kind {
                QuestionKind::Number => {
                    let n: f64 = text.replace(',', "").parse().or_else(|_| fail(id, "Enter a number, like 12"))?;
                    if let Some(min) = q.min.filter(|m| n < *m) {
                        return fail(id, format!("Enter a number of {min} or more"));
                    }
                    if let Some(max) = q.max.filter(|m| n > *m) {
                        return fail(id, format!("Enter a number of {max} or less"));
                    }
                    crate::expr::number(n)
                }
                QuestionKind::Email => {
                    let ok = text.len() <= 254
                        && !text.contains(char::is_whitespace)
                        && text.split_once('@').is_some_and(|(local, domain)| {
                            !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.ends_with('.')
                        });
                    if !ok {
                        return fail(id, "Enter an email address in the correct format, like name@example.com");
                    }
                    Value::String(text.to_string())
                }
                QuestionKind::Phone => {
                    let digits = text.chars().filter(|c| c.is_ascii_digit()).count();
                    let allowed = text.chars().all(|c| c.is_ascii_digit() || " +()-".contains(c));
                    if !allowed || !(10..=13).contains(&digits) {
                        return fail(id, "Enter a telephone number, like 01632 960 001 or 07700 900 982");
                    }
                    Value::String(text.to_string())
                }
                _ => {
                    let max = q.max.unwrap_or(1000.0) as usize;
                    if text.chars().count() > max {
                        return fail(id, format!("Your answer must be {max} characters or fewer"));
                    }
                    if let Some(min) = q.min.filter(|m| (text.chars().count() as f64) < *m) {
                        return fail(id, format!("Your answer must be at least {min} characters"));
                    }
                    Value::String(text.to_string())
                }
            }
        }
        QuestionKind::Date => {
            let (d, m, y) = (
                first(input, &format!("{id}-day")),
                first(input, &format!("{id}-month")),
                first(input, &format!("{id}-year")),
            );
            if d.is_empty() && m.is_empty() && y.is_empty() {
                return if q.required { fail(&format!("{id}-day"), "Enter a date") } else { Ok(Value::Null) };
            }
            for (part, text) in [("day", d), ("month", m), ("year", y)] {
                if text.is_empty() {
                    return fail(&format!("{id}-{part}"), format!("The date must include a {part}"));
                }
            }
            let parsed = (|| {
                let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
                let year: i32 = y.parse().ok().filter(|y| (1900..=2200).contains(y))?;
                Date::from_calendar_date(year, month, d.parse().ok()?).ok()
            })();
            let Some(date) = parsed else { return fail(&format!("{id}-day"), "The date must be a real date") };
            Value::String(date.to_string())
        }
        QuestionKind::Radios => {
            let chosen = first(input, id);
            if chosen.is_empty() {
                return if q.required { fail(id, "Select an option") } else { Ok(Value::Null) };
            }
            if !q.options.iter().any(|o| o.value == chosen) {
                return fail(id, "Select one of the options shown");
            }
            Value::String(chosen.to_string())
        }
        QuestionKind::Checkboxes => {
            let chosen: Vec<String> =
                input.get(id).into_iter().flatten().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            if chosen.iter().any(|c| !q.options.iter().any(|o| &o.value == c)) {
                return fail(id, "Select only the options shown");
            }
            let mut unique = Vec::new();
            for c in chosen {
                if !unique.contains(&c) {
                    unique.push(c);
                }
            }
            if unique.is_empty() && q.required {
                return fail(id, "Select at least one option");
            }
            if let Some(min) = q.min.filter(|m| (unique.len() as f64) < *m && !unique.is_empty()) {
                return fail(id, format!("Select at least {min} options"));
            }
            if let Some(max) = q.max.filter(|m| unique.len() as f64 > *m) {
                return fail(id, format!("Select {max} options or fewer"));
            }
            json!(unique)
        }
        QuestionKind::Address => {
            let postcode_field = format!("{id}-postcode");
            let raw = first(input, &postcode_field);
            if raw.is_empty() {
                return if q.required { fail(&postcode_field, "Enter a postcode") } else { Ok(Value::Null) };
            }
            let Some(postcode) = normalise_postcode(raw) else {
                return fail(&postcode_field, "Enter a real postcode, like ZX1 1AA");
            };
            let uprn_field = format!("{id}-uprn");
            let uprn = first(input, &uprn_field);
            if uprn.is_empty() {
                return fail(&uprn_field, "Select your address");
            }
            let Some(found) = addresses.iter().find(|a| a.uprn == uprn && a.postcode == postcode) else {
                return fail(&uprn_field, "Select an address from the list for that postcode");
            };
            json!({"postcode": found.postcode, "uprn": found.uprn, "usrn": found.usrn, "address": found.text})
        }
        QuestionKind::Location => {
            let (lat, lon) = (first(input, &format!("{id}-lat")), first(input, &format!("{id}-lon")));
            if lat.is_empty() && lon.is_empty() {
                return if q.required { fail(&format!("{id}-lat"), "Choose a location") } else { Ok(Value::Null) };
            }
            let lat: f64 = lat.parse().or_else(|_| fail(&format!("{id}-lat"), "Enter a latitude, like 52.2"))?;
            let lon: f64 = lon.parse().or_else(|_| fail(&format!("{id}-lon"), "Enter a longitude, like -1.5"))?;
            if !(49.0..=61.5).contains(&lat) || !(-9.0..=2.5).contains(&lon) {
                return fail(&format!("{id}-lat"), "Choose a location in the United Kingdom");
            }
            json!({"lat": lat, "lon": lon})
        }
    };
    for rule in &q.validate {
        let scope = Scope { answers, record: None, checks: &Map::new(), case: None, value: Some(&value), today };
        if !holds(&rule.rule.expr, &scope) {
            let field = if q.kind == QuestionKind::Date { format!("{id}-day") } else { id.to_string() };
            return fail(&field, rule.reason.clone());
        }
    }
    Ok(value)
}

fn missing_message(q: &Question) -> String {
    match q.kind {
        QuestionKind::Email => "Enter an email address".into(),
        QuestionKind::Phone => "Enter a telephone number".into(),
        QuestionKind::Number => "Enter a number".into(),
        _ => "Enter an answer".into(),
    }
}

/// An answer as check-your-answers shows it.
pub fn display(q: &Question, value: &Value) -> String {
    let label =
        |v: &str| q.options.iter().find(|o| o.value == v).map(|o| o.label.clone()).unwrap_or_else(|| v.to_string());
    match (q.kind, value) {
        (_, Value::Null) => "Not given".into(),
        (QuestionKind::Radios, Value::String(s)) => label(s),
        (QuestionKind::Checkboxes, Value::Array(items)) => {
            items.iter().filter_map(|i| i.as_str()).map(label).collect::<Vec<_>>().join(", ")
        }
        (QuestionKind::Address, v) => {
            format!("{}, {}", v["address"].as_str().unwrap_or_default(), v["postcode"].as_str().unwrap_or_default())
        }
        (QuestionKind::Location, v) => format!("{}, {}", v["lat"], v["lon"]),
        (QuestionKind::Date, Value::String(s)) => crate::eval::parse_date(s)
            .map(|d| format!("{} {} {}", d.day(), d.month(), d.year()))
            .unwrap_or_else(|| s.clone()),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The posted fields that map to each stored answer, so a page can refill its form.
pub fn form_values(q: &Question, value: &Value) -> FormInput {
    let id = &q.id;
    let mut out = FormInput::new();
    let mut put = |k: String, v: String| {
        out.entry(k).or_default().push(v);
    };
    match (q.kind, value) {
        (_, Value::Null) => {}
        (QuestionKind::Checkboxes, Value::Array(items)) => {
            items.iter().filter_map(|i| i.as_str()).for_each(|i| put(id.clone(), i.to_string()))
        }
        (QuestionKind::Date, Value::String(s)) => {
            if let Some(d) = crate::eval::parse_date(s) {
                put(format!("{id}-day"), d.day().to_string());
                put(format!("{id}-month"), (d.month() as u8).to_string());
                put(format!("{id}-year"), d.year().to_string());
            }
        }
        (QuestionKind::Address, v) => {
            put(format!("{id}-postcode"), v["postcode"].as_str().unwrap_or_default().to_string());
            put(format!("{id}-uprn"), v["uprn"].as_str().unwrap_or_default().to_string());
        }
        (QuestionKind::Location, v) => {
            put(format!("{id}-lat"), v["lat"].to_string());
            put(format!("{id}-lon"), v["lon"].to_string());
        }
        (_, Value::String(s)) => put(id.clone(), s.clone()),
        (_, other) => put(id.clone(), other.to_string()),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_normalised_or_refused() {
        assert_eq!(normalise_postcode("zx11aa").as_deref(), Some("ZX1 1AA"));
        assert_eq!(normalise_postcode(" SW1A 2aa ").as_deref(), Some("SW1A 2AA"));
        assert_eq!(normalise_postcode("12345"), None);
        assert_eq!(normalise_postcode("ZX1 1A"), None);
    }
}
