//! Which address: the postcode's addresses as radios, or its centre. The draft keeps only the
//! postcode, so the addresses are asked of [`Places`] again; the chosen point must be covered by
//! some body, like any other.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::CitizenState;
use super::place::{PostcodeAnswer, PostcodePlace, covered};
use super::render::{self, Answer, Here, here_and_draft};

const ADDRESS: &str = r#"{% from "govuk/components/radios/macro.jinja" import govukRadios -%}
{% from "govuk/components/button/macro.jinja" import govukButton -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <form method="post" novalidate>
    {{ csrf | safe }}
    {{ govukRadios({
      "name": "address", "idPrefix": "address",
      "fieldset": { "legend": { "text": "Which address is the problem at or nearest to?", "isPageHeading": true, "classes": "govuk-fieldset__legend--l" } },
      "hint": { "text": count ~ " addresses in " ~ postcode },
      "items": items, "value": chosen, "errorMessage": errors["address"]
    }) }}
    {{ govukButton({ "text": "Continue" }) }}
  </form>
</div></div>"#;

#[derive(Debug, Deserialize)]
pub(crate) struct AddressForm {
    #[serde(default)]
    address: String,
}

/// The draft's postcode's addresses again (the draft keeps only the postcode), or the start
/// page (303) when it has no postcode or the postcode is no longer found.
async fn postcode_place(state: &CitizenState, here: &Here, postcode: Option<&str>) -> Result<PostcodePlace, Response> {
    match state.places.postcode(postcode.unwrap_or_default()).await {
        PostcodeAnswer::Found(found) => Ok(found),
        _ => Err(render::see_other(&format!("{}/report", here.prefix()))),
    }
}

fn address_page(
    state: &CitizenState,
    here: &Here,
    place: &PostcodePlace,
    chosen: &str,
    errors: web::FormErrors,
) -> Response {
    let mut items: Vec<serde_json::Value> =
        place.addresses.iter().map(|a| json!({ "value": a.uprn, "text": a.label })).collect();
    if place.centre.is_some() {
        items.push(json!({ "divider": "or" }));
        items.push(json!({ "value": "centre", "text": format!("Somewhere else in {}: use the postcode’s centre", place.postcode) }));
    }
    let context =
        json!({ "items": items, "chosen": chosen, "postcode": place.postcode, "count": place.addresses.len() });
    let back = format!("{}/report", here.prefix());
    render::page(state, here, "Choose the address", Some(&back), errors, ("report-address", ADDRESS), context)
}

/// `GET /{council}/report/{draft}/address`.
pub(crate) async fn address(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
) -> Answer {
    let (here, draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let place = postcode_place(&state, &here, draft.answers.postcode.as_deref()).await?;
    let chosen = place
        .addresses
        .iter()
        .find(|a| Some(&a.label) == draft.answers.address.as_ref())
        .map(|a| a.uprn.clone())
        .unwrap_or_default();
    Ok(address_page(&state, &here, &place, &chosen, web::FormErrors::new()))
}

/// `POST /{council}/report/{draft}/address`.
pub(crate) async fn address_post(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<AddressForm>,
) -> Answer {
    let (here, mut draft) = here_and_draft(&state, &slug, &id, visitor).await?;
    let place = postcode_place(&state, &here, draft.answers.postcode.as_deref()).await?;
    let mut errors = web::FormErrors::new();
    let picked = if form.address == "centre" {
        place.centre.map(|c| (None, c))
    } else {
        place
            .addresses
            .iter()
            .find(|a| a.uprn == form.address)
            .and_then(|a| a.location.map(|l| (Some(a.label.clone()), l)))
    };
    let Some((label, location)) = picked else {
        errors.add("address", "Select the address the problem is at or nearest to");
        return Ok(address_page(&state, &here, &place, &form.address, errors));
    };
    if let Err(message) = covered(&state, &here, location).await {
        errors.add("address", &message?);
        return Ok(address_page(&state, &here, &place, &form.address, errors));
    }
    draft.answers.address = label;
    draft.answers.lat = Some(location.lat);
    draft.answers.lon = Some(location.lon);
    Ok(render::save_and_go(&state, &here, &draft, "category").await)
}
