//! What is it: the categories offered at the draft's point (the union over the bodies covering
//! it, one entry per name, from routing), as radios. A category not offered there is refused
//! with a field error.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::CitizenState;
use super::drafts::Draft;
use super::render::{self, Answer, Here, here_and_draft};
use crate::routing::{Location, Offer};

const CATEGORY: &str = r#"{% from "govuk/components/radios/macro.jinja" import govukRadios -%}
{% from "govuk/components/button/macro.jinja" import govukButton -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <form method="post" novalidate>
    {{ csrf | safe }}
    {{ govukRadios({
      "name": "category", "idPrefix": "category",
      "fieldset": { "legend": { "text": "What is the problem?", "isPageHeading": true, "classes": "govuk-fieldset__legend--l" } },
      "hint": { "text": place },
      "items": items, "value": chosen, "errorMessage": errors["category"]
    }) }}
    {{ govukButton({ "text": "Continue" }) }}
  </form>
</div></div>"#;

#[derive(Debug, Deserialize)]
pub(crate) struct CategoryForm {
    #[serde(default)]
    category: String,
}

/// The draft's point, or the start page when it has none yet.
pub(crate) fn point(draft: &Draft) -> Option<Location> {
    match (draft.answers.lat, draft.answers.lon) {
        (Some(lat), Some(lon)) => Location::new(lat, lon).ok(),
        _ => None,
    }
}

/// The categories offered at the draft's point; a message page when none can be.
pub(crate) async fn offers(state: &CitizenState, here: &Here, draft: &Draft) -> Result<Vec<Offer>, Response> {
    let Some(location) = point(draft) else {
        return Err(render::see_other(&format!("{}/report?draft={}", here.prefix(), draft.id)));
    };
    match state.reports.locate(here.id, location).await {
        Ok(located) => Ok(located.offers()),
        Err(crate::ReportError::OutsideEveryBody { .. }) => Err(render::message(
            state,
            here,
            StatusCode::UNPROCESSABLE_ENTITY,
            "We cannot take reports for this place",
            "The place is outside every area this council and the bodies it works with cover.",
        )),
        Err(e) => Err(render::server_error(state, here, &e)),
    }
}

fn category_page(
    state: &CitizenState,
    here: &Here,
    draft: &Draft,
    offers: &[Offer],
    chosen: &str,
    errors: web::FormErrors,
) -> Response {
    let items: Vec<serde_json::Value> = offers
        .iter()
        .map(|o| {
            let hint =
                if o.description.is_empty() { o.group.clone().unwrap_or_default() } else { o.description.clone() };
            json!({ "value": o.name, "text": o.name, "hint": { "text": hint } })
        })
        .collect();
    let place = draft.answers.address.clone().or(draft.answers.place.clone()).unwrap_or_default();
    let context = json!({ "items": items, "chosen": chosen, "place": place });
    let back = match &draft.answers.address {
        Some(_) => format!("{}/address", here.draft_path(&draft.id)),
        None => format!("{}/report?draft={}", here.prefix(), draft.id),
    };
    render::page(state, here, "What is the problem?", Some(&back), errors, ("report-category", CATEGORY), context)
}

/// `GET /{council}/report/{draft}/category`.
pub(crate) async fn show(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let offers = offers(&state, &here, &draft).await?;
    let chosen = draft.answers.category.clone().unwrap_or_default();
    Ok(category_page(&state, &here, &draft, &offers, &chosen, web::FormErrors::new()))
}

/// `POST /{council}/report/{draft}/category`.
pub(crate) async fn post(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<CategoryForm>,
) -> Answer {
    let (here, mut draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let offers = offers(&state, &here, &draft).await?;
    if !offers.iter().any(|o| o.name == form.category) {
        let mut errors = web::FormErrors::new();
        let message = if form.category.trim().is_empty() {
            "Select what the problem is".to_string()
        } else {
            format!("“{}” is not a problem we take reports of here: select one of the list", form.category.trim())
        };
        errors.add("category", &message);
        return Ok(category_page(&state, &here, &draft, &offers, "", errors));
    }
    if draft.answers.category.as_deref() != Some(form.category.as_str()) {
        draft.answers.attributes.clear();
    }
    draft.answers.category = Some(form.category);
    Ok(render::save_and_go(&state, &here, &draft, "details").await)
}
