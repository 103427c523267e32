//! `guildhall pay key create --council SLUG --type test|live NAME`: a council's GOV.UK Pay-style
//! API key, printed alone on the last line for scripts.

use anyhow::bail;
use payments::{KeyType, Payments};
use store::{CouncilSlug, Councils};

use crate::cli::{PayCommand, PayKeyCommand};
use crate::configuration::Settings;
use crate::startup::open_store;

/// Runs one `pay` command.
pub async fn run(command: PayCommand, settings: &Settings) -> anyhow::Result<u8> {
    let PayCommand::Key(PayKeyCommand::Create { council, key_type, name }) = command;
    let Some(key_type) = KeyType::parse(&key_type) else {
        bail!("--type {key_type:?} is not one of test, live");
    };
    let store = open_store(&settings.database_url).await?;
    let result = async {
        let council = Councils::new(store.clone()).by_slug(&CouncilSlug::parse(&council)?).await?;
        let key = Payments::new(store.clone()).create_key(council.id, key_type, &name).await?;
        println!("created {} key {name:?} for {}; it is shown only this once:", key_type.as_str(), council.slug);
        anyhow::Ok(key)
    }
    .await;
    store.close().await;
    println!("{}", result?);
    Ok(crate::EXIT_OK)
}
