//! A service's start page (its name, its start text and a "Start now" button that creates the
//! application with a form post, so it works with JavaScript off) and the citizen's
//! "Your applications" list with each application's status.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{PagesState, citizen, day_of, error_page, here, render, see_other, status_tag};
use crate::flow::Next;

const START: &str = r#"{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-xl">{{ name }}</h1>
{% for p in start %}<p class="govuk-body">{{ p }}</p>{% endfor %}
{% if signed_in %}
<form method="post" action="{{ action }}" novalidate>{{ csrf | safe }}
{{ govukButton({"text": "Start now", "isStartButton": true, "preventDoubleClick": true}) }}
</form>
{% else %}
{{ govukButton({"text": "Start now", "isStartButton": true, "href": sign_in}) }}
{% if needs_sign_in %}<p class="govuk-body">You will be asked to sign in first, so you can save your progress and see your applications later.</p>{% endif %}
{% endif %}
{% if drafts %}
<h2 class="govuk-heading-m">Applications you have not sent</h2>
<ul class="govuk-list">{% for d in drafts %}<li><a class="govuk-link" href="{{ d.href }}">Continue the application you last changed on {{ d.changed }}</a></li>{% endfor %}</ul>
{% endif %}
</div></div>"#;

/// `GET /{council}/services/{slug}`.
pub(crate) async fn start_page(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, service)): Path<(String, String)>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let current = match state.engine.current(here.id, &service).await {
        Ok(d) => d,
        Err(e) => return error_page(&state, &here, e),
    };
    let d = &current.definition;
    let this_page = format!("{}/services/{service}", here.prefix());
    let mut drafts = Vec::new();
    if let Some(c) = &visitor.citizen {
        match state.engine.applications_of(here.id, &c.id).await {
            Ok(apps) => {
                for a in apps.iter().filter(|a| a.service == service && a.status == "draft") {
                    drafts
                        .push(json!({"href": here.app_path(&a.id, "check-answers"), "changed": day_of(&a.updated_at)}));
                }
            }
            Err(e) => return error_page(&state, &here, e),
        }
    }
    let context = json!({
        "name": d.name, "start": d.start, "signed_in": visitor.citizen.is_some(), "needs_sign_in": d.sign_in,
        "action": this_page, "csrf": visitor.csrf_input(), "drafts": drafts,
        "sign_in": format!(
            "{}/{}?return_to={}",
            here.prefix(),
            web::SIGN_IN_PATH,
            urlencoding::encode(&format!("{this_page}/start"))
        ),
    });
    let layout = state.web.layout(Some(&here.council), &d.name).signed_in(visitor.signed_in());
    render(&state, &here, StatusCode::OK, layout, ("services-start", START), context)
}

/// `POST /{council}/services/{slug}`: starts an application on the service's newest version
/// and goes to its first page. Also `GET …/{slug}/start`, where signing in from the start page
/// returns to, so the citizen is not shown the start page twice; it makes no second draft
/// (an untouched one is reused), so a stray GET leaves nothing behind.
pub(crate) async fn begin(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, service)): Path<(String, String)>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let back = format!("{}/services/{service}/start", here.prefix());
    let citizen = match citizen(&visitor, &here, &back) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let app = match untouched_draft(&state, here.id, &service, &citizen.id).await {
        Ok(Some(app)) => app,
        Ok(None) => match state.engine.start(here.id, &service, &citizen.id).await {
            Ok(app) => app,
            Err(e) => return error_page(&state, &here, e),
        },
        Err(e) => return error_page(&state, &here, e),
    };
    match state.engine.next(&app) {
        Next::Page(page) => see_other(&here.app_path(&app.id, &page)),
        Next::CheckAnswers => see_other(&here.app_path(&app.id, "check-answers")),
    }
}

/// The citizen's draft of this service's newest version with nothing answered yet, so a replayed
/// "Start now" (the back button, a double click) does not leave a second empty application.
async fn untouched_draft(
    state: &PagesState,
    council: store::CouncilId,
    service: &str,
    citizen: &str,
) -> crate::Result<Option<crate::Application>> {
    let current = state.engine.current(council, service).await?;
    for summary in state.engine.applications_of(council, citizen).await? {
        if summary.service != service || summary.status != "draft" {
            continue;
        }
        let app = state.engine.application(council, &summary.id, citizen).await?;
        if app.answers.is_empty() && app.definition.id == current.id {
            return Ok(Some(app));
        }
    }
    Ok(None)
}

const YOURS: &str = r#"{% from "govuk/components/table/macro.jinja" import govukTable %}
<div class="govuk-grid-row"><div class="govuk-grid-column-full">
<h1 class="govuk-heading-l">Your applications</h1>
{% if rows %}
{{ govukTable({"caption": "Applications to " ~ council, "captionClasses": "govuk-visually-hidden", "attributes": {"id": "applications"},
  "head": [{"text": "Service"}, {"text": "Reference"}, {"text": "Last changed"}, {"text": "Status"}, {"html": "<span class=\"govuk-visually-hidden\">Action</span>"}],
  "rows": rows}) }}
{% else %}
<p class="govuk-body">You have not applied for anything yet.</p>
{% endif %}
</div></div>"#;

/// `GET /{council}/your-applications`.
pub(crate) async fn your_applications(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let back = format!("{}/your-applications", here.prefix());
    let citizen = match citizen(&visitor, &here, &back) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let apps = match state.engine.applications_of(here.id, &citizen.id).await {
        Ok(apps) => apps,
        Err(e) => return error_page(&state, &here, e),
    };
    let rows: Vec<_> = apps
        .iter()
        .map(|a| {
            let (text, class) = status_tag(&a.status);
            let (href, action) = if a.status == "draft" {
                (here.app_path(&a.id, "check-answers"), "Continue")
            } else {
                (here.app_path(&a.id, "confirmation"), "View")
            };
            let link = format!(
                r#"<a class="govuk-link" href="{}">{action}<span class="govuk-visually-hidden"> {}</span></a>"#,
                escape(&href),
                escape(&a.service_name)
            );
            json!([
                {"text": a.service_name},
                {"text": a.reference.clone().unwrap_or_else(|| "Not sent yet".into())},
                {"text": day_of(&a.updated_at)},
                {"html": format!(r#"<strong class="govuk-tag {class}">{text}</strong>"#)},
                {"html": link},
            ])
        })
        .collect();
    let context = json!({"rows": rows, "council": here.council.name});
    let layout = state.web.layout(Some(&here.council), "Your applications").signed_in(visitor.signed_in());
    render(&state, &here, StatusCode::OK, layout, ("services-yours", YOURS), context)
}

/// Escapes text put into HTML built outside a template.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
