//! Check your answers, sending, and the confirmation. Sending asks, in order: consent for the
//! register reads the checks make (the consent page returns to check your answers), the fee
//! (the payment pages return to `/paid`, which sends), then [`crate::Engine::submit`], which
//! makes the case exactly once — a replayed or second send shows the same case's confirmation.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::apply::next_path;
use super::{Here, PagesState, absolute, citizen, error_page, here, message, pounds, render, see_other};
use crate::answers;
use crate::cases::CaseState;
use crate::engine::{Application, ApplicationState};
use crate::error::ServiceError;
use crate::flow::{self, Next};
use crate::ports::{ConsentAsk, ConsentRead, PaymentState};

/// The consent the application's checks need, if any.
fn consent_ask(here: &Here, app: &Application) -> Option<ConsentAsk> {
    let d = &app.definition.definition;
    let reads: Vec<ConsentRead> = d
        .checks
        .iter()
        .filter_map(|c| {
            c.consent.as_ref().map(|purpose| ConsentRead {
                register: c.register.clone(),
                owner: c.owner,
                fields: c.fields.clone(),
                purpose: purpose.clone(),
            })
        })
        .collect();
    (!reads.is_empty()).then(|| ConsentAsk {
        council: here.id,
        service: d.id.clone(),
        service_name: d.name.clone(),
        citizen: app.citizen.clone(),
        reads,
        return_to: here.app_path(&app.id, "continue"),
    })
}

const CHECK: &str = r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/notification-banner/macro.jinja" import govukNotificationBanner %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{% if payment_failed %}{{ govukNotificationBanner({"text": "Your payment was not completed, so your application has not been sent. You can try again."}) }}{% endif %}
<span class="govuk-caption-l">{{ service }}</span>
<h1 class="govuk-heading-l">Check your answers before sending your application</h1>
{{ govukSummaryList({"rows": rows, "attributes": {"id": "answers"}}) }}
{% if fee %}<h2 class="govuk-heading-m">Fee</h2>
<p class="govuk-body">{{ fee.description }}: <strong>{{ fee.amount }}</strong>{% if fee.paid %} (paid){% endif %}</p>{% endif %}
{% if reads %}<h2 class="govuk-heading-m">Checks we will make</h2>
<p class="govuk-body">Instead of asking you for documents, we will check these records. We will ask your permission first.</p>
<ul class="govuk-list govuk-list--bullet">{% for r in reads %}<li>the {{ r.register }} register: {{ r.purpose }}</li>{% endfor %}</ul>{% endif %}
<h2 class="govuk-heading-m">Now send your application</h2>
<p class="govuk-body">By sending this application you are confirming that, to the best of your knowledge, the details you are providing are correct.</p>
<form method="post" action="{{ action }}" novalidate>{{ csrf | safe }}
{{ govukButton({"text": button, "preventDoubleClick": true}) }}
</form>
</div></div>"#;

/// `GET /{council}/applications/{id}/check-answers`.
pub(crate) async fn check_answers(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let citizen = match citizen(&visitor, &here, &here.app_path(&id, "check-answers")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let app = match state.engine.application(here.id, &id, &citizen.id).await {
        Ok(app) => app,
        Err(e) => return error_page(&state, &here, e),
    };
    if app.state == ApplicationState::Submitted {
        return see_other(&here.app_path(&id, "confirmation"));
    }
    if let Next::Page(page) = state.engine.next(&app) {
        return see_other(&here.app_path(&id, &page));
    }
    let d = &app.definition.definition;
    let rows: Vec<Value> = flow::visible(d, &app.answers, state.engine.today())
        .into_iter()
        .map(|q| {
            let shown = app.answers.get(&q.id).map(|v| answers::display(q, v)).unwrap_or_else(|| "Not given".into());
            json!({"key": {"text": q.label}, "value": {"text": shown},
                   "actions": {"items": [{"href": here.app_path(&id, &q.id), "text": "Change", "visuallyHiddenText": q.label}]}})
        })
        .collect();
    let (fee, due) = match (state.engine.fee(&app), state.engine.fee_due(&app).await) {
        (Ok(fee), Ok(due)) => (fee.filter(|(p, _)| *p > 0), due),
        (Err(e), _) | (_, Err(e)) => return error_page(&state, &here, e),
    };
    let payment_failed = matches!(state.engine.payment_state(&app).await, Ok(Some(PaymentState::Failed)));
    let reads: Vec<Value> = consent_ask(&here, &app)
        .map(|a| a.reads.iter().map(|r| json!({"register": r.register, "purpose": r.purpose})).collect())
        .unwrap_or_default();
    let context = json!({
        "service": d.name, "rows": rows, "reads": reads, "payment_failed": payment_failed && due.is_some(),
        "fee": fee.map(|(p, description)| json!({"amount": pounds(p), "description": description, "paid": due.is_none()})),
        "button": if due.is_some() { "Continue to payment" } else { "Accept and send" },
        "action": here.app_path(&id, "check-answers"), "csrf": visitor.csrf_input(),
    });
    let layout = state
        .web
        .layout(Some(&here.council), "Check your answers before sending your application")
        .signed_in(visitor.signed_in())
        .with_back_link(&here.app_path(
            &id,
            &flow::visible(d, &app.answers, state.engine.today()).last().map(|q| q.id.clone()).unwrap_or_default(),
        ));
    render(&state, &here, StatusCode::OK, layout, ("services-check", CHECK), context)
}

/// `POST /{council}/applications/{id}/check-answers`: consent, then the fee, then send.
pub(crate) async fn send(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match unsent(&state, &visitor, &slug, &id, "check-answers").await {
        Ok((here, app)) => proceed(&state, &here, &visitor, &headers, app, WithoutConsent::Ask).await,
        Err(response) => response,
    }
}

/// `GET /{council}/applications/{id}/continue`: back from the consent page. Having agreed, the
/// citizen goes straight on (to the fee, or the case) instead of confirming their answers a
/// second time; without consent they are back on check your answers, never asked in a loop.
pub(crate) async fn resume(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match unsent(&state, &visitor, &slug, &id, "check-answers").await {
        Ok((here, app)) => proceed(&state, &here, &visitor, &headers, app, WithoutConsent::BackToAnswers).await,
        Err(response) => response,
    }
}

/// `GET /{council}/applications/{id}/paid`: back from the payment pages; sends when paid.
pub(crate) async fn paid(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (here, app) = match unsent(&state, &visitor, &slug, &id, "paid").await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // Only a return from a started payment sends from here; anything else goes back to check.
    if app.payment_id.is_none() {
        return see_other(&here.app_path(&id, "check-answers"));
    }
    match state.engine.fee_due(&app).await {
        Ok(None) => proceed(&state, &here, &visitor, &headers, app, WithoutConsent::Ask).await,
        Ok(Some(_)) => see_other(&here.app_path(&id, "check-answers")),
        Err(e) => error_page(&state, &here, e),
    }
}

/// The signed-in citizen's application `id`, still unsent, with its council; otherwise the
/// response to give instead (sign in, returning to `back`; not found; or, once sent, its
/// confirmation).
async fn unsent(
    state: &PagesState,
    visitor: &web::Visitor,
    slug: &str,
    id: &str,
    back: &str,
) -> Result<(Here, Application), Response> {
    let here = here(state, slug).await?;
    let citizen = citizen(visitor, &here, &here.app_path(id, back))?;
    let app = match state.engine.application(here.id, id, &citizen.id).await {
        Ok(app) => app,
        Err(e) => return Err(error_page(state, &here, e)),
    };
    if app.state == ApplicationState::Submitted {
        return Err(see_other(&format!("{}?sent=again", here.app_path(id, "confirmation"))));
    }
    Ok((here, app))
}

/// What sending does when the checks still need consent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WithoutConsent {
    /// Send the citizen to the consent page.
    Ask,
    /// Back to check your answers: they have just come from the consent page without agreeing.
    BackToAnswers,
}

/// Asks for what is missing (consent, then payment) or sends the application.
async fn proceed(
    state: &PagesState,
    here: &Here,
    visitor: &web::Visitor,
    headers: &HeaderMap,
    app: Application,
    without_consent: WithoutConsent,
) -> Response {
    let id = app.id.as_str();
    let citizen = app.citizen.as_str();
    if let Next::Page(page) = state.engine.next(&app) {
        return see_other(&here.app_path(id, &page));
    }
    if let Some(response) = ask_consent(state, here, visitor, &app).await {
        return match without_consent {
            WithoutConsent::Ask => response,
            WithoutConsent::BackToAnswers => see_other(&here.app_path(id, "check-answers")),
        };
    }
    match state.engine.fee_due(&app).await {
        Ok(Some(_)) => return pay(state, here, headers, &app).await,
        Ok(None) => {}
        Err(e) => return error_page(state, here, e),
    }
    match state.engine.submit(here.id, id, citizen).await {
        Ok(sent) if sent.replayed => see_other(&format!("{}?sent=again", here.app_path(id, "confirmation"))),
        Ok(_) => see_other(&here.app_path(id, "confirmation")),
        Err(ServiceError::ConsentNeeded(register)) => match ask_consent(state, here, visitor, &app).await {
            Some(response) => response,
            None => {
                let text = format!("We could not get your permission to check the {register} register.");
                message(
                    state,
                    here,
                    visitor,
                    StatusCode::CONFLICT,
                    "We could not send your application",
                    &[text.as_str()],
                    Some((here.app_path(id, "check-answers").as_str(), "Go back to check your answers")),
                )
            }
        },
        Err(ServiceError::FeeUnpaid) => pay(state, here, headers, &app).await,
        Err(ServiceError::Unanswered(_)) => see_other(&next_path(here, id, &state.engine.next(&app))),
        Err(ServiceError::AlreadySubmitted) => see_other(&here.app_path(id, "confirmation")),
        Err(e) => error_page(state, here, e),
    }
}

/// Where to send the citizen to consent, when the checks need consent not yet given.
async fn ask_consent(state: &PagesState, here: &Here, visitor: &web::Visitor, app: &Application) -> Option<Response> {
    let ask = consent_ask(here, app)?;
    match state.consent.ask(&ask).await {
        Ok(Some(url)) => Some(see_other(&url)),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "asking for consent failed");
            Some(message(
                state,
                here,
                visitor,
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, there is a problem with the service",
                &["We could not ask for your permission to check the registers. Try again later."],
                None,
            ))
        }
    }
}

/// Starts (or resumes) the fee's payment and sends the citizen to it.
async fn pay(state: &PagesState, here: &Here, headers: &HeaderMap, app: &Application) -> Response {
    let return_url = absolute(state, headers, &here.app_path(&app.id, "paid"));
    match state.engine.start_payment(here.id, &app.id, &app.citizen, &return_url).await {
        Ok(started) => see_other(&started.next_url),
        // Paid meanwhile (another tab): `/paid` sends it.
        Err(ServiceError::WrongState(_)) => see_other(&here.app_path(&app.id, "paid")),
        Err(e) => error_page(state, here, e),
    }
}

const CONFIRMATION: &str = r#"{% from "govuk/components/panel/macro.jinja" import govukPanel %}
{% from "govuk/components/notification-banner/macro.jinja" import govukNotificationBanner %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{% if again %}{{ govukNotificationBanner({"text": "You have already sent this application. This is what happened to it."}) }}{% endif %}
{% if state == "refused" %}
<h1 class="govuk-heading-l">{{ title }}</h1>
<p class="govuk-body">Your reference number is <strong id="reference">{{ reference }}</strong>.</p>
<p class="govuk-body">The reason we gave:</p>
<div class="govuk-inset-text" id="decision-reason">{{ decision_reason }}</div>
{% else %}
{{ govukPanel({"titleText": title, "html": ("Your reference number<br><strong id=\"reference\">" | safe) ~ reference ~ ("</strong>" | safe)}) }}
{% endif %}
{% for p in text %}<p class="govuk-body">{{ p }}</p>{% endfor %}
{% if state == "queued" %}
<h2 class="govuk-heading-m">Why we need to look at your application</h2>
<ul class="govuk-list govuk-list--bullet" id="reasons">{% for r in reasons %}<li>{{ r }}</li>{% endfor %}</ul>
<h2 class="govuk-heading-m">What happens next</h2>
<p class="govuk-body">A caseworker will look at your application and tell you their decision. You do not need to do anything else now.</p>
{% endif %}
{% if receipts %}
<h2 class="govuk-heading-m">Register entries</h2>
<ul class="govuk-list" id="receipts">{% for r in receipts %}<li>Entry <a class="govuk-link" href="{{ r.link }}">{{ r.entry_number }}</a> in the {{ r.register }} register (<a class="govuk-link" href="{{ r.proof }}">proof of entry {{ r.entry_number }}</a>)</li>{% endfor %}</ul>
{% endif %}
<p class="govuk-body"><a class="govuk-link" href="{{ yours }}">View your applications</a></p>
</div></div>"#;

/// `GET /{council}/applications/{id}/confirmation` (`?sent=again` after a second send).
pub(crate) async fn confirmation(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let citizen = match citizen(&visitor, &here, &here.app_path(&id, "confirmation")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let app = match state.engine.application(here.id, &id, &citizen.id).await {
        Ok(app) => app,
        Err(e) => return error_page(&state, &here, e),
    };
    if app.state == ApplicationState::Draft {
        return see_other(&here.app_path(&id, "check-answers"));
    }
    let case = match state.engine.case_of_application(here.id, &id).await {
        Ok(case) => match state.engine.case(here.id, case.id).await {
            Ok(detail) => detail,
            Err(e) => return error_page(&state, &here, e),
        },
        Err(e) => return error_page(&state, &here, e),
    };
    let d = &app.definition.definition;
    let receipts: Vec<Value> = case
        .events
        .iter()
        .filter(|e| e.kind == "output")
        .filter_map(|e| {
            let n = e.detail["entry_number"].as_u64()?;
            let link = e.detail["link"].as_str()?.to_string();
            let proof = proof_link(&link, n);
            Some(json!({"entry_number": n, "link": link, "proof": proof, "register": e.detail["register"]}))
        })
        .collect();
    let decision_reason = case
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "decision" && e.detail.get("reason").is_some())
        .and_then(|e| e.detail["reason"].as_str().map(str::to_string))
        .unwrap_or_default();
    let state_word = case.summary.state.as_str();
    let (title, text) = match case.summary.state {
        CaseState::Approved => (d.confirmation.title.clone(), d.confirmation.text.clone()),
        CaseState::Queued => ("Application received".to_string(), Vec::new()),
        CaseState::Refused => ("Your application was refused".to_string(), Vec::new()),
    };
    let context = json!({
        "title": title, "text": text, "state": state_word, "reference": case.summary.reference,
        "reasons": case.summary.reasons, "receipts": receipts, "decision_reason": decision_reason,
        "again": query.get("sent").is_some_and(|s| s == "again"),
        "yours": format!("{}/your-applications", here.prefix()),
    });
    let layout = state.web.layout(Some(&here.council), &title).signed_in(visitor.signed_in());
    render(&state, &here, StatusCode::OK, layout, ("services-confirmation", CONFIRMATION), context)
}

/// The inclusion proof of entry `n` for a register entry link ending `/entries/{n}`: the proof
/// in the tree of the first `n` entries, which holds for ever as the register grows.
fn proof_link(link: &str, n: u64) -> String {
    let tail = format!("/entries/{n}");
    match link.strip_suffix(&tail) {
        Some(register) => format!("{register}/proof/entries/{n}/{n}/merkle:sha-256"),
        None => link.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_renders_each_state_and_links_each_entry_to_its_proof() {
        for state in ["approved", "queued", "refused"] {
            let context = json!({"title": "Permit issued", "text": ["Done."], "state": state, "reference": "PP-1<2",
                "reasons": ["Not taxed"], "decision_reason": "No tax", "again": true, "yours": "/x/your-applications",
                "receipts": [{"entry_number": 3, "link": "/registers/p/entries/3", "proof": proof_link("/registers/p/entries/3", 3), "register": "p"}]});
            let html = web::render_fragment("services-confirmation", CONFIRMATION, context).unwrap();
            assert!(html.contains(r#"<strong id="reference">PP-1&lt;2</strong>"#), "{html}");
            assert!(html.contains(r#"href="/registers/p/proof/entries/3/3/merkle:sha-256""#), "{html}");
        }
    }
}
