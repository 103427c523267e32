//! Handlers for the register routes: resolve the register (and council) from the path, check the
//! custodian key where needed, call the brick, and shape the answer as openregister v1 JSON, CSV or RSF.

use std::collections::HashMap;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use store::CouncilSlug;
use utoipa::IntoParams;

use super::ApiState;
use super::error::ApiError;
use super::json::{self, consistency_json, inclusion_json, root_json};
use crate::append::NewEntry;
use crate::canonical::ItemHash;
use crate::entry::Log;
use crate::error::RegisterError;
use crate::register::{Owner, RegisterInfo, RegisterName};

type Params = Path<HashMap<String, String>>;
type ApiResult = Result<Response, ApiError>;

/// Most records or entries one page returns.
const MAX_PAGE: u64 = 5000;

/// The owner named by the path: a council when under `/councils/{council}`, else national.
async fn owner(state: &ApiState, params: &HashMap<String, String>) -> Result<Owner, ApiError> {
    match params.get("council") {
        None => Ok(Owner::National),
        Some(slug) => {
            let slug = CouncilSlug::parse(slug).map_err(|_| ApiError::UnknownCouncil(slug.clone()))?;
            let council = state.councils.by_slug(&slug).await.map_err(|e| match e {
                store::StoreError::UnknownCouncil(_) => ApiError::UnknownCouncil(slug.to_string()),
                other => ApiError::Register(RegisterError::Store(other)),
            })?;
            Ok(Owner::Council(council.id))
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    Some(value.strip_prefix("Bearer ").unwrap_or(value).trim())
}

/// Resolves the register in the path; writes (and reads of a closed register) need its custodian key.
async fn resolve(
    state: &ApiState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    write: bool,
) -> Result<RegisterInfo, ApiError> {
    let owner = owner(state, params).await?;
    let name = RegisterName::parse(params.get("name").map(String::as_str).unwrap_or_default())?;
    let info = state.registers.get(owner, &name).await?;
    if write || !info.open {
        state.registers.authorise(&info, bearer(headers)).await?;
    }
    Ok(info)
}

fn param_u64(params: &HashMap<String, String>, name: &str) -> Result<u64, ApiError> {
    let raw = params.get(name).map(String::as_str).unwrap_or_default();
    raw.parse().map_err(|_| ApiError::BadRequest(format!("{name} must be a whole number, got {raw:?}")))
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"))
}

fn csv_response(body: Result<String, csv::Error>) -> ApiResult {
    let body = body.map_err(|e| ApiError::BadRequest(format!("cannot write CSV: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

/// `page-index` (1-based) and `page-size` as GOV.UK Registers paged records.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Which page, from 1.
    #[serde(rename = "page-index")]
    #[param(rename = "page-index")]
    page_index: Option<u64>,
    /// Records per page (at most 5000; default 100).
    #[serde(rename = "page-size")]
    #[param(rename = "page-size")]
    page_size: Option<u64>,
}

impl PageParams {
    fn bounds(&self) -> Result<(u64, u64), ApiError> {
        let size = self.page_size.unwrap_or(100);
        let index = self.page_index.unwrap_or(1);
        if size == 0 || size > MAX_PAGE || index == 0 {
            return Err(ApiError::BadRequest(format!("page-index must be at least 1 and page-size 1 to {MAX_PAGE}")));
        }
        Ok(((index - 1).saturating_mul(size), size))
    }
}

/// `start` (first entry number) and `limit` for entry listings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryRange {
    /// First entry number to return (default 1).
    start: Option<u64>,
    /// Most entries to return (at most 5000; default 100).
    limit: Option<u64>,
}

impl EntryRange {
    fn bounds(&self) -> Result<(u64, u64), ApiError> {
        let limit = self.limit.unwrap_or(100);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ApiError::BadRequest(format!("limit must be 1 to {MAX_PAGE}")));
        }
        Ok((self.start.unwrap_or(1).max(1), limit))
    }
}

/// List the registers (national, or the council's).
#[utoipa::path(get, path = "/registers", tag = "registers",
    responses((status = 200, description = "Registers with their sizes", body = Object), (status = 404, description = "Unknown council")))]
pub async fn list_registers(State(state): State<ApiState>, Path(params): Params) -> ApiResult {
    let owner = owner(&state, &params).await?;
    let list = state.registers.list(owner).await?;
    let body: Vec<Value> = list
        .iter()
        .filter(|r| r.open)
        .map(|r| json!({ "name": r.name.as_str(), "total-entries": r.user_size, "last-updated": r.updated_at }))
        .collect();
    Ok(Json(body).into_response())
}

/// The register itself: its metadata and sizes.
#[utoipa::path(get, path = "/registers/{name}/register", tag = "registers",
    params(("name" = String, Path, description = "Register name")),
    responses((status = 200, description = "The register resource", body = Object), (status = 404, description = "No such register")))]
pub async fn register_resource(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let schema = state.registers.schema(&info).await?;
    let records = state.registers.record_count(&info).await?;
    Ok(Json(json::register_json(&info, &schema, records, &state.origin)).into_response())
}

async fn records_page(
    state: &ApiState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    page: &PageParams,
    csv: bool,
) -> ApiResult {
    let info = resolve(state, params, headers, false).await?;
    let (offset, limit) = page.bounds()?;
    let records = state.registers.records(&info, offset, limit).await?;
    if csv {
        let schema = state.registers.schema(&info).await?;
        return csv_response(json::records_csv(&records, &schema));
    }
    let mut response = Json(json::records_json(&records)).into_response();
    if records.len() as u64 == limit {
        let next = format!("<?page-index={}&page-size={limit}>; rel=\"next\"", offset / limit + 2);
        if let Ok(v) = HeaderValue::from_str(&next) {
            response.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(response)
}

/// Records (the newest entry for each key), in key order, a page at a time; CSV with `Accept: text/csv`.
#[utoipa::path(get, path = "/registers/{name}/records", tag = "registers",
    params(("name" = String, Path, description = "Register name"), PageParams),
    responses((status = 200, description = "Records keyed by key", body = Object), (status = 400, description = "Bad paging"), (status = 404, description = "No such register")))]
pub async fn records(
    State(state): State<ApiState>,
    Path(params): Params,
    Query(page): Query<PageParams>,
    headers: HeaderMap,
) -> ApiResult {
    let csv = wants_csv(&headers);
    records_page(&state, &params, &headers, &page, csv).await
}

/// Records as CSV.
#[utoipa::path(get, path = "/registers/{name}/records.csv", tag = "registers",
    params(("name" = String, Path, description = "Register name"), PageParams),
    responses((status = 200, description = "Records as CSV", content_type = "text/csv", body = String), (status = 404, description = "No such register")))]
pub async fn records_csv(
    State(state): State<ApiState>,
    Path(params): Params,
    Query(page): Query<PageParams>,
    headers: HeaderMap,
) -> ApiResult {
    records_page(&state, &params, &headers, &page, true).await
}

/// One record by key.
#[utoipa::path(get, path = "/registers/{name}/records/{key}", tag = "registers",
    params(("name" = String, Path, description = "Register name"), ("key" = String, Path, description = "Record key")),
    responses((status = 200, description = "The record, keyed by its key", body = Object), (status = 404, description = "No such register or record")))]
pub async fn record(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let key = params.get("key").cloned().unwrap_or_default();
    let record = state.registers.record(&info, &key).await?;
    if wants_csv(&headers) {
        let schema = state.registers.schema(&info).await?;
        return csv_response(json::records_csv(std::slice::from_ref(&record), &schema));
    }
    Ok(Json(json::records_json(std::slice::from_ref(&record))).into_response())
}

/// Every entry for a key: the record's history.
#[utoipa::path(get, path = "/registers/{name}/records/{key}/entries", tag = "registers",
    params(("name" = String, Path, description = "Register name"), ("key" = String, Path, description = "Record key")),
    responses((status = 200, description = "Entries, oldest first", body = Object), (status = 404, description = "No such register or record")))]
pub async fn record_entries(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let key = params.get("key").cloned().unwrap_or_default();
    let entries = state.registers.record_entries(&info, &key).await?;
    if wants_csv(&headers) {
        return csv_response(json::entries_csv(&entries));
    }
    Ok(Json(entries.iter().map(json::entry_json).collect::<Vec<_>>()).into_response())
}

async fn entries_page(
    state: &ApiState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    range: &EntryRange,
    csv: bool,
) -> ApiResult {
    let info = resolve(state, params, headers, false).await?;
    let (start, limit) = range.bounds()?;
    let entries = state.registers.entries(&info, Log::User, start, limit).await?;
    if csv {
        return csv_response(json::entries_csv(&entries));
    }
    Ok(Json(entries.iter().map(json::entry_json).collect::<Vec<_>>()).into_response())
}

/// Entries in order from `start`; CSV with `Accept: text/csv`.
#[utoipa::path(get, path = "/registers/{name}/entries", tag = "registers",
    params(("name" = String, Path, description = "Register name"), EntryRange),
    responses((status = 200, description = "Entries", body = Object), (status = 400, description = "Bad range"), (status = 404, description = "No such register")))]
pub async fn entries(
    State(state): State<ApiState>,
    Path(params): Params,
    Query(range): Query<EntryRange>,
    headers: HeaderMap,
) -> ApiResult {
    let csv = wants_csv(&headers);
    entries_page(&state, &params, &headers, &range, csv).await
}

/// Entries as CSV.
#[utoipa::path(get, path = "/registers/{name}/entries.csv", tag = "registers",
    params(("name" = String, Path, description = "Register name"), EntryRange),
    responses((status = 200, description = "Entries as CSV", content_type = "text/csv", body = String), (status = 404, description = "No such register")))]
pub async fn entries_csv(
    State(state): State<ApiState>,
    Path(params): Params,
    Query(range): Query<EntryRange>,
    headers: HeaderMap,
) -> ApiResult {
    entries_page(&state, &params, &headers, &range, true).await
}

/// An entry as a custodian posts it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EntryBody {
    /// The record key.
    key: String,
    /// The item (a JSON object), or a list of items.
    #[schema(value_type = Object)]
    item: Value,
    /// `YYYY-MM-DDTHH:MM:SSZ`; now if absent.
    timestamp: Option<String>,
    /// `user` (default) or `system`.
    log: Option<String>,
}

/// Append entries (custodian key): all or nothing, acknowledged only once committed.
#[utoipa::path(post, path = "/registers/{name}/entries", tag = "registers",
    params(("name" = String, Path, description = "Register name")),
    request_body(content = Vec<EntryBody>, description = "Entries to append, in order"),
    security(("custodian_key" = [])),
    responses((status = 201, description = "Appended; the new entry numbers and root", body = Object),
        (status = 400, description = "Malformed entry"), (status = 401, description = "Missing or wrong custodian key"),
        (status = 404, description = "No such register"), (status = 422, description = "An item does not fit the register's fields")))]
pub async fn append_entries(
    State(state): State<ApiState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let info = resolve(&state, &params, &headers, true).await?;
    let bodies: Vec<EntryBody> = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("body must be a JSON list of {{\"key\", \"item\"}} objects: {e}")))?;
    let mut batch = Vec::with_capacity(bodies.len());
    for (i, b) in bodies.into_iter().enumerate() {
        let log = match b.log.as_deref() {
            None | Some("user") => Log::User,
            Some("system") => Log::System,
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "entry {}: log must be \"user\" or \"system\", got {other:?}",
                    i + 1
                )));
            }
        };
        let items = match b.item {
            Value::Array(items) => items,
            other => vec![other],
        };
        batch.push(NewEntry { log, key: b.key, timestamp: b.timestamp, items });
    }
    let receipt = state.registers.append(&info, batch).await?;
    let numbers: Vec<String> = receipt.user_entries.clone().map(|n| n.to_string()).collect();
    let body = json!({
        "entry-number": numbers.last(),
        "entry-numbers": numbers,
        "total-entries": receipt.register.user_size,
        "root-hash": json::hash_text(&receipt.root),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// One entry by number (a one-element list, as openregister v1 returns it).
#[utoipa::path(get, path = "/registers/{name}/entries/{number}", tag = "registers",
    params(("name" = String, Path, description = "Register name"), ("number" = u64, Path, description = "Entry number, from 1")),
    responses((status = 200, description = "The entry", body = Object), (status = 404, description = "No such register or entry")))]
pub async fn entry(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let number = param_u64(&params, "number")?;
    let entry = state.registers.entry(&info, number).await?;
    Ok(Json(vec![json::entry_json(&entry)]).into_response())
}

/// An item by its hash.
#[utoipa::path(get, path = "/registers/{name}/items/{hash}", tag = "registers",
    params(("name" = String, Path, description = "Register name"), ("hash" = String, Path, description = "`sha-256:<hex>`")),
    responses((status = 200, description = "The item", body = Object), (status = 400, description = "Malformed hash"), (status = 404, description = "No such item")))]
pub async fn item(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let hash =
        ItemHash::parse(params.get("hash").map(String::as_str).unwrap_or_default()).map_err(ApiError::BadRequest)?;
    let item = state.registers.item(&info, &hash).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], item.canonical().to_string()).into_response())
}

async fn stream_rsf(state: ApiState, info: RegisterInfo, from: u64) -> ApiResult {
    if from > info.user_size {
        return Err(RegisterError::BadProofRequest(format!(
            "cannot export from entry {from}: the register has {} entries",
            info.user_size
        ))
        .into());
    }
    let (mut writer, reader) = tokio::io::duplex(256 * 1024);
    tokio::spawn(async move {
        if let Err(e) = state.registers.export_rsf(&info, from, &mut writer).await {
            tracing::error!(error = %e, register = %info.name, "RSF export failed part-way");
        }
    });
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(reader));
    Ok(([(header::CONTENT_TYPE, "application/uk-gov-rsf")], body).into_response())
}

/// The whole register as RSF.
#[utoipa::path(get, path = "/registers/{name}/download-rsf", tag = "registers",
    params(("name" = String, Path, description = "Register name")),
    responses((status = 200, description = "RSF", content_type = "application/uk-gov-rsf", body = String), (status = 404, description = "No such register")))]
pub async fn download_rsf(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    stream_rsf(state, info, 0).await
}

/// RSF of the entries after `start`, beginning with the root at `start`.
#[utoipa::path(get, path = "/registers/{name}/download-rsf/{start}", tag = "registers",
    params(("name" = String, Path, description = "Register name"), ("start" = u64, Path, description = "Entries already held")),
    responses((status = 200, description = "RSF", content_type = "application/uk-gov-rsf", body = String), (status = 400, description = "Beyond the register's size"), (status = 404, description = "No such register")))]
pub async fn download_rsf_from(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let start = param_u64(&params, "start")?;
    stream_rsf(state, info, start).await
}

/// Load RSF into the register (custodian key), as GOV.UK Registers did; one transaction, all or nothing.
#[utoipa::path(post, path = "/registers/{name}/load-rsf", tag = "registers",
    params(("name" = String, Path, description = "Register name")),
    request_body(content = String, content_type = "application/uk-gov-rsf", description = "RSF continuing from the register's current root"),
    security(("custodian_key" = [])),
    responses((status = 200, description = "Imported", body = Object), (status = 401, description = "Missing or wrong custodian key"),
        (status = 404, description = "No such register"), (status = 422, description = "A line is malformed or fails; names the line; nothing imported")))]
pub async fn load_rsf(
    State(state): State<ApiState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let info = resolve(&state, &params, &headers, true).await?;
    let report = state.registers.import_rsf(info.owner, &info.name, &body[..]).await?;
    Ok(Json(json!({
        "total-entries": report.register.user_size,
        "root-hash": json::hash_text(&report.root),
        "user-entries-added": report.user_entries,
        "system-entries-added": report.system_entries,
    }))
    .into_response())
}

/// The Merkle root of the register now.
#[utoipa::path(get, path = "/registers/{name}/proof/register/merkle:sha-256", tag = "registers",
    params(("name" = String, Path, description = "Register name")),
    responses((status = 200, description = "Root hash and size", body = Object), (status = 404, description = "No such register")))]
pub async fn root_proof(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let root = state.registers.root(&info, info.user_size).await?;
    Ok(Json(root_json(info.user_size, &root)).into_response())
}

/// Inclusion proof of entry `number` in the tree of `size` entries (RFC 9162 §2.1.3).
#[utoipa::path(get, path = "/registers/{name}/proof/entries/{number}/{size}/merkle:sha-256", tag = "registers",
    params(("name" = String, Path, description = "Register name"), ("number" = u64, Path, description = "Entry number, from 1"), ("size" = u64, Path, description = "Tree size")),
    responses((status = 200, description = "Audit path", body = Object), (status = 400, description = "Entry or size beyond the register"), (status = 404, description = "No such register")))]
pub async fn entry_proof(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let (number, size) = (param_u64(&params, "number")?, param_u64(&params, "size")?);
    let path = state.registers.inclusion_proof(&info, number, size).await?;
    Ok(Json(inclusion_json(number, size, &path)).into_response())
}

/// The GOV.UK Registers spelling of the inclusion proof path; redirects permanently.
#[utoipa::path(get, path = "/registers/{name}/proof/entry/{number}/{size}/merkle:sha-256", tag = "registers",
    params(("name" = String, Path, description = "Register name"), ("number" = u64, Path, description = "Entry number"), ("size" = u64, Path, description = "Tree size")),
    responses((status = 308, description = "See /proof/entries/…")))]
pub async fn entry_proof_redirect(OriginalUri(uri): OriginalUri) -> Response {
    let target = uri.path().replacen("/proof/entry/", "/proof/entries/", 1);
    Redirect::permanent(&target).into_response()
}

/// Consistency proof between the trees of `from` and `to` entries (RFC 9162 §2.1.4).
#[utoipa::path(get, path = "/registers/{name}/proof/consistency/{from}/{to}/merkle:sha-256", tag = "registers",
    params(("name" = String, Path, description = "Register name"), ("from" = u64, Path, description = "Smaller tree size (at least 1)"), ("to" = u64, Path, description = "Larger tree size")),
    responses((status = 200, description = "Consistency nodes", body = Object), (status = 400, description = "Sizes out of order or beyond the register"), (status = 404, description = "No such register")))]
pub async fn consistency_proof(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let (from, to) = (param_u64(&params, "from")?, param_u64(&params, "to")?);
    let nodes = state.registers.consistency_proof(&info, from, to).await?;
    Ok(Json(consistency_json(from, to, &nodes)).into_response())
}

/// The signed checkpoint of the register's current tree (C2SP tlog-checkpoint, signed note).
#[utoipa::path(get, path = "/registers/{name}/checkpoint", tag = "registers",
    params(("name" = String, Path, description = "Register name")),
    responses((status = 200, description = "Signed note", content_type = "text/plain", body = String), (status = 404, description = "No such register")))]
pub async fn checkpoint(State(state): State<ApiState>, Path(params): Params, headers: HeaderMap) -> ApiResult {
    let info = resolve(&state, &params, &headers, false).await?;
    let origin = match params.get("council") {
        Some(slug) => format!("{}/councils/{slug}/registers/{}", state.origin, info.name),
        None => format!("{}/registers/{}", state.origin, info.name),
    };
    let cp = state.registers.checkpoint(&info, &origin, &state.signer).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], cp.note).into_response())
}

/// The instance's checkpoint verifier key (signed-note `name+id+key`).
#[utoipa::path(get, path = "/checkpoint-key", tag = "registers",
    responses((status = 200, description = "Verifier key", content_type = "text/plain", body = String)))]
pub async fn checkpoint_key(State(state): State<ApiState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{}\n", state.signer.verifier_key()))
        .into_response()
}
