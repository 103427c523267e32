//! The page every service renders into: govuk-frontend's page template with the council's name
//! in a generic (non-crown) header, the sign-in state, a phase banner, an error summary when a
//! form has errors, and a footer linking to the accessibility statement, cookies and privacy.
//!
//! A service renders its main content with [`render_fragment`] (its own template source, with
//! every ported component importable from `govuk/components/<name>/macro.jinja`), puts it in a
//! [`Page`] with a [`Layout`], and returns [`render`]'s `Html`.

use axum::response::Html;
use serde::Serialize;

use crate::{Council, FormErrors, WebError, assets::GOVUK_FRONTEND_VERSION, templates};

/// Who is signed in, as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedIn {
    /// The name to show ("Signed in as …").
    pub name: String,
}

/// Where the header's sign-in and sign-out links go, under the council's prefix; the identity
/// brick serves these paths.
pub const SIGN_IN_PATH: &str = "sign-in";
/// See [`SIGN_IN_PATH`].
pub const SIGN_OUT_PATH: &str = "sign-out";

/// Everything around a page's main content.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// The council whose page this is; `None` for instance-wide pages (the list of councils,
    /// a 404 outside any council), which use the site name and govuk-frontend's own colours.
    pub council: Option<Council>,
    /// The name of the whole instance, shown when there is no council.
    pub site_name: String,
    /// The page's `<title>` and usually its `<h1>`; the council's name is appended.
    pub title: String,
    /// Who is signed in, if anyone.
    pub signed_in: Option<SignedIn>,
    /// A back link above the content, for pages in a journey.
    pub back_link: Option<String>,
    /// The form's errors: non-empty gives the error summary and "Error: " in the title.
    pub errors: FormErrors,
    /// The phase banner's tag ("Alpha", "Beta"), if the service shows one.
    pub phase: Option<String>,
}

impl Layout {
    /// A layout for a council's page with the given title, nobody signed in and no errors.
    pub fn new(site_name: &str, council: Option<Council>, title: &str) -> Layout {
        Layout {
            council,
            site_name: site_name.to_string(),
            title: title.to_string(),
            signed_in: None,
            back_link: None,
            errors: FormErrors::new(),
            phase: None,
        }
    }

    /// The same layout with someone signed in.
    pub fn signed_in(mut self, signed_in: Option<SignedIn>) -> Layout {
        self.signed_in = signed_in;
        self
    }

    /// The same layout showing a form's errors.
    pub fn with_errors(mut self, errors: FormErrors) -> Layout {
        self.errors = errors;
        self
    }

    /// The same layout with a back link.
    pub fn with_back_link(mut self, href: &str) -> Layout {
        self.back_link = Some(href.to_string());
        self
    }

    /// The same layout with a phase banner.
    pub fn with_phase(mut self, phase: &str) -> Layout {
        self.phase = Some(phase.to_string());
        self
    }

    /// The path prefix of the council's pages (`/exampleshire`), or empty for site pages.
    pub fn prefix(&self) -> String {
        self.council.as_ref().map(|c| format!("/{}", c.slug)).unwrap_or_default()
    }
}

/// A whole page: the layout and the main content, already rendered.
#[derive(Debug, Clone)]
pub struct Page {
    /// Everything around the content.
    pub layout: Layout,
    /// The main content as trusted HTML, normally from [`render_fragment`] (which escapes
    /// everything not marked safe).
    pub content: String,
}

/// Renders a page into the layout.
pub fn render(page: &Page) -> Result<Html<String>, WebError> {
    let layout = &page.layout;
    let context = minijinja::context! {
        layout => minijinja::Value::from(minijinja::value::Serde(layout)),
        prefix => layout.prefix(),
        errors_summary => minijinja::Value::from(minijinja::value::Serde(layout.errors.summary_items())),
        content => minijinja::Value::from_safe_string(page.content.clone()),
        version => GOVUK_FRONTEND_VERSION,
        sign_in => format!("{}/{SIGN_IN_PATH}", layout.prefix()),
        sign_out => format!("{}/{SIGN_OUT_PATH}", layout.prefix()),
    };
    let template = templates::environment()
        .get_template("layout.jinja")
        .map_err(|source| WebError::Render { template: "layout.jinja".into(), source })?;
    template.render(context).map(Html).map_err(|source| WebError::Render { template: "layout.jinja".into(), source })
}

/// Renders a service's own template source (its main content) with `context`. The source can
/// import any ported component, e.g.
/// `{% from "govuk/components/input/macro.jinja" import govukInput %}`.
pub fn render_fragment(name: &str, source: &str, context: impl Serialize) -> Result<String, WebError> {
    templates::environment()
        .render_named_str(name, source, minijinja::value::Serde(context))
        .map_err(|source| WebError::Render { template: name.to_string(), source })
}

/// Renders one of the brick's own embedded templates (`pages/*.jinja`) with `context`.
pub(crate) fn render_embedded(name: &str, context: impl Serialize) -> Result<String, WebError> {
    let template = templates::environment()
        .get_template(name)
        .map_err(|source| WebError::Render { template: name.to_string(), source })?;
    template
        .render(minijinja::value::Serde(context))
        .map_err(|source| WebError::Render { template: name.to_string(), source })
}
