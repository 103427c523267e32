//! Who is looking at a page, as every brick's page handlers see it.
//!
//! The identity brick resolves the session cookie once per request and puts a [`Visitor`] in the
//! request's extensions; page handlers of any brick read it with `Extension<web::Visitor>`
//! without depending on identity, and tests insert one directly. The same layer refuses any form
//! post whose [`CSRF_FIELD`] does not match the visitor's token, so a handler only has to put
//! [`Visitor::csrf_input`] in each of its forms.

use serde::Serialize;

use crate::SignedIn;

/// The name of the hidden form field that carries the anti-forgery token.
pub const CSRF_FIELD: &str = "csrf_token";

/// A signed-in citizen: one account across every council of the instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitorCitizen {
    /// The citizen's account id (stable, instance-wide), as the identity brick issues it.
    pub id: String,
    /// The name to show in the header.
    pub name: String,
    /// The email address the account is reached at.
    pub email: String,
}

/// A signed-in member of a council's staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitorStaff {
    /// The staff account's id.
    pub id: String,
    /// The name to show in the header.
    pub name: String,
    /// The id of the one council this person works for (`store::CouncilId`'s value): a staff
    /// route of any other council must answer 403 or 404.
    pub council_id: i64,
    /// The slug of that council.
    pub council_slug: String,
    /// The roles held: `admin`, `caseworker`, `register-custodian`.
    pub roles: Vec<String>,
}

impl VisitorStaff {
    /// Whether this person holds `role` (an admin holds every role).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role || r == "admin")
    }

    /// Whether this person works for the council with this slug.
    pub fn works_for(&self, council_slug: &str) -> bool {
        self.council_slug == council_slug
    }
}

/// The visitor of one request: signed in or not, and the session's anti-forgery token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visitor {
    /// The signed-in citizen, if any.
    pub citizen: Option<VisitorCitizen>,
    /// The signed-in staff member, if any.
    pub staff: Option<VisitorStaff>,
    /// The token every form of this session must carry in [`CSRF_FIELD`].
    pub csrf_token: String,
}

impl Visitor {
    /// Nobody signed in, with the given anti-forgery token.
    pub fn anonymous(csrf_token: &str) -> Visitor {
        Visitor { citizen: None, staff: None, csrf_token: csrf_token.to_string() }
    }

    /// What the page header shows: the citizen's or staff member's name.
    pub fn signed_in(&self) -> Option<SignedIn> {
        self.citizen
            .as_ref()
            .map(|c| c.name.clone())
            .or_else(|| self.staff.as_ref().map(|s| s.name.clone()))
            .map(|name| SignedIn { name })
    }

    /// The hidden input every form must contain, as trusted HTML.
    pub fn csrf_input(&self) -> String {
        format!(r#"<input type="hidden" name="{CSRF_FIELD}" value="{}">"#, escape_attribute(&self.csrf_token))
    }
}

fn escape_attribute(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_shows_the_citizen_before_staff_and_the_token_is_escaped() {
        let mut visitor = Visitor::anonymous("a\"b");
        assert_eq!(visitor.signed_in(), None);
        assert_eq!(visitor.csrf_input(), r#"<input type="hidden" name="csrf_token" value="a&quot;b">"#);
        visitor.staff = Some(VisitorStaff {
            id: "s1".into(),
            name: "Sam Clerk".into(),
            council_id: 1,
            council_slug: "exampleshire".into(),
            roles: vec!["caseworker".into()],
        });
        assert_eq!(visitor.signed_in().map(|s| s.name), Some("Sam Clerk".to_string()));
        assert!(visitor.staff.as_ref().is_some_and(|s| s.has_role("caseworker") && !s.has_role("admin")));
        assert!(!visitor.staff.as_ref().is_some_and(|s| s.works_for("otherborough")));
        visitor.citizen = Some(VisitorCitizen { id: "c1".into(), name: "Ada".into(), email: "ada@example.com".into() });
        assert_eq!(visitor.signed_in().map(|s| s.name), Some("Ada".to_string()));
    }
}
