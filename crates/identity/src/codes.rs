//! Sign-in by a one-time code sent by email: six digits, stored hashed, valid for the configured
//! lifetime (15 minutes), used once, dead after the configured number of wrong tries (5).
//! Requests are limited per email address and per client IP, wrong codes per client IP.

use sqlx::Row;
use store::CouncilId;

use crate::secret::{equal, hash, now_unix, six_digit_code};
use crate::{EmailAddress, Identity, IdentityError, Result};

/// Whose sign-in a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeAudience {
    /// A citizen (instance-wide account).
    Citizen,
    /// A member of this council's staff.
    Staff(CouncilId),
}

/// A code that was sent (or, for an email with no staff account, pretended to be sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRequest {
    /// The id of the code row, kept in the session until the code is entered.
    pub code_id: String,
}

fn code_hash(code_id: &str, code: &str) -> String {
    hash(&format!("{code_id}:{code}"))
}

impl Identity {
    /// Sends a sign-in code to `email` for `audience`, from client address `client_ip`. For a
    /// staff audience with no staff account at that address, nothing is sent but the answer is
    /// the same, so the form does not reveal who works for the council.
    pub async fn request_code(
        &self,
        audience: CodeAudience,
        email: &EmailAddress,
        client_ip: &str,
    ) -> Result<CodeRequest> {
        let limits = self.config().rate_limits.clone();
        let email_bucket = format!("code-request:email:{}", email.key());
        let ip_bucket = format!("code-request:ip:{client_ip}");
        self.check_rate(&email_bucket, limits.code_requests_per_email).await?;
        self.check_rate(&ip_bucket, limits.code_requests_per_ip).await?;
        self.record_rate(&email_bucket).await?;
        self.record_rate(&ip_bucket).await?;

        let code_id = uuid::Uuid::new_v4().to_string();
        let code = six_digit_code();
        let now = now_unix();
        let (kind, council_id) = match audience {
            CodeAudience::Citizen => ("citizen", 0),
            CodeAudience::Staff(council) => ("staff", council.0),
        };
        sqlx::query(
            "INSERT INTO identity_sign_in_codes (id, kind, council_id, email_key, code_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&code_id)
        .bind(kind)
        .bind(council_id)
        .bind(email.key())
        .bind(code_hash(&code_id, &code))
        .bind(now)
        .bind(now + self.config().code_lifetime.as_secs() as i64)
        .execute(self.store().pool())
        .await?;

        let send = match audience {
            CodeAudience::Citizen => true,
            CodeAudience::Staff(council) => self.staff_by_email(council, email.as_str()).await?.is_some(),
        };
        if send {
            let minutes = self.config().code_lifetime.as_secs() / 60;
            let subject = format!("{code} is your {} sign-in code", self.config().site_name);
            let body = format!(
                "Your sign-in code is {code}\n\nEnter it on the sign-in page within {minutes} minutes. \
                 It works once.\n\nIf you did not ask to sign in, you can ignore this email: nobody can \
                 sign in without the code.\n"
            );
            self.email_sender().send(email.as_str(), &subject, &body).await?;
        }
        Ok(CodeRequest { code_id })
    }

    /// Checks `code` against the code row `code_id` for a sign-in from `client_ip`. A right code
    /// is used up and its email address returned; a wrong one counts against the code and the IP.
    pub async fn verify_code(&self, code_id: &str, code: &str, client_ip: &str) -> Result<EmailAddress> {
        let ip_bucket = format!("wrong-code:ip:{client_ip}");
        self.check_rate(&ip_bucket, self.config().rate_limits.wrong_codes_per_ip).await?;
        let row = sqlx::query(
            "SELECT email_key, code_hash, expires_at, wrong_tries, used_at FROM identity_sign_in_codes WHERE id = $1",
        )
        .bind(code_id)
        .fetch_optional(self.store().pool())
        .await?;
        let Some(row) = row else { return Err(IdentityError::CodeNotUsable) };
        let email_key: String = row.try_get(0)?;
        let stored_hash: String = row.try_get(1)?;
        let expires_at: i64 = row.try_get(2)?;
        let wrong_tries: i64 = row.try_get(3)?;
        let used_at: Option<i64> = row.try_get(4)?;
        let now = now_unix();
        let max_tries = self.config().code_max_wrong_tries;
        if used_at.is_some() || now >= expires_at || wrong_tries >= max_tries {
            return Err(IdentityError::CodeNotUsable);
        }
        let code: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if !equal(&code_hash(code_id, &code), &stored_hash) {
            sqlx::query("UPDATE identity_sign_in_codes SET wrong_tries = wrong_tries + 1 WHERE id = $1")
                .bind(code_id)
                .execute(self.store().pool())
                .await?;
            self.record_rate(&ip_bucket).await?;
            return Err(IdentityError::WrongCode);
        }
        // Only one of two racing requests with the right code gets the row.
        let used = sqlx::query(
            "UPDATE identity_sign_in_codes SET used_at = $1 \
             WHERE id = $2 AND used_at IS NULL AND expires_at > $1 AND wrong_tries < $3",
        )
        .bind(now)
        .bind(code_id)
        .bind(max_tries)
        .execute(self.store().pool())
        .await?;
        if used.rows_affected() != 1 {
            return Err(IdentityError::CodeNotUsable);
        }
        EmailAddress::parse(&email_key)
    }

    /// Makes a code unusable at once by moving its expiry to the past (for tests and for an
    /// administrator cancelling a sign-in).
    pub async fn expire_code(&self, code_id: &str) -> Result<()> {
        sqlx::query("UPDATE identity_sign_in_codes SET expires_at = $1 WHERE id = $2")
            .bind(now_unix() - 1)
            .bind(code_id)
            .execute(self.store().pool())
            .await?;
        Ok(())
    }
}
