//! Server-side sessions. The cookie holds a random 256-bit id; the table holds only its hash,
//! with the kind of account, the account, the CSRF token, any journey in progress, and the idle
//! and absolute expiry. Signing in always starts a new session (the old id dies), so an id
//! planted before sign-in is worthless after it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::secret::{hash, now_unix, random_token};
use crate::{CitizenId, Identity, IdentityError, Result, StaffId};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "guildhall_session";

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionAccount {
    /// Nobody signed in (the session only carries a CSRF token and journeys in progress).
    Anonymous,
    /// A signed-in citizen.
    Citizen(CitizenId),
    /// A signed-in member of staff.
    Staff(StaffId),
}

impl SessionAccount {
    fn kind(&self) -> &'static str {
        match self {
            SessionAccount::Anonymous => "anonymous",
            SessionAccount::Citizen(_) => "citizen",
            SessionAccount::Staff(_) => "staff",
        }
    }

    fn account_id(&self) -> Option<&str> {
        match self {
            SessionAccount::Anonymous => None,
            SessionAccount::Citizen(id) => Some(&id.0),
            SessionAccount::Staff(id) => Some(&id.0),
        }
    }

    fn from_columns(kind: &str, account_id: Option<String>) -> Result<SessionAccount> {
        match (kind, account_id) {
            ("anonymous", _) => Ok(SessionAccount::Anonymous),
            ("citizen", Some(id)) => Ok(SessionAccount::Citizen(CitizenId(id))),
            ("staff", Some(id)) => Ok(SessionAccount::Staff(StaffId(id))),
            (kind, _) => Err(IdentityError::Corrupt(format!("session kind {kind:?} without an account"))),
        }
    }
}

/// A sign-in by emailed code in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCode {
    /// The code row the citizen must now match.
    pub code_id: String,
    /// The address it was sent to.
    pub email: String,
    /// `Some(council slug)` for a staff sign-in.
    pub staff_council: Option<String>,
}

/// Journeys in progress, kept in the session (no secrets in the clear).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// A code sign-in waiting for its code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<PendingCode>,
    /// Where to go after signing in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    /// webauthn-rs's state of a passkey registration in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_registration: Option<serde_json::Value>,
    /// webauthn-rs's state of a passkey authentication in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_authentication: Option<serde_json::Value>,
}

/// The session of the current request, as the middleware found or started it.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    /// The SHA-256 of the session id.
    pub id_hash: String,
    /// The id itself, for the cookie of a session not yet stored.
    pub(crate) raw_id: Option<String>,
    /// Who is signed in.
    pub account: SessionAccount,
    /// The token forms must carry.
    pub csrf_token: String,
    /// Journeys in progress.
    pub pending: Pending,
    /// Whether the row exists (false for a session the middleware will store only if needed).
    pub(crate) stored: Arc<AtomicBool>,
}

impl CurrentSession {
    /// Whether a row exists for this session.
    pub fn is_stored(&self) -> bool {
        self.stored.load(Ordering::SeqCst)
    }
}

/// A newly started session: the cookie to set and what it holds.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The full `Set-Cookie` header value.
    pub set_cookie: String,
    /// The session as stored.
    pub session: CurrentSession,
}

impl Identity {
    /// The `Set-Cookie` value that gives the browser session id `raw_id`: HttpOnly,
    /// SameSite=Lax, Path=/, Secure unless the base URL is plain-HTTP localhost.
    pub fn session_cookie(&self, raw_id: &str) -> String {
        let secure = if self.config().secure_cookies() { "; Secure" } else { "" };
        let max_age = self.config().session_absolute.as_secs();
        format!("{SESSION_COOKIE}={raw_id}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn clear_session_cookie(&self) -> String {
        let secure = if self.config().secure_cookies() { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}")
    }

    /// A session not yet stored: an anonymous visitor's, stored by [`Identity::store_session`]
    /// only when a page needs it, so crawlers and asset requests write nothing.
    pub fn unstored_session(&self) -> CurrentSession {
        let raw = random_token();
        CurrentSession {
            id_hash: hash(&raw),
            raw_id: Some(raw),
            account: SessionAccount::Anonymous,
            csrf_token: random_token(),
            pending: Pending::default(),
            stored: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Stores an unstored session (no-op when it is stored); returns its cookie if it was new.
    pub async fn store_session(&self, session: &CurrentSession) -> Result<Option<String>> {
        if session.stored.swap(true, Ordering::SeqCst) {
            return Ok(None);
        }
        let now = now_unix();
        sqlx::query(
            "INSERT INTO identity_sessions (id_hash, kind, account_id, csrf_token, pending, created_at, last_seen_at, \
             idle_expires_at, absolute_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) \
             ON CONFLICT (id_hash) DO NOTHING",
        )
        .bind(&session.id_hash)
        .bind(session.account.kind())
        .bind(session.account.account_id())
        .bind(&session.csrf_token)
        .bind(serde_json::to_string(&session.pending).map_err(|e| IdentityError::Corrupt(e.to_string()))?)
        .bind(now)
        .bind(now + self.config().session_idle.as_secs() as i64)
        .bind(now + self.config().session_absolute.as_secs() as i64)
        .execute(self.store().pool())
        .await?;
        Ok(session.raw_id.as_deref().map(|raw| self.session_cookie(raw)))
    }

    /// The live session whose cookie value is `raw_id`, its idle expiry pushed on; `None` when
    /// unknown or expired (an expired row is deleted).
    pub async fn load_session(&self, raw_id: &str) -> Result<Option<CurrentSession>> {
        let id_hash = hash(raw_id);
        let row = sqlx::query(
            "SELECT kind, account_id, csrf_token, pending, last_seen_at, idle_expires_at, absolute_expires_at \
             FROM identity_sessions WHERE id_hash = $1",
        )
        .bind(&id_hash)
        .fetch_optional(self.store().pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = now_unix();
        let last_seen: i64 = row.try_get(4)?;
        let idle_expires: i64 = row.try_get(5)?;
        let absolute_expires: i64 = row.try_get(6)?;
        if now >= idle_expires || now >= absolute_expires {
            self.delete_session(&id_hash).await?;
            return Ok(None);
        }
        // Writing on every request would make each page a write; a minute's precision is plenty.
        if now - last_seen >= 60 {
            sqlx::query("UPDATE identity_sessions SET last_seen_at = $1, idle_expires_at = $2 WHERE id_hash = $3")
                .bind(now)
                .bind((now + self.config().session_idle.as_secs() as i64).min(absolute_expires))
                .bind(&id_hash)
                .execute(self.store().pool())
                .await?;
        }
        let kind: String = row.try_get(0)?;
        let pending: String = row.try_get(3)?;
        Ok(Some(CurrentSession {
            id_hash,
            raw_id: None,
            account: SessionAccount::from_columns(&kind, row.try_get(1)?)?,
            csrf_token: row.try_get(2)?,
            pending: serde_json::from_str(&pending).unwrap_or_default(),
            stored: Arc::new(AtomicBool::new(true)),
        }))
    }

    /// Saves the journeys in progress of `session`, storing the session first if needed.
    /// Returns the cookie to set if the session was only now stored.
    pub async fn save_pending(&self, session: &CurrentSession, pending: &Pending) -> Result<Option<String>> {
        let mut with_pending = session.clone();
        with_pending.pending = pending.clone();
        let cookie = self.store_session(&with_pending).await?;
        sqlx::query("UPDATE identity_sessions SET pending = $1 WHERE id_hash = $2")
            .bind(serde_json::to_string(pending).map_err(|e| IdentityError::Corrupt(e.to_string()))?)
            .bind(&session.id_hash)
            .execute(self.store().pool())
            .await?;
        Ok(cookie)
    }

    /// Replaces the journeys in progress with `next` only if the stored ones are still those
    /// `session` was loaded with, so a ceremony's state is used at most once even when two
    /// requests race; `false` when another request changed them first.
    pub async fn replace_pending(&self, session: &CurrentSession, next: &Pending) -> Result<bool> {
        let json = |p: &Pending| serde_json::to_string(p).map_err(|e| IdentityError::Corrupt(e.to_string()));
        let done = sqlx::query("UPDATE identity_sessions SET pending = $1 WHERE id_hash = $2 AND pending = $3")
            .bind(json(next)?)
            .bind(&session.id_hash)
            .bind(json(&session.pending)?)
            .execute(self.store().pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Starts a signed-in session for `account`, ending `replacing` (the session the person
    /// signed in from) so its id cannot be reused; returns the cookie to set.
    pub async fn start_session(
        &self,
        account: SessionAccount,
        replacing: Option<&CurrentSession>,
    ) -> Result<NewSession> {
        if let Some(old) = replacing {
            self.delete_session(&old.id_hash).await?;
        }
        let mut session = self.unstored_session();
        session.account = account;
        let set_cookie = self.store_session(&session).await?.unwrap_or_default();
        session.raw_id = None;
        Ok(NewSession { set_cookie, session })
    }

    /// Signs a citizen in (for journeys outside this brick, such as OpenID Connect): a new
    /// session replacing `replacing`; put the returned `set_cookie` on the response.
    pub async fn start_citizen_session(
        &self,
        citizen: &CitizenId,
        replacing: Option<&CurrentSession>,
    ) -> Result<NewSession> {
        self.start_session(SessionAccount::Citizen(citizen.clone()), replacing).await
    }

    /// Ends one session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM identity_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.store().pool())
            .await?;
        Ok(())
    }

    /// Ends every session of an account ("sign out everywhere"); returns how many ended.
    pub async fn sign_out_everywhere(&self, account: &SessionAccount) -> Result<u64> {
        let Some(account_id) = account.account_id() else { return Ok(0) };
        let done = sqlx::query("DELETE FROM identity_sessions WHERE kind = $1 AND account_id = $2")
            .bind(account.kind())
            .bind(account_id)
            .execute(self.store().pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes every expired session; the binary may call it now and then.
    pub async fn delete_expired_sessions(&self) -> Result<u64> {
        let now = now_unix();
        let done =
            sqlx::query("DELETE FROM identity_sessions WHERE idle_expires_at <= $1 OR absolute_expires_at <= $1")
                .bind(now)
                .execute(self.store().pool())
                .await?;
        Ok(done.rows_affected())
    }
}
