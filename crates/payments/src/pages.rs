//! The hosted payment pages, in the council's GOV.UK layout and working with JavaScript off:
//! `next_url` (single use) → card details → confirm → back to the service's `return_url`.
//!
//! The journey's URLs carry a session token issued when `next_url` is used, so the link the
//! service gave out cannot be replayed. Card numbers and security codes are read from the
//! form, handed to the provider and dropped: they are never stored, logged or echoed back
//! into a re-displayed form. Every form carries the visitor's anti-forgery token.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::json;
use store::CouncilId;

use crate::PaymentState;
use crate::card::CardNumber;
use crate::error::PayError;
use crate::model::{BillingAddress, Payment};
use crate::payments::{CardSubmission, Payments, SubmitOutcome};
use crate::settlement_page as settlement;
use crate::words::{EN, Words, words};

/// What the page handlers need: the brick and the web brick's councils and layout.
#[derive(Clone)]
pub struct PagesState {
    /// The payments brick.
    pub payments: Payments,
    /// The web brick's state (councils, layout).
    pub web: web::WebState,
}

/// The hosted pages' router: `/{council}/pay/secure/{token}`,
/// `/{council}/pay/card/{session}[/confirm|/3ds|/3ds/return|/cancel]`, and the staff settlement page
/// `/{council}/staff/payments/settlement[.csv]?day=YYYY-MM-DD`.
/// Needs `Extension<web::Visitor>` on every request (the identity layer puts it there).
pub fn router(state: PagesState) -> Router {
    Router::new()
        .route("/{council}/pay/secure/{token}", get(start))
        .route("/{council}/pay/card/{session}", get(card_form).post(card_submit))
        .route("/{council}/pay/card/{session}/confirm", get(confirm_page).post(confirm_submit))
        .route("/{council}/pay/card/{session}/3ds", get(challenge_page).post(challenge_submit))
        .route("/{council}/pay/card/{session}/3ds/return", get(challenge_return))
        .route("/{council}/pay/card/{session}/cancel", post(cancel))
        .route("/{council}/staff/payments/settlement", get(settlement::page))
        .route("/{council}/staff/payments/settlement.csv", get(settlement::csv))
        .with_state(state)
}

/// Pence as pounds: `£12.00`.
pub fn pounds(pence: i64) -> String {
    format!("£{}.{:02}", pence / 100, pence % 100)
}

const ERROR_SUMMARY: &str = r#"{% from "govuk/components/error-summary/macro.jinja" import govukErrorSummary %}
{% if summary %}{{ govukErrorSummary({"titleText": t.problem, "errorList": summary}) }}{% endif %}"#;

const CARD_FORM: &str = r#"{% from "govuk/components/input/macro.jinja" import govukInput %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/error-message/macro.jinja" import govukErrorMessage %}
<div class="govuk-grid-row" lang="{{ t.lang }}"><div class="govuk-grid-column-two-thirds">
{{ error_summary | safe }}
<h1 class="govuk-heading-l">{{ t.enter_card_details }}</h1>
<div class="govuk-inset-text"><p class="govuk-body">{{ description }}</p><p class="govuk-body govuk-!-font-weight-bold">{{ t.total_amount }} {{ amount }}</p></div>
{% if declined %}<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">{{ t.not_taken }}</h2><div class="govuk-error-summary__body"><p class="govuk-body">{{ declined }}</p></div></div></div>{% endif %}
<form method="post" action="{{ action }}" novalidate>
{{ csrf | safe }}
{{ govukInput({"label": {"text": t.card_number}, "id": "card-number", "name": "card-number", "classes": "govuk-input--width-20", "inputmode": "numeric", "autocomplete": "cc-number", "spellcheck": false, "errorMessage": errors["card-number"]}) }}
<div class="govuk-form-group{% if errors["expiry-month"] %} govuk-form-group--error{% endif %}"><fieldset class="govuk-fieldset" role="group" aria-describedby="expiry-hint"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{{ t.expiry_date }}</legend>
<div class="govuk-hint" id="expiry-hint">{{ t.expiry_hint }}</div>
{% if errors["expiry-month"] %}{{ govukErrorMessage(errors["expiry-month"]) }}{% endif %}
<div class="govuk-date-input">
<div class="govuk-date-input__item">{{ govukInput({"label": {"text": t.month}, "id": "expiry-month", "name": "expiry-month", "value": form["expiry-month"], "classes": "govuk-input--width-2" ~ (" govuk-input--error" if errors["expiry-month"] else ""), "inputmode": "numeric", "autocomplete": "cc-exp-month"}) }}</div>
<div class="govuk-date-input__item">{{ govukInput({"label": {"text": t.year}, "id": "expiry-year", "name": "expiry-year", "value": form["expiry-year"], "classes": "govuk-input--width-4" ~ (" govuk-input--error" if errors["expiry-month"] else ""), "inputmode": "numeric", "autocomplete": "cc-exp-year"}) }}</div>
</div>
</fieldset></div>
{{ govukInput({"label": {"text": t.name_on_card}, "id": "cardholder-name", "name": "cardholder-name", "value": form["cardholder-name"], "autocomplete": "cc-name", "spellcheck": false, "errorMessage": errors["cardholder-name"]}) }}
{{ govukInput({"label": {"text": t.security_code}, "hint": {"text": t.security_code_hint}, "id": "cvc", "name": "cvc", "classes": "govuk-input--width-4", "inputmode": "numeric", "autocomplete": "cc-csc", "errorMessage": errors["cvc"]}) }}
<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--m">{{ t.billing_address }}</legend>
{{ govukInput({"label": {"text": t.address_line_1}, "id": "address-line-1", "name": "address-line-1", "value": form["address-line-1"], "autocomplete": "billing address-line1", "errorMessage": errors["address-line-1"]}) }}
{{ govukInput({"label": {"text": t.address_line_2}, "id": "address-line-2", "name": "address-line-2", "value": form["address-line-2"], "autocomplete": "billing address-line2"}) }}
{{ govukInput({"label": {"text": t.town_or_city}, "id": "address-city", "name": "address-city", "value": form["address-city"], "classes": "govuk-!-width-two-thirds", "autocomplete": "billing address-level2", "errorMessage": errors["address-city"]}) }}
{{ govukInput({"label": {"text": t.postcode}, "id": "address-postcode", "name": "address-postcode", "value": form["address-postcode"], "classes": "govuk-input--width-10", "autocomplete": "billing postal-code", "errorMessage": errors["address-postcode"]}) }}
{{ govukInput({"label": {"text": t.country}, "hint": {"text": t.country_hint}, "id": "address-country", "name": "address-country", "value": form["address-country"] or "GB", "classes": "govuk-input--width-4", "autocomplete": "billing country", "errorMessage": errors["address-country"]}) }}
</fieldset>
{{ govukInput({"label": {"text": t.email}, "hint": {"text": t.email_hint}, "id": "email", "name": "email", "type": "email", "value": form["email"], "autocomplete": "email", "spellcheck": false, "errorMessage": errors["email"]}) }}
{{ govukButton({"text": t.continue_button}) }}
</form>
<form method="post" action="{{ cancel_action }}">{{ csrf | safe }}{{ govukButton({"text": t.cancel_payment, "classes": "govuk-button--secondary"}) }}</form>
</div></div>"#;

const CONFIRM: &str = r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row" lang="{{ t.lang }}"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{ t.confirm_heading }}</h1>
{{ govukSummaryList({"rows": rows}) }}
<form method="post" action="{{ action }}">{{ csrf | safe }}{{ govukButton({"text": t.confirm_button, "preventDoubleClick": true}) }}</form>
<form method="post" action="{{ cancel_action }}">{{ csrf | safe }}{{ govukButton({"text": t.cancel_payment, "classes": "govuk-button--secondary"}) }}</form>
</div></div>"#;

const CHALLENGE: &str = r#"{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row" lang="{{ t.lang }}"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{ t.challenge_heading }}</h1>
<p class="govuk-body">{{ t.challenge_text }}</p>
<div class="govuk-inset-text"><p class="govuk-body">{{ description }}</p><p class="govuk-body govuk-!-font-weight-bold">{{ t.total_amount }} {{ amount }}</p></div>
<p class="govuk-body">{{ t.challenge_sandbox }}</p>
<form method="post" action="{{ action }}">{{ csrf | safe }}<input type="hidden" name="result" value="authenticated">{{ govukButton({"text": t.challenge_pass}) }}</form>
<form method="post" action="{{ action }}">{{ csrf | safe }}<input type="hidden" name="result" value="failed">{{ govukButton({"text": t.challenge_fail, "classes": "govuk-button--warning"}) }}</form>
</div></div>"#;

const RESULT: &str = r#"<div class="govuk-grid-row" lang="{{ t.lang }}"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{ heading }}</h1>
<p class="govuk-body">{{ message }}</p>
<p class="govuk-body"><a class="govuk-link" href="{{ return_url }}">{{ t.go_back }}</a></p>
</div></div>"#;

/// Renders a page of the council in the payment's language, or the branded 500 page if
/// rendering fails. Errors are summarised inside the content (so the summary's title is in
/// that language too) and prefix the title.
#[allow(clippy::too_many_arguments)]
fn page(
    state: &PagesState,
    council: &web::Council,
    visitor: &web::Visitor,
    status: StatusCode,
    t: &Words,
    title: &str,
    errors: &web::FormErrors,
    template: (&str, &str),
    context: serde_json::Value,
) -> Response {
    let summary =
        json!({"t": t, "summary": if errors.is_empty() { json!(null) } else { json!(errors.summary_items()) }});
    let mut context = context;
    context["t"] = json!(t);
    let rendered = web::render_fragment("pay-errors", ERROR_SUMMARY, summary).and_then(|error_summary| {
        context["error_summary"] = json!(error_summary);
        web::render_fragment(template.0, template.1, &context)
    });
    let content = match rendered {
        Ok(c) => c,
        Err(e) => return state.web.server_error(Some(council), &e),
    };
    let title = if errors.is_empty() { title.to_string() } else { format!("{}{title}", t.error_prefix) };
    let layout = state.web.layout(Some(council), &title).signed_in(visitor.signed_in());
    match web::render(&web::Page { layout, content }) {
        Ok(html) => (status, html).into_response(),
        Err(e) => state.web.server_error(Some(council), &e),
    }
}

fn result_page(state: &PagesState, council: &web::Council, visitor: &web::Visitor, p: &Payment) -> Response {
    let t = words(&p.language);
    let (heading, message) = match p.state {
        PaymentState::Success | PaymentState::Capturable => t.success,
        PaymentState::Error => t.technical_problem,
        PaymentState::Cancelled => t.cancelled,
        _ if p.failure == Some(crate::FailureCode::Expired) => t.expired,
        _ if p.failure == Some(crate::FailureCode::Rejected) => t.declined,
        _ if p.failure == Some(crate::FailureCode::CancelledByUser) => t.cancelled,
        _ => (t.not_taken, t.declined.1),
    };
    let context = json!({"heading": heading, "message": message, "return_url": p.return_url});
    let errors = web::FormErrors::new();
    page(state, council, visitor, StatusCode::OK, t, heading, &errors, ("pay-result", RESULT), context)
}

pub(crate) async fn council_of(state: &PagesState, slug: &str) -> Result<(web::Council, CouncilId), Response> {
    let councils = store::Councils::new(state.payments.store().clone());
    state.web.council_and_id(&councils, slug).await
}

fn journey_error(state: &PagesState, council: &web::Council, visitor: &web::Visitor, e: PayError) -> Response {
    match e {
        PayError::LinkUsed => {
            let (heading, message) = EN.link_used;
            let context = json!({"heading": heading, "message": message, "return_url": format!("/{}/", council.slug)});
            let errors = web::FormErrors::new();
            page(state, council, visitor, StatusCode::NOT_FOUND, &EN, heading, &errors, ("pay-used", RESULT), context)
        }
        other => state.web.server_error(Some(council), &other),
    }
}

/// What a handler answers. `Err` is a page that ends the request early (a 404, the journey's
/// error page, a redirect), so the shared steps of [`Journey`] can be `?`-ed.
type Answer = Result<Response, Response>;

/// One request on a card session's pages (`/{council}/pay/card/{session}…`): the council of the
/// path, the session and who is asking. Every such page first finds the council, then most load
/// the session's payment, and all send the citizen between the session's steps; these live here
/// once so the pages agree on their 404s, error pages and URLs.
struct Journey {
    council: web::Council,
    id: CouncilId,
    visitor: web::Visitor,
    session: String,
}

impl Journey {
    /// The council named by the path, or its 404 page ([`council_of`]).
    async fn open(state: &PagesState, visitor: web::Visitor, slug: &str, session: String) -> Result<Journey, Response> {
        let (council, id) = council_of(state, slug).await?;
        Ok(Journey { council, id, visitor, session })
    }

    /// The session's payment, or the journey's error page (a used link, or the 500 page).
    async fn payment(&self, state: &PagesState) -> Result<Payment, Response> {
        state.payments.by_session(self.id, &self.session).await.map_err(|e| self.failed(state, e))
    }

    /// A brick error as the journey's error page.
    fn failed(&self, state: &PagesState, e: PayError) -> Response {
        journey_error(state, &self.council, &self.visitor, e)
    }

    /// The path of one of the session's steps: `""` (the card form), `"/confirm"`, `"/3ds"`, ….
    fn path(&self, step: &str) -> String {
        format!("/{}/pay/card/{}{step}", self.council.slug, self.session)
    }

    /// A redirect to one of the session's steps ([`Journey::path`]).
    fn go(&self, step: &str) -> Response {
        Redirect::to(&self.path(step)).into_response()
    }

    /// The result page for the payment as it ended.
    fn result(&self, state: &PagesState, p: &Payment) -> Response {
        result_page(state, &self.council, &self.visitor, p)
    }
}

async fn start(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, token)): Path<(String, String)>,
) -> Answer {
    let (council, id) = council_of(&state, &slug).await?;
    Ok(match state.payments.start(id, &token).await {
        Ok((_, session)) => Redirect::to(&format!("/{slug}/pay/card/{session}")).into_response(),
        Err(e) => journey_error(&state, &council, &visitor, e),
    })
}

fn prefilled(p: &Payment) -> HashMap<String, String> {
    let mut form = HashMap::new();
    if let Some(pre) = &p.prefilled {
        let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
        if let Some(name) = s(&pre["cardholder_name"]) {
            form.insert("cardholder-name".into(), name);
        }
        let a = &pre["billing_address"];
        for (field, key) in [
            ("address-line-1", "line1"),
            ("address-line-2", "line2"),
            ("address-city", "city"),
            ("address-postcode", "postcode"),
            ("address-country", "country"),
        ] {
            if let Some(v) = s(&a[key]) {
                form.insert(field.into(), v);
            }
        }
    }
    if let Some(email) = &p.email {
        form.insert("email".into(), email.clone());
    }
    form
}

fn card_page(
    state: &PagesState,
    journey: &Journey,
    p: &Payment,
    form: &HashMap<String, String>,
    errors: web::FormErrors,
    declined: Option<String>,
    status: StatusCode,
) -> Response {
    let t = words(&p.language);
    let context = json!({
        "description": p.description, "amount": pounds(p.amount), "declined": declined.map(|m| t.decline(&m)),
        "action": journey.path(""),
        "cancel_action": journey.path("/cancel"),
        "csrf": journey.visitor.csrf_input(), "form": form, "errors": errors.by_field(),
    });
    let (council, visitor) = (&journey.council, &journey.visitor);
    page(state, council, visitor, status, t, t.enter_card_details, &errors, ("pay-card", CARD_FORM), context)
}

async fn card_form(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, session)): Path<(String, String)>,
) -> Answer {
    let journey = Journey::open(&state, visitor, &slug, session).await?;
    let p = journey.payment(&state).await?;
    Ok(match p.state {
        PaymentState::Started if p.challenge_pending => match &p.challenge_url {
            Some(bank) => Redirect::to(bank).into_response(),
            None => journey.go("/3ds"),
        },
        PaymentState::Started => {
            card_page(&state, &journey, &p, &prefilled(&p), web::FormErrors::new(), None, StatusCode::OK)
        }
        PaymentState::Submitted => journey.go("/confirm"),
        _ => journey.result(&state, &p),
    })
}

/// Checks the card form; the parsed card, or the errors (in the page's language `t`) in page order.
pub fn parse_card_form(
    form: &HashMap<String, String>,
    today: (i32, u32),
    t: &Words,
) -> Result<CardSubmission, web::FormErrors> {
    let get = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = web::FormErrors::new();
    let number = CardNumber::parse(&get("card-number"));
    if number.is_none() {
        errors.add("card-number", t.err_card_number);
    }
    let month: Option<u32> = get("expiry-month").parse().ok().filter(|m| (1..=12).contains(m));
    let year: Option<u32> = get("expiry-year").parse().ok().map(|y: u32| if y < 100 { 2000 + y } else { y });
    let expiry = match (month, year) {
        (Some(m), Some(y)) if (y as i32, m) >= today && y < 2100 => Some((m, y)),
        (Some(_), Some(_)) => {
            errors.add("expiry-month", t.err_expired);
            None
        }
        _ => {
            errors.add("expiry-month", t.err_expiry);
            None
        }
    };
    let name = get("cardholder-name");
    if name.is_empty() || name.chars().count() > 255 {
        errors.add("cardholder-name", t.err_name);
    }
    let cvc = get("cvc");
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        errors.add("cvc", t.err_cvc);
    }
    let line1 = get("address-line-1");
    if line1.is_empty() || line1.chars().count() > 255 {
        errors.add("address-line-1", t.err_address);
    }
    let city = get("address-city");
    if city.is_empty() || city.chars().count() > 255 {
        errors.add("address-city", t.err_city);
    }
    let country = get("address-country").to_uppercase();
    let country = if country.is_empty() { "GB".to_string() } else { country };
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.add("address-country", t.err_country);
    }
    let postcode = get("address-postcode").to_uppercase();
    if country == "GB"
        && (postcode.len() < 5
            || postcode.len() > 8
            || !postcode.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' '))
    {
        errors.add("address-postcode", t.err_postcode);
    }
    let email = get("email");
    if !email.is_empty() && (!email.contains('@') || email.len() > 254) {
        errors.add("email", t.err_email);
    }
    match (number, expiry) {
        (Some(number), Some((expiry_month, expiry_year))) if errors.is_empty() => Ok(CardSubmission {
            number,
            expiry_month,
            expiry_year,
            cvc,
            cardholder_name: name,
            billing_address: BillingAddress {
                line1: Some(line1),
                line2: Some(get("address-line-2")).filter(|s| !s.is_empty()),
                postcode: Some(postcode).filter(|s| !s.is_empty()),
                city: Some(city),
                country: Some(country),
            },
            email: Some(email).filter(|s| !s.is_empty()),
            challenge_return_url: None,
        }),
        _ => Err(errors),
    }
}

/// The origin the citizen reached the pages at (`Host`, and `X-Forwarded-Proto` behind a proxy),
/// for the URL a bank's 3-D Secure page sends them back to.
fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let local = host.starts_with("localhost") || host.starts_with("127.0.0.1");
    let proto =
        headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or(if local { "http" } else { "https" });
    format!("{proto}://{host}")
}

async fn card_submit(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, session)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Answer {
    let journey = Journey::open(&state, visitor, &slug, session).await?;
    let p = journey.payment(&state).await?;
    if p.state != PaymentState::Started {
        return Ok(journey.go(""));
    }
    // Never echo the card number or security code back into the page.
    let mut echo = form.clone();
    echo.remove("card-number");
    echo.remove("cvc");
    let now = state.payments.clock().now();
    let card = match parse_card_form(&form, (now.year(), u32::from(u8::from(now.month()))), words(&p.language)) {
        Ok(card) => CardSubmission {
            challenge_return_url: Some(format!("{}{}", origin(&headers), journey.path("/3ds/return"))),
            ..card
        },
        Err(errors) => {
            return Ok(card_page(&state, &journey, &p, &echo, errors, None, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    Ok(match state.payments.submit_card(journey.id, &journey.session, card).await {
        Ok(SubmitOutcome::Authorised) => journey.go("/confirm"),
        Ok(SubmitOutcome::ChallengeRequired(Some(bank))) => Redirect::to(&bank).into_response(),
        Ok(SubmitOutcome::ChallengeRequired(None)) => journey.go("/3ds"),
        Ok(SubmitOutcome::ChallengeFailed) => journey.go(""),
        Ok(SubmitOutcome::Declined(message)) => {
            card_page(&state, &journey, &p, &echo, web::FormErrors::new(), Some(message), StatusCode::PAYMENT_REQUIRED)
        }
        Ok(SubmitOutcome::ProviderError) | Ok(SubmitOutcome::NotInProgress(_)) => journey.go(""),
        Err(e) => journey.failed(&state, e),
    })
}

async fn confirm_page(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, session)): Path<(String, String)>,
) -> Answer {
    let journey = Journey::open(&state, visitor, &slug, session).await?;
    let p = journey.payment(&state).await?;
    if p.state != PaymentState::Submitted {
        return Ok(journey.go(""));
    }
    let t = words(&p.language);
    let row = |k: &str, v: String| json!({"key": {"text": k}, "value": {"text": v}});
    let mut rows = vec![
        row(t.payment_for, p.description.clone()),
        row(t.total_amount.trim_end_matches(':'), pounds(p.amount)),
        row(t.card_number, format!("•••• •••• •••• {}", p.last_digits.clone().unwrap_or_default())),
        row(t.expiry_date, p.expiry_date.clone().unwrap_or_default()),
        row(t.name_on_card, p.cardholder_name.clone().unwrap_or_default()),
    ];
    if let Some(a) = &p.billing_address {
        let parts: Vec<String> =
            [&a.line1, &a.line2, &a.city, &a.postcode, &a.country].into_iter().flatten().cloned().collect();
        rows.push(row(t.billing_address, parts.join(", ")));
    }
    if let Some(email) = &p.email {
        rows.push(row(t.confirmation_email, email.clone()));
    }
    let context = json!({
        "rows": rows, "csrf": journey.visitor.csrf_input(),
        "action": journey.path("/confirm"),
        "cancel_action": journey.path("/cancel"),
    });
    let errors = web::FormErrors::new();
    let (council, visitor) = (&journey.council, &journey.visitor);
    Ok(page(&state, council, visitor, StatusCode::OK, t, t.confirm_heading, &errors, ("pay-confirm", CONFIRM), context))
}

async fn challenge_page(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, session)): Path<(String, String)>,
) -> Answer {
    let journey = Journey::open(&state, visitor, &slug, session).await?;
    let p = journey.payment(&state).await?;
    if p.state != PaymentState::Started || !p.challenge_pending {
        return Ok(journey.go(""));
    }
    if let Some(bank) = &p.challenge_url {
        return Ok(Redirect::to(bank).into_response());
    }
    let t = words(&p.language);
    let context = json!({
        "description": p.description, "amount": pounds(p.amount), "csrf": journey.visitor.csrf_input(),
        "action": journey.path("/3ds"),
    });
    let errors = web::FormErrors::new();
    let (council, visitor) = (&journey.council, &journey.visitor);
    Ok(page(&state, council, visitor, StatusCode::OK, t, t.challenge_heading, &errors, ("pay-3ds", CHALLENGE), context))
}

/// Where a 3-D Secure check ended (`authenticated` or not): the confirm page when the card is
/// now authorised, the card page (which shows why) otherwise.
async fn challenge_ended(state: &PagesState, journey: &Journey, authenticated: bool) -> Response {
    match state.payments.complete_challenge(journey.id, &journey.session, authenticated).await {
        Ok(SubmitOutcome::Authorised) => journey.go("/confirm"),
        Ok(_) => journey.go(""),
        Err(e) => journey.failed(state, e),
    }
}

async fn challenge_submit(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, session)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Answer {
    let journey = Journey::open(&state, visitor, &slug, session).await?;
    let authenticated = match form.get("result").map(String::as_str) {
        Some("authenticated") => true,
        Some("failed") => false,
        _ => return Ok((StatusCode::BAD_REQUEST, "Choose how the check ends.").into_response()),
    };
    Ok(challenge_ended(&state, &journey, authenticated).await)
}

/// Where the bank's 3-D Secure page sends the citizen back (a GET, as Stripe redirects): the
/// provider is asked how the check ended (the request itself decides nothing), then the confirm
/// page, or the card page showing the decline. For the sandbox, whose check is the hosted
/// `/3ds` step, arriving here without answering it fails the check.
async fn challenge_return(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, session)): Path<(String, String)>,
) -> Answer {
    let journey = Journey::open(&state, visitor, &slug, session).await?;
    Ok(challenge_ended(&state, &journey, false).await)
}

async fn confirm_submit(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, session)): Path<(String, String)>,
) -> Answer {
    let journey = Journey::open(&state, visitor, &slug, session).await?;
    Ok(match state.payments.confirm(journey.id, &journey.session).await {
        Ok(p) if matches!(p.state, PaymentState::Success | PaymentState::Capturable) => {
            Redirect::to(&p.return_url).into_response()
        }
        Ok(p) => journey.result(&state, &p),
        Err(e) => journey.failed(&state, e),
    })
}

async fn cancel(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, session)): Path<(String, String)>,
) -> Answer {
    let journey = Journey::open(&state, visitor, &slug, session).await?;
    Ok(match state.payments.cancel_by_user(journey.id, &journey.session).await {
        Ok(p) => Redirect::to(&p.return_url).into_response(),
        Err(e) => journey.failed(&state, e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::CY;

    #[test]
    fn the_card_and_confirm_templates_render() {
        let context = json!({"description": "Permit", "amount": "£1.00", "declined": null, "action": "/a", "cancel_action": "/c",
            "csrf": "<input>", "form": {}, "errors": {}, "t": &CY, "error_summary": ""});
        let html =
            web::render_fragment("pay-card", CARD_FORM, context).map_err(|e| format!("{e:#}")).expect("card form");
        assert!(html.contains("card-number") && html.contains("Rhif y cerdyn") && html.contains(r#"lang="cy""#));
        let context = json!({"rows": [{"key": {"text": "A"}, "value": {"text": "B"}}], "csrf": "", "action": "/a", "cancel_action": "/c", "t": &EN});
        web::render_fragment("pay-confirm", CONFIRM, context).map_err(|e| format!("{e:#}")).expect("confirm");
    }
}
