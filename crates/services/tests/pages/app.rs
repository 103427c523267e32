//! A live server for the page tests: the services pages, the web brick's pages and the test
//! consent page on 127.0.0.1, behind a small layer standing in for the identity brick (the
//! `x-test-citizen` header signs a citizen in; `x-test-staff` a member of staff, with
//! `x-test-staff-council` and `x-test-roles`). Also the page checks every test makes.

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use services::pages::PagesState;
use services::ports::ConsentPrompt;
use services::testing::{RecordSourceConsent, grant_router};

use crate::common::World;

pub const CSRF: &str = "test-token";

async fn as_visitor(mut request: Request, next: Next) -> axum::response::Response {
    let visitor = visitor_of(request.headers());
    request.extensions_mut().insert(visitor);
    next.run(request).await
}

fn visitor_of(headers: &axum::http::HeaderMap) -> web::Visitor {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut visitor = web::Visitor::anonymous(CSRF);
    visitor.citizen = header("x-test-citizen").map(|id| web::VisitorCitizen {
        name: format!("Citizen {id}"),
        email: format!("{id}@example.com"),
        id,
    });
    visitor.staff = header("x-test-staff").map(|id| web::VisitorStaff {
        name: format!("Staff {id}"),
        council_id: 0,
        council_slug: header("x-test-staff-council").unwrap_or_else(|| "exampleshire".into()),
        roles: header("x-test-roles").unwrap_or_else(|| "caseworker".into()).split(',').map(str::to_string).collect(),
        id,
    });
    visitor
}

/// Who makes a request.
#[derive(Clone, Copy)]
pub enum Who<'a> {
    Nobody,
    Citizen(&'a str),
    Staff { id: &'a str, council: &'a str, roles: &'a str },
}

/// A response, read.
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
}

impl Reply {
    /// The redirect target, asserting it is one.
    pub fn redirect(&self) -> &str {
        assert!(self.status.is_redirection(), "expected a redirect, got {}: {}", self.status, self.body);
        self.location.as_deref().unwrap()
    }
}

pub struct App {
    pub base: String,
    client: reqwest::Client,
    pub consent: RecordSourceConsent,
}

impl App {
    pub async fn start(w: &World) -> App {
        let consent = RecordSourceConsent::new(w.records.clone());
        App::start_with(w, consent.clone(), Arc::new(consent)).await
    }

    /// A server whose pages ask `prompt` for consent.
    pub async fn start_with(w: &World, consent: RecordSourceConsent, prompt: Arc<dyn ConsentPrompt>) -> App {
        let councils = vec![
            web::Council::new("exampleshire", "Exampleshire County Council", "#00703c").unwrap(),
            web::Council::new("otherborough", "Otherborough Council", "#1d70b8").unwrap(),
        ];
        let web_state = web::WebState::new("Guildhall", councils).unwrap();
        let pages = PagesState::new(w.engine.clone(), web_state.clone(), prompt);
        let app = services::pages::router(pages)
            .merge(grant_router(w.records.clone()))
            .merge(web::router(web_state))
            .layer(axum::middleware::from_fn(as_visitor));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        App { base, client, consent }
    }

    fn who(&self, mut request: reqwest::RequestBuilder, who: Who<'_>) -> reqwest::RequestBuilder {
        match who {
            Who::Nobody => {}
            Who::Citizen(id) => request = request.header("x-test-citizen", id),
            Who::Staff { id, council, roles } => {
                request = request
                    .header("x-test-staff", id)
                    .header("x-test-staff-council", council)
                    .header("x-test-roles", roles)
            }
        }
        request
    }

    async fn read(response: reqwest::Response) -> Reply {
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        Reply { status: response.status(), location, body: response.text().await.unwrap() }
    }

    pub async fn get(&self, path: &str, who: Who<'_>) -> Reply {
        let url = if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.base) };
        Self::read(self.who(self.client.get(url), who).send().await.unwrap()).await
    }

    /// Posts a form as a browser would, with the anti-forgery token.
    pub async fn post(&self, path: &str, who: Who<'_>, form: &[(&str, &str)]) -> Reply {
        let mut fields: Vec<(&str, &str)> = vec![("csrf_token", CSRF)];
        fields.extend_from_slice(form);
        let request = self.client.post(format!("{}{path}", self.base)).form(&fields);
        Self::read(self.who(request, who).send().await.unwrap()).await
    }
}

fn select(html: &Html, css: &str) -> Vec<String> {
    html.select(&Selector::parse(css).unwrap()).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

/// Texts of the elements matching `css`.
pub fn texts(body: &str, css: &str) -> Vec<String> {
    select(&Html::parse_document(body), css)
}

/// The first `h1`'s text.
pub fn h1(body: &str) -> String {
    texts(body, "h1").into_iter().next().unwrap_or_default()
}

/// The checks every rendered page must pass: one `h1`; every visible input, select and
/// textarea has a label; radios, checkboxes and date inputs sit in a fieldset with a legend;
/// every POST form carries the anti-forgery token; error summaries link to fields that exist.
pub fn assert_accessible(body: &str) {
    let html = Html::parse_document(body);
    let s = |css: &str| Selector::parse(css).unwrap();
    assert_eq!(html.select(&s("h1")).count(), 1, "exactly one h1:\n{body}");
    for field in html.select(&s("input, select, textarea")) {
        let kind = field.value().attr("type").unwrap_or("text");
        if kind == "hidden" {
            continue;
        }
        let id = field.value().attr("id").unwrap_or_else(|| panic!("a field without an id:\n{body}"));
        assert_eq!(html.select(&s(&format!("label[for=\"{id}\"]"))).count(), 1, "field {id} has one label");
        if kind == "radio" || kind == "checkbox" || field.value().classes().any(|c| c == "govuk-date-input__input") {
            let in_fieldset = field.ancestors().filter_map(scraper::ElementRef::wrap).any(|a| {
                a.value().name() == "fieldset"
                    && a.children().filter_map(scraper::ElementRef::wrap).any(|c| c.value().name() == "legend")
            });
            assert!(in_fieldset, "{kind} {id} sits in a fieldset with a legend");
        }
    }
    for form in html.select(&s("form[method=post]")) {
        assert!(form.select(&s("input[name=csrf_token]")).count() == 1, "a post form without the CSRF token:\n{body}");
    }
    for link in html.select(&s(".govuk-error-summary a")) {
        let href = link.value().attr("href").unwrap_or_default();
        let id = href.trim_start_matches('#');
        assert_eq!(html.select(&s(&format!("[id=\"{id}\"]"))).count(), 1, "error summary link {href} has a target");
    }
}
