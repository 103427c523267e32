//! Sign-in through an external OpenID Connect provider, as a relying party: GOV.UK One Login or
//! a council's own IdP, configured per instance. Authorization code flow with PKCE (S256), state
//! and nonce; the ID token is verified against the provider's published keys.
//!
//! [`OidcLogin`] does the protocol; [`PendingCookie`] keeps a started sign-in in a signed cookie;
//! [`http::router`] gives the two routes over an [`http::ExternalSignIn`] the instance implements.
#![warn(missing_docs)]

mod client_assertion;
mod config;
mod error;
pub mod http;
mod login;
mod seal;

pub use client_assertion::public_jwk;
pub use config::{ClientAuthMethod, OidcConfig};
pub use error::OidcError;
pub use http::{ExternalSignIn, router};
pub use login::{CallbackParams, MAX_PENDING_AGE_SECONDS, OidcLogin, PendingLogin, VerifiedLogin};
pub use openidconnect::url::Url;
pub use seal::{PENDING_COOKIE, PendingCookie};
