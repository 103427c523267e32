//! Staff pages on the web brick: `GET /{council}/staff/notifications` lists each of the
//! council's Notify services with its recent notifications and their statuses, and
//! `GET /{council}/staff/notifications/{id}` shows one, with the email exactly as a mail client
//! gets it (the whole HTML document, framed from `…/{id}/email`, which works with JavaScript off).
//! Only staff of that council (`visitor.staff.works_for(slug)`) see them; anyone else gets 404.
//! The list also shows each service's recent bulk sends with their progress.
//! The same router serves residents the download pages of files sent by link (`downloads`).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Serialize;
use store::{CouncilId, Councils};
use uuid::Uuid;

use crate::error::NotifyError;
use crate::notify::{Notification, Notify};
use crate::template::{self, TemplateType};

/// How many notifications the list shows per service.
pub const RECENT_PER_SERVICE: i64 = 50;

/// How many bulk sends the list shows per service, with their progress.
pub const RECENT_JOBS_PER_SERVICE: i64 = 10;

/// What the pages need: the brick, the web brick's councils and layout, and the councils table.
#[derive(Clone)]
pub struct PagesState {
    notify: Notify,
    web: web::WebState,
    councils: Councils,
}

impl PagesState {
    /// Page state over the brick and the web brick's state.
    pub fn new(notify: Notify, web: web::WebState) -> PagesState {
        let councils = Councils::new(notify.store().clone());
        PagesState { notify, web, councils }
    }

    pub(crate) fn notify(&self) -> &Notify {
        &self.notify
    }

    pub(crate) fn web(&self) -> &web::WebState {
        &self.web
    }
}

/// The staff notification pages; merge with the web brick's router, under the identity brick's
/// visitor layer (handlers read `Extension<web::Visitor>`).
pub fn router(state: PagesState) -> Router {
    Router::new()
        .route("/{council}/staff/notifications", get(list))
        .route("/{council}/staff/notifications/{id}", get(show))
        .route("/{council}/staff/notifications/{id}/email", get(email_document))
        .route("/d/{service}/{file}", get(crate::downloads::show).post(crate::downloads::confirm))
        .route("/d/{service}/{file}/download", get(crate::downloads::download))
        .with_state(state)
}

const LIST: (&str, &str) = (
    "notifications/list.jinja",
    r#"{% from "govuk/components/table/macro.jinja" import govukTable %}
<h1 class="govuk-heading-l">Notifications</h1>
<p class="govuk-body">The most recent {{ per_service }} notifications of each of {{ council_name }}'s services.</p>
{% if not services %}<p class="govuk-body">There are no notification services yet.</p>{% endif %}
{% for s in services %}
{% if s.rows %}
{{ govukTable({"caption": s.name, "captionClasses": "govuk-table__caption--m",
  "head": [{"text": "Sent to"}, {"text": "Type"}, {"text": "Status"}, {"text": "Created"}, {"html": '<span class="govuk-visually-hidden">Details</span>'}],
  "rows": s.rows}) }}
{% else %}
<h2 class="govuk-heading-m">{{ s.name }}</h2>
<p class="govuk-body">No notifications sent yet.</p>
{% endif %}
{% if s.jobs %}
{{ govukTable({"caption": s.name ~ ": bulk sends", "captionClasses": "govuk-table__caption--s",
  "head": [{"text": "Name"}, {"text": "Created"}, {"text": "Recipients", "format": "numeric"}, {"text": "Accepted", "format": "numeric"},
           {"text": "Sending", "format": "numeric"}, {"text": "Delivered", "format": "numeric"}, {"text": "Failed", "format": "numeric"}, {"text": "Status"}],
  "rows": s.jobs}) }}
{% endif %}
{% endfor %}"#,
);

const SHOW: (&str, &str) = (
    "notifications/show.jinja",
    r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList %}
{% from "govuk/components/inset-text/macro.jinja" import govukInsetText %}
<h1 class="govuk-heading-l">{{ title }}</h1>
{{ govukSummaryList({"rows": [
  {"key": {"text": "Sent to"}, "value": {"text": n.recipient}},
  {"key": {"text": "Type"}, "value": {"text": n.kind}},
  {"key": {"text": "Status"}, "value": {"text": n.status}},
  {"key": {"text": "Provider"}, "value": {"text": n.provider}},
  {"key": {"text": "Reference"}, "value": {"text": n.reference}},
  {"key": {"text": "Created"}, "value": {"text": n.created_at}}
]}) }}
{% if email_src %}
<h2 class="govuk-heading-m">The email</h2>
<p class="govuk-body"><a class="govuk-link" href="{{ email_src }}">Open the email on its own</a></p>
<iframe src="{{ email_src }}" title="The email as sent" style="width: 100%; height: 40rem; border: 1px solid #b1b4b6;"></iframe>
{% else %}
{% if n.subject %}<h2 class="govuk-heading-m">{{ n.subject }}</h2>{% endif %}
{{ govukInsetText({"text": n.body}) }}
{% endif %}"#,
);

#[derive(Serialize)]
struct ServiceView {
    name: String,
    rows: Vec<Vec<serde_json::Value>>,
    jobs: Vec<Vec<serde_json::Value>>,
}

#[derive(Serialize)]
struct NotificationView {
    recipient: String,
    kind: &'static str,
    status: String,
    provider: String,
    reference: String,
    created_at: String,
    subject: Option<String>,
    body: String,
}

fn kind(t: TemplateType) -> &'static str {
    match t {
        TemplateType::Email => "Email",
        TemplateType::Sms => "Text message",
        TemplateType::Letter => "Letter",
    }
}

fn view(n: &Notification) -> NotificationView {
    NotificationView {
        recipient: n.recipient.replace('\n', ", "),
        kind: kind(n.notification_type),
        status: n.api_status().to_string(),
        provider: n.provider.clone().unwrap_or_else(|| "Not yet sent".to_string()),
        reference: n.reference.clone().unwrap_or_else(|| "None".to_string()),
        created_at: n.created_at.clone(),
        subject: n.subject.clone(),
        body: n.body.clone(),
    }
}

/// The web council and its store id for a URL's slug when the visitor works for it, else the 404 page.
async fn staff_council(
    state: &PagesState,
    visitor: &web::Visitor,
    slug: &str,
) -> Result<(web::Council, CouncilId), Response> {
    if !visitor.staff.as_ref().is_some_and(|s| s.works_for(slug)) {
        return Err(state.web.not_found(state.web.council(slug).as_ref()));
    }
    state.web.council_and_id(&state.councils, slug).await
}

pub(crate) fn page(
    state: &PagesState,
    layout: web::Layout,
    template: (&str, &str),
    context: impl Serialize,
) -> Response {
    let council = layout.council.clone();
    let content = match web::render_fragment(template.0, template.1, context) {
        Ok(content) => content,
        Err(error) => return state.web.server_error(council.as_ref(), &error),
    };
    match web::render(&web::Page { layout, content }) {
        Ok(html) => (StatusCode::OK, html).into_response(),
        Err(error) => state.web.server_error(council.as_ref(), &error),
    }
}

fn error_page(state: &PagesState, council: &web::Council, error: NotifyError) -> Response {
    match error {
        NotifyError::NotFound => state.web.not_found(Some(council)),
        other => state.web.server_error(Some(council), &other),
    }
}

async fn list(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
) -> Response {
    let (council, council_id) = match staff_council(&state, &visitor, &slug).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let services = match state.notify.services(council_id).await {
        Ok(s) => s,
        Err(e) => return error_page(&state, &council, e),
    };
    let mut views = Vec::new();
    for s in services {
        let recent = match state.notify.recent_notifications(council_id, &s.id, RECENT_PER_SERVICE).await {
            Ok(r) => r,
            Err(e) => return error_page(&state, &council, e),
        };
        let rows = recent
            .iter()
            .map(|n| {
                let v = view(n);
                // The id is a UUID we generated, so the link is safe to mark as HTML.
                let link = format!(
                    r#"<a class="govuk-link" href="/{}/staff/notifications/{}">View<span class="govuk-visually-hidden"> notification to {}</span></a>"#,
                    council.slug,
                    n.id,
                    html_escape(&v.recipient)
                );
                vec![
                    serde_json::json!({"text": v.recipient}),
                    serde_json::json!({"text": v.kind}),
                    serde_json::json!({"text": v.status}),
                    serde_json::json!({"text": v.created_at}),
                    serde_json::json!({"html": link}),
                ]
            })
            .collect();
        let jobs = match state.notify.recent_jobs(council_id, &s.id, RECENT_JOBS_PER_SERVICE).await {
            Ok(jobs) => jobs,
            Err(e) => return error_page(&state, &council, e),
        };
        let jobs = jobs
            .iter()
            .map(|j| {
                let number = |n: i64| serde_json::json!({"text": n.to_string(), "format": "numeric"});
                vec![
                    serde_json::json!({"text": j.name}),
                    serde_json::json!({"text": j.created_at}),
                    number(j.rows_total),
                    number(j.rows_processed),
                    number(j.sending()),
                    number(j.delivered()),
                    number(j.failed()),
                    serde_json::json!({"text": j.status}),
                ]
            })
            .collect();
        views.push(ServiceView { name: s.name, rows, jobs });
    }
    let layout = state.web.layout(Some(&council), "Notifications").signed_in(visitor.signed_in());
    let context = serde_json::json!({
        "services": views,
        "per_service": RECENT_PER_SERVICE,
        "council_name": council.name,
    });
    page(&state, layout, LIST, context)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

async fn one(
    state: &PagesState,
    visitor: &web::Visitor,
    slug: &str,
    id: &str,
) -> Result<(web::Council, Notification), Response> {
    let (council, council_id) = staff_council(state, visitor, slug).await?;
    let Ok(id) = Uuid::parse_str(id) else { return Err(state.web.not_found(Some(&council))) };
    match state.notify.council_notification(council_id, id).await {
        Ok(n) => Ok((council, n)),
        Err(e) => Err(error_page(state, &council, e)),
    }
}

async fn show(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Response {
    let (council, n) = match one(&state, &visitor, &slug, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let title = format!("{} to {}", kind(n.notification_type), n.recipient.lines().next().unwrap_or_default());
    let email_src = (n.notification_type == TemplateType::Email)
        .then(|| format!("/{}/staff/notifications/{}/email", council.slug, n.id));
    let layout = state
        .web
        .layout(Some(&council), &title)
        .signed_in(visitor.signed_in())
        .with_back_link(&format!("/{}/staff/notifications", council.slug));
    let context = serde_json::json!({"title": title, "n": view(&n), "email_src": email_src});
    page(&state, layout, SHOW, context)
}

/// The email as the SMTP provider sends it: a whole HTML document, framed by the show page.
/// Personalisation was escaped when it was rendered; the policy forbids scripts and outside
/// loads anyway.
async fn email_document(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Response {
    let (council, n) = match one(&state, &visitor, &slug, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if n.notification_type != TemplateType::Email {
        return state.web.not_found(Some(&council));
    }
    let body_html = n.html.clone().unwrap_or_else(|| template::email_html(&n.body));
    let document = template::email_document(n.subject.as_deref().unwrap_or_default(), &body_html);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
        ],
        document,
    )
        .into_response()
}
