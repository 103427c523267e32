//! Keeping a [`PendingLogin`] in the browser between `begin` and `complete`: a short-lived,
//! HttpOnly cookie whose value is the login's JSON and an HMAC-SHA256 over it, so the server
//! keeps no state and any node of the instance can finish the sign-in.
//!
//! The cookie is signed, not encrypted: it holds the state, nonce and PKCE verifier of the
//! browser's own sign-in, which that browser may see; what it must not do is change them.

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{MAX_PENDING_AGE_SECONDS, OidcError, PendingLogin};

/// The cookie's name.
pub const PENDING_COOKIE: &str = "guildhall_oidc_pending";

// Domain separation: a MAC made for another purpose with the same key never verifies here.
const CONTEXT: &[u8] = b"guildhall oidc-login pending v1\0";

/// Seals and unseals pending logins with the instance's secret key, and writes the cookie.
#[derive(Clone)]
pub struct PendingCookie {
    key: Vec<u8>,
    secure: bool,
}

impl std::fmt::Debug for PendingCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCookie").field("secure", &self.secure).finish_non_exhaustive()
    }
}

impl PendingCookie {
    /// A sealer with this key (at least 32 random bytes, kept secret and the same on every node).
    /// `secure` adds the `Secure` attribute: true everywhere but plain-HTTP localhost.
    pub fn new(key: &[u8], secure: bool) -> Result<PendingCookie, OidcError> {
        if key.len() < 32 {
            return Err(OidcError::Config("the pending-login cookie key must be at least 32 bytes".into()));
        }
        Ok(PendingCookie { key: key.to_vec(), secure })
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(CONTEXT);
        mac.update(payload);
        mac
    }

    /// The login as a cookie-safe string: `base64url(json).base64url(hmac)`.
    pub fn seal(&self, pending: &PendingLogin) -> String {
        let json = serde_json::to_vec(pending).expect("a PendingLogin always serialises");
        let tag = self.mac(&json).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&json), URL_SAFE_NO_PAD.encode(tag))
    }

    /// The login back, if the MAC verifies (in constant time) and it is not older than
    /// [`MAX_PENDING_AGE_SECONDS`].
    pub fn unseal(&self, sealed: &str) -> Result<PendingLogin, OidcError> {
        let (payload, tag) = sealed.split_once('.').ok_or(OidcError::NoPendingLogin)?;
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| OidcError::NoPendingLogin)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| OidcError::NoPendingLogin)?;
        self.mac(&json).verify_slice(&tag).map_err(|_| OidcError::NoPendingLogin)?;
        let pending: PendingLogin = serde_json::from_slice(&json).map_err(|_| OidcError::NoPendingLogin)?;
        pending.check_age()?;
        Ok(pending)
    }

    /// The `Set-Cookie` value that stores this login, sent only to `/oidc/...`, for ten minutes.
    pub fn set_cookie(&self, pending: &PendingLogin) -> String {
        format!(
            "{PENDING_COOKIE}={}; Path=/oidc; Max-Age={MAX_PENDING_AGE_SECONDS}; HttpOnly; SameSite=Lax{}",
            self.seal(pending),
            self.secure_attribute()
        )
    }

    /// The `Set-Cookie` value that removes it once the callback used it.
    pub fn clear_cookie(&self) -> String {
        format!("{PENDING_COOKIE}=; Path=/oidc; Max-Age=0; HttpOnly; SameSite=Lax{}", self.secure_attribute())
    }

    /// The pending login carried by a request's `Cookie` headers.
    pub fn from_headers(&self, headers: &HeaderMap) -> Result<PendingLogin, OidcError> {
        let value = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .flat_map(|h| h.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == PENDING_COOKIE)
            .map(|(_, value)| value)
            .ok_or(OidcError::NoPendingLogin)?;
        self.unseal(value)
    }

    fn secure_attribute(&self) -> &'static str {
        if self.secure { "; Secure" } else { "" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> PendingLogin {
        PendingLogin::for_tests("/exampleshire/account")
    }

    #[test]
    fn a_sealed_login_unseals_to_the_same_login() {
        let cookie = PendingCookie::new(&[7; 32], true).unwrap();
        assert_eq!(cookie.unseal(&cookie.seal(&pending())).unwrap(), pending());
    }

    #[test]
    fn a_login_sealed_with_another_key_is_refused() {
        let ours = PendingCookie::new(&[7; 32], true).unwrap();
        let theirs = PendingCookie::new(&[8; 32], true).unwrap();
        assert!(matches!(ours.unseal(&theirs.seal(&pending())), Err(OidcError::NoPendingLogin)));
    }

    #[test]
    fn a_changed_payload_is_refused() {
        let cookie = PendingCookie::new(&[7; 32], true).unwrap();
        let sealed = cookie.seal(&pending());
        let (_, tag) = sealed.split_once('.').unwrap();
        let mut other = pending();
        other.return_to = "/elsewhere/".into();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap()));
        assert!(matches!(cookie.unseal(&forged), Err(OidcError::NoPendingLogin)));
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(PendingCookie::new(b"short", true).is_err());
    }

    #[test]
    fn the_cookie_is_http_only_lax_scoped_to_oidc_and_secure_when_asked() {
        let cookie = PendingCookie::new(&[7; 32], true).unwrap();
        let set = cookie.set_cookie(&pending());
        assert!(set.starts_with("guildhall_oidc_pending="));
        for attribute in ["Path=/oidc", "HttpOnly", "SameSite=Lax", "Secure", "Max-Age=600"] {
            assert!(set.contains(attribute), "{set} lacks {attribute}");
        }
        let plain = PendingCookie::new(&[7; 32], false).unwrap();
        assert!(!plain.set_cookie(&pending()).contains("Secure"));
    }

    #[test]
    fn the_login_is_found_among_other_cookies() {
        let cookie = PendingCookie::new(&[7; 32], false).unwrap();
        let mut headers = HeaderMap::new();
        let value = format!("a=b; {PENDING_COOKIE}={}; c=d", cookie.seal(&pending()));
        headers.insert(axum::http::header::COOKIE, value.parse().unwrap());
        assert_eq!(cookie.from_headers(&headers).unwrap(), pending());
        assert!(matches!(cookie.from_headers(&HeaderMap::new()), Err(OidcError::NoPendingLogin)));
    }
}
