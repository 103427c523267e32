//! Passkeys (WebAuthn, with `webauthn-rs`): adding one to a signed-in citizen's account,
//! signing in with one (a discoverable credential: the authenticator names the account), and
//! renaming or removing one. Ceremony state travels as JSON the caller keeps in the session;
//! the HTTP side lives in `http::passkeys`.

use serde_json::Value;
use sqlx::Row;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use crate::{CitizenId, Identity, IdentityError, Result};

/// The longest name a passkey may be given.
const MAX_NAME_CHARS: usize = 100;

/// A passkey as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PasskeySummary {
    /// The row id.
    pub id: String,
    /// A name to tell passkeys apart.
    pub name: String,
    /// When it was added (RFC 3339).
    pub created_at: String,
    /// When it last signed in, if ever.
    pub last_used_at: Option<String>,
}

/// The first half of a ceremony: `options` go to the browser's `navigator.credentials`
/// (as `publicKey`), `state` stays on the server (in the session) until the answer comes back.
#[derive(Debug, Clone)]
pub struct PasskeyChallenge {
    /// The `CredentialCreationOptions` / `CredentialRequestOptions` JSON.
    pub options: Value,
    /// webauthn-rs's ceremony state, to pass to the matching `finish_…` call.
    pub state: Value,
}

fn refused(what: impl std::fmt::Display) -> IdentityError {
    IdentityError::Passkey(what.to_string())
}

fn to_json(value: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| IdentityError::Corrupt(e.to_string()))
}

/// How a credential id is stored (and looked up): unpadded base64url, as WebAuthn writes it.
fn credential_key(credential_id: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(credential_id)
}

/// A passkey name: trimmed, 1 to 100 characters.
fn check_passkey_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        Err(IdentityError::InvalidPasskeyName)
    } else {
        Ok(name.to_string())
    }
}

impl Identity {
    /// The relying party: its id is the host of the base URL, its origin the base URL. An IP
    /// address cannot be a relying party id, so passkeys are unavailable on such an instance.
    pub(crate) fn webauthn(&self) -> Result<Webauthn> {
        let origin = Url::parse(&self.config().base_url).map_err(|_| IdentityError::PasskeysUnavailable)?;
        let rp_id = origin.domain().ok_or(IdentityError::PasskeysUnavailable)?.to_string();
        WebauthnBuilder::new(&rp_id, &origin)
            .and_then(|b| b.rp_name(&self.config().site_name).build())
            .map_err(|_| IdentityError::PasskeysUnavailable)
    }

    /// Whether this instance can offer passkeys (its base URL has a host name, not an IP address).
    pub fn passkeys_available(&self) -> bool {
        self.webauthn().is_ok()
    }

    /// The passkeys of a citizen, oldest first.
    pub async fn passkeys_of(&self, citizen: &CitizenId) -> Result<Vec<PasskeySummary>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at FROM identity_passkeys WHERE citizen_id = $1 ORDER BY created_at, id",
        )
        .bind(&citizen.0)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PasskeySummary {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    last_used_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// One passkey of `citizen` (`None` if the id is unknown or someone else's).
    pub async fn passkey_of(&self, citizen: &CitizenId, id: &str) -> Result<Option<PasskeySummary>> {
        Ok(self.passkeys_of(citizen).await?.into_iter().find(|p| p.id == id))
    }

    /// Starts adding a passkey to `citizen`'s account. The authenticator is asked for a
    /// discoverable credential (so it can later sign in without an email address) and told
    /// which credentials the account already has.
    pub async fn start_passkey_registration(&self, citizen: &CitizenId) -> Result<PasskeyChallenge> {
        let webauthn = self.webauthn()?;
        let account = self.citizen(citizen).await?.ok_or_else(|| refused("the account no longer exists"))?;
        let user_id = Uuid::parse_str(&citizen.0).map_err(|e| IdentityError::Corrupt(e.to_string()))?;
        let existing = self.stored_passkeys(citizen).await?;
        let exclude = existing.iter().map(|p| p.cred_id().clone()).collect::<Vec<_>>();
        let display = if account.name.is_empty() { account.email.clone() } else { account.name.clone() };
        let (options, state) =
            webauthn.start_passkey_registration(user_id, &account.email, &display, Some(exclude)).map_err(refused)?;
        let mut options = to_json(&options)?;
        // webauthn-rs asks for a server-side credential; a passkey that can name its account lets
        // the citizen sign in with no email address. The server-side check is unchanged by this.
        if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
            selection["residentKey"] = Value::from("required");
            selection["requireResidentKey"] = Value::from(true);
        }
        Ok(PasskeyChallenge { options, state: to_json(&state)? })
    }

    /// Finishes adding a passkey: checks the authenticator's answer `response` (the JSON of a
    /// `PublicKeyCredential`) against `state` and stores the credential under `name`.
    pub async fn finish_passkey_registration(
        &self,
        citizen: &CitizenId,
        state: &Value,
        response: &Value,
        name: &str,
    ) -> Result<PasskeySummary> {
        let name = check_passkey_name(name)?;
        let webauthn = self.webauthn()?;
        let state: PasskeyRegistration =
            serde_json::from_value(state.clone()).map_err(|e| IdentityError::Corrupt(e.to_string()))?;
        let response: RegisterPublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|_| refused("the answer is not a passkey credential"))?;
        let passkey = webauthn.finish_passkey_registration(&response, &state).map_err(refused)?;
        let id = uuid::Uuid::new_v4().to_string();
        let created_at = store::now_timestamp();
        let credential_id = credential_key(passkey.cred_id().as_ref());
        sqlx::query(
            "INSERT INTO identity_passkeys (id, citizen_id, credential_id, passkey, name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(&citizen.0)
        .bind(&credential_id)
        .bind(to_json(&passkey)?.to_string())
        .bind(&name)
        .bind(&created_at)
        .execute(self.store().pool())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => refused("this passkey is already registered"),
            _ => IdentityError::Database(e),
        })?;
        Ok(PasskeySummary { id, name, created_at, last_used_at: None })
    }

    /// Starts a sign-in with a passkey. No account is named: the authenticator offers the
    /// passkeys it holds for this site and its answer says whose it is.
    pub fn start_passkey_sign_in(&self) -> Result<PasskeyChallenge> {
        let (mut options, state) = self.webauthn()?.start_discoverable_authentication().map_err(refused)?;
        // Conditional mediation (autofill) is for an input field; our button asks outright.
        options.mediation = None;
        Ok(PasskeyChallenge { options: to_json(&options)?, state: to_json(&state)? })
    }

    /// Finishes a passkey sign-in: the credential must be stored, belong to the account the
    /// authenticator names, answer this ceremony's challenge with a valid signature, and carry a
    /// signature counter above the stored one (a cloned authenticator replays old counters).
    /// Returns the citizen to start a session for. Refusals count against the client IP
    /// `ip` (the wrong-code limit), so guessing is throttled like wrong codes are.
    pub async fn finish_passkey_sign_in(&self, state: &Value, response: &Value, ip: &str) -> Result<CitizenId> {
        let bucket = format!("failed-passkey:ip:{ip}");
        self.check_rate(&bucket, self.config().rate_limits.wrong_codes_per_ip).await?;
        let result = self.check_passkey_assertion(state, response).await;
        if let Err(IdentityError::Passkey(_)) = &result {
            self.record_rate(&bucket).await?;
        }
        result
    }

    async fn check_passkey_assertion(&self, state: &Value, response: &Value) -> Result<CitizenId> {
        let webauthn = self.webauthn()?;
        let state: DiscoverableAuthentication =
            serde_json::from_value(state.clone()).map_err(|e| IdentityError::Corrupt(e.to_string()))?;
        let response: PublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|_| refused("the answer is not a passkey assertion"))?;
        let (user_id, credential_id) = webauthn.identify_discoverable_authentication(&response).map_err(refused)?;
        let credential_id = credential_key(credential_id);
        let row = sqlx::query("SELECT id, citizen_id, passkey FROM identity_passkeys WHERE credential_id = $1")
            .bind(&credential_id)
            .fetch_optional(self.store().pool())
            .await?
            .ok_or_else(|| refused("this passkey is not registered here"))?;
        let (row_id, owner, stored): (String, String, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if Uuid::parse_str(&owner).ok() != Some(user_id) {
            return Err(refused("the passkey belongs to another account"));
        }
        let mut passkey: Passkey = serde_json::from_str(&stored).map_err(|e| IdentityError::Corrupt(e.to_string()))?;
        let result = webauthn
            .finish_discoverable_authentication(&response, state, &[DiscoverableKey::from(&passkey)])
            .map_err(refused)?;
        passkey.update_credential(&result);
        // Compare-and-swap on the stored credential: of two sign-ins racing with one answer,
        // only the first moves the counter on.
        let done =
            sqlx::query("UPDATE identity_passkeys SET passkey = $1, last_used_at = $2 WHERE id = $3 AND passkey = $4")
                .bind(to_json(&passkey)?.to_string())
                .bind(store::now_timestamp())
                .bind(&row_id)
                .bind(&stored)
                .execute(self.store().pool())
                .await?;
        if done.rows_affected() != 1 {
            return Err(refused("the passkey was used at the same moment by another sign-in"));
        }
        Ok(CitizenId(owner))
    }

    /// Renames one of `citizen`'s passkeys.
    pub async fn rename_passkey(&self, citizen: &CitizenId, id: &str, name: &str) -> Result<()> {
        let name = check_passkey_name(name)?;
        let done = sqlx::query("UPDATE identity_passkeys SET name = $1 WHERE id = $2 AND citizen_id = $3")
            .bind(&name)
            .bind(id)
            .bind(&citizen.0)
            .execute(self.store().pool())
            .await?;
        if done.rows_affected() == 1 { Ok(()) } else { Err(IdentityError::UnknownPasskey) }
    }

    /// Removes one of `citizen`'s passkeys; it can no longer sign in.
    pub async fn remove_passkey(&self, citizen: &CitizenId, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM identity_passkeys WHERE id = $1 AND citizen_id = $2")
            .bind(id)
            .bind(&citizen.0)
            .execute(self.store().pool())
            .await?;
        if done.rows_affected() == 1 { Ok(()) } else { Err(IdentityError::UnknownPasskey) }
    }

    async fn stored_passkeys(&self, citizen: &CitizenId) -> Result<Vec<Passkey>> {
        let rows = sqlx::query("SELECT passkey FROM identity_passkeys WHERE citizen_id = $1")
            .bind(&citizen.0)
            .fetch_all(self.store().pool())
            .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.try_get(0)?;
                serde_json::from_str(&text).map_err(|e| IdentityError::Corrupt(e.to_string()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkey_names_are_trimmed_and_bounded() {
        assert_eq!(check_passkey_name("  Phone ").ok().as_deref(), Some("Phone"));
        assert!(check_passkey_name("   ").is_err());
        assert!(check_passkey_name(&"x".repeat(101)).is_err());
        assert!(check_passkey_name(&"x".repeat(100)).is_ok());
    }
}
