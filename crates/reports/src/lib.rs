//! Report a problem. A council's *bodies* (its own tiers, parishes, other road or asset owners)
//! and the categories each handles are data (see [`Body`]); a report's point is routed through
//! the area brick to exactly the bodies whose rules take it (see [`routing`] for the boundary
//! rule), stored whole in one transaction, and sent through a durable queue: by email through the
//! notifications brick, or to another system's Open311 endpoint. [`open311`] serves GeoReport v2
//! for every body on the instance. [`citizen_pages`] is the citizen's journey and the public
//! report pages; [`staff_pages`] and [`map`] are the staff's.
#![warn(missing_docs)]

mod bodies;
pub use bodies::offers_reports;
pub mod citizen_pages;
mod error;
mod export;
mod mailer;
pub mod map;
mod model;
pub mod open311;
mod queue;
mod reassign;
mod reports;
pub mod routing;
pub mod rules;
pub mod staff_pages;
mod time_text;

pub use error::{ReportError, Result};
pub use mailer::{Email, Mailer, NotifyMailer, SendFailure, SendFuture, WORKER_KEY};
pub use model::{Attribute, AttributeValue, Body, BodyContact, Category, Datatype, Route, Tier};
pub use queue::{SendConfig, Senders, Worker};
pub use reports::{
    Destination, FailedSend, ListFilter, MAX_PHOTO_BYTES, NewReport, Photo, Report, Reporter, Reports, Status,
    Submitted, Update,
};
pub use routing::{AreaLookup, AreasFuture, Located, Location, Offer, Selection};
pub use rules::{Answers, Condition};
