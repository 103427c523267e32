//! The GeoReport v2 handlers: parse the parameters, pick the body (`jurisdiction_id`), check the
//! key, call the brick, answer in the format the path asked for. No domain rules live here.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use store::CouncilId;

use super::errors::Open311Error;
use super::format::Wire;
use crate::error::ReportError;
use crate::model::Body;
use crate::reports::{ListFilter, NewReport, Report, Reporter, Reports, Status};
use crate::routing::Location;
use crate::rules::Answers;
use crate::time_text;

type Answer = Result<Response, Open311Error>;

/// Form or query parameters, in order, repeated names kept.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(text: &[u8]) -> Params {
        Params(url::form_urlencoded::parse(text).into_owned().collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.trim().is_empty())
    }

    /// A comma-delimited parameter, possibly repeated, as its items.
    fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>())
            .collect()
    }

    /// `attribute[code]=v` and `attribute[code][]=v` as answers.
    fn answers(&self) -> Answers {
        let mut answers = Answers::new();
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix("attribute[") else { continue };
            let code = rest.trim_end_matches("[]").trim_end_matches(']');
            if !code.is_empty() {
                answers.entry(code.to_string()).or_default().push(v.clone());
            }
        }
        answers
    }
}

/// Splits `name.json` / `name.xml`; any other extension is not a resource here.
fn split_file(file: &str) -> Result<(&str, bool), Open311Error> {
    match file.rsplit_once('.') {
        Some((name, "json")) => Ok((name, false)),
        Some((name, "xml")) => Ok((name, true)),
        _ => Err(Open311Error::new(404, format!("{file:?} is not a resource: use .json or .xml"), false)),
    }
}

fn respond(xml: bool, root: &str, wire: Wire) -> Response {
    if xml {
        ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], wire.xml(root)).into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], wire.json().to_string()).into_response()
    }
}

/// The body `jurisdiction_id` names, or the only body when it is left out.
async fn jurisdiction(reports: &Reports, params: &Params, xml: bool) -> Result<(CouncilId, Body), Open311Error> {
    let fail = |e| Open311Error::from_report(e, xml);
    let id = match params.get("jurisdiction_id") {
        Some(id) => id.to_string(),
        None => {
            let ids = reports.body_ids().await.map_err(fail)?;
            match ids.as_slice() {
                [only] => only.clone(),
                _ => return Err(Open311Error::new(400, "jurisdiction_id was not provided", xml)),
            }
        }
    };
    reports.body(&id).await.map_err(fail)
}

/// Checks `api_key` when one is given (GETs), or always (`required`, POSTs).
async fn check_key(
    reports: &Reports,
    body: &Body,
    params: &Params,
    required: bool,
    xml: bool,
) -> Result<(), Open311Error> {
    let key = params.get("api_key");
    if key.is_none() && !required {
        return Ok(());
    }
    reports.check_api_key(&body.id, key).await.map_err(|e| Open311Error::from_report(e, xml))
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}/open311/v2")
}

/// `GET discovery|services|requests|servicerequestupdates.{fmt}`.
pub(super) async fn get_root(
    State(reports): State<Reports>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let (name, xml) = split_file(&file)?;
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    match name {
        "discovery" => Ok(discovery(&base_url(&headers), xml)),
        "services" => {
            let (_, body) = jurisdiction(&reports, &params, xml).await?;
            check_key(&reports, &body, &params, false, xml).await?;
            Ok(respond(xml, "services", services(&body)))
        }
        "requests" => list_requests(&reports, &params, xml).await,
        "servicerequestupdates" => list_updates(&reports, &params, xml).await,
        _ => Err(Open311Error::new(404, format!("{file:?} is not a resource"), xml)),
    }
}

/// `POST requests|servicerequestupdates.{fmt}` (form-encoded).
pub(super) async fn post_root(State(reports): State<Reports>, Path(file): Path<String>, form: Bytes) -> Answer {
    let (name, xml) = split_file(&file)?;
    let params = Params::parse(&form);
    match name {
        "requests" => create_request(&reports, &params, xml).await,
        "servicerequestupdates" => create_update(&reports, &params, xml).await,
        _ => Err(Open311Error::new(404, format!("{file:?} does not accept POST"), xml)),
    }
}

fn discovery(base: &str, xml: bool) -> Response {
    let formats = Wire::List("format", vec![Wire::Text("text/xml".into()), Wire::Text("application/json".into())]);
    let endpoint = Wire::Fields(vec![
        ("specification", Wire::Text("http://wiki.open311.org/GeoReport_v2".into())),
        ("url", Wire::Text(base.to_string())),
        ("changeset", Wire::Text("2026-11-23T00:00:00Z".into())),
        ("type", Wire::Text("production".into())),
        ("formats", formats),
    ]);
    let wire = Wire::Fields(vec![
        ("changeset", Wire::Text("2026-11-23T00:00:00Z".into())),
        ("contact", Wire::Text("Each body's contact is in its services list; see jurisdiction_id.".into())),
        ("key_service", Wire::Text("Ask the body's staff for an API key.".into())),
        ("endpoints", Wire::List("endpoint", vec![endpoint])),
    ]);
    respond(xml, "discovery", wire)
}

fn services(body: &Body) -> Wire {
    let items = body
        .categories
        .iter()
        .map(|c| {
            Wire::Fields(vec![
                ("service_code", Wire::Text(c.code.clone())),
                ("service_name", Wire::Text(c.name.clone())),
                ("description", Wire::Text(c.description.clone())),
                ("metadata", Wire::Bool(!c.attributes.is_empty())),
                ("type", Wire::Text("realtime".into())),
                ("keywords", Wire::Text(c.keywords.join(","))),
                ("group", Wire::opt(c.group.clone())),
            ])
        })
        .collect();
    Wire::List("service", items)
}

/// `GET services/{code}.{fmt}`: the service definition (its attributes).
pub(super) async fn get_service_definition(
    State(reports): State<Reports>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let (code, xml) = split_file(&file)?;
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let (_, body) = jurisdiction(&reports, &params, xml).await?;
    check_key(&reports, &body, &params, false, xml).await?;
    let category = body
        .category(code)
        .ok_or_else(|| Open311Error::new(404, format!("service_code {code:?} was not found"), xml))?;
    let attributes = category
        .attributes
        .iter()
        .map(|a| {
            let values = a
                .values
                .iter()
                .map(|v| Wire::Fields(vec![("key", Wire::Text(v.key.clone())), ("name", Wire::Text(v.name.clone()))]))
                .collect();
            Wire::Fields(vec![
                ("variable", Wire::Bool(a.variable)),
                ("code", Wire::Text(a.code.clone())),
                ("datatype", Wire::Text(a.datatype.as_str().into())),
                ("required", Wire::Bool(a.required)),
                ("datatype_description", Wire::opt(a.datatype_description.clone())),
                ("order", Wire::Int(a.order)),
                ("description", Wire::Text(a.description.clone())),
                ("values", Wire::List("value", values)),
            ])
        })
        .collect();
    let wire = Wire::Fields(vec![
        ("service_code", Wire::Text(category.code.clone())),
        ("attributes", Wire::List("attribute", attributes)),
    ]);
    Ok(respond(xml, "service_definition", wire))
}

async fn create_request(reports: &Reports, params: &Params, xml: bool) -> Answer {
    let (_, body) = jurisdiction(reports, params, xml).await?;
    check_key(reports, &body, params, true, xml).await?;
    let bad = |m: &str| Open311Error::new(400, m, xml);
    let code = params.get("service_code").ok_or_else(|| bad("service_code was not provided"))?;
    if body.category(code).is_none() {
        return Err(bad(&format!("service_code {code:?} was not found")));
    }
    let location =
        Location::parse(params.get("lat"), params.get("long")).map_err(|e| Open311Error::from_report(e, xml))?;
    let name = [params.get("first_name"), params.get("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let report = NewReport {
        location,
        category: code.to_string(),
        description: params.get("description").unwrap_or_default().to_string(),
        answers: params.answers(),
        address: params.get("address_string").map(str::to_string),
        reporter: Reporter {
            name: Some(name).filter(|n| !n.is_empty()),
            email: params.get("email").map(str::to_string),
            phone: params.get("phone").map(str::to_string),
            account_id: params.get("account_id").map(str::to_string),
        },
        photo: None,
        source: "open311".to_string(),
    };
    let submitted =
        reports.submit_to_service(&body.id, code, report).await.map_err(|e| Open311Error::from_report(e, xml))?;
    let wire = Wire::List(
        "request",
        vec![Wire::Fields(vec![
            ("service_request_id", Wire::Int(submitted.id)),
            ("service_notice", Wire::Text(format!("Reported to {}", body.name))),
            ("account_id", Wire::opt(params.get("account_id").map(str::to_string))),
        ])],
    );
    Ok(respond(xml, "service_requests", wire))
}

async fn request_wire(
    reports: &Reports,
    council: CouncilId,
    report: &Report,
    body: &Body,
) -> Result<Wire, ReportError> {
    let code = report.destinations.iter().find(|d| d.body_id == body.id).map(|d| d.service_code.clone());
    let notes = reports.updates(council, report.id).await?.pop().map(|u| u.description);
    Ok(Wire::Fields(vec![
        ("service_request_id", Wire::Int(report.id)),
        ("status", Wire::Text(report.status.open311().into())),
        ("status_notes", Wire::opt(notes)),
        ("service_name", Wire::Text(report.category.clone())),
        ("service_code", Wire::opt(code)),
        ("description", Wire::Text(report.description.clone())),
        ("agency_responsible", Wire::Text(body.name.clone())),
        ("service_notice", Wire::Null),
        ("requested_datetime", Wire::Text(report.created_at.clone())),
        ("updated_datetime", Wire::Text(report.updated_at.clone())),
        ("expected_datetime", Wire::Null),
        ("address", Wire::opt(report.address.clone())),
        ("address_id", Wire::Null),
        ("zipcode", Wire::Null),
        ("lat", Wire::Number(report.location.lat)),
        ("long", Wire::Number(report.location.lon)),
        ("media_url", Wire::Null),
    ]))
}

fn date_param(params: &Params, name: &str, xml: bool) -> Result<Option<String>, Open311Error> {
    match params.get(name) {
        None => Ok(None),
        Some(text) => time_text::parse_w3c(text).map(Some).ok_or_else(|| {
            Open311Error::new(400, format!("{name} {text:?} is not a W3C date-time like 2026-01-01T00:00:00Z"), xml)
        }),
    }
}

/// Start and end of a date window: both given, or defaulting to the 90 days up to `end` (or now).
fn window(params: &Params, xml: bool) -> Result<(String, String), Open311Error> {
    let end = date_param(params, "end_date", xml)?.unwrap_or_else(time_text::now);
    let start = match date_param(params, "start_date", xml)? {
        Some(s) => s,
        None => {
            let end_at = time::OffsetDateTime::parse(&end, &time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
            time_text::format(end_at - time::Duration::days(90))
        }
    };
    Ok((start, end))
}

async fn list_requests(reports: &Reports, params: &Params, xml: bool) -> Answer {
    let (council, body) = jurisdiction(reports, params, xml).await?;
    check_key(reports, &body, params, false, xml).await?;
    let mut ids = Vec::new();
    for id in params.list("service_request_id") {
        ids.push(
            id.parse::<i64>()
                .map_err(|_| Open311Error::new(400, format!("service_request_id {id:?} is not an id"), xml))?,
        );
    }
    let statuses = params.list("status");
    if let Some(s) = statuses.iter().find(|s| *s != "open" && *s != "closed") {
        return Err(Open311Error::new(400, format!("status {s:?} is not open or closed"), xml));
    }
    let (start, end) = window(params, xml)?;
    let filter = ListFilter {
        ids,
        service_codes: params.list("service_code"),
        open311_statuses: statuses,
        start: Some(start),
        end: Some(end),
        limit: 1000,
    };
    let fail = |e| Open311Error::from_report(e, xml);
    let found = reports.list_for_body(council, &body.id, &filter).await.map_err(fail)?;
    let mut items = Vec::with_capacity(found.len());
    for r in &found {
        items.push(request_wire(reports, council, r, &body).await.map_err(fail)?);
    }
    Ok(respond(xml, "service_requests", Wire::List("request", items)))
}

/// `GET requests/{id}.{fmt}`: one request, in a one-item list as the spec shows.
pub(super) async fn get_request(
    State(reports): State<Reports>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let (id, xml) = split_file(&file)?;
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let (council, body) = jurisdiction(&reports, &params, xml).await?;
    check_key(&reports, &body, &params, false, xml).await?;
    let not_found = || Open311Error::new(404, format!("service_request_id {id:?} was not found"), xml);
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let report = match reports.report(Some(council), id).await {
        Ok(r) if r.destinations.iter().any(|d| d.body_id == body.id) => r,
        Ok(_) | Err(ReportError::NotFound(_)) => return Err(not_found()),
        Err(e) => return Err(Open311Error::from_report(e, xml)),
    };
    let wire = request_wire(&reports, council, &report, &body).await.map_err(|e| Open311Error::from_report(e, xml))?;
    Ok(respond(xml, "service_requests", Wire::List("request", vec![wire])))
}

/// `GET tokens/{token}.{fmt}`: the request id a token stands for.
pub(super) async fn get_token(
    State(reports): State<Reports>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let (token, xml) = split_file(&file)?;
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let (council, body) = jurisdiction(&reports, &params, xml).await?;
    check_key(&reports, &body, &params, false, xml).await?;
    let not_found = || Open311Error::new(404, format!("token {token:?} was not found"), xml);
    let id = match reports.report_id_for_token(token).await {
        Ok(id) => id,
        Err(ReportError::UnknownToken(_)) => return Err(not_found()),
        Err(e) => return Err(Open311Error::from_report(e, xml)),
    };
    match reports.report(Some(council), id).await {
        Ok(r) if r.destinations.iter().any(|d| d.body_id == body.id) => {}
        _ => return Err(not_found()),
    }
    let wire = Wire::List(
        "request",
        vec![Wire::Fields(vec![("service_request_id", Wire::Int(id)), ("token", Wire::Text(token.to_string()))])],
    );
    Ok(respond(xml, "service_requests", wire))
}

/// The extension's statuses (upper case) mapped onto ours.
fn extension_status(text: &str) -> Option<Status> {
    match text.trim().to_ascii_uppercase().as_str() {
        "OPEN" => Some(Status::Open),
        "IN_PROGRESS" | "INVESTIGATING" | "ACTION_SCHEDULED" => Some(Status::InProgress),
        "FIXED" => Some(Status::Fixed),
        "CLOSED" | "NO_FURTHER_ACTION" | "NOT_COUNCILS_RESPONSIBILITY" | "DUPLICATE" | "INTERNAL_REFERRAL" => {
            Some(Status::Closed)
        }
        _ => None,
    }
}

async fn list_updates(reports: &Reports, params: &Params, xml: bool) -> Answer {
    let (council, body) = jurisdiction(reports, params, xml).await?;
    check_key(reports, &body, params, false, xml).await?;
    let (start, end) = window(params, xml)?;
    let updates = reports
        .updates_for_body(council, &body.id, &start, &end)
        .await
        .map_err(|e| Open311Error::from_report(e, xml))?;
    let items = updates
        .into_iter()
        .map(|u| {
            Wire::Fields(vec![
                ("update_id", Wire::Text(u.id.to_string())),
                ("service_request_id", Wire::Text(u.report_id.to_string())),
                ("status", Wire::Text(u.status.to_ascii_uppercase())),
                ("updated_datetime", Wire::Text(u.created_at)),
                ("description", Wire::Text(u.description)),
                ("media_url", Wire::Null),
            ])
        })
        .collect();
    Ok(respond(xml, "service_requests_updates", Wire::List("request_update", items)))
}

async fn create_update(reports: &Reports, params: &Params, xml: bool) -> Answer {
    let (council, body) = jurisdiction(reports, params, xml).await?;
    check_key(reports, &body, params, true, xml).await?;
    let bad = |m: String| Open311Error::new(400, m, xml);
    let id = params.get("service_request_id").ok_or_else(|| bad("service_request_id was not provided".into()))?;
    let id: i64 =
        id.parse().map_err(|_| Open311Error::new(404, format!("service_request_id {id:?} was not found"), xml))?;
    let status_text = params.get("status").ok_or_else(|| bad("status was not provided".into()))?;
    let status = extension_status(status_text).ok_or_else(|| bad(format!("status {status_text:?} is not known")))?;
    let description = params.get("description").unwrap_or_default();
    let author = format!("open311:{}", body.id);
    let update_id = reports
        .add_update(council, id, Some(&body.id), status, description, &author)
        .await
        .map_err(|e| Open311Error::from_report(e, xml))?;
    let wire = Wire::List("request_update", vec![Wire::Fields(vec![("update_id", Wire::Text(update_id.to_string()))])]);
    Ok(respond(xml, "service_request_updates", wire))
}
