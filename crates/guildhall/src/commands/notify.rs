//! `guildhall notify service|key|template …`: the notifications brick's set-up, as a council's
//! digital team scripts it. Each `create` prints the new id or key alone on its last line.

use anyhow::{Context, bail};
use notifications::{KeyType, Notify, TemplateType};
use store::{CouncilSlug, Councils};
use uuid::Uuid;

use crate::cli::{NotifyCommand, NotifyKeyCommand, NotifyServiceCommand, NotifyTemplateCommand};
use crate::configuration::Settings;
use crate::startup::open_store;

/// Runs one `notify` command.
pub async fn run(command: NotifyCommand, settings: &Settings) -> anyhow::Result<u8> {
    let store = open_store(&settings.database_url).await?;
    let notify = Notify::new(store.clone());
    let result: anyhow::Result<String> = match command {
        NotifyCommand::Service(NotifyServiceCommand::Create { council, name }) => {
            let slug = CouncilSlug::parse(&council)?;
            let council = Councils::new(store.clone()).by_slug(&slug).await?;
            let id = notify.create_service(council.id, &name).await?;
            println!("created Notify service {name:?} for {}", council.slug);
            Ok(id.to_string())
        }
        NotifyCommand::Key(NotifyKeyCommand::Create { service, key_type, name }) => {
            let service = service_id(&service)?;
            let Some(key_type) = KeyType::parse(&key_type) else {
                bail!("--type {key_type:?} is not one of live, team, test");
            };
            let key = notify.create_key(service, key_type, &name).await?;
            println!("created {} key {name:?}; it is shown only this once:", key_type.as_str());
            Ok(key)
        }
        NotifyCommand::Key(NotifyKeyCommand::Revoke { key }) => {
            notify.revoke_key(&key).await?;
            Ok("revoked".to_string())
        }
        NotifyCommand::Template(NotifyTemplateCommand::Create { service, template_type, name, subject, body_file }) => {
            let service = service_id(&service)?;
            let Some(template_type) = TemplateType::parse(&template_type) else {
                bail!("--type {template_type:?} is not one of email, sms, letter");
            };
            let body = std::fs::read_to_string(&body_file)
                .with_context(|| format!("cannot read the body file {}", body_file.display()))?;
            let id = notify.create_template(service, template_type, &name, subject.as_deref(), &body).await?;
            println!("created {} template {name:?}", template_type.as_str());
            Ok(id.to_string())
        }
    };
    store.close().await;
    println!("{}", result?);
    Ok(crate::EXIT_OK)
}

fn service_id(text: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(text.trim()).with_context(|| format!("--service {text:?} is not a service id (a UUID)"))
}
