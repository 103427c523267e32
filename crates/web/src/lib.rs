//! The web brick: server-rendered pages in the GOV.UK Design System for every council of an
//! instance, which every citizen-facing service renders into.
//!
//! - [`router`] serves govuk-frontend's embedded assets under `/assets/`, and for each council
//!   (reached by the `/{council}/` path prefix) its start page, accessibility statement,
//!   cookies and privacy pages, and `brand.css`, plus branded 404 and 500 pages.
//! - [`Layout`], [`Page`] and [`render`] put a service's content in the page template with the
//!   council's name and colour, the sign-in state, and the error summary of a [`FormErrors`].
//! - [`render_fragment`] renders a service's own template with the ported components
//!   (`govuk/components/<name>/macro.jinja`), each proved against govuk-frontend's fixtures.
#![warn(missing_docs)]

pub mod assets;
pub mod council;
pub mod demo;
mod error;
mod form;
mod page;
mod router;
pub mod templates;
mod visitor;

pub use assets::GOVUK_FRONTEND_VERSION;
pub use council::{BrandColour, Contact, Council, Rgb, ServiceLink};
pub use error::WebError;
pub use form::{FieldError, FormErrors};
pub use page::{Layout, Page, SIGN_IN_PATH, SIGN_OUT_PATH, SignedIn, render, render_fragment};
pub use router::{WebState, router};
pub use visitor::{CSRF_FIELD, Visitor, VisitorCitizen, VisitorStaff};
