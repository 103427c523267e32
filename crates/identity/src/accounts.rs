//! Accounts: citizens (one per person for the whole instance, no council) and staff (each in
//! one council, with roles), and links from external sign-in subjects to citizens.

use sqlx::Row;
use store::CouncilId;

use crate::{Identity, IdentityError, Result};

/// An email address, trimmed and checked; compared case-insensitively through [`EmailAddress::key`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address: one `@`, something before it, a dotted domain after, no spaces, at
    /// most 254 characters.
    pub fn parse(text: &str) -> Result<EmailAddress> {
        let text = text.trim();
        let ok = text.len() <= 254
            && !text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',')
            && match text.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if ok { Ok(EmailAddress(text.to_string())) } else { Err(IdentityError::InvalidEmail) }
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-case form that makes addresses unique.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A citizen's account id (a UUID), stable across every council.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CitizenId(pub String);

/// A citizen's account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Citizen {
    /// The account id.
    pub id: CitizenId,
    /// The address codes are sent to.
    pub email: String,
    /// The name they gave; empty until a new account has been asked for it.
    pub name: String,
}

/// A staff account's id (a UUID).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct StaffId(pub String);

/// What a member of staff may do in their council.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Role {
    /// Runs the council's configuration and staff; holds every other role.
    Admin,
    /// Works on cases.
    Caseworker,
    /// Keeps the council's registers.
    RegisterCustodian,
}

impl Role {
    /// The role's name as stored and shown: `admin`, `caseworker`, `register-custodian`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Caseworker => "caseworker",
            Role::RegisterCustodian => "register-custodian",
        }
    }

    /// Parses a role name.
    pub fn parse(text: &str) -> Result<Role> {
        match text.trim() {
            "admin" => Ok(Role::Admin),
            "caseworker" => Ok(Role::Caseworker),
            "register-custodian" => Ok(Role::RegisterCustodian),
            other => Err(IdentityError::UnknownRole(other.to_string())),
        }
    }
}

/// A member of one council's staff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Staff {
    /// The account id.
    pub id: StaffId,
    /// The one council they work for.
    pub council_id: CouncilId,
    /// Their work email address.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their roles.
    pub roles: Vec<Role>,
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 { Err(IdentityError::InvalidName) } else { Ok(name.to_string()) }
}

fn citizen_from_row(row: &sqlx::any::AnyRow) -> Result<Citizen> {
    Ok(Citizen { id: CitizenId(row.try_get(0)?), email: row.try_get(1)?, name: row.try_get(2)? })
}

fn staff_from_row(row: &sqlx::any::AnyRow) -> Result<Staff> {
    let roles: String = row.try_get(4)?;
    let roles = roles.split(',').filter(|r| !r.is_empty()).map(Role::parse).collect::<Result<Vec<Role>>>()?;
    Ok(Staff {
        id: StaffId(row.try_get(0)?),
        council_id: CouncilId(row.try_get(1)?),
        email: row.try_get(2)?,
        name: row.try_get(3)?,
        roles,
    })
}

fn unique_violation(e: sqlx::Error, email: &str) -> IdentityError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => IdentityError::DuplicateAccount(email.to_string()),
        _ => IdentityError::Database(e),
    }
}

const CITIZEN_COLUMNS: &str = "id, email, name";
const STAFF_COLUMNS: &str = "id, council_id, email, name, roles";

impl Identity {
    /// Creates a citizen account; the email must be new (case-insensitively).
    pub async fn create_citizen(&self, email: &str, name: &str) -> Result<Citizen> {
        let email = EmailAddress::parse(email)?;
        let name = check_name(name)?;
        self.insert_citizen(&email, &name).await
    }

    async fn insert_citizen(&self, email: &EmailAddress, name: &str) -> Result<Citizen> {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO identity_citizens (id, email, email_key, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(email.as_str())
        .bind(email.key())
        .bind(name)
        .bind(store::now_timestamp())
        .execute(self.store().pool())
        .await
        .map_err(|e| unique_violation(e, email.as_str()))?;
        Ok(Citizen { id: CitizenId(id), email: email.as_str().to_string(), name: name.to_string() })
    }

    /// The citizen with this email address (any case), if any.
    pub async fn citizen_by_email(&self, email: &str) -> Result<Option<Citizen>> {
        let Ok(email) = EmailAddress::parse(email) else { return Ok(None) };
        let row = sqlx::query(&format!("SELECT {CITIZEN_COLUMNS} FROM identity_citizens WHERE email_key = $1"))
            .bind(email.key())
            .fetch_optional(self.store().pool())
            .await?;
        row.as_ref().map(citizen_from_row).transpose()
    }

    /// The citizen with this id, if any.
    pub async fn citizen(&self, id: &CitizenId) -> Result<Option<Citizen>> {
        let row = sqlx::query(&format!("SELECT {CITIZEN_COLUMNS} FROM identity_citizens WHERE id = $1"))
            .bind(&id.0)
            .fetch_optional(self.store().pool())
            .await?;
        row.as_ref().map(citizen_from_row).transpose()
    }

    /// The citizen who has just proved they own `email`: found, or created with no name yet
    /// (the sign-in journey asks for it next). The flag says whether the account is new.
    pub async fn citizen_for_verified_email(&self, email: &EmailAddress) -> Result<(Citizen, bool)> {
        if let Some(citizen) = self.citizen_by_email(email.as_str()).await? {
            return Ok((citizen, false));
        }
        match self.insert_citizen(email, "").await {
            Ok(citizen) => Ok((citizen, true)),
            // Two sign-ins raced: the other created it.
            Err(IdentityError::DuplicateAccount(_)) => self
                .citizen_by_email(email.as_str())
                .await?
                .map(|c| (c, false))
                .ok_or_else(|| IdentityError::Corrupt("citizen vanished after a duplicate insert".into())),
            Err(e) => Err(e),
        }
    }

    /// Sets a citizen's name.
    pub async fn set_citizen_name(&self, id: &CitizenId, name: &str) -> Result<()> {
        let name = check_name(name)?;
        sqlx::query("UPDATE identity_citizens SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(&id.0)
            .execute(self.store().pool())
            .await?;
        Ok(())
    }

    /// The citizen an external OpenID Connect provider vouches for: the one already linked to
    /// `(issuer, subject)`; else the one with `email` (pass only an email the provider says is
    /// verified), which is then linked; else a new account (named `name`, if given), linked.
    pub async fn citizen_for_external_subject(
        &self,
        issuer: &str,
        subject: &str,
        email: &str,
        name: Option<&str>,
    ) -> Result<CitizenId> {
        let linked =
            sqlx::query("SELECT citizen_id FROM identity_external_subjects WHERE issuer = $1 AND subject = $2")
                .bind(issuer)
                .bind(subject)
                .fetch_optional(self.store().pool())
                .await?;
        if let Some(row) = linked {
            return Ok(CitizenId(row.try_get(0)?));
        }
        let email = EmailAddress::parse(email)?;
        let (citizen, created) = self.citizen_for_verified_email(&email).await?;
        if created && let Some(name) = name.filter(|n| !n.trim().is_empty()) {
            self.set_citizen_name(&citizen.id, name).await?;
        }
        sqlx::query(
            "INSERT INTO identity_external_subjects (issuer, subject, citizen_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (issuer, subject) DO NOTHING",
        )
        .bind(issuer)
        .bind(subject)
        .bind(&citizen.id.0)
        .bind(store::now_timestamp())
        .execute(self.store().pool())
        .await?;
        Ok(citizen.id)
    }

    /// Creates a staff account in `council_id` with `roles`; the email must be new in that council.
    pub async fn create_staff(&self, council_id: CouncilId, email: &str, name: &str, roles: &[Role]) -> Result<Staff> {
        let email = EmailAddress::parse(email)?;
        let name = check_name(name)?;
        let id = uuid::Uuid::new_v4().to_string();
        let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        sqlx::query(
            "INSERT INTO identity_staff (id, council_id, email, email_key, name, roles, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(council_id.0)
        .bind(email.as_str())
        .bind(email.key())
        .bind(&name)
        .bind(role_names.join(","))
        .bind(store::now_timestamp())
        .execute(self.store().pool())
        .await
        .map_err(|e| unique_violation(e, email.as_str()))?;
        Ok(Staff { id: StaffId(id), council_id, email: email.as_str().to_string(), name, roles: roles.to_vec() })
    }

    /// The staff member of `council_id` with this email, if any.
    pub async fn staff_by_email(&self, council_id: CouncilId, email: &str) -> Result<Option<Staff>> {
        let Ok(email) = EmailAddress::parse(email) else { return Ok(None) };
        let row = sqlx::query(&format!(
            "SELECT {STAFF_COLUMNS} FROM identity_staff WHERE council_id = $1 AND email_key = $2"
        ))
        .bind(council_id.0)
        .bind(email.key())
        .fetch_optional(self.store().pool())
        .await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    /// The staff account with this id, if any.
    pub async fn staff(&self, id: &StaffId) -> Result<Option<Staff>> {
        let row = sqlx::query(&format!("SELECT {STAFF_COLUMNS} FROM identity_staff WHERE id = $1"))
            .bind(&id.0)
            .fetch_optional(self.store().pool())
            .await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    /// Every staff member of `council_id`, by name.
    pub async fn staff_of_council(&self, council_id: CouncilId) -> Result<Vec<Staff>> {
        let rows =
            sqlx::query(&format!("SELECT {STAFF_COLUMNS} FROM identity_staff WHERE council_id = $1 ORDER BY name, id"))
                .bind(council_id.0)
                .fetch_all(self.store().pool())
                .await?;
        rows.iter().map(staff_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_and_keyed_in_lower_case() {
        let email = EmailAddress::parse("  Ada.Lovelace@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "Ada.Lovelace@Example.COM");
        assert_eq!(email.key(), "ada.lovelace@example.com");
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "a@b@example.com", "a@.com"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in [Role::Admin, Role::Caseworker, Role::RegisterCustodian] {
            assert_eq!(Role::parse(role.as_str()).ok(), Some(role));
        }
        assert!(Role::parse("mayor").is_err());
    }
}
