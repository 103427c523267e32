//! The brick's routes: assets, each council's static pages and stylesheet, the demonstration
//! start page and form, and branded 404 and 500 pages.
//!
//! Councils are reached by a path prefix: everything of council `exampleshire` lives under
//! `/exampleshire/` (`/exampleshire/accessibility`, `/exampleshire/brand.css`, …). A prefix works
//! on any host name, needs no DNS or certificate per council, and keeps one origin for the
//! citizen's single account. `/` lists the councils; `/assets/` is shared by all of them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Serialize;

use crate::page::{Layout, Page, render, render_embedded};
use crate::{Council, Visitor, WebError, assets};

/// The councils the web brick serves and the instance's name, shared by every request.
#[derive(Clone)]
pub struct WebState {
    inner: Arc<Inner>,
}

struct Inner {
    site_name: String,
    councils: RwLock<BTreeMap<String, Council>>,
}

impl WebState {
    /// State for an instance called `site_name` (shown on pages outside any council) serving
    /// `councils`; two councils with one slug are refused.
    pub fn new(site_name: &str, councils: Vec<Council>) -> Result<WebState, WebError> {
        let state = WebState {
            inner: Arc::new(Inner { site_name: site_name.to_string(), councils: RwLock::new(BTreeMap::new()) }),
        };
        state.set_councils(councils)?;
        Ok(state)
    }

    /// Replaces the councils, for when one is added while the server runs.
    pub fn set_councils(&self, councils: Vec<Council>) -> Result<(), WebError> {
        let mut map = BTreeMap::new();
        for council in councils {
            if map.contains_key(&council.slug) {
                return Err(WebError::DuplicateCouncil(council.slug));
            }
            map.insert(council.slug.clone(), council);
        }
        match self.inner.councils.write() {
            Ok(mut guard) => *guard = map,
            Err(poisoned) => *poisoned.into_inner() = map,
        }
        Ok(())
    }

    /// The council with this slug.
    pub fn council(&self, slug: &str) -> Option<Council> {
        match self.inner.councils.read() {
            Ok(guard) => guard.get(slug).cloned(),
            Err(poisoned) => poisoned.into_inner().get(slug).cloned(),
        }
    }

    /// Every council, by slug.
    pub fn councils(&self) -> Vec<Council> {
        match self.inner.councils.read() {
            Ok(guard) => guard.values().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().values().cloned().collect(),
        }
    }

    /// The instance's name.
    pub fn site_name(&self) -> &str {
        &self.inner.site_name
    }

    /// A layout for a page of `council` (or of the whole site) titled `title`; services add
    /// the signed-in person and form errors with [`Layout`]'s builders.
    pub fn layout(&self, council: Option<&Council>, title: &str) -> Layout {
        Layout::new(self.site_name(), council.cloned(), title)
    }

    /// A whole page from one of the brick's own templates, as a response with `status`.
    fn page(&self, status: StatusCode, layout: Layout, template: &str, context: impl Serialize) -> Response {
        let content = match render_embedded(template, context) {
            Ok(content) => content,
            Err(error) => return self.server_error(layout.council.as_ref(), &error),
        };
        match render(&Page { layout, content }) {
            Ok(html) => (status, html).into_response(),
            Err(error) => plain_server_error(&error),
        }
    }

    /// The council a page's URL names, as the web brick shows it and as the store knows it (its
    /// [`store::CouncilId`], carried by every row a brick keeps): the one prelude of every
    /// per-council page, kept here so every brick answers alike. An unknown council (to either
    /// side, or a slug the store cannot hold) is the 404 page, branded when the web brick knows
    /// the council; a database error is the council's 500 page.
    pub async fn council_and_id(
        &self,
        councils: &store::Councils,
        slug: &str,
    ) -> Result<(Council, store::CouncilId), Response> {
        let Some(council) = self.council(slug) else { return Err(self.not_found(None)) };
        let found = match store::CouncilSlug::parse(slug) {
            Ok(parsed) => councils.by_slug(&parsed).await,
            Err(error) => Err(error),
        };
        match found {
            Ok(found) => Ok((council, found.id)),
            Err(store::StoreError::UnknownCouncil(_) | store::StoreError::InvalidSlug(_)) => {
                Err(self.not_found(Some(&council)))
            }
            Err(error) => Err(self.server_error(Some(&council), &error)),
        }
    }

    /// The branded "Page not found" page with status 404.
    pub fn not_found(&self, council: Option<&Council>) -> Response {
        let layout = self.layout(council, "Page not found");
        self.page(StatusCode::NOT_FOUND, layout, "pages/not_found.jinja", context(council))
    }

    /// The branded "Sorry, there is a problem with the service" page with status 500; the
    /// error is logged, never shown.
    pub fn server_error(&self, council: Option<&Council>, error: &dyn std::error::Error) -> Response {
        tracing::error!(error = %error, "serving the 500 page");
        let layout = self.layout(council, "Sorry, there is a problem with the service");
        let content = match render_embedded("pages/server_error.jinja", context(council)) {
            Ok(content) => content,
            Err(error) => return plain_server_error(&error),
        };
        match render(&Page { layout, content }) {
            Ok(html) => (StatusCode::INTERNAL_SERVER_ERROR, html).into_response(),
            Err(error) => plain_server_error(&error),
        }
    }
}

/// The last resort when even the 500 page cannot be rendered.
fn plain_server_error(error: &WebError) -> Response {
    tracing::error!(error = %error, "rendering the 500 page failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service. Try again later.").into_response()
}

/// The context every brick page gets.
#[derive(Serialize)]
struct PageContext<'a> {
    council: Option<&'a Council>,
    contact: Option<&'a crate::Contact>,
    prefix: String,
}

fn context(council: Option<&Council>) -> PageContext<'_> {
    PageContext {
        council,
        contact: council.and_then(|c| c.contact.as_ref()),
        prefix: council.map(|c| format!("/{}", c.slug)).unwrap_or_default(),
    }
}

/// The web brick's router: `/assets/…`, `/`, and each council's `/{council}/…` pages.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/assets/{*path}", get(assets::serve))
        .route("/", get(index))
        .route("/{council}", get(council_root))
        .route("/{council}/", get(start))
        .route("/{council}/brand.css", get(brand_css))
        .route("/{council}/accessibility", get(accessibility))
        .route("/{council}/cookies", get(cookies))
        .route("/{council}/privacy", get(privacy))
        .route("/{council}/example-form", get(example_form).post(example_form_post))
        .fallback(fallback)
        .with_state(state)
}

async fn index(State(state): State<WebState>) -> Response {
    #[derive(Serialize)]
    struct Index {
        councils: Vec<Council>,
    }
    let layout = state.layout(None, "Choose your council");
    state.page(StatusCode::OK, layout, "pages/index.jinja", Index { councils: state.councils() })
}

async fn council_root(State(state): State<WebState>, Path(slug): Path<String>) -> Response {
    match state.council(&slug) {
        Some(council) => Redirect::permanent(&format!("/{}/", council.slug)).into_response(),
        None => state.not_found(None),
    }
}

/// Serves one of a council's static pages, or the 404 page for an unknown council.
fn static_page(state: &WebState, visitor: Option<&Visitor>, slug: &str, title: &str, template: &str) -> Response {
    match state.council(slug) {
        Some(council) => {
            let layout = state.layout(Some(&council), title).signed_in(visitor.and_then(Visitor::signed_in));
            state.page(StatusCode::OK, layout, template, context(Some(&council)))
        }
        None => state.not_found(None),
    }
}

async fn start(
    State(state): State<WebState>,
    visitor: Option<Extension<Visitor>>,
    Path(slug): Path<String>,
) -> Response {
    static_page(&state, visitor.as_deref(), &slug, "Online services", "pages/start.jinja")
}

async fn accessibility(
    State(state): State<WebState>,
    visitor: Option<Extension<Visitor>>,
    Path(slug): Path<String>,
) -> Response {
    static_page(&state, visitor.as_deref(), &slug, "Accessibility statement", "pages/accessibility.jinja")
}

async fn cookies(
    State(state): State<WebState>,
    visitor: Option<Extension<Visitor>>,
    Path(slug): Path<String>,
) -> Response {
    static_page(&state, visitor.as_deref(), &slug, "Cookies", "pages/cookies.jinja")
}

async fn privacy(
    State(state): State<WebState>,
    visitor: Option<Extension<Visitor>>,
    Path(slug): Path<String>,
) -> Response {
    static_page(&state, visitor.as_deref(), &slug, "Privacy notice", "pages/privacy.jinja")
}

async fn brand_css(State(state): State<WebState>, Path(slug): Path<String>) -> Response {
    match state.council(&slug) {
        Some(council) => {
            let mut response = council.brand_css().into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
            // Short: a council may change its colour.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
            response
        }
        None => state.not_found(None),
    }
}

/// The demonstration form's answers and errors.
#[derive(Serialize)]
struct FormContext<'a> {
    council: &'a Council,
    prefix: String,
    form: HashMap<String, String>,
    errors: serde_json::Map<String, serde_json::Value>,
    /// The anti-forgery input, when the identity brick's layer runs (empty in the brick alone).
    csrf: String,
}

/// The hidden anti-forgery input of the request's visitor, if the identity layer put one there.
fn csrf_input(visitor: Option<&Visitor>) -> String {
    visitor.map(Visitor::csrf_input).unwrap_or_default()
}

async fn example_form(
    State(state): State<WebState>,
    visitor: Option<Extension<Visitor>>,
    Path(slug): Path<String>,
) -> Response {
    let Some(council) = state.council(&slug) else { return state.not_found(None) };
    let layout = state
        .layout(Some(&council), "Contact the council")
        .with_back_link(&format!("/{slug}/"))
        .signed_in(visitor.as_deref().and_then(Visitor::signed_in));
    let context = FormContext {
        council: &council,
        prefix: format!("/{slug}"),
        form: HashMap::new(),
        errors: Default::default(),
        csrf: csrf_input(visitor.as_deref()),
    };
    state.page(StatusCode::OK, layout, "pages/example_form.jinja", context)
}

async fn example_form_post(
    State(state): State<WebState>,
    visitor: Option<Extension<Visitor>>,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(council) = state.council(&slug) else { return state.not_found(None) };
    let form: HashMap<String, String> = form.into_iter().map(|(k, v)| (k, v.trim().to_string())).collect();
    let errors = crate::demo::validate_contact_form(&form, crate::demo::today());
    let prefix = format!("/{slug}");
    let signed_in = visitor.as_deref().and_then(Visitor::signed_in);
    let csrf = csrf_input(visitor.as_deref());
    if errors.is_empty() {
        let layout = state.layout(Some(&council), "Message sent").signed_in(signed_in);
        let context = FormContext { council: &council, prefix, form, errors: Default::default(), csrf };
        return state.page(StatusCode::OK, layout, "pages/example_sent.jinja", context);
    }
    let by_field = errors.by_field();
    let layout = state
        .layout(Some(&council), "Contact the council")
        .with_back_link(&format!("/{slug}/"))
        .with_errors(errors)
        .signed_in(signed_in);
    let context = FormContext { council: &council, prefix, form, errors: by_field, csrf };
    state.page(StatusCode::UNPROCESSABLE_ENTITY, layout, "pages/example_form.jinja", context)
}

async fn fallback(State(state): State<WebState>, uri: Uri) -> Response {
    let first = uri.path().trim_start_matches('/').split('/').next().unwrap_or_default();
    let council = state.council(first);
    state.not_found(council.as_ref())
}
