//! The citizen-facing pages: the web brick's layout, assets and static pages for every council
//! on the instance, reached at `/{council-slug}/…`. This module only feeds the brick the councils
//! from the store, with the brand colours from configuration, and keeps that list current.

use std::time::Duration;

use store::Councils;

use crate::configuration::{DEFAULT_BRAND_COLOUR, Settings};

/// How often the pages pick up councils created since start-up.
const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// The instance's name on its own pages (the council list).
const SITE_NAME: &str = "Guildhall";

/// The web brick's view of the store's councils, each with its configured brand colour.
async fn councils_for_web(councils: &Councils, settings: &Settings) -> anyhow::Result<Vec<web::Council>> {
    let mut out = Vec::new();
    for council in councils.list().await? {
        let slug = council.slug.as_str();
        let colour = settings.brand_colours.get(slug).map(String::as_str).unwrap_or(DEFAULT_BRAND_COLOUR);
        let web_council = match web::Council::new(slug, &council.name, colour) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(council = slug, colour, error = %e, "brand colour refused; using the default");
                web::Council::new(slug, &council.name, DEFAULT_BRAND_COLOUR)?
            }
        };
        let (services, staff_pages) = directory(councils.store(), council.id).await;
        out.push(web_council.with_services(services).with_staff_pages(staff_pages));
    }
    Ok(out)
}

/// What the council's start page lists: each service it has published to the service engine,
/// and "Report a problem" where it has bodies reports can go to; and what its staff home page
/// lists: the case queue, the reports, notifications and the payments' settlement. A brick
/// that cannot answer (say, its tables not yet migrated) leaves its links off rather than the page.
async fn directory(store: &store::Store, council: store::CouncilId) -> (Vec<web::ServiceLink>, Vec<web::ServiceLink>) {
    let link = |title: &str, path: &str, description: &str| web::ServiceLink {
        title: title.into(),
        path: path.into(),
        description: description.into(),
    };
    let mut staff =
        vec![link("Cases", "/staff/cases", "Applications the registers could not decide, waiting for a caseworker.")];
    let mut links = Vec::new();
    match services::published(store, council).await {
        Ok(published) => links.extend(published.into_iter().map(|(slug, name)| web::ServiceLink {
            path: format!("/services/{slug}"),
            title: name,
            description: "Apply online. We check the council's registers, with your permission, instead of asking you for documents."
                .into(),
        })),
        Err(e) => tracing::debug!(error = %e, "no published services to list"),
    }
    match reports::offers_reports(store, council).await {
        Ok(true) => {
            links.push(link(
                "Report a problem",
                "/report",
                "Potholes, fly-tipping, street lights, speeding: we send it to the council or parish that deals with it.",
            ));
            staff.push(link(
                "Reports",
                "/staff/reports",
                "Problems reported to the council's bodies: status, map and CSV.",
            ));
        }
        Ok(false) => {}
        Err(e) => tracing::debug!(error = %e, "cannot tell whether reports can be sent"),
    }
    staff.push(link(
        "Notifications",
        "/staff/notifications",
        "Recent emails, text messages and letters, with their status.",
    ));
    staff.push(link(
        "Payments settlement",
        "/staff/payments/settlement",
        "Each day's payments and refunds, balancing to zero.",
    ));
    (links, staff)
}

/// The web brick's state for every council in the store, its council list refreshed in the
/// background; the other bricks' pages render into its layouts.
pub async fn web_state(settings: &Settings, councils: Councils) -> anyhow::Result<web::WebState> {
    let state = web::WebState::new(SITE_NAME, councils_for_web(&councils, settings).await?)?;
    let refreshed = state.clone();
    let settings = settings.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_EVERY);
        loop {
            tick.tick().await;
            match councils_for_web(&councils, &settings).await {
                Ok(list) => {
                    if let Err(e) = refreshed.set_councils(list) {
                        tracing::warn!(error = %e, "cannot refresh the councils' pages");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot list councils for the pages"),
            }
        }
    });
    Ok(state)
}
