//! Timestamps as this brick stores them: UTC with milliseconds (`2026-11-23T10:00:00.123Z`), so
//! that text order is time order and retries can be due within the same second.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Formats an instant as stored.
pub fn format(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(FORMAT).unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

/// Now, as stored.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// Now plus a duration, as stored.
pub fn after(delay: std::time::Duration) -> String {
    format(OffsetDateTime::now_utc() + delay)
}

/// Parses a W3C date-time (any offset) into the stored form, for comparing with stored times.
pub fn parse_w3c(text: &str) -> Option<String> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok().map(format)
}

#[cfg(test)]
mod tests {
    #[test]
    fn w3c_times_with_offsets_become_utc_text_that_sorts_as_time() {
        assert_eq!(super::parse_w3c("2010-04-14T06:37:38-08:00").unwrap(), "2010-04-14T14:37:38.000Z");
        assert!(super::parse_w3c("yesterday").is_none());
        assert!(
            super::parse_w3c("2010-04-14T14:37:38Z").unwrap() < super::parse_w3c("2010-04-14T14:37:38.5Z").unwrap()
        );
    }
}
