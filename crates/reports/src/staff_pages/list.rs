//! The staff list: every report sent to the council's bodies with filters (status, category,
//! body), the same reports as GeoJSON markers for the map, and a body's reports as CSV.

use std::collections::BTreeSet;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::query::{self, LIST_LIMIT, StaffFilter};
use super::{
    Answer, STATUSES, StaffState, body_name, error_page, render, staff, status_colour, status_label, templates,
};
use crate::reports::{ListFilter, Status};

/// The list's query string; empty values mean any.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    status: Option<String>,
    category: Option<String>,
    body: Option<String>,
}

fn nonempty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

impl Filters {
    /// The filter, or the status field's error.
    fn parse(&self) -> (StaffFilter, Option<String>) {
        let (status, error) = match nonempty(&self.status) {
            None => (None, None),
            Some(s) => match Status::parse(&s) {
                Ok(s) => (Some(s), None),
                Err(_) => (None, Some("Choose a status from the list".to_string())),
            },
        };
        (StaffFilter { status, category: nonempty(&self.category), body: nonempty(&self.body) }, error)
    }

    /// The same filters as a query string (for the map's markers and links).
    fn query_string(&self) -> String {
        let pairs = [("status", &self.status), ("category", &self.category), ("body", &self.body)];
        let parts: Vec<String> =
            pairs.iter().filter_map(|(k, v)| nonempty(v).map(|v| format!("{k}={}", url_encode(&v)))).collect();
        parts.join("&")
    }
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `GET /{council}/staff/reports?status=&category=&body=`.
pub(crate) async fn page(
    State(state): State<StaffState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    Query(filters): Query<Filters>,
) -> Answer {
    let staff = staff(&state, &visitor, &slug).await?;
    let error_page = |e| error_page(&state, &staff.council, e);
    let (filter, error) = filters.parse();
    let bodies = state.reports.bodies(staff.council_id).await.map_err(error_page)?;
    let found = query::reports(&state.reports, staff.council_id, &filter).await.map_err(error_page)?;
    let categories: BTreeSet<String> =
        bodies.iter().flat_map(|b| b.categories.iter().map(|c| c.name.clone())).collect();
    let rows: Vec<Value> = found
        .iter()
        .map(|r| {
            let failed = r.destinations.iter().any(|d| d.state == "failed");
            json!({
                "id": r.id, "created_at": r.created_at.get(..16).unwrap_or(&r.created_at).replace('T', " "),
                "category": r.category, "status": status_label(r.status), "colour": status_colour(r.status),
                "bodies": r.destinations.iter().map(|d| body_name(&bodies, &d.body_id)).collect::<Vec<_>>().join(", "),
                "place": r.address.clone().unwrap_or_else(|| format!("{:.5}, {:.5}", r.location.lat, r.location.lon)),
                "failed": failed,
            })
        })
        .collect();
    let prefix = format!("/{slug}");
    let qs = filters.query_string();
    let context = json!({
        "prefix": prefix,
        "rows": rows,
        "limit": LIST_LIMIT,
        "statuses": STATUSES.iter().map(|s| json!({"value": s.as_str(), "text": status_label(*s),
            "selected": filter.status == Some(*s)})).collect::<Vec<_>>(),
        "categories": categories.iter().map(|c| json!({"value": c,
            "selected": filter.category.as_deref() == Some(c.as_str())})).collect::<Vec<_>>(),
        "bodies": bodies.iter().map(|b| json!({"value": b.id, "text": b.name,
            "selected": filter.body.as_deref() == Some(b.id.as_str()),
            "csv": format!("{prefix}/staff/reports.csv?body={}", url_encode(&b.id))})).collect::<Vec<_>>(),
        "body": filter.body.as_ref().map(|b| json!({"name": body_name(&bodies, b),
            "csv": format!("{prefix}/staff/reports.csv?body={}", url_encode(b))})),
        "markers": format!("{prefix}/staff/reports.geojson?{qs}"),
        "areas": format!("{prefix}/report-map/areas.geojson"),
        "error": error,
    });
    let mut errors = web::FormErrors::new();
    if let Some(e) = &error {
        errors.add("status", e);
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let layout =
        state.web.layout(Some(&staff.council), "Reports").signed_in(staff.visitor.signed_in()).with_errors(errors);
    Ok(render(&state, status, layout, ("reports-staff-list", templates::LIST), context))
}

/// `GET /{council}/staff/reports.geojson?…`: the listed reports as points, for the map.
pub(crate) async fn markers(
    State(state): State<StaffState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    Query(filters): Query<Filters>,
) -> Answer {
    let staff = staff(&state, &visitor, &slug).await?;
    let error_page = |e| error_page(&state, &staff.council, e);
    let (filter, _) = filters.parse();
    let found = query::reports(&state.reports, staff.council_id, &filter).await.map_err(error_page)?;
    let features: Vec<Value> = found
        .iter()
        .map(|r| {
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.location.lon, r.location.lat]},
                   "properties": {"id": r.id, "category": r.category, "status": status_label(r.status),
                                  "href": format!("/{slug}/staff/reports/{}", r.id)}})
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(json!({"type": "FeatureCollection", "features": features})))
        .into_response())
}

/// `GET /{council}/staff/reports.csv?body=ID`: one body's newest 1000 reports as CSV (the
/// brick's export: no personal details). A body must be chosen; it must be the council's.
pub(crate) async fn csv(
    State(state): State<StaffState>,
    Extension(visitor): Extension<web::Visitor>,
    Path(slug): Path<String>,
    Query(filters): Query<Filters>,
) -> Answer {
    let staff = staff(&state, &visitor, &slug).await?;
    let error_page = |e| error_page(&state, &staff.council, e);
    let Some(body) = nonempty(&filters.body) else {
        return Err((StatusCode::BAD_REQUEST, "Choose a body: /staff/reports.csv?body=ID").into_response());
    };
    match state.reports.body(&body).await {
        Ok((owner, _)) if owner == staff.council_id => {}
        Ok(_) | Err(crate::ReportError::UnknownBody(_)) => return Err(state.web.not_found(Some(&staff.council))),
        Err(e) => return Err(error_page(e)),
    }
    let list = ListFilter { limit: 1000, ..ListFilter::default() };
    let text = state.reports.export_csv(staff.council_id, &body, &list).await.map_err(error_page)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"reports-{body}.csv\"")),
        ],
        text,
    )
        .into_response())
}
