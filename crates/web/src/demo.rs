//! The demonstration: two example councils served by the brick's router (used by the `serve`
//! example and the browser tests), and the demonstration contact form's validation — an example
//! of how a service checks a submission and reports errors in the Design System's words, one
//! per field, in page order.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::{Contact, Council, FormErrors, WebError, WebState};

/// The demonstration councils: Exampleshire (green, with contact details) and Northtown, whose
/// pale yellow brand colour the contrast check darkens.
pub fn councils() -> Result<Vec<Council>, WebError> {
    let exampleshire = Council::new("exampleshire", "Exampleshire County Council", "#00703c")?.with_contact(Contact {
        email: "webmaster@exampleshire.example".into(),
        phone: Some("01632 960 000".into()),
        address: vec!["County Hall".into(), "Exampletown".into(), "EX1 1AA".into()],
    });
    let northtown = Council::new("northtown", "Northtown Borough Council", "#f9d71c")?;
    Ok(vec![exampleshire, northtown])
}

/// The demonstration failure behind `/exampleshire/preview-500`.
#[derive(Debug, thiserror::Error)]
#[error("a demonstration failure, to show the 500 page")]
struct Demonstration;

async fn preview_500(State(state): State<WebState>) -> Response {
    let council = state.council("exampleshire");
    state.server_error(council.as_ref(), &Demonstration)
}

/// The brick's router with the demonstration councils, plus `/exampleshire/preview-500`
/// showing the 500 page (which otherwise appears only when something fails).
pub fn app() -> Result<Router, WebError> {
    let state = WebState::new("Guildhall", councils()?)?;
    Ok(crate::router(state.clone())
        .merge(Router::new().route("/exampleshire/preview-500", get(preview_500)).with_state(state)))
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, from 1.
    pub day: u32,
}

/// Today's date in UTC, from the system clock.
pub fn today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    civil_from_days(seconds.div_euclid(86_400))
}

/// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Checks the demonstration contact form, with the error messages the Design System's
/// patterns give for each kind of field.
pub fn validate_contact_form(form: &HashMap<String, String>, today: Date) -> FormErrors {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let mut errors = FormErrors::new();

    let name = field("name");
    if name.is_empty() {
        errors.add("name", "Enter your full name");
    } else if name.chars().count() > 100 {
        errors.add("name", "Full name must be 100 characters or fewer");
    }

    let email = field("email");
    let well_formed = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.'))
        && !email.contains(char::is_whitespace);
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    } else if !well_formed {
        errors.add("email", "Enter an email address in the correct format, like name@example.com");
    }

    let (day, month, year) = (field("dob-day"), field("dob-month"), field("dob-year"));
    if day.is_empty() && month.is_empty() && year.is_empty() {
        errors.add("dob-day", "Enter your date of birth");
    } else {
        let parsed = (day.parse::<u32>(), month.parse::<u32>(), year.parse::<i64>());
        match parsed {
            (Ok(d), Ok(m), Ok(y)) if (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m) && y >= 1000 => {
                let date = Date { year: y, month: m, day: d };
                if date >= today {
                    errors.add("dob-day", "Date of birth must be in the past");
                } else if y < today.year - 130 {
                    errors.add("dob-day", "Date of birth must be a real date");
                }
            }
            _ => {
                errors.add("dob-day", "Date of birth must be a real date");
            }
        }
    }

    if !["bins", "council-tax", "other"].contains(&field("topic")) {
        errors.add("topic", "Select what your message is about");
    }

    let message = field("message");
    if message.is_empty() {
        errors.add("message", "Enter your message");
    } else if message.chars().count() > 1200 {
        errors.add("message", "Your message must be 1,200 characters or fewer");
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const TODAY: Date = Date { year: 2026, month: 11, day: 23 };

    #[test]
    fn the_epoch_and_a_leap_day_convert_to_dates() {
        assert_eq!(civil_from_days(0), Date { year: 1970, month: 1, day: 1 });
        assert_eq!(civil_from_days(11_016), Date { year: 2000, month: 2, day: 29 });
    }

    #[test]
    fn an_empty_form_gets_one_error_per_field_in_page_order() {
        let errors = validate_contact_form(&form(&[]), TODAY);
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "dob-day", "topic", "message"]);
    }

    #[test]
    fn impossible_and_future_dates_are_refused() {
        let base = [("name", "A"), ("email", "a@b.co"), ("topic", "bins"), ("message", "Hi")];
        let mut f = form(&base);
        f.extend(form(&[("dob-day", "30"), ("dob-month", "2"), ("dob-year", "2000")]));
        assert_eq!(validate_contact_form(&f, TODAY).message("dob-day"), Some("Date of birth must be a real date"));
        f.extend(form(&[("dob-day", "1"), ("dob-month", "1"), ("dob-year", "2030")]));
        assert_eq!(validate_contact_form(&f, TODAY).message("dob-day"), Some("Date of birth must be in the past"));
        f.extend(form(&[("dob-year", "1990")]));
        assert!(validate_contact_form(&f, TODAY).is_empty());
    }
}
