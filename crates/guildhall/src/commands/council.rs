//! `guildhall council create|list`: the tenants of an instance.

use store::{CouncilSlug, Councils};

use crate::cli::CouncilCommand;
use crate::configuration::Settings;
use crate::startup::open_store;

/// Creates or lists councils.
pub async fn run(command: CouncilCommand, settings: &Settings) -> anyhow::Result<u8> {
    let store = open_store(&settings.database_url).await?;
    let councils = Councils::new(store.clone());
    match command {
        CouncilCommand::Create { slug, name } => {
            let council = councils.create(&CouncilSlug::parse(&slug)?, &name).await?;
            println!("created council {} ({})", council.slug, council.name);
        }
        CouncilCommand::List => {
            for council in councils.list().await? {
                println!("{}\t{}", council.slug, council.name);
            }
        }
    }
    store.close().await;
    Ok(crate::EXIT_OK)
}
