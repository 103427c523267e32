//! The demo's people and personal data: staff accounts for Exampleshire and for a second council,
//! Northtown (so a staff member of one can be seen to be refused the other's pages), and a small
//! synthetic, closed `vehicle` register that the demonstration vehicle check reads under consent.
//! Every vehicle, keeper and name here is made up.

use identity::{Identity, IdentityConfig, Role};
use registers::{NewEntry, Owner, RegisterName, Registers};
use serde_json::json;
use store::{CouncilSlug, Councils, Store};

/// The second demo council.
pub const OTHER_COUNCIL: (&str, &str) = ("northtown", "Northtown Borough Council");

/// Staff accounts: council slug, email, name, roles. They sign in with an emailed code.
pub const STAFF: [(&str, &str, &str, &[Role]); 3] = [
    ("exampleshire", "admin@exampleshire.example", "Alex Admin", &[Role::Admin]),
    ("exampleshire", "casework@exampleshire.example", "Casey Worker", &[Role::Caseworker]),
    ("northtown", "admin@northtown.example", "Nia Northtown", &[Role::Admin]),
];

/// Made-up vehicles: registration number, make, colour, tax status, tax due date.
pub const VEHICLES: [(&str, &str, &str, &str, &str); 5] = [
    ("EX21ABC", "VOLKSWAGEN", "BLUE", "Taxed", "2027-03-01"),
    ("EX70DEF", "FORD", "SILVER", "Taxed", "2027-01-14"),
    ("EX18GHI", "NISSAN", "RED", "Untaxed", "2026-08-31"),
    ("EX65JKL", "TOYOTA", "WHITE", "SORN", ""),
    ("EX23MNO", "KIA", "GREY", "Taxed", "2027-06-30"),
];

/// What seeding made this run.
#[derive(Debug, Clone, Default)]
pub struct AccountsSeeded {
    /// Staff accounts created (not counting ones that existed).
    pub staff: usize,
    /// Vehicles appended to the register (0 when it existed).
    pub vehicles: usize,
}

/// Creates the second council, the staff accounts and the vehicle register where missing.
pub async fn seed(store: &Store, registers: &Registers) -> anyhow::Result<AccountsSeeded> {
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
    let name = RegisterName::parse(crate::vehicle_check::VEHICLE_REGISTER)?;
    if registers.find(Owner::National, &name).await?.is_none() {
        let info = registers.create(Owner::National, &name, false).await?;
        let fields = ["vehicle", "make", "colour", "tax-status", "tax-due-date"];
        let mut system = vec![NewEntry::system("name", json!({ "name": "vehicle" }))];
        for field in fields {
            system.push(NewEntry::system(
                format!("field:{field}"),
                json!({ "field": field, "datatype": "string", "cardinality": "1" }),
            ));
        }
        system.push(NewEntry::system("register:vehicle", json!({ "register": "vehicle", "fields": fields })));
        registers.append(&info, system).await?;
        let entries: Vec<NewEntry> = VEHICLES
            .iter()
            .map(|(vrm, make, colour, status, due)| {
                let mut item = json!({ "vehicle": vrm, "make": make, "colour": colour, "tax-status": status });
                if !due.is_empty() {
                    item["tax-due-date"] = json!(due);
                }
                NewEntry::user(*vrm, item)
            })
            .collect();
        seeded.vehicles = entries.len();
        registers.append(&info, entries).await?;
    }
    Ok(seeded)
}
