//! The service engine in the binary: the engine over the real ports, its pages behind the
//! identity layer, the outbox worker every node runs, each council's Notify templates made at
//! start-up, and the shipped definitions (`services/*.yaml`) published for the demo council.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use identity::IdentityState;
use services::Engine;
use store::{CouncilSlug, Councils, Store};

use crate::configuration::Settings;
use crate::services_delivery::{NotifyNotifier, templates_of};
use crate::services_ports::{Bricks, ConsentRequests};

/// The definitions shipped with Guildhall, by file name (`services/*.yaml` at the repository root).
pub const SHIPPED: &[(&str, &str)] = &[
    ("parking-permit.yaml", include_str!("../../../services/parking-permit.yaml")),
    ("bulky-waste.yaml", include_str!("../../../services/bulky-waste.yaml")),
];

/// How often a node delivers what the service outbox still holds (failed or left by a dead node).
const OUTBOX_EVERY: Duration = Duration::from_secs(5);
/// Rows delivered per round.
const OUTBOX_BATCH: i64 = 200;

/// The engine, its pages and the notifier behind it.
pub struct ServicesApp {
    /// The engine over the real ports.
    pub engine: Engine,
    /// `services::pages` behind the identity layer.
    pub pages: Router,
    /// The notifier (provisions councils' Notify templates).
    pub notifier: Arc<NotifyNotifier>,
}

/// Builds the engine over `bricks` and its pages, rendered in `web` and behind the identity layer.
pub async fn build(settings: &Settings, bricks: Bricks, web: web::WebState) -> anyhow::Result<ServicesApp> {
    let (ports, notifier) = crate::services_ports::ports(&bricks);
    let engine = Engine::new(bricks.store.clone(), ports);
    let prompt = Arc::new(ConsentRequests::new(bricks.consent.clone(), Councils::new(bricks.store.clone())));
    let mut state = services::pages::PagesState::new(engine.clone(), web.clone(), prompt);
    if let Some(base) = &settings.public_url {
        state = state.with_base_url(base);
    }
    let identity_state = IdentityState::new(bricks.identity.clone(), web);
    let pages = services::pages::router(state).layer(identity::layer(identity_state));
    provision_templates(&engine, &notifier, &Councils::new(bricks.store.clone())).await;
    Ok(ServicesApp { engine, pages, notifier })
}

/// Makes each council's "Council services" Notify service and the templates its published
/// services name, so staff can read and edit them before the first case. A failure is logged:
/// sending provisions what is missing anyway.
async fn provision_templates(engine: &Engine, notifier: &NotifyNotifier, councils: &Councils) {
    let list = match councils.list().await {
        Ok(list) => list,
        Err(e) => return tracing::warn!(error = %e, "cannot list councils to provision Notify templates"),
    };
    for council in list {
        let definitions = match engine.services(council.id).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(council = %council.slug, error = %e, "cannot read the council's services");
                continue;
            }
        };
        if definitions.is_empty() {
            continue;
        }
        let defs: Vec<services::ServiceDefinition> = definitions.iter().map(|d| (*d.definition).clone()).collect();
        if let Err(e) = notifier.provision(council.id, &templates_of(&defs)).await {
            tracing::warn!(council = %council.slug, error = %e, "cannot provision the services' Notify templates");
        }
    }
}

/// Delivers the service outbox's pending rows until the process ends; nodes share it safely
/// (a row is claimed before it is delivered).
pub fn spawn_outbox(engine: Engine) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(OUTBOX_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = engine.run_outbox(OUTBOX_BATCH).await {
                tracing::warn!(error = %e, "service outbox round failed");
            }
        }
    })
}

/// Publishes each shipped definition for the council its `owner` names (when that council is
/// on this instance) unless its newest version there is already the same; returns the slugs
/// published this time. Publishing touches only the store.
pub async fn publish_shipped(store: &Store) -> anyhow::Result<Vec<String>> {
    let engine = definitions_only(store);
    let councils = Councils::new(store.clone());
    let mut published = Vec::new();
    for (file, text) in SHIPPED {
        let definition = services::check(text).map_err(|errors| {
            anyhow::anyhow!("services/{file}: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
        })?;
        let council = match councils.by_slug(&CouncilSlug::parse(&definition.owner)?).await {
            Ok(c) => c.id,
            Err(store::StoreError::UnknownCouncil(_)) => {
                tracing::warn!(file, owner = %definition.owner, "the owner of a shipped service is not on this instance");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let same = match engine.current(council, &definition.id).await {
            Ok(current) => *current.definition == definition,
            Err(services::ServiceError::UnknownService(_)) => false,
            Err(e) => return Err(e).with_context(|| format!("reading the published {}", definition.id)),
        };
        if !same {
            engine.publish(council, text).await.with_context(|| format!("publishing services/{file}"))?;
            published.push(definition.id.clone());
        }
    }
    Ok(published)
}

/// An engine for publishing and reading definitions only: its ports (never called by those)
/// are the in-crate test ones.
fn definitions_only(store: &Store) -> Engine {
    let registers = registers::Registers::new(store.clone());
    let outbox = services::testing::MemoryOutbox::default();
    let ports = services::Ports {
        records: Arc::new(services::testing::RegistersRecordSource::new(registers.clone())),
        addresses: Arc::new(services::testing::RegisterAddressBook::new(registers.clone())),
        fees: Arc::new(services::testing::MemoryFees::default()),
        notifier: Arc::new(outbox.clone()),
        outputs: Arc::new(services::testing::RegistersOutputs::new(registers, outbox)),
    };
    Engine::new(store.clone(), ports)
}
