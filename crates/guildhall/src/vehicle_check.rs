//! "Check your vehicle's tax": a small demonstration service that reads a register about a
//! citizen only under their consent, before the service engine (issue 7) declares such services
//! as data. The citizen signs in, gives a registration number, is asked (by the consent brick)
//! to let the council read the `vehicle` register's make, colour and tax fields, and on agreeing
//! sees them; every read lands on their "Your data" page, and after revoking, the same check is
//! refused and logged as refused.

use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use consent::{Consent, ConsentError, ConsentRequest, GrantId, RegisterRef, Scope, Service};
use serde::Deserialize;
use store::Councils;

/// The register the check reads: national, synthetic in the demo (issue 7 brings DVLA-shaped data).
pub const VEHICLE_REGISTER: &str = parking_registers::VEHICLE_REGISTER;
/// The fields the service asks to read.
pub const FIELDS: [&str; 4] = ["make", "colour", "tax-status", "tax-due-date"];
const SERVICE_SLUG: &str = "vehicle-tax-check";
const SERVICE_NAME: &str = "Check your vehicle’s tax";

/// What the pages need.
#[derive(Clone)]
pub struct VehicleCheckState {
    /// The consent brick: the only way this service reads the register.
    pub consent: Consent,
    /// Councils and layouts.
    pub web: web::WebState,
    /// The councils table, for the council's id.
    pub councils: Councils,
}

/// `GET/POST /{council}/check-vehicle-tax` and `GET /{council}/check-vehicle-tax/result?registration=`.
pub fn router(state: VehicleCheckState) -> Router {
    Router::new()
        .route("/{council}/check-vehicle-tax", get(start).post(ask))
        .route("/{council}/check-vehicle-tax/result", get(result))
        .with_state(state)
}

const START: &str = r#"{% from "govuk/components/input/macro.jinja" import govukInput -%}
{% from "govuk/components/button/macro.jinja" import govukButton -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">Check your vehicle’s tax</h1>
  <p class="govuk-body">We check the vehicle register instead of asking you for documents. We will ask your permission first.</p>
  <form method="post" action="{{ prefix }}/check-vehicle-tax" novalidate>
    {{ csrf | safe }}
    {{ govukInput({
      "label": { "text": "Vehicle registration number", "classes": "govuk-label--m" },
      "hint": { "text": "For example, CU57ABC" },
      "id": "registration", "name": "registration", "value": registration,
      "classes": "govuk-input--width-10 govuk-input--extra-letter-spacing", "spellcheck": false,
      "autocomplete": "off", "errorMessage": errors["registration"]
    }) }}
    {{ govukButton({ "text": "Continue" }) }}
  </form>
</div></div>"#;

const RESULT: &str = r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">{{ heading }}</h1>
  {% if rows %}
  {{ govukSummaryList({ "rows": rows }) }}
  <p class="govuk-body">This check is listed on <a class="govuk-link" href="{{ prefix }}/your-data">your data</a>.</p>
  {% else %}
  <p class="govuk-body">{{ message }}</p>
  <p class="govuk-body"><a class="govuk-link" href="{{ prefix }}/check-vehicle-tax">Start again</a> or see <a class="govuk-link" href="{{ prefix }}/your-data">your data</a>.</p>
  {% endif %}
</div></div>"#;

#[derive(Debug, Deserialize)]
struct AskForm {
    #[serde(default)]
    registration: String,
}

#[derive(Debug, Deserialize)]
struct ResultQuery {
    #[serde(default)]
    registration: String,
}

async fn council(state: &VehicleCheckState, slug: &str) -> Result<(web::Council, store::CouncilId), Response> {
    state.web.council_and_id(&state.councils, slug).await
}

fn sign_in_first(slug: &str, uri: &Uri) -> Response {
    let back = uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path());
    Redirect::to(&format!("/{slug}/{}?return_to={}", web::SIGN_IN_PATH, urlencoding::encode(back))).into_response()
}

/// The layout of this service's pages for `visitor`.
fn layout(state: &VehicleCheckState, council: &web::Council, visitor: &web::Visitor, title: &str) -> web::Layout {
    state.web.layout(Some(council), title).signed_in(visitor.signed_in())
}

fn page(
    state: &VehicleCheckState,
    council: &web::Council,
    layout: web::Layout,
    status: StatusCode,
    source: (&str, &str),
    context: serde_json::Value,
) -> Response {
    let content = match web::render_fragment(source.0, source.1, context) {
        Ok(c) => c,
        Err(e) => return state.web.server_error(Some(council), &e),
    };
    match web::render(&web::Page { layout, content }) {
        Ok(html) => (status, html).into_response(),
        Err(e) => state.web.server_error(Some(council), &e),
    }
}

fn start_page(
    state: &VehicleCheckState,
    council: &web::Council,
    visitor: &web::Visitor,
    registration: &str,
    errors: web::FormErrors,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let context = serde_json::json!({
        "prefix": format!("/{}", council.slug), "csrf": visitor.csrf_input(),
        "registration": registration, "errors": errors.by_field(),
    });
    let layout = layout(state, council, visitor, SERVICE_NAME).with_errors(errors);
    page(state, council, layout, status, ("vehicle-check-start", START), context)
}

async fn start(
    State(state): State<VehicleCheckState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    uri: Uri,
) -> Response {
    let (council, _) = match council(&state, &slug).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if visitor.citizen.is_none() {
        return sign_in_first(&slug, &uri);
    }
    start_page(&state, &council, &visitor, "", web::FormErrors::new())
}

async fn ask(
    State(state): State<VehicleCheckState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    uri: Uri,
    Form(form): Form<AskForm>,
) -> Response {
    let (council, council_id) = match council(&state, &slug).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(citizen) = visitor.citizen.clone() else { return sign_in_first(&slug, &uri) };
    let registration = match parking_registers::Registration::parse(&form.registration) {
        Ok(r) => r.as_str().to_string(),
        Err(e) => {
            let mut errors = web::FormErrors::new();
            let message = if form.registration.trim().is_empty() {
                "Enter your vehicle registration number".to_string()
            } else {
                format!("Enter a registration number like CU57 ABC: {} is not one because {}", e.input.trim(), e.reason)
            };
            errors.add("registration", &message);
            return start_page(&state, &council, &visitor, &form.registration, errors);
        }
    };
    let register = match RegisterRef::national(VEHICLE_REGISTER) {
        Ok(r) => r,
        Err(e) => return state.web.server_error(Some(&council), &e),
    };
    let return_to = format!("/{slug}/check-vehicle-tax/result?registration={registration}");
    let request = ConsentRequest {
        service: Service::new(council_id, SERVICE_SLUG, SERVICE_NAME),
        citizen: citizen.id.clone(),
        scopes: vec![Scope::new(register, &FIELDS)],
        purpose: "To check that your vehicle is taxed, instead of asking you for its documents.".to_string(),
        duration: time::Duration::days(30),
        return_to,
    };
    match state.consent.request(&request).await {
        Ok(id) => Redirect::to(&format!("/{slug}/consent/{id}")).into_response(),
        Err(e) => state.web.server_error(Some(&council), &e),
    }
}

/// The citizen's newest grant (of any state) to this council's service: reading through a
/// declined, revoked or expired one is refused and logged, as is reading with none at all.
async fn newest_grant(state: &VehicleCheckState, service: &Service, citizen: &str) -> Result<GrantId, ConsentError> {
    let grants = state.consent.grants_of(citizen).await?;
    Ok(grants
        .into_iter()
        .filter(|g| g.service.council_id == service.council_id && g.service.slug == service.slug)
        .max_by_key(|g| g.requested_at)
        .map(|g| g.id)
        .unwrap_or_else(|| GrantId("none".to_string())))
}

async fn result(
    State(state): State<VehicleCheckState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    Query(query): Query<ResultQuery>,
    uri: Uri,
) -> Response {
    let (council, council_id) = match council(&state, &slug).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(citizen) = visitor.citizen.clone() else { return sign_in_first(&slug, &uri) };
    let Ok(registration) = parking_registers::Registration::parse(&query.registration).map(|r| r.as_str().to_string())
    else {
        return state.web.not_found(Some(&council));
    };
    let register = match RegisterRef::national(VEHICLE_REGISTER) {
        Ok(r) => r,
        Err(e) => return state.web.server_error(Some(&council), &e),
    };
    let service = Service::new(council_id, SERVICE_SLUG, SERVICE_NAME);
    let prefix = format!("/{slug}");
    let grant = match newest_grant(&state, &service, &citizen.id).await {
        Ok(g) => g,
        Err(e) => return state.web.server_error(Some(&council), &e),
    };
    match state.consent.read(&service, &grant, &citizen.id, &register, &registration, &FIELDS).await {
        Ok(read) => {
            let mut rows = vec![row("Registration number", &registration)];
            for field in FIELDS {
                let value = read.fields.get(field).and_then(|v| v.as_str()).unwrap_or("Not recorded");
                rows.push(row(&consent::plain_name(field), value));
            }
            let context = serde_json::json!({ "prefix": prefix, "heading": "Your vehicle", "rows": rows });
            page(
                &state,
                &council,
                layout(&state, &council, &visitor, "Your vehicle"),
                StatusCode::OK,
                ("vehicle-check-result", RESULT),
                context,
            )
        }
        Err(ConsentError::NotFound(_)) => {
            let context = serde_json::json!({ "prefix": prefix, "heading": "Vehicle not found",
                "message": format!("There is no vehicle with the registration number {registration} on the register.") });
            page(
                &state,
                &council,
                layout(&state, &council, &visitor, "Vehicle not found"),
                StatusCode::NOT_FOUND,
                ("vehicle-check-result", RESULT),
                context,
            )
        }
        Err(e) if e.is_refusal() => {
            let context = serde_json::json!({ "prefix": prefix, "heading": "We cannot check your vehicle",
                "message": format!("We cannot read the vehicle register for you: {e}. This attempt is listed on your data page.") });
            page(
                &state,
                &council,
                layout(&state, &council, &visitor, "We cannot check your vehicle"),
                StatusCode::FORBIDDEN,
                ("vehicle-check-result", RESULT),
                context,
            )
        }
        Err(e) => state.web.server_error(Some(&council), &e),
    }
}

fn row(key: &str, value: &str) -> serde_json::Value {
    serde_json::json!({ "key": { "text": key }, "value": { "text": value } })
}
