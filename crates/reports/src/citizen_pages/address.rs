//! Which address: the postcode's addresses as radios, or its centre. The draft keeps only the
//! postcode, so the addresses are asked of [`Places`] again; the chosen point must be covered by
//! some body, like any other.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::CitizenState;
use super::drafts::Drafts;
use super::place::{PostcodeAnswer, PostcodePlace, covered};
use super::render::{self, Here, here};

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

/// The postcode's addresses again (the draft keeps only the postcode).
async fn postcode_place(state: &CitizenState, postcode: &str) -> Option<PostcodePlace> {
    match state.places.postcode(postcode).await {
        PostcodeAnswer::Found(found) => Some(found),
        _ => None,
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
) -> Response {
    let here = match here(&state, &slug, visitor).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let draft = match render::draft(&state, &here, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(place) = postcode_place(&state, draft.answers.postcode.as_deref().unwrap_or_default()).await else {
        return render::see_other(&format!("{}/report", here.prefix()));
    };
    let chosen = place
        .addresses
        .iter()
        .find(|a| Some(&a.label) == draft.answers.address.as_ref())
        .map(|a| a.uprn.clone())
        .unwrap_or_default();
    address_page(&state, &here, &place, &chosen, web::FormErrors::new())
}

/// `POST /{council}/report/{draft}/address`.
pub(crate) async fn address_post(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<AddressForm>,
) -> Response {
    let here = match here(&state, &slug, visitor).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut draft = match render::draft(&state, &here, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(place) = postcode_place(&state, draft.answers.postcode.as_deref().unwrap_or_default()).await else {
        return render::see_other(&format!("{}/report", here.prefix()));
    };
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
        return address_page(&state, &here, &place, &form.address, errors);
    };
    if let Err(message) = covered(&state, &here, location).await {
        return match message {
            Ok(text) => {
                errors.add("address", &text);
                address_page(&state, &here, &place, &form.address, errors)
            }
            Err(r) => r,
        };
    }
    draft.answers.address = label;
    draft.answers.lat = Some(location.lat);
    draft.answers.lon = Some(location.lon);
    if let Err(e) = Drafts::new(state.reports.store()).save(here.id, &draft).await {
        return render::server_error(&state, &here, &e);
    }
    render::see_other(&format!("{}/category", here.draft_path(&draft.id)))
}
