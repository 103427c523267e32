//! The register HTTP API in the shape of GOV.UK Registers (openregister v1): national registers
//! under `/registers/{name}/…`, a council's under `/councils/{council}/registers/{name}/…`.
//! Reads are public for open registers; writes need a custodian API key (`Authorization: Bearer …`).
//! Handlers parse, authorise and map errors; every rule lives in the brick.

mod error;
mod handlers;
pub mod json;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use store::Councils;
use utoipa::OpenApi;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::{Required, schema::Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::ApiError;
pub use json::{consistency_json, inclusion_json, root_json};

use crate::checkpoint::CheckpointSigner;
use crate::register::Registers;

/// What the register handlers need: the brick, the councils (to resolve `{council}`), and the
/// instance's checkpoint signer and public origin.
#[derive(Clone)]
pub struct ApiState {
    /// The registers brick.
    pub registers: Registers,
    /// Councils, to resolve the `{council}` path segment.
    pub councils: Councils,
    /// Signs checkpoints.
    pub signer: CheckpointSigner,
    /// The instance's public host name: the `domain` of registers and the prefix of checkpoint origins.
    pub origin: String,
}

/// Declares the custodian API key scheme that write routes require.
struct CustodianKey;

impl utoipa::Modify for CustodianKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A custodian API key for the register, issued by `guildhall register key`"))
            .build();
        components.add_security_scheme("custodian_key", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    modifiers(&CustodianKey),
    info(title = "Guildhall", description = "Guildhall: registers and common platforms for local government."),
    tags((name = "registers", description = "Append-only, verifiable registers (openregister v1 shapes, RFC 9162 proofs, RSF)"))
)]
struct ApiDoc;

/// Largest RSF body `load-rsf` accepts.
const MAX_RSF_BODY: usize = 1 << 30;
/// Largest body any other route accepts (a JSON batch of entries).
const MAX_JSON_BODY: usize = 16 << 20;

fn register_routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_registers))
        .routes(routes!(handlers::register_resource))
        .routes(routes!(handlers::records))
        .routes(routes!(handlers::records_csv))
        .routes(routes!(handlers::record))
        .routes(routes!(handlers::record_entries))
        .routes(routes!(handlers::entries, handlers::append_entries))
        .routes(routes!(handlers::entries_csv))
        .routes(routes!(handlers::entry))
        .routes(routes!(handlers::item))
        .routes(routes!(handlers::download_rsf))
        .routes(routes!(handlers::download_rsf_from))
        .routes(routes!(handlers::root_proof))
        .routes(routes!(handlers::entry_proof))
        .routes(routes!(handlers::entry_proof_redirect))
        .routes(routes!(handlers::consistency_proof))
        .routes(routes!(handlers::checkpoint))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .merge(OpenApiRouter::new().routes(routes!(handlers::load_rsf)).layer(DefaultBodyLimit::max(MAX_RSF_BODY)))
}

/// The register API routes and their OpenAPI 3.1 document.
pub fn router(state: ApiState) -> (Router, utoipa::openapi::OpenApi) {
    let (national, national_doc) = register_routes().split_for_parts();
    let (council, council_doc) = register_routes().split_for_parts();
    let (key, key_doc) = OpenApiRouter::new().routes(routes!(handlers::checkpoint_key)).split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.merge(national_doc);
    doc.merge(key_doc);
    doc.merge(council_paths(council_doc));
    let router = Router::new().merge(national).merge(key).nest("/councils/{council}", council).with_state(state);
    (router, doc)
}

/// The council copy of every path: prefixed, with the `council` parameter and distinct operation ids.
fn council_paths(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut doc.paths.paths);
    for (path, mut item) in paths {
        for op in [&mut item.get, &mut item.post].into_iter().flatten() {
            let mut council = Parameter::new("council");
            council.parameter_in = ParameterIn::Path;
            council.required = Required::True;
            council.description = Some("The slug of the council that owns the register".into());
            council.schema = Some(utoipa::openapi::ObjectBuilder::new().schema_type(Type::String).into());
            op.parameters.get_or_insert_with(Vec::new).insert(0, council);
            if let Some(id) = &op.operation_id {
                op.operation_id = Some(format!("council_{id}"));
            }
        }
        doc.paths.paths.insert(format!("/councils/{{council}}{path}"), item);
    }
    doc
}
