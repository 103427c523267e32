//! The relying party itself: discovery, the authorization request (state, nonce, PKCE S256) and
//! the verification of the provider's answer. No HTTP server types here; see [`crate::http`].

use std::error::Error as StdError;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreRsaPrivateSigningKey,
    CoreUserInfoClaims,
};
use openidconnect::url::Url;
use openidconnect::{
    AccessTokenHash, AuthType, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKeyId, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::client_assertion::client_assertion;
use crate::{ClientAuthMethod, OidcConfig, OidcError};

/// How long a started sign-in may take before `complete` refuses it: ten minutes.
pub const MAX_PENDING_AGE_SECONDS: u64 = 600;

type Client = CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet, EndpointMaybeSet>;

/// A configured relying party for one OpenID Provider, with its discovered metadata and keys.
/// Build it once at start-up and share it (`Arc`); every method takes `&self`.
pub struct OidcLogin {
    config: OidcConfig,
    client: Client,
    issuer: String,
    token_url: TokenUrl,
    signing_key: Option<CoreRsaPrivateSigningKey>,
    http: reqwest::Client,
}

impl std::fmt::Debug for OidcLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcLogin").field("config", &self.config).finish_non_exhaustive()
    }
}

/// A sign-in between `begin` and `complete`: what the callback needs to verify the answer.
/// Keep it server-side or in the browser with [`crate::PendingCookie`] (signed, ten minutes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) pkce_verifier: String,
    pub(crate) return_to: String,
    pub(crate) council: Option<String>,
    pub(crate) started_at: u64,
}

impl PendingLogin {
    /// Where the citizen goes once signed in: a path on this site.
    pub fn return_to(&self) -> &str {
        &self.return_to
    }

    /// The council whose page started the sign-in, if the caller recorded one.
    pub fn council(&self) -> Option<&str> {
        self.council.as_deref()
    }

    /// Records the council whose page started the sign-in (the callback URL is instance-wide).
    pub fn with_council(mut self, council: &str) -> PendingLogin {
        self.council = Some(council.to_string());
        self
    }

    pub(crate) fn check_age(&self) -> Result<(), OidcError> {
        if now().saturating_sub(self.started_at) > MAX_PENDING_AGE_SECONDS {
            return Err(OidcError::PendingExpired);
        }
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn for_tests(return_to: &str) -> PendingLogin {
        PendingLogin {
            state: "state".into(),
            nonce: "nonce".into(),
            pkce_verifier: "verifier".into(),
            return_to: return_to.into(),
            council: Some("exampleshire".into()),
            started_at: now(),
        }
    }
}

/// Who the provider says signed in, after every check passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedLogin {
    /// The provider's issuer URL: with `subject`, the stable key to link to a citizen account.
    pub issuer: String,
    /// The provider's identifier for the person (`sub`), unique and never reassigned per issuer.
    pub subject: String,
    /// The email address, if the provider shared one.
    pub email: Option<String>,
    /// Whether the provider verified that address; never link accounts by an unverified one.
    pub email_verified: bool,
    /// The person's name, if shared (One Login shares none without an identity check).
    pub name: Option<String>,
}

/// The query string of the provider's redirect to the callback URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackParams {
    /// The authorization code, on success.
    pub code: Option<String>,
    /// The state sent in the authorization request.
    pub state: Option<String>,
    /// The issuer, when the provider sends it (RFC 9207).
    pub iss: Option<String>,
    /// The OAuth error code, on failure.
    pub error: Option<String>,
    /// The provider's explanation of the error.
    pub error_description: Option<String>,
}

impl OidcLogin {
    /// Reads the provider's discovery document and its keys (JWKS), and checks the configuration
    /// can authenticate to its token endpoint. Call once at start-up.
    pub async fn discover(config: OidcConfig) -> Result<OidcLogin, OidcError> {
        let http = reqwest::Client::builder()
            // Following redirects from the provider's endpoints would allow SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| OidcError::Config(format!("HTTP client: {}", chain(&e))))?;
        let issuer_url = IssuerUrl::new(config.issuer.clone())
            .map_err(|e| OidcError::Config(format!("issuer {:?} is not a URL: {e}", config.issuer)))?;
        let redirect_url = RedirectUrl::new(config.redirect_url.clone())
            .map_err(|e| OidcError::Config(format!("redirect_url {:?} is not a URL: {e}", config.redirect_url)))?;
        let discovery_error = |message: String| OidcError::Discovery { issuer: config.issuer.clone(), message };
        let metadata =
            CoreProviderMetadata::discover_async(issuer_url, &http).await.map_err(|e| discovery_error(chain(&e)))?;
        let token_url =
            metadata.token_endpoint().cloned().ok_or_else(|| discovery_error("it names no token_endpoint".into()))?;
        let issuer = metadata.issuer().to_string();

        let secret = match config.client_auth {
            ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost => {
                let secret = config.client_secret.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
                    OidcError::Config(format!("client_secret is required for {:?}", config.client_auth))
                })?;
                Some(ClientSecret::new(secret))
            }
            ClientAuthMethod::PrivateKeyJwt => None,
        };
        let signing_key = match config.client_auth {
            ClientAuthMethod::PrivateKeyJwt => Some(read_private_key(&config)?),
            _ => None,
        };
        let auth_type = match config.client_auth {
            ClientAuthMethod::ClientSecretBasic => AuthType::BasicAuth,
            // private_key_jwt sends client_id in the body beside the assertion.
            ClientAuthMethod::ClientSecretPost | ClientAuthMethod::PrivateKeyJwt => AuthType::RequestBody,
        };
        let client = CoreClient::from_provider_metadata(metadata, ClientId::new(config.client_id.clone()), secret)
            .set_redirect_uri(redirect_url)
            .set_token_uri(token_url.clone())
            .set_auth_type(auth_type);
        Ok(OidcLogin { config, client, issuer, token_url, signing_key, http })
    }

    /// The configuration this relying party was built from (for the sign-in button's label).
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// The provider's issuer, as its discovery document states it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Starts a sign-in: the provider URL to redirect the browser to, and the login to keep until
    /// the callback. `return_to` must be a path on this site (it is where the citizen lands).
    pub fn begin(&self, return_to: &str) -> Result<(Url, PendingLogin), OidcError> {
        check_return_to(return_to)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in self.config.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        for (name, value) in &self.config.authorize_params {
            request = request.add_extra_param(name.clone(), value.clone());
        }
        let (url, state, nonce) = request.url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to: return_to.to_string(),
            council: None,
            started_at: now(),
        };
        Ok((url, pending))
    }

    /// Finishes a sign-in from the callback's query string: refuses provider errors and answers
    /// naming another issuer, then does what [`OidcLogin::complete`] does.
    pub async fn complete_callback(
        &self,
        pending: PendingLogin,
        params: &CallbackParams,
    ) -> Result<VerifiedLogin, OidcError> {
        if let Some(error) = &params.error {
            return Err(OidcError::ProviderRefused {
                error: error.clone(),
                description: params.error_description.clone(),
            });
        }
        if let Some(returned) = &params.iss
            && returned != &self.issuer
        {
            return Err(OidcError::IssuerMismatch { expected: self.issuer.clone(), returned: returned.clone() });
        }
        let code = params.code.as_deref().ok_or(OidcError::MissingCode)?;
        self.complete(pending, code, params.state.as_deref().unwrap_or_default()).await
    }

    /// Finishes a sign-in: checks the returned state, exchanges the code with the PKCE verifier,
    /// verifies the ID token (signature against the provider's keys, issuer, audience, expiry,
    /// nonce, access token hash) and reads the userinfo endpoint for the email and name.
    pub async fn complete(
        &self,
        pending: PendingLogin,
        code: &str,
        returned_state: &str,
    ) -> Result<VerifiedLogin, OidcError> {
        pending.check_age()?;
        if !bool::from(pending.state.as_bytes().ct_eq(returned_state.as_bytes())) {
            return Err(OidcError::StateMismatch);
        }
        let mut request = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()));
        if let Some(key) = &self.signing_key {
            let assertion = client_assertion(key, &self.config.client_id, self.token_url.as_str(), now())?;
            request = request
                .add_extra_param("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .add_extra_param("client_assertion", assertion);
        }
        let token = request.request_async(&self.http).await.map_err(|e| match e {
            RequestTokenError::ServerResponse(response) => OidcError::TokenRefused(response.to_string()),
            other => OidcError::TokenRequest(chain(&other)),
        })?;

        let id_token = token.id_token().ok_or(OidcError::NoIdToken)?;
        let verifier = self.client.id_token_verifier();
        let claims = id_token.claims(&verifier, &Nonce::new(pending.nonce.clone())).map_err(|e| match e {
            ClaimsVerificationError::InvalidNonce(_) => OidcError::NonceMismatch,
            other => OidcError::IdTokenRejected(chain(&other)),
        })?;
        if let Some(expected) = claims.access_token_hash() {
            let rejected = |e: &dyn StdError| OidcError::IdTokenRejected(chain(e));
            let algorithm = id_token.signing_alg().map_err(|e| rejected(&e))?;
            let key = id_token.signing_key(&verifier).map_err(|e| rejected(&e))?;
            let actual = AccessTokenHash::from_token(token.access_token(), algorithm, key).map_err(|e| rejected(&e))?;
            if actual != *expected {
                return Err(OidcError::IdTokenRejected(
                    "the access token does not match the ID token's at_hash".into(),
                ));
            }
        }

        let subject = claims.subject().clone();
        let mut login = VerifiedLogin {
            issuer: claims.issuer().to_string(),
            subject: subject.to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
        };
        // Providers (One Login among them) put email and name only in the userinfo response.
        if self.client.user_info_url().is_some() {
            let info: CoreUserInfoClaims = self
                .client
                .user_info(token.access_token().clone(), Some(subject))
                .map_err(|e| OidcError::UserInfo(chain(&e)))?
                .request_async(&self.http)
                .await
                .map_err(|e| OidcError::UserInfo(chain(&e)))?;
            if let Some(email) = info.email() {
                login.email = Some(email.to_string());
                login.email_verified = info.email_verified().unwrap_or(false);
            }
            if let Some(name) = info.name().and_then(|n| n.get(None)) {
                login.name = Some(name.to_string());
            }
        }
        Ok(login)
    }
}

fn read_private_key(config: &OidcConfig) -> Result<CoreRsaPrivateSigningKey, OidcError> {
    let path = config
        .private_key_path
        .as_ref()
        .ok_or_else(|| OidcError::Config("private_key_path is required for private_key_jwt".into()))?;
    let pem = std::fs::read_to_string(path)
        .map_err(|e| OidcError::Config(format!("cannot read private_key_path {}: {e}", path.display())))?;
    CoreRsaPrivateSigningKey::from_pem(&pem, config.private_key_id.clone().map(JsonWebKeyId::new)).map_err(|e| {
        OidcError::Config(format!(
            "private_key_path {} is not an RSA private key in PKCS#1 PEM ({e}); convert with `openssl rsa -traditional`",
            path.display()
        ))
    })
}

/// The algorithm of the client assertion the key signs.
pub(crate) const ASSERTION_ALGORITHM: CoreJwsSigningAlgorithm = CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256;

/// Only paths on this site: `/x`, never `//host`, `/\host` or a URL with a scheme.
fn check_return_to(return_to: &str) -> Result<(), OidcError> {
    let local = return_to.starts_with('/')
        && !return_to.starts_with("//")
        && !return_to.contains('\\')
        && !return_to.chars().any(char::is_control);
    if local { Ok(()) } else { Err(OidcError::UnsafeReturnTo) }
}

pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// An error with its causes, which reqwest and openidconnect keep in `source()`.
fn chain(error: &dyn StdError) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_must_be_a_path_on_this_site() {
        for good in ["/", "/exampleshire/", "/exampleshire/account?tab=1"] {
            assert!(check_return_to(good).is_ok(), "{good}");
        }
        for bad in ["", "https://evil.example/", "//evil.example/", "/\\evil.example", "evil", "/a\nb"] {
            assert!(matches!(check_return_to(bad), Err(OidcError::UnsafeReturnTo)), "{bad}");
        }
    }

    #[test]
    fn a_pending_login_older_than_ten_minutes_is_expired() {
        let mut pending = PendingLogin::for_tests("/");
        assert!(pending.check_age().is_ok());
        pending.started_at = now() - MAX_PENDING_AGE_SECONDS - 1;
        assert!(matches!(pending.check_age(), Err(OidcError::PendingExpired)));
    }
}
