//! `/dev/notifications`: what the notifications brick's sandbox provider "sent" (kept in
//! `notify_sandbox_messages`), newest first, so a demo can see the email a clerk or team got
//! for a report. Development only: mounted beside `/dev/emails` when the development pages are
//! on (`guildhall demo`), never in production, because it shows every council's messages.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use store::Store;

/// How many messages the page lists.
const SHOWN: i64 = 100;

#[derive(Clone)]
struct DevState {
    store: Store,
    web: web::WebState,
}

/// `GET /dev/notifications`.
pub fn router(store: Store, web: web::WebState) -> Router {
    Router::new().route("/dev/notifications", get(list)).with_state(DevState { store, web })
}

const LIST: &str = r#"<div class="govuk-grid-row"><div class="govuk-grid-column-full">
  <h1 class="govuk-heading-l">Sandbox notifications</h1>
  <p class="govuk-body">Emails, text messages and letters the notifications sandbox has “sent”, newest first.
    This page is only served by the demo.</p>
  {% if messages %}
  {% for m in messages %}
  <div class="govuk-summary-card sandbox-message">
    <div class="govuk-summary-card__title-wrapper">
      <h2 class="govuk-summary-card__title">{{ m.subject or m.channel }}</h2>
    </div>
    <div class="govuk-summary-card__content">
      <dl class="govuk-summary-list">
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">To</dt><dd class="govuk-summary-list__value sandbox-recipient">{{ m.recipient }}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Channel</dt><dd class="govuk-summary-list__value">{{ m.channel }}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Sent</dt><dd class="govuk-summary-list__value">{{ m.sent_at }}</dd></div>
      </dl>
      <pre class="govuk-body sandbox-body" style="white-space: pre-wrap">{{ m.body }}</pre>
    </div>
  </div>
  {% endfor %}
  {% else %}
  <p class="govuk-body">Nothing has been sent yet.</p>
  {% endif %}
</div></div>"#;

async fn list(State(state): State<DevState>) -> Response {
    let messages = match notifications::SandboxProvider::messages(&state.store, None, SHOWN).await {
        Ok(m) => m,
        Err(e) => return state.web.server_error(None, &e),
    };
    let messages: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            json!({ "recipient": m.recipient, "channel": m.channel, "subject": m.subject, "body": m.body,
                    "sent_at": m.sent_at })
        })
        .collect();
    let content = match web::render_fragment("dev-notifications", LIST, json!({ "messages": messages })) {
        Ok(c) => c,
        Err(e) => return state.web.server_error(None, &e),
    };
    let layout = state.web.layout(None, "Sandbox notifications");
    match web::render(&web::Page { layout, content }) {
        Ok(html) => (StatusCode::OK, html).into_response(),
        Err(e) => state.web.server_error(None, &e),
    }
}
