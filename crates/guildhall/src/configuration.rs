//! Settings, layered with figment: built-in defaults ← a TOML file (`--config`, or
//! `./guildhall.toml` when present) ← `GUILDHALL_*` environment variables ← command-line flags.
//! Only reading settings lives here; using them is start-up's job.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::cli::{Cli, Command};

/// The database `guildhall demo` uses unless one is given.
pub const DEMO_DATABASE_URL: &str = "sqlite://data/demo.sqlite";

/// How logs are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, for terminals.
    #[default]
    Pretty,
    /// One JSON object a line, for log shippers.
    Json,
}

/// Everything a Guildhall process needs to know to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// Address to bind the HTTP server to.
    pub bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    pub port: u16,
    /// Public host name: the checkpoint origin prefix and the name of the signing key.
    pub origin: String,
    /// Log format on stderr.
    pub log_format: LogFormat,
    /// Serve roots and proofs from in-memory Merkle views (64 bytes per entry of each register
    /// proved from) rather than one database query each.
    pub merkle_views: bool,
    /// Each council's brand colour for its pages (`slug = "#rrggbb"`); a council not listed gets
    /// [`DEFAULT_BRAND_COLOUR`]. A colour too light for white text is darkened until it passes.
    pub brand_colours: BTreeMap<String, String>,
    /// The origin citizens reach this instance at (`https://services.example.gov.uk`): cookies
    /// are `Secure` unless it is plain-HTTP localhost, and passkeys are bound to its host name.
    /// Default: `http://localhost:{port}`.
    pub public_url: Option<String>,
    /// Serve the development pages (`/dev/emails`, the sandbox mailbox). `demo` turns them on;
    /// never turn them on in production.
    pub dev_pages: bool,
    /// How the notifications platform delivers (the `[notify]` table).
    #[serde(default)]
    pub notify: NotifySettings,
    /// Sign-in through an external OpenID Connect provider (the `[oidc]` table); none when absent.
    #[serde(default)]
    pub oidc: Option<OidcSettings>,
}

/// The `[oidc]` table: one OpenID Provider citizens may sign in with (GOV.UK One Login or the
/// council's own IdP), the client registered there, and the key sealing a started sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The issuer URL exactly as the provider's discovery document states it.
    pub issuer: String,
    /// The client id from the provider's registration.
    pub client_id: String,
    /// `client_secret_basic` (default), `client_secret_post` or `private_key_jwt`.
    #[serde(default)]
    pub client_auth: oidc_login::ClientAuthMethod,
    /// The client secret, for the two `client_secret_*` methods.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// For `private_key_jwt`: the RSA private key, PKCS#1 PEM.
    #[serde(default)]
    pub private_key_path: Option<std::path::PathBuf>,
    /// For `private_key_jwt`: the `kid` registered with that key.
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// The callback URL registered with the provider; default `{public_url}/oidc/callback`.
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// The scopes asked for (`openid` is always sent); default `["openid", "email"]`.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// The provider's name on the sign-in button ("Sign in with {display_name}").
    #[serde(default)]
    pub display_name: Option<String>,
    /// Extra authorization parameters (One Login's `vtr`, `ui_locales`).
    #[serde(default)]
    pub authorize_params: BTreeMap<String, String>,
    /// At least 32 random bytes (the text's bytes), the same on every node: the HMAC key of the
    /// cookie that carries a started sign-in to the callback.
    pub cookie_key: String,
}

/// The shortest cookie key accepted, in bytes: an HMAC-SHA256 key should be as long as its output.
pub const MIN_OIDC_COOKIE_KEY_BYTES: usize = 32;

impl OidcSettings {
    /// The relying party's configuration, its callback defaulting to `{public_url}/oidc/callback`.
    pub fn login_config(&self, public_url: &str) -> oidc_login::OidcConfig {
        let redirect_url = self
            .redirect_url
            .clone()
            .unwrap_or_else(|| format!("{}{}", public_url.trim_end_matches('/'), oidc_login::http::CALLBACK_PATH));
        let mut config = oidc_login::OidcConfig::new(&self.issuer, &self.client_id, &redirect_url);
        config.client_auth = self.client_auth;
        config.client_secret = self.client_secret.clone();
        config.private_key_path = self.private_key_path.clone();
        config.private_key_id = self.private_key_id.clone();
        if let Some(scopes) = &self.scopes {
            config.scopes = scopes.clone();
        }
        if let Some(name) = &self.display_name {
            config.display_name = name.clone();
        }
        config.authorize_params = self.authorize_params.clone();
        config
    }

    /// Refuses a cookie key too short to be a safe HMAC key, naming the setting and the fix.
    pub fn check(&self) -> anyhow::Result<()> {
        let length = self.cookie_key.len();
        if length < MIN_OIDC_COOKIE_KEY_BYTES {
            bail!(
                "oidc.cookie_key is {length} bytes; it must be at least {MIN_OIDC_COOKIE_KEY_BYTES} random bytes, \
                 the same on every node (e.g. the output of `openssl rand -base64 48`)"
            );
        }
        Ok(())
    }
}

// The client secret and the cookie key must never reach a log line through `{:?}`.
impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
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
            .field("cookie_key", &"[redacted]")
            .finish()
    }
}

/// How notifications leave the instance: by default everything goes to the sandbox (stored,
/// visible on the development pages); with `smtp_url` email goes out through that relay, with
/// `sms_http_url` text messages through a Firetext-shaped HTTP API and with `letter_http_url`
/// letters through a print-and-post API, and the sandbox stays behind each as the fall-back
/// unless `sandbox_fallback = false`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifySettings {
    /// `smtp://host:port`, `smtps://user:pass@host` or `smtp://host?tls=required`: the relay email goes through.
    pub smtp_url: Option<String>,
    /// The `From:` of emails sent over SMTP.
    pub email_from: String,
    /// The domain in `content.from_email` of Notify's responses (`{service}@{domain}`).
    pub email_from_domain: String,
    /// The sender shown in `content.from_number` of text messages (and sent as `from` to the SMS API).
    pub sms_sender: String,
    /// Keep the sandbox as the last provider of each chain, so nothing is lost while a provider is down.
    pub sandbox_fallback: bool,
    /// The public origin used in `uri` and paging links (`https://notify.example.gov.uk`); default: the `Host` header.
    pub base_url: Option<String>,
    /// The base of a Firetext-shaped SMS API (`https://www.firetext.co.uk/api`); none: texts go to the sandbox.
    pub sms_http_url: Option<String>,
    /// The SMS API's key (its `apiKey` field); required with `sms_http_url`.
    pub sms_http_key: Option<String>,
    /// The secret the SMS API's receipts carry (`/notify/receipts/sms/firetext?token=…`); required with `sms_http_url`.
    pub sms_http_receipt_token: Option<String>,
    /// The base of a print-and-post letter API (`POST {base}/print-jobs`); none: letters go to the sandbox.
    pub letter_http_url: Option<String>,
    /// The print API's key (its `X-API-Key` header); required with `letter_http_url`.
    pub letter_http_key: Option<String>,
    /// The secret the print API's receipts carry (`/notify/receipts/letter/print-api?token=…`); required with `letter_http_url`.
    pub letter_http_receipt_token: Option<String>,
}

/// The shortest receipt token accepted: it is all that stands between the internet and a
/// forged "delivered".
pub const MIN_RECEIPT_TOKEN_CHARS: usize = 16;

impl NotifySettings {
    /// Refuses an HTTP provider URL given without its key or receipt token (or a token too short
    /// to be secret), naming the missing setting, so a half-configured provider stops start-up
    /// instead of failing every message or taking no receipts.
    pub fn check(&self) -> anyhow::Result<()> {
        let providers = [
            ("sms_http", &self.sms_http_url, &self.sms_http_key, &self.sms_http_receipt_token),
            ("letter_http", &self.letter_http_url, &self.letter_http_key, &self.letter_http_receipt_token),
        ];
        for (prefix, url, key, token) in providers {
            let Some(url) = url else { continue };
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("notify.{prefix}_url {url:?} must be an http:// or https:// URL");
            }
            if key.as_deref().is_none_or(str::is_empty) {
                bail!(
                    "notify.{prefix}_url is set but notify.{prefix}_key is missing (GUILDHALL_NOTIFY__{}_KEY)",
                    prefix.to_ascii_uppercase()
                );
            }
            match token {
                None => bail!(
                    "notify.{prefix}_url is set but notify.{prefix}_receipt_token is missing \
                     (GUILDHALL_NOTIFY__{}_RECEIPT_TOKEN): at least {MIN_RECEIPT_TOKEN_CHARS} random characters, \
                     e.g. the output of `openssl rand -hex 16`",
                    prefix.to_ascii_uppercase()
                ),
                Some(token) if token.chars().count() < MIN_RECEIPT_TOKEN_CHARS => bail!(
                    "notify.{prefix}_receipt_token is {} characters; it must be at least {MIN_RECEIPT_TOKEN_CHARS}",
                    token.chars().count()
                ),
                Some(_) => {}
            }
        }
        Ok(())
    }
}

// Provider keys, receipt tokens and an SMTP password must never reach a log line through `{:?}`.
impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("NotifySettings")
            .field("smtp_url", &redacted(&self.smtp_url))
            .field("email_from", &self.email_from)
            .field("email_from_domain", &self.email_from_domain)
            .field("sms_sender", &self.sms_sender)
            .field("sandbox_fallback", &self.sandbox_fallback)
            .field("base_url", &self.base_url)
            .field("sms_http_url", &self.sms_http_url)
            .field("sms_http_key", &redacted(&self.sms_http_key))
            .field("sms_http_receipt_token", &redacted(&self.sms_http_receipt_token))
            .field("letter_http_url", &self.letter_http_url)
            .field("letter_http_key", &redacted(&self.letter_http_key))
            .field("letter_http_receipt_token", &redacted(&self.letter_http_receipt_token))
            .finish()
    }
}

impl Default for NotifySettings {
    fn default() -> NotifySettings {
        NotifySettings {
            smtp_url: None,
            email_from: "Guildhall <notify@localhost>".to_string(),
            email_from_domain: "notify.localhost".to_string(),
            sms_sender: "Guildhall".to_string(),
            sandbox_fallback: true,
            base_url: None,
            sms_http_url: None,
            sms_http_key: None,
            sms_http_receipt_token: None,
            letter_http_url: None,
            letter_http_key: None,
            letter_http_receipt_token: None,
        }
    }
}

/// The brand colour of a council that has not set one: GOV.UK's blue, which passes WCAG AA.
pub const DEFAULT_BRAND_COLOUR: &str = "#1d70b8";

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            database_url: store::default_sqlite_url(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8080,
            origin: "localhost".to_string(),
            log_format: LogFormat::Pretty,
            merkle_views: true,
            brand_colours: BTreeMap::new(),
            public_url: None,
            dev_pages: false,
            notify: NotifySettings::default(),
            oidc: None,
        }
    }
}

/// The flags that override configuration; unset ones are left out so lower layers show through.
#[derive(Debug, Default, Serialize)]
struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bind: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
}

impl Settings {
    /// Reads the layers for this command line; a missing `--config` file or a bad value is an error.
    pub fn load(cli: &Cli) -> anyhow::Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match &cli.config {
            Some(path) => {
                if !path.is_file() {
                    bail!("configuration file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new("guildhall.toml").is_file() => {
                figment = figment.merge(Toml::file_exact("guildhall.toml"))
            }
            None => {}
        }
        figment = figment.merge(Env::prefixed("GUILDHALL_").only(&[
            "database_url",
            "bind",
            "port",
            "origin",
            "log_format",
            "public_url",
        ]));
        // `GUILDHALL_NOTIFY__SMS_HTTP_KEY` and the like: one variable for each key of `[notify]`.
        figment = figment.merge(
            Env::prefixed("GUILDHALL_NOTIFY__")
                .map(|key| format!("notify.{}", key.as_str().to_ascii_lowercase()).into()),
        );
        let mut overrides = Overrides { database_url: cli.database_url.clone(), ..Overrides::default() };
        if let Command::Serve(args) | Command::Demo(args) = &cli.command {
            overrides.bind = args.bind;
            overrides.port = args.port;
        }
        if let (Command::Demo(_), None) = (&cli.command, &cli.database_url) {
            overrides.database_url = Some(DEMO_DATABASE_URL.to_string());
        }
        figment = figment.merge(Serialized::defaults(overrides));
        let settings: Settings = figment.extract().context("invalid configuration")?;
        if let Some(oidc) = &settings.oidc {
            oidc.check().context("invalid configuration")?;
        }
        settings.notify.check().context("invalid configuration")?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail returns its own large error type
    fn flags_override_the_environment_which_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("g.toml", "port = 9000\norigin = \"file.example\"\nlog_format = \"json\"\n")?;
            jail.set_env("GUILDHALL_ORIGIN", "env.example");
            let cli = Cli::parse_from(["guildhall", "--config", "g.toml", "serve", "--port", "9100"]);
            let s = Settings::load(&cli).map_err(|e| e.to_string())?;
            assert_eq!(s.port, 9100);
            assert_eq!(s.origin, "env.example");
            assert_eq!(s.log_format, LogFormat::Json);
            assert_eq!(s.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail returns its own large error type
    fn an_oidc_table_is_read_and_a_short_cookie_key_is_refused() {
        figment::Jail::expect_with(|jail| {
            let table = "[oidc]\nissuer = \"https://idp.example\"\nclient_id = \"c\"\nclient_secret = \"s\"\n\
                         display_name = \"Exampleshire ID\"\n";
            jail.create_file("long.toml", &format!("{table}cookie_key = \"{}\"\n", "k".repeat(32)))?;
            jail.create_file("short.toml", &format!("{table}cookie_key = \"{}\"\n", "k".repeat(31)))?;
            let s = Settings::load(&Cli::parse_from(["guildhall", "--config", "long.toml", "serve"]))
                .map_err(|e| e.to_string())?;
            let config = s.oidc.as_ref().expect("the table is read").login_config("https://s.example/");
            assert_eq!(config.redirect_url, "https://s.example/oidc/callback");
            assert_eq!(config.display_name, "Exampleshire ID");
            assert_eq!(config.scopes, ["openid", "email"]);
            assert!(!format!("{s:?}").contains(&"k".repeat(32)), "the key stays out of logs");
            let error = Settings::load(&Cli::parse_from(["guildhall", "--config", "short.toml", "serve"]))
                .expect_err("a 31-byte key is refused");
            assert!(format!("{error:#}").contains("oidc.cookie_key is 31 bytes"), "{error:#}");
            let none = Settings::load(&Cli::parse_from(["guildhall", "serve"])).map_err(|e| e.to_string())?;
            assert!(none.oidc.is_none());
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail returns its own large error type
    fn http_providers_come_from_notify_variables_and_a_missing_key_is_named() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("n.toml", "[notify]\nsms_sender = \"Council\"\n")?;
            jail.set_env("GUILDHALL_NOTIFY__SMS_HTTP_URL", "http://127.0.0.1:9/api");
            jail.set_env("GUILDHALL_NOTIFY__SMS_HTTP_KEY", "ft-key-1");
            jail.set_env("GUILDHALL_NOTIFY__SMS_HTTP_RECEIPT_TOKEN", "0123456789abcdef");
            jail.set_env("GUILDHALL_NOTIFY__SANDBOX_FALLBACK", "false");
            let s = Settings::load(&Cli::parse_from(["guildhall", "--config", "n.toml", "serve"]))
                .map_err(|e| e.to_string())?;
            assert_eq!(s.notify.sms_http_url.as_deref(), Some("http://127.0.0.1:9/api"));
            assert_eq!(s.notify.sms_http_key.as_deref(), Some("ft-key-1"));
            assert_eq!(s.notify.sms_sender, "Council", "the file's table and the variables merge");
            assert!(!s.notify.sandbox_fallback);
            assert!(!format!("{s:?}").contains("ft-key-1"), "the key stays out of logs");
            assert!(!format!("{s:?}").contains("0123456789abcdef"), "the token stays out of logs");

            jail.set_env("GUILDHALL_NOTIFY__LETTER_HTTP_URL", "http://127.0.0.1:9/print");
            let error = Settings::load(&Cli::parse_from(["guildhall", "serve"])).expect_err("no letter key");
            assert!(format!("{error:#}").contains("notify.letter_http_key is missing"), "{error:#}");
            jail.set_env("GUILDHALL_NOTIFY__LETTER_HTTP_KEY", "pr-key");
            let error = Settings::load(&Cli::parse_from(["guildhall", "serve"])).expect_err("no letter token");
            assert!(format!("{error:#}").contains("notify.letter_http_receipt_token is missing"), "{error:#}");
            jail.set_env("GUILDHALL_NOTIFY__LETTER_HTTP_RECEIPT_TOKEN", "short");
            let error = Settings::load(&Cli::parse_from(["guildhall", "serve"])).expect_err("a short token");
            assert!(format!("{error:#}").contains("letter_http_receipt_token is 5 characters"), "{error:#}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail returns its own large error type
    fn demo_uses_its_own_database_unless_one_is_given() {
        figment::Jail::expect_with(|_jail| {
            let s = Settings::load(&Cli::parse_from(["guildhall", "demo"])).map_err(|e| e.to_string())?;
            assert_eq!(s.database_url, DEMO_DATABASE_URL);
            let s = Settings::load(&Cli::parse_from(["guildhall", "--database-url", "sqlite://x.db", "demo"]))
                .map_err(|e| e.to_string())?;
            assert_eq!(s.database_url, "sqlite://x.db");
            Ok(())
        });
    }
}
