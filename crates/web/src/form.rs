//! Form errors as the GOV.UK Design System shows them: an error summary at the top of the page
//! linking to each field, the same message beside the field, and "Error: " before the page
//! title. Every service's form handler builds a [`FormErrors`] and hands it to the layout.

use serde::Serialize;

/// One field's error: the id of the input it belongs to and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The `id` of the input (for a date input, the id of its first input, such as `dob-day`),
    /// so the summary's link moves focus to it.
    pub field: String,
    /// What is wrong and how to fix it, in the Design System's voice ("Enter your email address").
    pub message: String,
}

/// The errors of one form submission, in the order the fields appear on the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FormErrors {
    errors: Vec<FieldError>,
}

impl FormErrors {
    /// No errors yet.
    pub fn new() -> FormErrors {
        FormErrors::default()
    }

    /// Records an error for `field`; a second error for the same field is ignored, because
    /// the Design System shows one message per field (the first, most important one).
    pub fn add(&mut self, field: &str, message: &str) -> &mut FormErrors {
        if self.message(field).is_none() {
            self.errors.push(FieldError { field: field.to_string(), message: message.to_string() });
        }
        self
    }

    /// Whether the submission was valid.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The message for `field`, if it has one.
    pub fn message(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// All errors, in page order.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The `errorList` for `govukErrorSummary`: each message linking to its field.
    pub fn summary_items(&self) -> Vec<serde_json::Value> {
        self.errors.iter().map(|e| serde_json::json!({ "text": e.message, "href": format!("#{}", e.field) })).collect()
    }

    /// A map from field id to `{ "text": message }`, the `errorMessage` option of the form
    /// components: a template writes `"errorMessage": errors["email"]` and gets nothing when the
    /// field is valid.
    pub fn by_field(&self) -> serde_json::Map<String, serde_json::Value> {
        self.errors.iter().map(|e| (e.field.clone(), serde_json::json!({ "text": e.message }))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_page_order_and_one_message_per_field() {
        let mut errors = FormErrors::new();
        errors.add("name", "Enter your full name").add("email", "Enter your email address");
        errors.add("name", "Full name must be 100 characters or fewer");
        assert_eq!(errors.errors().len(), 2);
        assert_eq!(errors.message("name"), Some("Enter your full name"));
        assert_eq!(errors.summary_items()[1]["href"], "#email");
        assert_eq!(errors.by_field()["email"]["text"], "Enter your email address");
    }
}
