//! Notify's authentication: API keys of the form `{name}-{service-uuid}-{secret-uuid}`, and
//! `Authorization: Bearer <JWT>` tokens signed HS256 with the key's secret, carrying only `iss`
//! (the service id) and `iat` (issued-at, which must be within 30 seconds of the server's clock).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far `iat` may be from the server's clock, in seconds, either way.
pub const CLOCK_SKEW_SECONDS: i64 = 30;

/// The kinds of API key Notify has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Sends real messages to anyone (Notify's "normal").
    Live,
    /// Sends real messages, meant for the team's own addresses while integrating.
    Team,
    /// Never delivers: notifications get simulated statuses.
    Test,
}

impl KeyType {
    /// The name stored and used on the command line (`live`, `team`, `test`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Live => "live",
            KeyType::Team => "team",
            KeyType::Test => "test",
        }
    }

    /// Parses `live`, `team` or `test` (and Notify's own `normal` for live).
    pub fn parse(s: &str) -> Option<KeyType> {
        match s {
            "live" | "normal" => Some(KeyType::Live),
            "team" => Some(KeyType::Team),
            "test" => Some(KeyType::Test),
            _ => None,
        }
    }
}

/// Why a bearer token was refused; the messages are Notify's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    /// No `Authorization` header.
    #[error("Unauthorized: authentication token must be provided")]
    NoToken,
    /// An `Authorization` header that is not `Bearer …`.
    #[error("Unauthorized: authentication bearer scheme must be used")]
    NotBearer,
    /// A token that is not a JWT, or whose claims cannot be read.
    #[error("Invalid token: signature, api token is not valid")]
    Malformed,
    /// A token without `iss`.
    #[error("Invalid token: iss field not provided")]
    NoIssuer,
    /// A token without `iat`.
    #[error("Invalid token: iat field not provided")]
    NoIssuedAt,
    /// `iss` is not a service id.
    #[error("Invalid token: service id is not the right data type")]
    BadServiceId,
    /// No service with that id.
    #[error("Invalid token: service not found")]
    UnknownService,
    /// The service has no keys at all.
    #[error("Invalid token: service has no API keys")]
    NoKeys,
    /// A token not signed with HS256.
    #[error("Invalid token: algorithm used is not HS256")]
    Algorithm,
    /// `iat` more than 30 seconds from now.
    #[error("Error: Your system clock must be accurate to within 30 seconds")]
    Clock,
    /// The key that signed the token has been revoked.
    #[error("Invalid token: API key revoked")]
    Revoked,
    /// No key of the service signed the token.
    #[error("Invalid token: API key not found")]
    KeyNotFound,
}

impl AuthFailure {
    /// The HTTP status Notify answers with: 401 when there is no usable header, else 403.
    pub fn status(&self) -> u16 {
        match self {
            AuthFailure::NoToken | AuthFailure::NotBearer => 401,
            _ => 403,
        }
    }
}

/// A parsed JWT whose signature is still to be checked against a key's secret.
#[derive(Debug, Clone)]
pub struct UnverifiedToken {
    /// The `iss` claim: the service id the caller says it is.
    pub issuer: String,
    /// The `iat` claim, in Unix seconds.
    pub issued_at: i64,
    signing_input: String,
    signature: Vec<u8>,
}

/// Takes the token out of an `Authorization` header value.
pub fn bearer_token(header: Option<&str>) -> Result<&str, AuthFailure> {
    let header = header.ok_or(AuthFailure::NoToken)?;
    let (scheme, token) = header.trim().split_once(' ').ok_or(AuthFailure::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthFailure::NotBearer);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthFailure::NoToken);
    }
    Ok(token)
}

/// Parses a JWT's header and claims (not yet its signature): it must be HS256 with `iss` and `iat`.
pub fn parse_token(token: &str) -> Result<UnverifiedToken, AuthFailure> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthFailure::Malformed);
    };
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).map_err(|_| AuthFailure::Malformed);
    let header: serde_json::Value = serde_json::from_slice(&decode(header)?).map_err(|_| AuthFailure::Malformed)?;
    let claims_json: serde_json::Value =
        serde_json::from_slice(&decode(claims)?).map_err(|_| AuthFailure::Malformed)?;
    let issuer = match claims_json.get("iss") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => return Err(AuthFailure::BadServiceId),
        None => return Err(AuthFailure::NoIssuer),
    };
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(AuthFailure::Algorithm);
    }
    let issued_at = match claims_json.get("iat") {
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .ok_or(AuthFailure::Malformed)?,
        None => return Err(AuthFailure::NoIssuedAt),
    };
    let signing_input = token[..token.len() - signature.len() - 1].to_string();
    Ok(UnverifiedToken { issuer, issued_at, signing_input, signature: decode(signature)? })
}

impl UnverifiedToken {
    /// Whether this token was signed with `secret` (constant-time comparison).
    pub fn signed_with(&self, secret: &str) -> bool {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(self.signing_input.as_bytes());
        mac.verify_slice(&self.signature).is_ok()
    }

    /// Whether `iat` is within [`CLOCK_SKEW_SECONDS`] of `now` (Unix seconds).
    pub fn fresh_at(&self, now: i64) -> bool {
        (now - self.issued_at).abs() <= CLOCK_SKEW_SECONDS
    }
}

/// Makes a token as Notify's clients do (HS256, `iss` and `iat` only); for tests and tools.
pub fn create_token(service_id: &str, secret: &str, issued_at: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let claims = URL_SAFE_NO_PAD.encode(serde_json::json!({"iss": service_id, "iat": issued_at}).to_string());
    let input = format!("{header}.{claims}");
    let signature = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{input}.{signature}")
}

/// Splits a full API key into (service id, secret): the last 73 characters are
/// `{service-uuid}-{secret-uuid}`, exactly as Notify's clients read them.
pub fn split_api_key(key: &str) -> Option<(&str, &str)> {
    if key.len() < 73 || !key.is_char_boundary(key.len() - 73) {
        return None;
    }
    let tail = &key[key.len() - 73..];
    Some((&tail[..36], &tail[37..]))
}

/// The current Unix time in seconds.
pub fn now_seconds() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_made_like_notifys_clients_verifies_with_its_secret_only() {
        let token = create_token("svc", "secret", 1000);
        let parsed = parse_token(&token).expect("parses");
        assert_eq!(parsed.issuer, "svc");
        assert!(parsed.signed_with("secret"));
        assert!(!parsed.signed_with("other"));
        assert!(parsed.fresh_at(1030) && parsed.fresh_at(970));
        assert!(!parsed.fresh_at(1031) && !parsed.fresh_at(969));
    }

    #[test]
    fn headers_without_bearer_tokens_get_notifys_401_messages() {
        assert_eq!(bearer_token(None), Err(AuthFailure::NoToken));
        assert_eq!(bearer_token(Some("Basic abc")), Err(AuthFailure::NotBearer));
        assert_eq!(bearer_token(Some("Bearer abc")), Ok("abc"));
        assert_eq!(AuthFailure::NotBearer.status(), 401);
        assert_eq!(AuthFailure::Clock.status(), 403);
    }

    #[test]
    fn api_keys_split_into_service_and_secret_from_the_end() {
        let key = "my-key-0f8c6c2e-1b7e-4f3a-9c1d-2a3b4c5d6e7f-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
        assert_eq!(
            split_api_key(key),
            Some(("0f8c6c2e-1b7e-4f3a-9c1d-2a3b4c5d6e7f", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"))
        );
        assert_eq!(split_api_key("short"), None);
    }
}
