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
        out.push(web_council);
    }
    Ok(out)
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
