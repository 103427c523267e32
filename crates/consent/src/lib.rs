//! The consent brick: personal data in registers is read only under a consent grant the
//! citizen gave (DESIGN.md principle 3), and every read is written to an access log the citizen
//! sees on their "Your data" page.
//!
//! - [`Consent::request`] stores a service's request (registers and fields, purpose, duration);
//!   the citizen answers on the request page ([`Consent::decide`]) and may later
//!   [`Consent::revoke`] it.
//! - [`Consent::read`] is THE one way a service reads a register record about a citizen: it
//!   checks a live grant at read time, returns only the granted fields, and commits an
//!   access-log row before returning them; refusals are logged too. Staff reads go through
//!   [`Consent::read_as_staff`] and are logged the same way.
//! - [`router`] serves the request page and "Your data" under each council's prefix.
#![warn(missing_docs)]

mod clock;
mod consent;
mod error;
mod http;
mod model;

pub use clock::{Clock, ManualClock, SystemClock};
pub use consent::{Consent, MAX_DURATION, MAX_PURPOSE};
pub use error::{ConsentError, Result};
pub use http::{ConsentState, router};
pub use model::{
    AccessLogEntry, Actor, ConsentRequest, ConsentedRead, Grant, GrantId, GrantState, Outcome, RegisterRef, RequestId,
    Scope, Service, StaffRead, StaffRole, plain_name,
};
