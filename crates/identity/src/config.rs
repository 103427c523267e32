//! How an instance configures identity: its base URL (cookie security, passkey relying party),
//! session lifetimes, sign-in code rules and the rate limits on sign-in attempts.

use std::time::Duration;

/// Limits on sign-in attempts, counted in the database so they hold across nodes.
#[derive(Debug, Clone)]
pub struct RateLimits {
    /// The window every limit counts over.
    pub window: Duration,
    /// Codes that may be requested for one email address in the window.
    pub code_requests_per_email: i64,
    /// Codes that may be requested from one client IP address in the window.
    pub code_requests_per_ip: i64,
    /// Wrong codes that may be entered from one client IP address in the window.
    pub wrong_codes_per_ip: i64,
}

impl Default for RateLimits {
    fn default() -> RateLimits {
        RateLimits {
            window: Duration::from_secs(15 * 60),
            code_requests_per_email: 5,
            code_requests_per_ip: 30,
            wrong_codes_per_ip: 10,
        }
    }
}

/// The identity brick's configuration.
#[derive(Debug, Clone)]
pub struct IdentityConfig {
    /// The URL citizens reach the instance at (`https://services.example.gov.uk`); cookies are
    /// `Secure` unless it is `http://localhost…` or `http://127.0.0.1…`, and it is the passkey
    /// relying party's origin (its host is the relying party id).
    pub base_url: String,
    /// The name passkey prompts and emails show.
    pub site_name: String,
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in however busy it is.
    pub session_absolute: Duration,
    /// How long an emailed code can be used.
    pub code_lifetime: Duration,
    /// Wrong tries after which a code is dead.
    pub code_max_wrong_tries: i64,
    /// Sign-in rate limits.
    pub rate_limits: RateLimits,
    /// Take the client IP from the last `X-Forwarded-For` entry (only behind a proxy that
    /// sets it); otherwise the TCP peer address is used.
    pub trust_forwarded_for: bool,
    /// The largest form body the CSRF check buffers; larger form posts get 413.
    pub max_form_bytes: usize,
    /// A sign-in through another provider (OpenID Connect) the citizen sign-in page links to;
    /// `None` when the instance has none. The journey itself lives outside this brick.
    pub external_sign_in: Option<ExternalSignInLink>,
}

/// The citizen sign-in page's link to an external provider's sign-in ("Sign in with {label}").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalSignInLink {
    /// The provider's name as citizens know it ("GOV.UK One Login").
    pub label: String,
    /// The path under the council's prefix that starts the journey (`sign-in/oidc` links to
    /// `/{council}/sign-in/oidc`); it is given `?return_to=` the page to come back to.
    pub path: String,
}

impl IdentityConfig {
    /// The defaults for an instance at `base_url`: 30-minute idle and 12-hour absolute
    /// sessions, 15-minute codes with 5 tries, [`RateLimits::default`], 2 MiB forms.
    pub fn new(base_url: &str) -> IdentityConfig {
        IdentityConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            site_name: "Guildhall".to_string(),
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 60 * 60),
            code_lifetime: Duration::from_secs(15 * 60),
            code_max_wrong_tries: 5,
            rate_limits: RateLimits::default(),
            trust_forwarded_for: false,
            max_form_bytes: 2 * 1024 * 1024,
            external_sign_in: None,
        }
    }

    /// Whether cookies must carry `Secure`: always, except on a plain-HTTP local address.
    pub fn secure_cookies(&self) -> bool {
        let local = ["http://localhost", "http://127.0.0.1"].iter().any(|prefix| {
            self.base_url
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(':') || rest.starts_with('/'))
        });
        !local
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_except_on_plain_http_localhost() {
        assert!(!IdentityConfig::new("http://localhost:8080").secure_cookies());
        assert!(!IdentityConfig::new("http://127.0.0.1").secure_cookies());
        assert!(IdentityConfig::new("https://localhost:8080").secure_cookies());
        assert!(IdentityConfig::new("http://localhost.example.com").secure_cookies());
        assert!(IdentityConfig::new("https://services.example.gov.uk").secure_cookies());
    }
}
