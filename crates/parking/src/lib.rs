//! Parking: the registers a residents' parking permit needs, and the few operations on them a
//! service needs.
//!
//! - national `vehicle` (DVLA's enquiry fields, keyed by registration number) and `keeper`
//!   (keeper reference → address UPRN and vehicles) registers, closed, read under consent;
//! - per council `parking-zone` (open) and `parking-permit` (closed) registers;
//! - [`Registration`]: a UK registration number in any of the four formats, parsed once;
//! - a seeded [`generate`] that makes keepers at real UPRNs of the address register, their
//!   vehicles, and zones over the council's streets, and the Exampleshire demo set;
//! - [`ZoneView`]: address → zone, a view replayed from the zone register;
//! - [`issue_permit`]: one append per application reference, with its proof link.
//!
//! Everything is written through the registers brick, so every entry is verifiable like any other.
#![warn(missing_docs)]

mod demo;
mod error;
mod generate;
mod issue;
mod item;
mod keeper;
mod permit;
mod registration;
mod rng;
mod schema;
mod vehicle;
mod zone;
mod zone_view;

pub use demo::{DEMO_VEHICLES, DemoEntry, DemoSeeded, exampleshire_zones, seed_exampleshire};
pub use error::{ParkingError, Result};
pub use generate::{
    Appended, GenerateOptions, Generated, addresses_on_streets, append_generated, generate, registered_vehicles,
};
pub use issue::{IssuedPermit, PermitApplication, issue_permit};
pub use keeper::{Keeper, KeeperRef};
pub use permit::{Permit, PermitNumber, PermitStatus};
pub use registration::{Registration, RegistrationError, RegistrationFormat};
pub use schema::{
    KEEPER_REGISTER, PERMIT_REGISTER, VEHICLE_REGISTER, ZONE_REGISTER, ensure_keeper_register, ensure_permit_register,
    ensure_vehicle_register, ensure_zone_register,
};
pub use vehicle::{MotStatus, TaxStatus, Vehicle};
pub use zone::{PriceRules, Zone, ZoneCode};
pub use zone_view::{ZoneMatch, ZoneView, read_address};

/// Runs this brick's migrations (after the store's and the registers brick's).
pub async fn migrate(store: &store::Store) -> Result<()> {
    store
        .migrate(sqlx::migrate!("./migrations/sqlite"), sqlx::migrate!("./migrations/postgres"))
        .await
        .map_err(registers::RegisterError::from)?;
    Ok(())
}
