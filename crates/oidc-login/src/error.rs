//! Everything that can stop an external sign-in, in words a support engineer can act on.
//! Mapping to HTTP statuses lives in [`crate::http`].

/// Why discovery, the start or the completion of an external sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The `[oidc]` configuration cannot work (bad URL, missing secret or key).
    #[error("OpenID Connect configuration: {0}")]
    Config(String),
    /// The provider's discovery document or keys could not be fetched or read.
    #[error("could not read the OpenID Provider's discovery document at {issuer}: {message}")]
    Discovery {
        /// The configured issuer.
        issuer: String,
        /// What went wrong.
        message: String,
    },
    /// The page asked to return to somewhere outside this site.
    #[error("the return address must be a path on this site, starting with a single /")]
    UnsafeReturnTo,
    /// No sign-in was in progress for this browser (no or unreadable pending-login cookie).
    #[error("no sign-in is in progress in this browser: start again from the sign-in page")]
    NoPendingLogin,
    /// The pending sign-in is older than [`crate::MAX_PENDING_AGE_SECONDS`].
    #[error("the sign-in took too long: start again from the sign-in page")]
    PendingExpired,
    /// The `state` returned does not match the one sent: a forged or crossed callback.
    #[error("the provider's answer does not belong to the sign-in started in this browser (state mismatch)")]
    StateMismatch,
    /// The callback's `iss` parameter names another provider (RFC 9207 mix-up defence).
    #[error("the answer came from issuer {returned}, not the configured {expected}")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The issuer named in the callback.
        returned: String,
    },
    /// The provider answered the authorization request with an error (the citizen cancelled, ...).
    #[error("the provider refused the sign-in: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    ProviderRefused {
        /// The OAuth error code (`access_denied`, `login_required`, ...).
        error: String,
        /// The provider's explanation, if any.
        description: Option<String>,
    },
    /// The callback carried neither a code nor an error.
    #[error("the provider's answer has no authorization code")]
    MissingCode,
    /// The token endpoint refused the code (unknown, already used, PKCE or client auth wrong).
    #[error("the provider refused to exchange the authorization code: {0}")]
    TokenRefused(String),
    /// The token endpoint could not be reached or answered something unreadable.
    #[error("could not exchange the authorization code with the provider: {0}")]
    TokenRequest(String),
    /// The token response has no ID token (the provider is not acting as an OpenID Provider).
    #[error("the provider's token response has no ID token")]
    NoIdToken,
    /// The ID token's nonce is not the one this sign-in sent: a replayed or injected token.
    #[error("the ID token was issued for another sign-in (nonce mismatch)")]
    NonceMismatch,
    /// The ID token failed verification (signature, issuer, audience, expiry, access token hash).
    #[error("the ID token was rejected: {0}")]
    IdTokenRejected(String),
    /// The userinfo endpoint failed or answered for another subject.
    #[error("could not read the citizen's details from the provider's userinfo endpoint: {0}")]
    UserInfo(String),
}
