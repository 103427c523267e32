//! The low-code service engine (issue 7): a council declares a service as a YAML definition and
//! the engine runs it — question pages with branching, register checks under consent, a fee,
//! a decision, notifications and outputs — recording a case with its full history.
//!
//! - [`check`] reads a definition and names the line of every error (`guildhall service check`).
//! - [`expr`] and [`eval`] are the small expression language conditions and rules are written in.
//! - [`Engine`] stores definitions per council (versioned), saves applications page by page,
//!   submits exactly once into a case, and serves the caseworker queue.
//! - [`pages`] serves it all as GOV.UK pages: start, questions, check your answers, consent and
//!   payment hand-offs, confirmation, "Your applications", and the caseworker queue.
//! - [`ports`] are the traits through which it reaches consent, addresses, payments,
//!   notifications and registers; [`testing`] implements them over a real registers store.
#![warn(missing_docs)]

pub mod answers;
mod cases;
pub mod definition;
mod engine;
mod error;
pub mod eval;
pub mod expr;
pub mod flow;
mod outbox;
pub mod pages;
mod parse;
pub mod ports;
pub mod testing;

pub use cases::{ApplicationSummary, CaseDetail, CaseEvent, CaseState, CaseSummary, QueueFilter};
pub use definition::*;
pub use engine::{
    Application, ApplicationState, CheckEvidence, Engine, Ports, StoredDefinition, Submission, published,
};
pub use error::{Result, ServiceError};
pub use parse::check;
