//! Bodies and categories as data: who covers which areas, what they handle, who to tell and
//! what to ask. A body's whole definition is one JSON document (the `body` register's entry);
//! checking it here means routing never meets a half-formed body. Routing itself is in `routing`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{ReportError, Result};
use crate::rules::Condition;

/// Which kind of body this is. Two bodies of the same tier never both take one report for one
/// category (see `routing` for the boundary rule); bodies of different tiers may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// A county council (upper tier of a two-tier area).
    County,
    /// A district or borough council (lower tier).
    District,
    /// A unitary, metropolitan or London borough council (both tiers in one).
    Unitary,
    /// A parish, town or community council.
    Parish,
    /// Another road or asset owner (National Highways, a housing association, …).
    Other,
}

impl Tier {
    /// The tier as written in data and shown to staff.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::County => "county",
            Tier::District => "district",
            Tier::Unitary => "unitary",
            Tier::Parish => "parish",
            Tier::Other => "other",
        }
    }
}

/// The clerk or team a body is reached at, as councils publish it with their committee data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyContact {
    /// The clerk's or team's name ("Parish Clerk", "Highways team").
    pub name: String,
    /// Their email address.
    pub email: String,
    /// A telephone number, if published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Where a category's reports go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Route {
    /// An email to this address, through the notifications platform.
    Email {
        /// The address (a team inbox, or the clerk's).
        to: String,
    },
    /// A POST to another system's Open311 GeoReport v2 endpoint.
    Open311 {
        /// The endpoint's base URL (the part before `/requests.json`).
        endpoint: String,
        /// The service code at that endpoint.
        service_code: String,
        /// The API key that endpoint issued us.
        api_key: String,
        /// Its jurisdiction id, when it serves several.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jurisdiction_id: Option<String>,
    },
    /// Handled inside Guildhall: the body's staff see it on their list; nothing is sent.
    Guildhall,
}

impl Route {
    /// The route's kind, as stored and shown to staff.
    pub fn kind(&self) -> &'static str {
        match self {
            Route::Email { .. } => "email",
            Route::Open311 { .. } => "open311",
            Route::Guildhall => "guildhall",
        }
    }
}

/// An extra question's type, with Open311's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    /// A short line of text.
    String,
    /// A number.
    Number,
    /// A W3C date-time.
    Datetime,
    /// A longer text.
    Text,
    /// One of `values`.
    Singlevaluelist,
    /// Any of `values`.
    Multivaluelist,
}

impl Datatype {
    /// The Open311 name.
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::Singlevaluelist => "singlevaluelist",
            Datatype::Multivaluelist => "multivaluelist",
        }
    }
}

/// One allowed answer of a list question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue {
    /// What is sent.
    pub key: String,
    /// What is shown.
    pub name: String,
}

/// An extra question a category asks (Open311's attribute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// The code answers are keyed by (`attribute[code]` in Open311).
    pub code: String,
    /// The question as shown.
    pub description: String,
    /// The answer's type.
    pub datatype: Datatype,
    /// Whether a report without an answer is refused.
    #[serde(default)]
    pub required: bool,
    /// Order shown, from 1.
    #[serde(default)]
    pub order: i64,
    /// Help on the answer's format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datatype_description: Option<String>,
    /// The allowed answers of a list question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<AttributeValue>,
    /// False for information only (Open311's `variable`): shown, never answered.
    #[serde(default = "yes")]
    pub variable: bool,
}

fn yes() -> bool {
    true
}

/// One thing a body handles, where it goes and what it asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// The body's service code for it (Open311 `service_code`), unique within the body.
    pub code: String,
    /// The name citizens see. Bodies that use the same name offer one shared category.
    pub name: String,
    /// A group for lists ("Roads", "Street cleaning").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A sentence about it.
    #[serde(default)]
    pub description: String,
    /// Search words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Where its reports go.
    pub route: Route,
    /// Its extra questions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// When this body takes the report (absent: always). Data, not code: see [`Condition`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// A body as its register entry holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// Its id: also its Open311 `jurisdiction_id`, unique on the instance (lower-case, digits, `-`, `.`).
    pub id: String,
    /// Its name ("Ashford Parish Council").
    pub name: String,
    /// Its tier.
    pub tier: Tier,
    /// The areas it covers, by key in the area register (GSS codes such as `E04000001`).
    pub areas: Vec<String>,
    /// Its clerk or team.
    pub contact: BodyContact,
    /// What it handles.
    pub categories: Vec<Category>,
}

impl Body {
    /// Checks a definition whole: an id of safe characters, at least one area, unique service
    /// codes, list questions with values, conditions naming only questions the category asks,
    /// and routes that can be used.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(ReportError::InvalidBody { body: self.id.clone(), reason: m });
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 100
            && self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !id_ok {
            return bad("the id must be 1-100 lower-case letters, digits, '-' or '.'".into());
        }
        if self.name.trim().is_empty() {
            return bad("a body needs a name".into());
        }
        if self.areas.is_empty() {
            return bad("a body must cover at least one area".into());
        }
        if !self.contact.email.contains('@') {
            return bad(format!("the contact email {:?} is not an email address", self.contact.email));
        }
        let mut codes = BTreeSet::new();
        for category in &self.categories {
            if category.code.is_empty() || category.code.chars().any(|c| c.is_whitespace() || c == '/' || c == '.') {
                return bad(format!("service code {:?} must be non-empty without spaces, '/' or '.'", category.code));
            }
            if !codes.insert(category.code.as_str()) {
                return bad(format!("service code {:?} is used twice", category.code));
            }
            if category.name.trim().is_empty() {
                return bad(format!("category {:?} needs a name", category.code));
            }
            let mut asked = BTreeSet::new();
            for attribute in &category.attributes {
                if !asked.insert(attribute.code.as_str()) {
                    return bad(format!("category {:?} asks {:?} twice", category.code, attribute.code));
                }
                let list = matches!(attribute.datatype, Datatype::Singlevaluelist | Datatype::Multivaluelist);
                if list && attribute.values.is_empty() {
                    return bad(format!("question {:?} is a list without values", attribute.code));
                }
            }
            if let Some(when) = &category.when {
                for code in when.attribute_codes() {
                    if !asked.contains(code) {
                        return bad(format!(
                            "category {:?}'s rule tests {code:?}, which the category does not ask",
                            category.code
                        ));
                    }
                }
            }
            match &category.route {
                Route::Email { to } if !to.contains('@') => {
                    return bad(format!("category {:?} emails {to:?}, not an email address", category.code));
                }
                Route::Open311 { endpoint, .. }
                    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) =>
                {
                    return bad(format!("category {:?}'s Open311 endpoint must be an http(s) URL", category.code));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The category with this service code.
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }
}
