//! The identity brick: one citizen account for the whole instance, staff accounts that belong
//! to one council and carry roles, server-side sessions, sign-in by a code sent by email and by
//! passkey, CSRF protection of every form, and rate limits on sign-in attempts.
//!
//! - [`Identity`] is the library API (accounts, codes, sessions), with no HTTP types.
//! - [`http`] has the pages ([`router`]), the middleware ([`layer`]) that puts a
//!   [`web::Visitor`] in every request and refuses forged forms, and the extractors
//!   [`RequireCitizen`] and [`RequireStaff`] for other bricks' handlers.
#![warn(missing_docs)]

mod accounts;
mod codes;
mod config;
mod email;
mod error;
pub mod http;
mod passkeys;
mod rate;
mod secret;
mod service;
mod sessions;

pub use accounts::{Citizen, CitizenId, EmailAddress, Role, Staff, StaffId};
pub use codes::{CodeAudience, CodeRequest};
pub use config::{ExternalSignInLink, IdentityConfig, RateLimits};
pub use email::{BoxFuture, EmailSender, SandboxEmail, SandboxEmailSender, SmtpEmailSender};
pub use error::{IdentityError, Result};
pub use http::{ClientIp, IdentityLayer, IdentityState, RequireCitizen, RequireStaff, dev_router, layer, router};
pub use passkeys::{PasskeyChallenge, PasskeySummary};
pub use service::Identity;
pub use sessions::{CurrentSession, NewSession, Pending, PendingCode, SESSION_COOKIE, SessionAccount};
