//! `guildhall register …`: import, export, list, verify, prove, create and issue keys. Each
//! prints its result on stdout (only that) and logs to stderr; the registers brick does the work.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use registers::api::json::hash_text;
use registers::api::{consistency_json, inclusion_json, root_json};
use registers::{Alteration, Owner, RegisterInfo, RegisterName, Registers};
use store::{CouncilSlug, Councils, Store};
use tokio::io::AsyncWriteExt;

use crate::cli::{RegisterCommand, RegisterRef};
use crate::configuration::Settings;
use crate::rsf_name::register_name_in;
use crate::startup::open_store;
use crate::{EXIT_ALTERED, EXIT_OK};

/// Runs one `register` subcommand.
pub async fn run(command: RegisterCommand, settings: &Settings) -> anyhow::Result<u8> {
    // Verifying a file needs no database, so do not open (or create) one.
    if let RegisterCommand::Verify { file: Some(file), .. } = &command {
        return verify_file(file);
    }
    let store = open_store(&settings.database_url).await?;
    let result = Ctx { registers: Registers::new(store.clone()), store: store.clone() }.run(command).await;
    store.close().await;
    result
}

/// One line saying what an alteration is and where: `register NAME: user entry 17 was altered: …`.
pub fn describe_alteration(label: &str, alteration: &Alteration) -> String {
    if alteration.entry == 0 {
        format!("register {label}: data was altered: {}", alteration.detail)
    } else {
        format!(
            "register {label}: {} entry {} was altered: {}",
            alteration.log.as_str(),
            alteration.entry,
            alteration.detail
        )
    }
}

fn verify_file(file: &Path) -> anyhow::Result<u8> {
    let input = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let (size, root) = registers::verify_rsf(BufReader::with_capacity(1 << 16, input))
        .with_context(|| format!("{} does not verify", file.display()))?;
    println!("{}: {size} entries, root {}", file.display(), hash_text(&root));
    Ok(EXIT_OK)
}

struct Ctx {
    store: Store,
    registers: Registers,
}

impl Ctx {
    async fn owner(&self, council: Option<&str>) -> anyhow::Result<Owner> {
        match council {
            None => Ok(Owner::National),
            Some(slug) => {
                let council = Councils::new(self.store.clone()).by_slug(&CouncilSlug::parse(slug)?).await?;
                Ok(Owner::Council(council.id))
            }
        }
    }

    async fn register(&self, r: &RegisterRef) -> anyhow::Result<RegisterInfo> {
        let owner = self.owner(r.council.as_deref()).await?;
        Ok(self.registers.get(owner, &RegisterName::parse(&r.name)?).await?)
    }

    async fn run(&self, command: RegisterCommand) -> anyhow::Result<u8> {
        match command {
            RegisterCommand::Import { file, register, council } => {
                let name = match register {
                    Some(name) => name,
                    None => {
                        let input = File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
                        register_name_in(BufReader::new(input)).with_context(|| format!("{}", file.display()))?
                    }
                };
                let name = RegisterName::parse(&name)?;
                let owner = self.owner(council.as_deref()).await?;
                let input = File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
                let report = self
                    .registers
                    .import_rsf(owner, &name, BufReader::with_capacity(1 << 16, input))
                    .await
                    .with_context(|| format!("importing {} into register {name}", file.display()))?;
                tracing::info!(
                    register = %name,
                    created = report.created,
                    user_entries = report.user_entries,
                    system_entries = report.system_entries,
                    size = report.register.user_size,
                    "imported"
                );
                println!("{}", hash_text(&report.root));
            }
            RegisterCommand::Export { register, from } => {
                let info = self.register(&register).await?;
                let mut out = tokio::io::BufWriter::with_capacity(1 << 16, tokio::io::stdout());
                self.registers.export_rsf(&info, from, &mut out).await?;
                out.flush().await?;
            }
            RegisterCommand::List { council } => {
                let owner = self.owner(council.as_deref()).await?;
                for info in self.registers.list(owner).await? {
                    let records = self.registers.record_count(&info).await?;
                    let access = if info.open { "open" } else { "private" };
                    println!("{}\t{} entries\t{records} records\t{access}", info.name, info.user_size);
                }
            }
            RegisterCommand::Verify { name, council, .. } => {
                let name = name.context("give a register NAME or --file FILE.rsf")?;
                let label = match &council {
                    Some(c) => format!("{c}/{name}"),
                    None => name.clone(),
                };
                let info = self.register(&RegisterRef { name, council }).await?;
                let report = self.registers.verify(&info).await?;
                if let Some(alteration) = report.alteration {
                    eprintln!("{}", describe_alteration(&label, &alteration));
                    return Ok(EXIT_ALTERED);
                }
                println!("register {label}: {} entries, root {}", report.size, hash_text(&report.root));
            }
            RegisterCommand::Proof { register, entry, size, from, to } => {
                let info = self.register(&register).await?;
                let json = if let Some(number) = entry {
                    let size = size.unwrap_or(info.user_size);
                    inclusion_json(number, size, &self.registers.inclusion_proof(&info, number, size).await?)
                } else if let Some(from) = from {
                    let to = to.unwrap_or(info.user_size);
                    consistency_json(from, to, &self.registers.consistency_proof(&info, from, to).await?)
                } else {
                    root_json(info.user_size, &self.registers.root(&info, info.user_size).await?)
                };
                println!("{}", serde_json::to_string_pretty(&json)?);
            }
            RegisterCommand::Create { register, private } => {
                let owner = self.owner(register.council.as_deref()).await?;
                let info = self.registers.create(owner, &RegisterName::parse(&register.name)?, !private).await?;
                println!("created register {}", info.name);
            }
            RegisterCommand::Key { register, label } => {
                let info = self.register(&register).await?;
                println!("{}", self.registers.create_key(&info, &label).await?);
            }
        }
        Ok(EXIT_OK)
    }
}
