//! `private_key_jwt` client authentication (OpenID Connect Core §9, RFC 7523): a short-lived JWT,
//! signed with the instance's RSA key, that the token request carries instead of a secret.
//! GOV.UK One Login requires it. openidconnect signs ID tokens but has no client assertions.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::CoreRsaPrivateSigningKey;
use openidconnect::{CsrfToken, JsonWebKey, PrivateSigningKey};
use serde_json::json;

use crate::OidcError;
use crate::login::ASSERTION_ALGORITHM;

/// How long an assertion is valid: long enough for one token request.
const LIFETIME_SECONDS: u64 = 300;

/// A signed client assertion for the token endpoint `audience`, issued at `now` (Unix seconds).
pub(crate) fn client_assertion(
    key: &CoreRsaPrivateSigningKey,
    client_id: &str,
    audience: &str,
    now: u64,
) -> Result<String, OidcError> {
    let mut header = json!({ "alg": "RS256", "typ": "JWT" });
    if let Some(kid) = key.as_verification_key().key_id() {
        header["kid"] = json!(kid.as_str());
    }
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        // A fresh id per assertion: providers refuse a replayed one.
        "jti": CsrfToken::new_random().secret(),
        "iat": now,
        "exp": now + LIFETIME_SECONDS,
    });
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = key
        .sign(&ASSERTION_ALGORITHM, signing_input.as_bytes())
        .map_err(|e| OidcError::Config(format!("cannot sign the client assertion: {e}")))?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The public key to register with the provider, as a JWK (JSON), for the given PKCS#1 PEM key.
/// One Login takes the public key in PEM; generic IdPs take this JWK in the client's `jwks`.
pub fn public_jwk(private_key_pem: &str, key_id: Option<&str>) -> Result<serde_json::Value, OidcError> {
    let key =
        CoreRsaPrivateSigningKey::from_pem(private_key_pem, key_id.map(|k| openidconnect::JsonWebKeyId::new(k.into())))
            .map_err(|e| OidcError::Config(format!("not an RSA private key in PKCS#1 PEM: {e}")))?;
    serde_json::to_value(key.as_verification_key()).map_err(|e| OidcError::Config(e.to_string()))
}
