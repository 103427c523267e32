//! The demo's people and personal data: staff accounts for Exampleshire and for a second council,
//! Northtown (so a staff member of one can be seen to be refused the other's pages). The demo's
//! vehicles, keepers and parking zones come from the parking brick's Exampleshire set
//! (`parking_registers::seed_exampleshire`). Every name here is made up.

use identity::{Identity, IdentityConfig, Role};
use store::{CouncilSlug, Councils, Store};

/// The second demo council.
pub const OTHER_COUNCIL: (&str, &str) = ("northtown", "Northtown Borough Council");

/// Staff accounts: council slug, email, name, roles. They sign in with an emailed code.
pub const STAFF: [(&str, &str, &str, &[Role]); 3] = [
    ("exampleshire", "admin@exampleshire.example", "Alex Admin", &[Role::Admin]),
    ("exampleshire", "casework@exampleshire.example", "Casey Worker", &[Role::Caseworker]),
    ("northtown", "admin@northtown.example", "Nia Northtown", &[Role::Admin]),
];

/// What seeding made this run.
#[derive(Debug, Clone, Default)]
pub struct AccountsSeeded {
    /// Staff accounts created (not counting ones that existed).
    pub staff: usize,
}

/// Creates the second council and the staff accounts where missing.
pub async fn seed(store: &Store) -> anyhow::Result<AccountsSeeded> {
    let councils = Councils::new(store.clone());
    let other = CouncilSlug::parse(OTHER_COUNCIL.0)?;
    if let Err(store::StoreError::UnknownCouncil(_)) = councils.by_slug(&other).await {
        councils.create(&other, OTHER_COUNCIL.1).await?;
    }
    let identity = Identity::new(store.clone(), IdentityConfig::new("http://localhost"));
    let mut seeded = AccountsSeeded::default();
    for (slug, email, name, roles) in STAFF {
        let council = councils.by_slug(&CouncilSlug::parse(slug)?).await?;
        if identity.staff_by_email(council.id, email).await?.is_none() {
            identity.create_staff(council.id, email, name, roles).await?;
            seeded.staff += 1;
        }
    }
    Ok(seeded)
}
