//! The staff settlement page: one day's ledger of a council (every capture and refund as a
//! debit and a credit, with fund and cost centre), its totals balancing to zero, and the same
//! day as a CSV download for the finance system. Only that council's staff see it: identity's
//! [`identity::RequireStaff`] sends anyone not signed in as staff to sign in, and answers 403
//! to staff of another council. Handlers only; the ledger lives in [`crate::ledger`].

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use identity::RequireStaff;
use serde::Deserialize;
use serde_json::json;

use crate::pages::{PagesState, council_of, pounds};

/// `?day=YYYY-MM-DD` (today, UTC, when absent).
#[derive(Debug, Deserialize)]
pub(crate) struct DayQuery {
    day: Option<String>,
}

const PAGE: &str = r##"{% from "govuk/components/input/macro.jinja" import govukInput %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/error-summary/macro.jinja" import govukErrorSummary %}
<div class="govuk-grid-row"><div class="govuk-grid-column-full">
{% if error %}{{ govukErrorSummary({"titleText": "There is a problem", "errorList": [{"text": error, "href": "#day"}]}) }}{% endif %}
<span class="govuk-caption-l">Payments</span>
<h1 class="govuk-heading-l">Settlement for {{ day }}</h1>
<form method="get" action="{{ action }}" novalidate>
{{ govukInput({"label": {"text": "Day"}, "hint": {"text": "For example, 2026-11-23"}, "id": "day", "name": "day", "value": day, "classes": "govuk-input--width-10", "errorMessage": {"text": error} if error else none}) }}
{{ govukButton({"text": "Show day", "classes": "govuk-button--secondary"}) }}
</form>
{% if not error %}
<p class="govuk-body"><a class="govuk-link" href="{{ csv_href }}" download>Download {{ day }} as CSV</a></p>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">Ledger rows</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Payment</th><th scope="col" class="govuk-table__header">Refund</th>
<th scope="col" class="govuk-table__header">Account</th><th scope="col" class="govuk-table__header">Fund</th>
<th scope="col" class="govuk-table__header">Cost centre</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Debit</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Credit</th></tr></thead>
<tbody class="govuk-table__body">
{% for r in rows %}<tr class="govuk-table__row"><td class="govuk-table__cell">{{ r.payment_id }}</td><td class="govuk-table__cell">{{ r.refund_id }}</td>
<td class="govuk-table__cell">{{ r.account }}</td><td class="govuk-table__cell">{{ r.fund }}</td><td class="govuk-table__cell">{{ r.cost_centre }}</td>
<td class="govuk-table__cell govuk-table__cell--numeric">{{ r.debit }}</td><td class="govuk-table__cell govuk-table__cell--numeric">{{ r.credit }}</td></tr>
{% else %}<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="7">No payments were captured or refunded on this day.</td></tr>{% endfor %}
<tr class="govuk-table__row"><th scope="row" class="govuk-table__header" colspan="5">Total</th>
<td class="govuk-table__cell govuk-table__cell--numeric" id="total-debits">{{ debits }}</td><td class="govuk-table__cell govuk-table__cell--numeric" id="total-credits">{{ credits }}</td></tr>
</tbody></table>
<p class="govuk-body" id="balance">Balance (debits minus credits): <strong>{{ balance }}</strong></p>
{% endif %}
</div></div>"##;

/// A `YYYY-MM-DD` day, or today on the brick's clock when none is given.
fn parse_day(state: &PagesState, day: Option<&str>) -> Result<String, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match day.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(state.payments.clock().now().date().format(&format).unwrap_or_default()),
        Some(d) => match time::Date::parse(d, &format) {
            Ok(date) => Ok(date.format(&format).unwrap_or_default()),
            Err(_) => Err("Enter a real day in the form YYYY-MM-DD, like 2026-11-23".to_string()),
        },
    }
}

/// `GET /{council}/staff/payments/settlement?day=YYYY-MM-DD`.
pub(crate) async fn page(
    State(state): State<PagesState>,
    staff: RequireStaff,
    axum::extract::Path(slug): axum::extract::Path<String>,
    Query(query): Query<DayQuery>,
) -> Response {
    let (council, id) = match council_of(&state, &slug).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let action = format!("/{slug}/staff/payments/settlement");
    let (status, context) = match parse_day(&state, query.day.as_deref()) {
        Err(error) => {
            (StatusCode::BAD_REQUEST, json!({"error": error, "day": query.day, "action": action, "rows": []}))
        }
        Ok(day) => {
            let rows = match state.payments.ledger_rows(id, &day).await {
                Ok(rows) => rows,
                Err(e) => return state.web.server_error(Some(&council), &e),
            };
            let debits: i64 = rows.iter().map(|r| r.amount.max(0)).sum();
            let credits: i64 = rows.iter().map(|r| (-r.amount).max(0)).sum();
            let shown: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({"payment_id": r.payment_id, "refund_id": r.refund_id.clone().unwrap_or_default(),
                        "account": r.account, "fund": r.fund, "cost_centre": r.cost_centre,
                        "debit": if r.amount > 0 { pounds(r.amount) } else { String::new() },
                        "credit": if r.amount < 0 { pounds(-r.amount) } else { String::new() }})
                })
                .collect();
            let balance = debits - credits;
            let balance = if balance < 0 { format!("-{}", pounds(-balance)) } else { pounds(balance) };
            let csv_href = format!("/{slug}/staff/payments/settlement.csv?day={day}");
            (
                StatusCode::OK,
                json!({"day": day, "action": action, "rows": shown, "debits": pounds(debits),
                    "credits": pounds(credits), "balance": balance, "csv_href": csv_href, "error": null}),
            )
        }
    };
    let content = match web::render_fragment("pay-settlement", PAGE, context) {
        Ok(c) => c,
        Err(e) => return state.web.server_error(Some(&council), &e),
    };
    let title = if status == StatusCode::OK { "Settlement" } else { "Error: Settlement" };
    let layout = state.web.layout(Some(&council), title).signed_in(staff.visitor.signed_in());
    match web::render(&web::Page { layout, content }) {
        Ok(html) => (status, html).into_response(),
        Err(e) => state.web.server_error(Some(&council), &e),
    }
}

/// `GET /{council}/staff/payments/settlement.csv?day=YYYY-MM-DD`: the day's settlement report
/// (ending in a `TOTAL` line whose debits equal its credits) as a download.
pub(crate) async fn csv(
    State(state): State<PagesState>,
    _staff: RequireStaff,
    axum::extract::Path(slug): axum::extract::Path<String>,
    Query(query): Query<DayQuery>,
) -> Response {
    let (council, id) = match council_of(&state, &slug).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let day = match parse_day(&state, query.day.as_deref()) {
        Ok(day) => day,
        Err(error) => return (StatusCode::BAD_REQUEST, error).into_response(),
    };
    match state.payments.settlement_csv(id, &day).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"settlement-{slug}-{day}.csv\"")),
            ],
            body,
        )
            .into_response(),
        Err(e) => state.web.server_error(Some(&council), &e),
    }
}
