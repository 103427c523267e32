//! Report a problem in the binary: the reports brick routes each report's point through the
//! instance's own area view (the one `/point/…` answers from, following the `area` register), its
//! Open311 GeoReport v2 server is served at the root (`/open311/v2/…`, for every body on the
//! instance), and its worker sends reports by email through the notifications brick.

use std::sync::Arc;

use reports::{AreaLookup, AreasFuture, NotifyMailer, Reports, SendConfig, Senders, Worker};

/// The area view the look-ups serve, behind the reports brick's look-up trait.
pub struct CurrentAreas(pub areas::api::AreaState);

impl AreaLookup for CurrentAreas {
    /// Reads the view caught up with the area register (a register changed on another node is
    /// seen at once); a view that cannot be read holds no areas, so the report is refused as
    /// outside every body rather than sent to the wrong one.
    fn areas_at(&self, lon: f64, lat: f64) -> AreasFuture<'_> {
        Box::pin(async move {
            match self.0.view().await {
                Ok(view) => view.areas_at(lon, lat).await,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the area view for a report");
                    Vec::new()
                }
            }
        })
    }
}

/// The reports brick over the store and the instance's area view.
pub fn brick(store: store::Store, areas: areas::api::AreaState) -> Reports {
    Reports::new(store, Arc::new(CurrentAreas(areas)))
}

/// Starts the sending worker; councils' email goes through `mailer` (councils it has no Notify
/// service for keep their reports queued, retried, and shown to staff with the reason).
pub fn worker(reports: &Reports, mailer: Arc<NotifyMailer>) -> Worker {
    reports.spawn_worker(Senders { mailer, http: reqwest::Client::new() }, SendConfig::default())
}

/// The Notify service each council's reports are emailed through (the name the reports brick
/// gives it when it provisions one).
const NOTIFY_SERVICE: &str = "Report a problem";
/// Its email template.
const NOTIFY_TEMPLATE: &str = "Problem report";

/// A mailer connected to the "Report a problem" Notify service of every council that has bodies,
/// provisioning the service the first time; every start sends as the service's one "reports
/// worker" live key (see [`reports::NotifyMailer::connect`]).
pub async fn mailer(
    reports: &Reports,
    notify: &notifications::Notify,
    councils: &store::Councils,
) -> anyhow::Result<Arc<NotifyMailer>> {
    use notifications::TemplateType;
    let mailer = Arc::new(NotifyMailer::new(notify.clone()));
    for council in councils.list().await? {
        if reports.bodies(council.id).await?.is_empty() {
            continue;
        }
        let service = notify.services(council.id).await?.into_iter().find(|s| s.name == NOTIFY_SERVICE);
        let existing = match &service {
            Some(s) => notify
                .templates(&s.id, Some(TemplateType::Email))
                .await?
                .into_iter()
                .find(|t| t.name == NOTIFY_TEMPLATE)
                .map(|t| (s.id.clone(), t.id)),
            None => None,
        };
        match existing {
            Some((service_id, template_id)) => {
                mailer.connect(council.id, service_id.parse()?, template_id.parse()?).await?;
            }
            None => {
                mailer.provision(council.id).await?;
            }
        }
    }
    Ok(mailer)
}
