//! Exampleshire's parking data for the demo: three zones (two by street, one by ward), a hand-made
//! set of vehicles and keepers that a browser test can type — some passing every check of the
//! parking permit service, some failing one each — and generated keepers and vehicles for the
//! county's other addresses. Every vehicle, keeper and reference here is made up.

use addresses::{Address, Usrn};
use registers::{Owner, RegisterName, Registers};
use store::CouncilId;
use time::{Date, Duration};

use crate::error::{ParkingError, Result};
use crate::generate::{
    GenerateOptions, Generated, addresses_on_streets, append_generated, generate, registered_vehicles,
};
use crate::keeper::{Keeper, KeeperRef};
use crate::registration::Registration;
use crate::schema::VEHICLE_REGISTER;
use crate::vehicle::{MotStatus, TaxStatus, Vehicle};
use crate::zone::{PriceRules, Zone, ZoneCode};

/// The seed of the demo's generated keepers and vehicles.
const SEED: u64 = 2026;

/// One hand-made vehicle: registration, make, colour, fuel, tax status, keeper number, the USRN
/// of the street its keeper lives on (first address of it), and what the permit service should find.
type DemoVehicle = (&'static str, &'static str, &'static str, &'static str, TaxStatus, u8, u64, &'static str);

/// The hand-made set. The keeper of each lives at the lowest UPRN of the street named.
pub const DEMO_VEHICLES: [DemoVehicle; 6] = [
    ("EX21ABC", "VOLKSWAGEN", "BLUE", "PETROL", TaxStatus::Taxed, 1, 47100001, "passes: zone A (by street)"),
    (
        "EX70DEF",
        "TESLA",
        "WHITE",
        "ELECTRICITY",
        TaxStatus::Taxed,
        2,
        47100011,
        "passes: zone S (by ward), zero-emission price",
    ),
    ("EX18GHJ", "NISSAN", "RED", "DIESEL", TaxStatus::Untaxed, 3, 47100003, "fails: not taxed"),
    ("EX65JKL", "TOYOTA", "SILVER", "PETROL", TaxStatus::Sorn, 3, 47100003, "fails: SORN"),
    (
        "EX23MNO",
        "KIA",
        "GREY",
        "HYBRID ELECTRIC",
        TaxStatus::Taxed,
        4,
        47100002,
        "passes at its address; fails: kept elsewhere when another is chosen",
    ),
    ("EX19TUV", "FORD", "BLACK", "PETROL", TaxStatus::Taxed, 5, 47100016, "fails: the address is in no zone"),
];

/// Exampleshire's parking zones.
pub fn exampleshire_zones() -> Vec<Zone> {
    let zone = |code: &str, name: &str, streets: &[u64], areas: &[&str], prices: PriceRules| Zone {
        code: ZoneCode::parse(code).unwrap_or_else(|e| panic!("{e}")),
        name: name.to_string(),
        streets: streets.iter().filter_map(|&u| Usrn::new(u).ok()).collect(),
        areas: areas.iter().map(|a| a.to_string()).collect(),
        prices,
        start_date: None,
        end_date: None,
    };
    vec![
        zone(
            "A",
            "Exampleton Town Centre",
            &[47100001, 47100002, 47100004, 47100006],
            &[],
            PriceRules { first_permit: 6000, further_permit: 9000, zero_emission: Some(2000), per_address: 2 },
        ),
        zone(
            "B",
            "Old Town",
            &[47100003, 47100009],
            &[],
            PriceRules { first_permit: 5000, further_permit: 8000, zero_emission: None, per_address: 3 },
        ),
        zone(
            "S",
            "Stonebridge Town",
            &[],
            &["E05999904"],
            PriceRules { first_permit: 4000, further_permit: 6000, zero_emission: Some(1000), per_address: 2 },
        ),
    ]
}

/// One hand-made vehicle as seeded, for a test or a person to type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEntry {
    /// The registration number.
    pub registration: String,
    /// The keeper's address, on one line.
    pub address: String,
    /// Its postcode.
    pub postcode: String,
    /// What the permit service should find.
    pub expect: &'static str,
}

/// What seeding did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSeeded {
    /// The hand-made vehicles, with their keepers' addresses.
    pub demo: Vec<DemoEntry>,
    /// Vehicles appended this run (0 when the demo data was there already).
    pub vehicles: usize,
    /// Keepers appended this run.
    pub keepers: usize,
    /// Zones appended this run.
    pub zones: usize,
}

/// Seeds Exampleshire's zones, the hand-made vehicles and keepers, and generated ones for every
/// other address on its streets, unless the hand-made set is there already. Needs the address
/// register (and, for zone S, the area register) loaded first; tax and MOT dates count from `today`.
pub async fn seed_exampleshire(registers: &Registers, council: CouncilId, today: Date) -> Result<DemoSeeded> {
    let exampleshire = addresses_on_streets(registers, |a| a.uprn.get() / 1_000_000_000 == 471, usize::MAX).await?;
    let mut hand_made = Generated { zones: exampleshire_zones(), ..Generated::default() };
    let mut demo = Vec::new();
    for (number, usrn) in DEMO_VEHICLES.iter().map(|v| (v.5, v.6)).collect::<std::collections::BTreeSet<_>>() {
        let home = first_on(&exampleshire, usrn)?;
        let reference = KeeperRef::parse(&format!("KEXAMP{number:05}")).map_err(|p| invalid("keeper", p))?;
        let vehicles = DEMO_VEHICLES
            .iter()
            .filter(|v| v.5 == number)
            .map(|v| Registration::parse(v.0))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        hand_made.keepers.push(Keeper { reference, address: home.uprn, vehicles, citizen: None });
    }
    for (i, &(reg, make, colour, fuel, tax, keeper, usrn, expect)) in DEMO_VEHICLES.iter().enumerate() {
        let home = first_on(&exampleshire, usrn)?;
        demo.push(DemoEntry {
            registration: reg.to_string(),
            address: home.single_line(),
            postcode: home.postcode.clone().unwrap_or_default(),
            expect,
        });
        let (tax_due, mot) = match tax {
            TaxStatus::Taxed => (Some(today + Duration::days(90 + 30 * i as i64)), today + Duration::days(200)),
            TaxStatus::Untaxed => (Some(today - Duration::days(45)), today + Duration::days(100)),
            _ => (None, today - Duration::days(20)),
        };
        hand_made.vehicles.push(Vehicle {
            registration: Registration::parse(reg)?,
            make: make.into(),
            colour: colour.into(),
            year_of_manufacture: Some(2010 + i as u32 * 2),
            fuel_type: Some(fuel.into()),
            co2_emissions: Some(if fuel == "ELECTRICITY" { 0 } else { 120 }),
            tax_status: tax,
            tax_due_date: tax_due,
            mot_status: if mot > today { MotStatus::Valid } else { MotStatus::NotValid },
            mot_expiry_date: Some(mot),
            keeper: Some(KeeperRef::parse(&format!("KEXAMP{keeper:05}")).map_err(|p| invalid("keeper", p))?),
        });
    }
    let mut seeded = DemoSeeded { demo, ..DemoSeeded::default() };
    let name = RegisterName::parse(VEHICLE_REGISTER)?;
    if let Some(info) = registers.find(Owner::National, &name).await?
        && registers.record(&info, DEMO_VEHICLES[0].0).await.is_ok()
    {
        return Ok(seeded);
    }
    let mut options = GenerateOptions::new(SEED, today);
    options.reserved = registered_vehicles(registers).await?;
    options.reserved.extend(DEMO_VEHICLES.iter().map(|v| v.0.to_string()));
    let mut generated = generate(&exampleshire, &options);
    // The demo's zones are the hand-made three, so that some addresses are in none.
    generated.zones.clear();
    let hand = append_generated(registers, council, &hand_made).await?;
    let bulk = append_generated(registers, council, &generated).await?;
    seeded.vehicles = hand.vehicles + bulk.vehicles;
    seeded.keepers = hand.keepers + bulk.keepers;
    seeded.zones = hand.zones;
    Ok(seeded)
}

fn invalid(field: &str, problem: String) -> ParkingError {
    ParkingError::InvalidField { register: crate::schema::KEEPER_REGISTER, field: field.into(), problem }
}

/// The address with the lowest UPRN on a street.
fn first_on(addresses: &[Address], usrn: u64) -> Result<&Address> {
    addresses
        .iter()
        .filter(|a| a.usrn.map(Usrn::get) == Some(usrn))
        .min_by_key(|a| a.uprn)
        .ok_or_else(|| ParkingError::UnknownAddress(format!("any on the street with USRN {usrn}")))
}
