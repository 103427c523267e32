//! The words of consent: who asks ([`Service`]), what they may read ([`Scope`] of a
//! [`RegisterRef`]), the [`Grant`] and its [`GrantState`], the access log's [`AccessLogEntry`],
//! and what a read hands back ([`ConsentedRead`]). No storage or HTTP lives here.

use std::collections::BTreeMap;

use registers::{Owner, RegisterName};
use serde::{Deserialize, Serialize};
use store::CouncilId;
use time::OffsetDateTime;

use crate::error::ConsentError;

/// A grant's (and its request's) id: random, so one citizen's requests cannot be guessed from
/// another's; the request page's URL carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GrantId(pub String);

/// A request is the grant row before the citizen answers: the same id names both.
pub type RequestId = GrantId;

impl GrantId {
    /// A new random id.
    pub(crate) fn generate() -> GrantId {
        GrantId(uuid::Uuid::new_v4().simple().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for GrantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A council's service that asks to read registers: the council it belongs to, its slug (what
/// grants are checked against) and its name (what the citizen is shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// The council the service belongs to; its grants never let another council read.
    pub council_id: CouncilId,
    /// The service's slug, unique within the council (`parking-permit`).
    pub slug: String,
    /// The service's name as citizens see it ("Apply for a parking permit").
    pub name: String,
}

impl Service {
    /// A service of a council.
    pub fn new(council_id: CouncilId, slug: &str, name: &str) -> Service {
        Service { council_id, slug: slug.to_string(), name: name.to_string() }
    }
}

/// Which register: national (shared) or one council's, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegisterRef {
    /// Who owns it.
    pub owner: Owner,
    /// Its name.
    pub name: RegisterName,
}

impl RegisterRef {
    /// A national register.
    pub fn national(name: &str) -> Result<RegisterRef, ConsentError> {
        Ok(RegisterRef { owner: Owner::National, name: RegisterName::parse(name)? })
    }

    /// A council's own register.
    pub fn council(council_id: CouncilId, name: &str) -> Result<RegisterRef, ConsentError> {
        Ok(RegisterRef { owner: Owner::Council(council_id), name: RegisterName::parse(name)? })
    }

    /// The stored owner column: the council's id, or 0 for national.
    pub(crate) fn owner_code(&self) -> i64 {
        self.owner.council_id().unwrap_or(0)
    }

    pub(crate) fn from_code(owner: i64, name: &str) -> Result<RegisterRef, ConsentError> {
        let owner = if owner == 0 { Owner::National } else { Owner::Council(CouncilId(owner)) };
        Ok(RegisterRef { owner, name: RegisterName::parse(name)? })
    }
}

/// One register and the fields of it a grant lets a service read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The register.
    pub register: RegisterRef,
    /// Its fields that may be read; any other field is refused.
    pub fields: Vec<String>,
}

impl Scope {
    /// A scope over `register`'s `fields`.
    pub fn new(register: RegisterRef, fields: &[&str]) -> Scope {
        Scope { register, fields: fields.iter().map(|f| f.to_string()).collect() }
    }
}

/// How scopes are kept in the grant row (JSON text).
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredScope {
    pub owner: i64,
    pub register: String,
    pub fields: Vec<String>,
}

/// Where a grant is in its life. `Expired` is never stored: a granted grant whose expiry has
/// passed is expired from that instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantState {
    /// Asked, not yet answered.
    Requested,
    /// Agreed and live: reads are allowed until it expires or is revoked.
    Granted,
    /// The citizen said no.
    Declined,
    /// The citizen withdrew it.
    Revoked,
    /// It ran out.
    Expired,
}

impl GrantState {
    /// The stored code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            GrantState::Requested => "requested",
            GrantState::Granted => "granted",
            GrantState::Declined => "declined",
            GrantState::Revoked => "revoked",
            GrantState::Expired => "expired",
        }
    }

    pub(crate) fn parse(code: &str) -> Result<GrantState, ConsentError> {
        Ok(match code {
            "requested" => GrantState::Requested,
            "granted" => GrantState::Granted,
            "declined" => GrantState::Declined,
            "revoked" => GrantState::Revoked,
            "expired" => GrantState::Expired,
            other => return Err(ConsentError::Corrupt(format!("unknown grant state {other:?}"))),
        })
    }

    /// The state in plain words, for pages.
    pub fn label(self) -> &'static str {
        match self {
            GrantState::Requested => "Waiting for your answer",
            GrantState::Granted => "Active",
            GrantState::Declined => "Declined",
            GrantState::Revoked => "Revoked",
            GrantState::Expired => "Expired",
        }
    }
}

/// A consent grant (or the request for one), as the citizen sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// Its id (also the request's id).
    pub id: GrantId,
    /// The service asking, and its council.
    pub service: Service,
    /// The citizen's account id.
    pub citizen: String,
    /// What it may read.
    pub scopes: Vec<Scope>,
    /// Why, in plain words.
    pub purpose: String,
    /// How long a grant lasts from the moment the citizen agrees.
    pub duration: time::Duration,
    /// Where the citizen goes after answering (a path on this site).
    pub return_to: String,
    /// Its state at the time it was read (expired already applied).
    pub state: GrantState,
    /// When the service asked.
    pub requested_at: OffsetDateTime,
    /// When the citizen answered.
    pub decided_at: Option<OffsetDateTime>,
    /// When a granted grant stops allowing reads.
    pub expires_at: Option<OffsetDateTime>,
    /// When the citizen revoked it.
    pub revoked_at: Option<OffsetDateTime>,
}

impl Grant {
    /// Whether it allows reads right now (as of when it was loaded).
    pub fn is_live(&self) -> bool {
        self.state == GrantState::Granted
    }

    /// The scope for a register, if the grant covers it.
    pub fn scope_for(&self, register: &RegisterRef) -> Option<&Scope> {
        self.scopes.iter().find(|s| &s.register == register)
    }
}

/// What a service asks a citizen for; [`crate::Consent::request`] stores it as a request.
#[derive(Debug, Clone)]
pub struct ConsentRequest {
    /// The service asking, and its council.
    pub service: Service,
    /// The citizen's account id (`web::VisitorCitizen::id`).
    pub citizen: String,
    /// What it wants to read.
    pub scopes: Vec<Scope>,
    /// Why, in plain words the citizen will read.
    pub purpose: String,
    /// How long the grant lasts once agreed.
    pub duration: time::Duration,
    /// A path on this site (`/exampleshire/parking/...`) to send the citizen back to after
    /// answering; anything else (another host, `//x`) is refused.
    pub return_to: String,
}

/// The staff roles that may read a citizen's records without a grant, for their council's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaffRole {
    /// Works a citizen's case.
    Caseworker,
    /// Keeps a register.
    RegisterCustodian,
}

impl StaffRole {
    /// The role's code as the identity brick writes it (`caseworker`, `register-custodian`).
    pub fn code(self) -> &'static str {
        match self {
            StaffRole::Caseworker => "caseworker",
            StaffRole::RegisterCustodian => "register-custodian",
        }
    }

    /// Parses a role code; other roles (admin alone included) do not read citizens' records.
    pub fn parse(code: &str) -> Result<StaffRole, ConsentError> {
        match code {
            "caseworker" => Ok(StaffRole::Caseworker),
            "register-custodian" | "custodian" => Ok(StaffRole::RegisterCustodian),
            other => Err(ConsentError::RoleNotAllowed(other.to_string())),
        }
    }

    /// The role in plain words.
    pub fn label(self) -> &'static str {
        match self {
            StaffRole::Caseworker => "caseworker",
            StaffRole::RegisterCustodian => "register custodian",
        }
    }
}

/// A member of staff reading a record about a citizen (see [`crate::Consent::read_as_staff`]).
#[derive(Debug, Clone)]
pub struct StaffRead {
    /// The council the staff member works for; only its registers and national ones are readable.
    pub council_id: CouncilId,
    /// The staff account's id.
    pub staff_id: String,
    /// The role they read in.
    pub role: StaffRole,
    /// The citizen the record is about: the read appears on their "Your data" page.
    pub citizen: String,
    /// The register.
    pub register: RegisterRef,
    /// The record's key.
    pub key: String,
    /// The fields wanted.
    pub fields: Vec<String>,
    /// Why, in plain words the citizen will read.
    pub purpose: String,
}

/// A record read under consent (or by staff): only the fields asked for and allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentedRead {
    /// The register read.
    pub register: RegisterRef,
    /// The record's key.
    pub key: String,
    /// The record's entry number (which version was read).
    pub entry_number: u64,
    /// The fields, by name; a granted field the record does not have is absent.
    pub fields: BTreeMap<String, serde_json::Value>,
    /// The access-log row written for this read, committed before it was returned.
    pub log_id: i64,
}

/// Who read: a service under a grant, or a member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A council's service, under a grant.
    Service {
        /// The service's slug.
        slug: String,
        /// The service's name.
        name: String,
    },
    /// A member of a council's staff.
    Staff {
        /// Their account id.
        id: String,
        /// The role they read in.
        role: StaffRole,
    },
}

/// Whether a read was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The data was returned.
    Allowed,
    /// Nothing was returned; the row says why.
    Refused,
}

/// One row of the access log.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessLogEntry {
    /// Its id (increasing).
    pub id: i64,
    /// When.
    pub at: OffsetDateTime,
    /// The council whose service or staff read.
    pub council_id: CouncilId,
    /// The citizen the record is about.
    pub citizen: String,
    /// The grant used, if any.
    pub grant_id: Option<GrantId>,
    /// Who read.
    pub actor: Actor,
    /// Which register.
    pub register: RegisterRef,
    /// Which record.
    pub key: String,
    /// Which fields were asked for.
    pub fields: Vec<String>,
    /// Why (the grant's purpose, or the staff member's).
    pub purpose: String,
    /// Served or refused.
    pub outcome: Outcome,
    /// Why it was refused.
    pub reason: Option<String>,
}

/// Turns a field or register name into plain words: `registration-number` → "Registration number".
pub fn plain_name(name: &str) -> String {
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_read_as_plain_words() {
        assert_eq!(plain_name("registration-number"), "Registration number");
        assert_eq!(plain_name("make"), "Make");
        assert_eq!(plain_name(""), "");
    }

    #[test]
    fn only_caseworkers_and_custodians_read_as_staff() {
        assert_eq!(StaffRole::parse("caseworker").ok(), Some(StaffRole::Caseworker));
        assert_eq!(StaffRole::parse("register-custodian").ok(), Some(StaffRole::RegisterCustodian));
        assert!(matches!(StaffRole::parse("admin"), Err(ConsentError::RoleNotAllowed(_))));
    }
}
