//! Start-up in one place: open and migrate the store, build the router (the bricks' APIs plus
//! the operational routes, with tracing and metrics middleware), bind, and serve until a
//! signal arrives. What each route does lives with its brick or in `ops`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use registers::Registers;
use registers::api::ApiState;
use store::{Councils, Store};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::configuration::Settings;
use crate::lookups::LookupState;
use crate::ops::{self, OpsState};

/// A built application: bound to its port, ready to serve.
pub struct Application {
    address: SocketAddr,
    listener: TcpListener,
    router: Router,
    store: Store,
    notify_worker: notifications::Worker,
    reports_worker: reports::Worker,
    /// The background tasks of the other bricks (payment webhooks and expiry, session sweeping),
    /// stopped with the server.
    housekeeping: Vec<tokio::task::JoinHandle<()>>,
}

/// Connects to the database and runs every brick's migrations, in order.
pub async fn open_store(database_url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(database_url).await.context("cannot open the database")?;
    store.migrate_core().await.context("cannot migrate the database")?;
    Registers::migrate(&store).await.context("cannot migrate the registers tables")?;
    notifications::Notify::migrate(&store).await.context("cannot migrate the notifications tables")?;
    identity::Identity::migrate(&store).await.context("cannot migrate the identity tables")?;
    consent::Consent::migrate(&store).await.context("cannot migrate the consent tables")?;
    payments::Payments::migrate(&store).await.context("cannot migrate the payments tables")?;
    parking_registers::migrate(&store).await.context("cannot migrate the parking tables")?;
    reports::Reports::migrate(&store).await.context("cannot migrate the reports tables")?;
    services::Engine::migrate(&store).await.context("cannot migrate the services tables")?;
    Ok(store)
}

impl Application {
    /// Opens the store named in the settings and builds the application on it.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let store = open_store(&settings.database_url).await?;
        Application::build_with_store(settings, store).await
    }

    /// Builds the application on an already migrated store and binds its listener (port 0 picks one).
    pub async fn build_with_store(settings: Settings, store: Store) -> anyhow::Result<Application> {
        let listener = TcpListener::bind((settings.bind, settings.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", settings.bind, settings.port))?;
        let address = listener.local_addr()?;
        let public_url = settings.public_url.clone().unwrap_or_else(|| format!("http://localhost:{}", address.port()));
        let notify = crate::notify::brick(&settings.notify, store.clone());
        let payments = payments::Payments::new(store.clone());
        let identity = crate::accounts::identity(&settings, store.clone(), &public_url)?;
        let (router, reports, engine) =
            router(&settings, store.clone(), notify.clone(), payments.clone(), identity.clone(), &public_url).await?;
        let mailer = crate::reporting::mailer(&reports, &notify, &Councils::new(store.clone()))
            .await
            .context("cannot connect reports to their councils' Notify services")?;
        let reports_worker = crate::reporting::worker(&reports, mailer);
        let notify_worker = crate::notify::worker(&settings.notify, notify)?;
        let housekeeping = vec![
            crate::pay::spawn_housekeeping(payments, Councils::new(store.clone())),
            crate::accounts::sweep_expired_sessions(identity),
            crate::services_wiring::spawn_outbox(engine),
        ];
        Ok(Application { address, listener, router, store, notify_worker, reports_worker, housekeeping })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGINT or SIGTERM, letting requests in flight finish, then closes the store.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(url = %format!("http://{}", self.address), "Guildhall listening");
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("the HTTP server failed")?;
        self.notify_worker.stop().await;
        self.reports_worker.stop().await;
        for task in self.housekeeping {
            task.abort();
        }
        tracing::info!("shut down");
        self.store.close().await;
        Ok(())
    }
}

/// Every route the instance serves, with its OpenAPI document, request tracing and metrics, and
/// the reports brick and service engine those routes serve (their workers are started beside them).
pub async fn router(
    settings: &Settings,
    store: Store,
    notify: notifications::Notify,
    payments: payments::Payments,
    identity: identity::Identity,
    public_url: &str,
) -> anyhow::Result<(Router, reports::Reports, services::Engine)> {
    let registers = Registers::new(store.clone());
    let registers = if settings.merkle_views { registers.with_merkle_views() } else { registers };
    let registers_for_views = Registers::new(store.clone());
    let signer =
        registers.checkpoint_signer(&settings.origin).await.context("cannot load the checkpoint signing key")?;
    let state = ApiState { registers, councils: Councils::new(store.clone()), signer, origin: settings.origin.clone() };
    let (api, mut openapi) = registers::api::router(state);
    let (lookups, lookups_openapi, areas, addresses) = lookups(&registers_for_views).await?;
    let reports = crate::reporting::brick(store.clone(), areas.clone());
    openapi.merge(lookups_openapi);
    let (notify_routes, notify_openapi) = crate::notify::routes(&settings.notify, notify.clone());
    openapi.merge(notify_openapi);
    let (pay_routes, pay_openapi) = crate::pay::routes(payments.clone(), public_url);
    openapi.merge(pay_openapi);
    let (ops_routes, ops_openapi) = ops::routes().split_for_parts();
    openapi.merge(ops_openapi);
    let openapi = Arc::new(openapi.to_json().context("cannot serialise the OpenAPI document")?);
    let report_pages =
        crate::report_pages::router(settings, store.clone(), &identity, reports.clone(), addresses.clone()).await?;
    let bricks = crate::services_ports::Bricks {
        store: store.clone(),
        registers: registers_for_views.clone(),
        consent: consent::Consent::new(store.clone(), registers_for_views.clone()),
        identity: identity.clone(),
        notify: notify.clone(),
        payments: payments.clone(),
        addresses,
        public_url: public_url.to_string(),
    };
    let services_web = crate::pages::web_state(settings, Councils::new(store.clone())).await?;
    let services = crate::services_wiring::build(settings, bricks, services_web).await?;
    let report_staff = crate::report_staff::router(settings, store.clone(), &identity, reports.clone(), areas).await?;
    let pages = crate::accounts::router(settings, store.clone(), identity, notify.clone(), payments).await?;
    let ops_state = OpsState { store, metrics: ops::prometheus()?, openapi };
    let router = api
        .merge(lookups)
        .merge(reports::open311::router(reports.clone()))
        .merge(notify_routes)
        .merge(pay_routes)
        .merge(pages)
        .merge(report_staff)
        .merge(report_pages)
        .merge(services.pages)
        .merge(ops_routes.with_state(ops_state))
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(TraceLayer::new_for_http());
    Ok((router, reports, services.engine))
}

/// The look-ups over national registers: addresses, areas (MapIt's shapes) and postcodes, each a
/// view replayed from its register now and following it afterwards; and the area and address
/// views, which report routing and the service engine read too.
async fn lookups(
    registers: &Registers,
) -> anyhow::Result<(Router, utoipa::openapi::OpenApi, areas::api::AreaState, Arc<address_search::AddressView>)> {
    let started = std::time::Instant::now();
    let address_register =
        addresses::ensure_address_register(registers).await.context("cannot open the address register")?;
    postcodes::ensure_register(registers).await.context("cannot open the postcode register")?;
    let addresses = Arc::new(
        address_search::AddressView::replay(registers.clone(), address_register)
            .await
            .context("cannot build the address view")?,
    );
    let postcodes = postcodes::PostcodeIndex::build(registers).await.context("cannot build the postcode view")?;
    let areas = areas::api::AreaState::load(registers.clone()).await.context("cannot build the area view")?;
    tracing::info!(
        addresses = addresses.len(),
        postcodes = postcodes.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "look-up views built"
    );
    let state =
        LookupState { postcodes: Arc::new(tokio::sync::RwLock::new(postcodes)), areas: areas.clone(), addresses };
    crate::lookups::follow(registers.clone(), &state);
    let addresses = state.addresses.clone();
    let (address_routes, mut openapi) = address_search::api::router(state.addresses.clone());
    let (area_routes, area_openapi) = areas::api::router(areas.clone());
    let (joined, joined_openapi) = crate::lookups::routes(state).split_for_parts();
    openapi.merge(area_openapi);
    openapi.merge(joined_openapi);
    Ok((address_routes.merge(area_routes).merge(joined), openapi, areas, addresses))
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        _ = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
