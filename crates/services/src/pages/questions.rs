//! One question page, for each kind of question the format has: the question is the page's
//! only `<h1>` (a label, or a fieldset's legend for radios, checkboxes, dates and locations),
//! with its hint, its error message and the citizen's earlier answer filled in. An address is
//! two steps on the same page: a postcode (a GET form, `?postcode=`), then the addresses in it.
//! A location has latitude and longitude fields that work with JavaScript off, and an empty
//! element a map script can enhance (`data-module="guildhall-location-map"`).

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::answers::FormInput;
use crate::definition::{Question, QuestionKind};
use crate::ports::Address;

/// Which step of an address question a page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AddressStep {
    /// Ask for a postcode (pre-filled with this one).
    Postcode(String),
    /// Choose one of these addresses in the postcode.
    Choose(String, Vec<Address>),
}

/// Everything a question page shows besides the layout.
#[derive(Serialize)]
pub(crate) struct QuestionView {
    id: String,
    kind: &'static str,
    heading: String,
    hint: Option<String>,
    action: String,
    csrf: String,
    values: Map<String, Value>,
    chosen: Vec<String>,
    options: Vec<Value>,
    errors: Map<String, Value>,
    date_error: Option<Value>,
    step: &'static str,
    postcode: String,
    addresses: Vec<Value>,
}

fn kind_word(kind: QuestionKind) -> &'static str {
    QuestionKind::WORDS.iter().find(|(_, k)| *k == kind).map(|(w, _)| *w).unwrap_or("text")
}

/// The view of `q`'s page: `input` is what to fill the form with (the saved answer's fields, or
/// what was just posted), `errors` the form's errors, `step` the address step.
pub(crate) fn view(
    q: &Question,
    action: &str,
    csrf: String,
    input: &FormInput,
    errors: &web::FormErrors,
    step: Option<&AddressStep>,
) -> QuestionView {
    let id = q.id.clone();
    let first = |k: &str| input.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
    let mut values = Map::new();
    for (k, v) in input {
        if let Some(first) = v.first() {
            values.insert(k.clone(), json!(first));
        }
    }
    let fields = errors.by_field();
    let date_error = ["day", "month", "year"].iter().find_map(|p| fields.get(&format!("{id}-{p}")).cloned());
    let (step_word, postcode, addresses) = match step {
        Some(AddressStep::Choose(pc, list)) => {
            let uprn = first(&format!("{id}-uprn"));
            let items =
                list.iter().map(|a| json!({"value": a.uprn, "text": a.text, "checked": a.uprn == uprn})).collect();
            ("choose", pc.clone(), items)
        }
        Some(AddressStep::Postcode(pc)) => ("postcode", pc.clone(), Vec::new()),
        None => ("", String::new(), Vec::new()),
    };
    let optional = if q.required { "" } else { " (optional)" };
    QuestionView {
        heading: format!("{}{optional}", q.label),
        hint: q.hint.clone(),
        kind: kind_word(q.kind),
        action: action.to_string(),
        csrf,
        chosen: input.get(&id).cloned().unwrap_or_default(),
        options: q.options.iter().map(|o| json!({"value": o.value, "text": o.label})).collect(),
        values,
        errors: fields,
        date_error,
        step: step_word,
        postcode,
        addresses,
        id,
    }
}

/// The question page's template.
pub(crate) const QUESTION: (&str, &str) = ("services-question", QUESTION_SOURCE);

const QUESTION_SOURCE: &str = r#"{% from "govuk/components/input/macro.jinja" import govukInput %}
{% from "govuk/components/radios/macro.jinja" import govukRadios %}
{% from "govuk/components/checkboxes/macro.jinja" import govukCheckboxes %}
{% from "govuk/components/date-input/macro.jinja" import govukDateInput %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
{% set legend = {"text": heading, "isPageHeading": true, "classes": "govuk-fieldset__legend--l"} %}
{% set hint_param = {"text": hint} if hint else none %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{% if kind == "address" and step == "postcode" %}
<h1 class="govuk-heading-l">{{ heading }}</h1>
{% if hint %}<p class="govuk-body">{{ hint }}</p>{% endif %}
<form method="get" action="{{ action }}" novalidate>
{{ govukInput({"label": {"text": "Postcode", "classes": "govuk-label--s"}, "hint": {"text": "For example, ZX1 1AA"}, "id": id ~ "-postcode", "name": "postcode", "value": postcode, "classes": "govuk-input--width-10", "autocomplete": "postal-code", "spellcheck": false, "errorMessage": errors[id ~ "-postcode"]}) }}
{{ govukButton({"text": "Find address"}) }}
</form>
{% else %}
<form method="post" action="{{ action }}" novalidate>
{{ csrf | safe }}
{% if kind == "address" %}
<input type="hidden" name="{{ id }}-postcode" value="{{ postcode }}">
{{ govukRadios({"name": id ~ "-uprn", "idPrefix": id ~ "-uprn", "fieldset": {"legend": legend}, "hint": {"text": (hint ~ " " if hint else "") ~ "Addresses in " ~ postcode ~ "."}, "items": addresses, "errorMessage": errors[id ~ "-uprn"]}) }}
<p class="govuk-body"><a class="govuk-link" href="{{ action }}?change=postcode">Change postcode<span class="govuk-visually-hidden"> for {{ heading }}</span></a></p>
{% elif kind == "radios" %}
{{ govukRadios({"name": id, "idPrefix": id, "fieldset": {"legend": legend}, "hint": hint_param, "value": values[id], "items": options, "errorMessage": errors[id]}) }}
{% elif kind == "checkboxes" %}
{{ govukCheckboxes({"name": id, "idPrefix": id, "fieldset": {"legend": legend}, "hint": hint_param, "values": chosen, "items": options, "errorMessage": errors[id]}) }}
{% elif kind == "date" %}
{{ govukDateInput({"id": id, "namePrefix": id, "fieldset": {"legend": legend}, "hint": hint_param or {"text": "For example, 27 3 2027"}, "values": {"day": values[id ~ "-day"], "month": values[id ~ "-month"], "year": values[id ~ "-year"]}, "errorMessage": date_error}) }}
{% elif kind == "location" %}
<div class="govuk-form-group">
<fieldset class="govuk-fieldset" aria-describedby="{{ id }}-hint">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--l"><h1 class="govuk-fieldset__heading">{{ heading }}</h1></legend>
<div class="govuk-hint" id="{{ id }}-hint">{{ hint ~ " " if hint }}Give the spot as a latitude and longitude, or choose it on the map.</div>
<div class="guildhall-location-map" data-module="guildhall-location-map" data-latitude-input="{{ id }}-lat" data-longitude-input="{{ id }}-lon"></div>
{{ govukInput({"label": {"text": "Latitude"}, "hint": {"text": "For example, 52.2053"}, "id": id ~ "-lat", "name": id ~ "-lat", "value": values[id ~ "-lat"], "classes": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": false, "errorMessage": errors[id ~ "-lat"]}) }}
{{ govukInput({"label": {"text": "Longitude"}, "hint": {"text": "For example, -1.5491"}, "id": id ~ "-lon", "name": id ~ "-lon", "value": values[id ~ "-lon"], "classes": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": false, "errorMessage": errors[id ~ "-lon"]}) }}
</fieldset>
</div>
{% else %}
{% set extras = {"email": {"type": "email", "autocomplete": "email", "spellcheck": false},
                "phone": {"type": "tel", "autocomplete": "tel", "classes": "govuk-input--width-20"},
                "number": {"inputmode": "decimal", "classes": "govuk-input--width-10", "spellcheck": false}} %}
{% set extra = extras[kind] or {} %}
{{ govukInput({"label": {"text": heading, "classes": "govuk-label--l", "isPageHeading": true}, "hint": hint_param, "id": id, "name": id, "value": values[id], "type": extra.type or "text", "autocomplete": extra.autocomplete, "inputmode": extra.inputmode, "spellcheck": extra.spellcheck, "classes": extra.classes, "errorMessage": errors[id]}) }}
{% endif %}
{{ govukButton({"text": "Continue", "preventDoubleClick": true}) }}
</form>
{% endif %}
</div></div>"#;
