//! How an instance configures sign-in through an external OpenID Provider: the `[oidc]` table of
//! the binary's TOML. Only data lives here; [`crate::OidcLogin::discover`] turns it into a client.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The `[oidc]` configuration table: which provider, which client registration, where it returns.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer URL, exactly as its discovery document states it
    /// (`https://oidc.account.gov.uk/`); discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id the provider issued when the instance registered.
    pub client_id: String,
    /// How the instance authenticates to the token endpoint.
    #[serde(default)]
    pub client_auth: ClientAuthMethod,
    /// The client secret, for `client_secret_basic` and `client_secret_post`.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// An RSA private key in PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), for `private_key_jwt`;
    /// its public half is what was registered with the provider.
    #[serde(default)]
    pub private_key_path: Option<PathBuf>,
    /// The `kid` of that key as registered, sent in the client assertion's header.
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// The callback URL registered with the provider: `https://{host}/oidc/callback`.
    pub redirect_url: String,
    /// The scopes asked for; `openid` is always sent.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The provider's name as the sign-in page shows it ("GOV.UK One Login").
    #[serde(default = "default_display_name")]
    pub display_name: String,
    /// Extra authorization request parameters some providers want (One Login's `vtr`, `ui_locales`).
    #[serde(default)]
    pub authorize_params: BTreeMap<String, String>,
}

/// How the client authenticates at the token endpoint (OpenID Connect Core §9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// The secret in an HTTP Basic `Authorization` header: most IdPs' default.
    #[default]
    ClientSecretBasic,
    /// The secret in the token request's form body.
    ClientSecretPost,
    /// A JWT signed with the instance's private key (RS256): what GOV.UK One Login requires.
    PrivateKeyJwt,
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into()]
}

fn default_display_name() -> String {
    "GOV.UK One Login".into()
}

impl OidcConfig {
    /// A configuration with the defaults (`client_secret_basic`, scopes `openid email`).
    pub fn new(issuer: &str, client_id: &str, redirect_url: &str) -> OidcConfig {
        OidcConfig {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_auth: ClientAuthMethod::default(),
            client_secret: None,
            private_key_path: None,
            private_key_id: None,
            redirect_url: redirect_url.into(),
            scopes: default_scopes(),
            display_name: default_display_name(),
            authorize_params: BTreeMap::new(),
        }
    }
}

// The secret must never reach a log line through `{:?}`.
impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_auth", &self.client_auth)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[redacted]"))
            .field("private_key_path", &self.private_key_path)
            .field("private_key_id", &self.private_key_id)
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("display_name", &self.display_name)
            .field("authorize_params", &self.authorize_params)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_table_gets_basic_auth_openid_email_and_the_one_login_name() {
        let config: OidcConfig = serde_json::from_value(serde_json::json!({
            "issuer": "https://idp.example/", "client_id": "c", "client_secret": "s",
            "redirect_url": "https://services.example/oidc/callback"
        }))
        .unwrap();
        assert_eq!(config.client_auth, ClientAuthMethod::ClientSecretBasic);
        assert_eq!(config.scopes, ["openid", "email"]);
        assert_eq!(config.display_name, "GOV.UK One Login");
    }

    #[test]
    fn debug_output_hides_the_client_secret() {
        let mut config = OidcConfig::new("https://idp.example/", "c", "https://s.example/oidc/callback");
        config.client_secret = Some("hunter2".into());
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
