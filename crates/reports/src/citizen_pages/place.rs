//! Where is it: the start page (a postcode, or a grid reference or latitude and longitude, with
//! the map script's hook, `<div id="report-map" data-council data-lat-input data-lon-input>`).
//! Postcodes and their addresses come from the instance's look-ups through [`Places`], which the
//! binary implements; choosing among the addresses is the next step (`address`). A point no body
//! covers (at sea, another council's area) gets a field error here, before any draft is made.

use std::future::Future;
use std::pin::Pin;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::CitizenState;
use super::drafts::{Answers, Drafts};
use super::render::{self, Answer, Here, SERVICE, here};
use crate::error::ReportError;
use crate::routing::Location;

/// One address in a postcode.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceAddress {
    /// Its UPRN, as text.
    pub uprn: String,
    /// Its one-line label.
    pub label: String,
    /// Its point, when the register has one.
    pub location: Option<Location>,
}

/// A postcode the look-ups know: its centre and its addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct PostcodePlace {
    /// The postcode, written as the look-ups write it (`ZX1 1AA`).
    pub postcode: String,
    /// Its centre, when known.
    pub centre: Option<Location>,
    /// Its addresses, in the order to show them.
    pub addresses: Vec<PlaceAddress>,
}

/// What the look-ups say about a postcode the citizen typed.
#[derive(Debug, Clone, PartialEq)]
pub enum PostcodeAnswer {
    /// Not a postcode at all, with why.
    Invalid(String),
    /// A valid postcode this instance does not hold (written as the look-ups write it).
    Unknown(String),
    /// Found.
    Found(PostcodePlace),
}

/// A boxed future of a [`Places`] answer.
pub type PlaceFuture<'a> = Pin<Box<dyn Future<Output = PostcodeAnswer> + Send + 'a>>;

/// Postcodes and their addresses, as the instance's look-ups know them. The brick does not
/// depend on the address or postcode bricks; the binary joins them here.
pub trait Places: Send + Sync {
    /// The postcode `text` (as typed), its centre and addresses.
    fn postcode<'a>(&'a self, text: &'a str) -> PlaceFuture<'a>;
}

/// The start page's fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StartForm {
    /// The draft being changed (from check answers' Change link), if any.
    #[serde(default)]
    draft: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    easting: String,
    #[serde(default)]
    northing: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
}

const START: &str = r#"{% from "govuk/components/input/macro.jinja" import govukInput -%}
{% from "govuk/components/button/macro.jinja" import govukButton -%}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">Report a problem</h1>
  <p class="govuk-body">Tell us about a problem in a street or public place, such as a pothole, fly-tipping,
    a broken street light or speeding traffic. We send it to the council or other body that deals with it there.</p>
  <form method="post" action="{{ prefix }}/report" id="report-where" novalidate>
    {{ csrf | safe }}
    {% if form.draft %}<input type="hidden" name="draft" value="{{ form.draft }}">{% endif %}
    <h2 class="govuk-heading-m">Where is the problem?</h2>
    {{ govukInput({
      "label": { "text": "Postcode", "classes": "govuk-label--s" },
      "hint": { "text": "The postcode nearest to the problem, for example ZX1 1AA" },
      "id": "postcode", "name": "postcode", "value": form.postcode, "autocomplete": "postal-code",
      "classes": "govuk-input--width-10", "errorMessage": errors["postcode"]
    }) }}
    <div id="report-map" class="guildhall-report-map" data-lat-input="lat" data-lon-input="lon"
      data-form="report-where" data-council="{{ council_slug }}"></div>
    <details class="govuk-details"{% if open_details %} open{% endif %}>
      <summary class="govuk-details__summary">
        <span class="govuk-details__summary-text">Give a grid reference or latitude and longitude instead</span>
      </summary>
      <div class="govuk-details__text">
        <p class="govuk-body">Use a National Grid easting and northing in metres, or a latitude and longitude in degrees.</p>
        {{ govukInput({ "label": { "text": "Easting" }, "id": "easting", "name": "easting", "value": form.easting,
          "inputmode": "decimal", "classes": "govuk-input--width-10", "errorMessage": errors["easting"] }) }}
        {{ govukInput({ "label": { "text": "Northing" }, "id": "northing", "name": "northing", "value": form.northing,
          "inputmode": "decimal", "classes": "govuk-input--width-10" }) }}
        {{ govukInput({ "label": { "text": "Latitude" }, "hint": { "text": "For example, 52.2" }, "id": "lat",
          "name": "lat", "value": form.lat, "inputmode": "decimal", "classes": "govuk-input--width-10",
          "errorMessage": errors["lat"] }) }}
        {{ govukInput({ "label": { "text": "Longitude" }, "hint": { "text": "For example, -1.25" }, "id": "lon",
          "name": "lon", "value": form.lon, "inputmode": "decimal", "classes": "govuk-input--width-10" }) }}
      </div>
    </details>
    {{ govukButton({ "text": "Continue" }) }}
  </form>
  <p class="govuk-body"><a class="govuk-link" href="{{ prefix }}/reports">See problems reported recently</a></p>
</div></div>
<script src="/reports/map/report-map.js" defer></script>"#;

fn start_page(state: &CitizenState, here: &Here, form: &StartForm, errors: web::FormErrors) -> Response {
    let open_details = errors.message("easting").is_some()
        || errors.message("lat").is_some()
        || [&form.easting, &form.northing, &form.lat, &form.lon].iter().any(|f| !f.trim().is_empty());
    let context = json!({
        "form": { "draft": form.draft, "postcode": form.postcode, "easting": form.easting, "northing": form.northing,
                  "lat": form.lat, "lon": form.lon },
        "open_details": open_details, "council_slug": here.council.slug,
    });
    render::page(state, here, SERVICE, None, errors, ("report-start", START), context)
}

/// The start page's query: the draft whose place is being changed.
#[derive(Debug, Deserialize)]
pub(crate) struct StartQuery {
    #[serde(default)]
    draft: String,
}

/// `GET /{council}/report` (`?draft=` to change a draft's place).
pub(crate) async fn start(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    Query(query): Query<StartQuery>,
) -> Answer {
    let here = here(&state, &slug, visitor).await?;
    let mut form = StartForm::default();
    if !query.draft.is_empty() {
        let draft = render::draft(&state, &here, &query.draft).await?;
        form.draft = draft.id;
        form.postcode = draft.answers.postcode.unwrap_or_default();
    }
    Ok(start_page(&state, &here, &form, web::FormErrors::new()))
}

/// A point and how it was given, or the field at fault and why.
type NumberedPoint = Result<(Location, String), (&'static str, String)>;

/// A point given as numbers: a grid reference or latitude and longitude, with the field an
/// error belongs to.
fn point_from_numbers(form: &StartForm) -> Option<NumberedPoint> {
    let filled = |s: &str| !s.trim().is_empty();
    if filled(&form.lat) || filled(&form.lon) {
        return Some(match Location::parse(Some(&form.lat), Some(&form.lon)) {
            Ok(l) => Ok((l, format!("Latitude {}, longitude {}", form.lat.trim(), form.lon.trim()))),
            Err(ReportError::BadLocation(m)) => Err(("lat", format!("Enter a latitude and longitude: {m}"))),
            Err(e) => Err(("lat", e.to_string())),
        });
    }
    if filled(&form.easting) || filled(&form.northing) {
        let parsed = (form.easting.trim().parse::<f64>(), form.northing.trim().parse::<f64>());
        let (Ok(e), Ok(n)) = parsed else {
            return Some(Err(("easting", "Enter an easting and a northing in metres, as numbers".into())));
        };
        return Some(match geography::grid_to_lon_lat(geography::GridPoint::new(e, n)) {
            Ok(ll) => match Location::new(ll.lat, ll.lon) {
                Ok(l) => Ok((l, format!("Grid reference {e}, {n}"))),
                Err(e) => Err(("easting", e.to_string())),
            },
            Err(_) => Err((
                "easting",
                "Enter a grid reference on the National Grid: an easting from 0 to 700000 and a northing from 0 to 1250000"
                    .into(),
            )),
        });
    }
    None
}

/// `POST /{council}/report`: find the place, check a body covers it, make the draft.
pub(crate) async fn start_post(
    State(state): State<CitizenState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    Form(form): Form<StartForm>,
) -> Response {
    let here = match here(&state, &slug, visitor).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut errors = web::FormErrors::new();
    let mut answers = Answers::default();
    let (point, field) = match point_from_numbers(&form) {
        Some(Ok((location, place))) => {
            answers.place = Some(place);
            (Some(location), if form.lat.trim().is_empty() { "easting" } else { "lat" })
        }
        Some(Err((field, message))) => {
            errors.add(field, &message);
            return start_page(&state, &here, &form, errors);
        }
        None if form.postcode.trim().is_empty() => {
            errors.add("postcode", "Enter a postcode, or give a grid reference or latitude and longitude");
            return start_page(&state, &here, &form, errors);
        }
        None => match state.places.postcode(&form.postcode).await {
            PostcodeAnswer::Invalid(why) => {
                errors.add("postcode", &format!("Enter a full UK postcode, like ZX1 1AA ({why})"));
                return start_page(&state, &here, &form, errors);
            }
            PostcodeAnswer::Unknown(pc) => {
                let message = format!("We do not know the postcode {pc}. Check it, or give a grid reference instead");
                errors.add("postcode", &message);
                return start_page(&state, &here, &form, errors);
            }
            PostcodeAnswer::Found(found) => {
                answers.postcode = Some(found.postcode.clone());
                answers.place = Some(format!("Postcode {}", found.postcode));
                if !found.addresses.is_empty() {
                    return make_draft(&state, &here, &form.draft, answers, "address").await;
                }
                let Some(centre) = found.centre else {
                    let message = format!("We do not know where {} is. Give a grid reference instead", found.postcode);
                    errors.add("postcode", &message);
                    return start_page(&state, &here, &form, errors);
                };
                (Some(centre), "postcode")
            }
        },
    };
    let Some(location) = point else { return start_page(&state, &here, &form, errors) };
    if let Err(message) = covered(&state, &here, location).await {
        return match message {
            Ok(text) => {
                errors.add(field, &text);
                start_page(&state, &here, &form, errors)
            }
            Err(r) => r,
        };
    }
    answers.lat = Some(location.lat);
    answers.lon = Some(location.lon);
    make_draft(&state, &here, &form.draft, answers, "category").await
}

/// Whether some body covers the point: `Err(Ok(message))` for the citizen when none does.
pub(crate) async fn covered(
    state: &CitizenState,
    here: &Here,
    location: Location,
) -> Result<(), Result<String, Response>> {
    match state.reports.locate(here.id, location).await {
        Ok(_) => Ok(()),
        Err(ReportError::OutsideEveryBody { .. }) => Err(Ok(format!(
            "{} does not take reports for this place: it is outside every area the council and the bodies it works with cover. Check the place, or report it to the council for that area",
            here.council.name
        ))),
        Err(ReportError::BadLocation(m)) => Err(Ok(m)),
        Err(e) => Err(Err(render::server_error(state, here, &e))),
    }
}

/// Saves the place: into the draft being changed (keeping its other answers), or a new draft.
async fn make_draft(state: &CitizenState, here: &Here, existing: &str, place: Answers, next: &str) -> Response {
    if !existing.is_empty() {
        let mut draft = match render::draft(state, here, existing).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        let answers = &mut draft.answers;
        (answers.postcode, answers.address, answers.lat, answers.lon, answers.place) =
            (place.postcode, place.address, place.lat, place.lon, place.place);
        return render::save_and_go(state, here, &draft, next).await;
    }
    match Drafts::new(state.reports.store()).create(here.id, &here.visitor.csrf_token, &place).await {
        Ok(id) => render::see_other(&format!("{}/{next}", here.draft_path(&id))),
        Err(e) => render::server_error(state, here, &e),
    }
}
