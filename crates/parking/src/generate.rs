//! The seeded generator: for the addresses of a council (read from the `address` register), keepers
//! living at those UPRNs, their vehicles (plausible makes, colours and ages, with registration
//! numbers in the format of their year, and a mix of taxed, untaxed and SORN), and parking zones
//! over the council's streets. The same seed and addresses always give the same data; appending
//! goes through the registers brick, so every generated entry is verifiable like any other.

use std::collections::{BTreeSet, HashMap, HashSet};

use addresses::Address;
use registers::{Item, NewEntry, Owner, RegisterInfo, RegisterName, Registers};
use store::CouncilId;
use time::{Date, Duration};

use crate::error::{ParkingError, Result};
use crate::keeper::{Keeper, KeeperRef};
use crate::registration::Registration;
use crate::rng::Rng;
use crate::schema::{
    KEEPER_REGISTER, VEHICLE_REGISTER, ensure_keeper_register, ensure_vehicle_register, ensure_zone_register,
};
use crate::vehicle::{MotStatus, TaxStatus, Vehicle};
use crate::zone::{PriceRules, Zone, ZoneCode};

/// Makes, repeated roughly in proportion to how common they are on British roads.
const MAKES: &[&str] = &[
    "FORD",
    "FORD",
    "FORD",
    "VAUXHALL",
    "VAUXHALL",
    "VOLKSWAGEN",
    "VOLKSWAGEN",
    "TOYOTA",
    "TOYOTA",
    "BMW",
    "MERCEDES-BENZ",
    "AUDI",
    "NISSAN",
    "KIA",
    "HYUNDAI",
    "PEUGEOT",
    "RENAULT",
    "SKODA",
    "HONDA",
    "MINI",
    "CITROEN",
    "FIAT",
    "VOLVO",
    "TESLA",
    "LAND ROVER",
    "SEAT",
    "MAZDA",
    "SUZUKI",
];
/// Colours, likewise.
const COLOURS: &[&str] = &[
    "BLACK", "BLACK", "GREY", "GREY", "WHITE", "WHITE", "SILVER", "SILVER", "BLUE", "BLUE", "RED", "GREEN", "ORANGE",
    "YELLOW", "BROWN", "BEIGE", "PURPLE", "GOLD",
];
/// First letters of current-format memory tags, and letters that may follow.
const TAG_FIRST: &[u8] = b"ABCDEFGHKLMNOPRSVWY";
const TAG_SECOND: &[u8] = b"ABCDEFGHJKLMNOPRSTUVWXY";
/// Letters of the random part of a plate (never I or Q).
const SERIAL: &[u8] = b"ABCDEFGHJKLMNOPRSTUVWXYZ";
/// Year letters of prefix plates, 1983 (A) to 2001 (Y), and of suffix plates, 1963 (A) to 1982 (Y).
const YEAR_LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTVWXY";

/// What to generate and as of when.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The seed: same seed and addresses, same data.
    pub seed: u64,
    /// The day tax and MOT dates are reckoned from.
    pub as_of: Date,
    /// Streets per generated zone.
    pub streets_per_zone: usize,
    /// Generated zone codes start with this (so they do not clash with a council's own).
    pub zone_prefix: String,
    /// Registration numbers never to generate (the hand-made demo set's).
    pub reserved: HashSet<String>,
}

impl GenerateOptions {
    /// Defaults for a seed: 12 streets a zone, zone codes `G1`, `G2`, ...
    pub fn new(seed: u64, as_of: Date) -> GenerateOptions {
        GenerateOptions { seed, as_of, streets_per_zone: 12, zone_prefix: "G".into(), reserved: HashSet::new() }
    }
}

/// Generated records, consistent with each other and with the addresses they were made for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    /// Keepers, each at one of the addresses.
    pub keepers: Vec<Keeper>,
    /// Vehicles, each kept by one of the keepers.
    pub vehicles: Vec<Vehicle>,
    /// Zones over the addresses' streets.
    pub zones: Vec<Zone>,
}

/// Makes keepers, vehicles and zones for `addresses`: about 0.9 keepers an address, 1.2
/// vehicles a keeper. Pure: reads nothing, writes nothing.
pub fn generate(addresses: &[Address], options: &GenerateOptions) -> Generated {
    let mut rng = Rng::new(options.seed);
    let mut out = Generated::default();
    let mut taken: HashSet<String> = options.reserved.clone();
    let mut keeper_refs = HashSet::new();
    let mut next_ref = 0u64;
    for address in addresses {
        let households = match rng.below(100) {
            0..15 => 0,
            15..90 => 1,
            _ => 2,
        };
        for _ in 0..households {
            let reference = loop {
                next_ref += 1;
                let r = KeeperRef::derive(options.seed, next_ref);
                if keeper_refs.insert(r.clone()) {
                    break r;
                }
            };
            let count = match rng.below(100) {
                0..80 => 1,
                80..97 => 2,
                _ => 3,
            };
            let mut vehicles = Vec::with_capacity(count);
            for _ in 0..count {
                let vehicle = vehicle(&mut rng, options.as_of, &mut taken, &reference);
                vehicles.push(vehicle.registration.clone());
                out.vehicles.push(vehicle);
            }
            out.keepers.push(Keeper { reference, address: address.uprn, vehicles, citizen: None });
        }
    }
    out.zones = zones(&mut rng, addresses, options);
    out
}

/// One vehicle of a keeper, with a registration number not yet taken.
fn vehicle(rng: &mut Rng, as_of: Date, taken: &mut HashSet<String>, keeper: &KeeperRef) -> Vehicle {
    let this_year = as_of.year() as u32;
    // Most cars are young: the smaller of two uniform ages, up to 40 years.
    let age = rng.below(41).min(rng.below(41)) as u32;
    let year = this_year - age;
    let registration = loop {
        let r = plate(rng, year, this_year);
        if taken.insert(r.as_str().to_string()) {
            break r;
        }
    };
    let fuel = match rng.below(100) {
        0..10 if year >= 2012 => "ELECTRICITY",
        0..20 if year >= 2005 => "HYBRID ELECTRIC",
        0..45 => "DIESEL",
        _ => "PETROL",
    };
    let days = |rng: &mut Rng, most: u64| Duration::days(1 + rng.below(most) as i64);
    let (tax_status, tax_due_date) = match rng.below(100) {
        0..85 => (TaxStatus::Taxed, Some(as_of + days(rng, 365))),
        85..92 => (TaxStatus::Untaxed, Some(as_of - days(rng, 400))),
        92..98 => (TaxStatus::Sorn, None),
        _ => (TaxStatus::NotTaxedForRoadUse, None),
    };
    let (mot_status, mot_expiry_date) = if age < 3 {
        (MotStatus::NoDetailsHeld, None)
    } else if rng.percent(88) {
        (MotStatus::Valid, Some(as_of + days(rng, 365)))
    } else {
        (MotStatus::NotValid, Some(as_of - days(rng, 300)))
    };
    Vehicle {
        registration,
        make: rng.pick(MAKES).to_string(),
        colour: rng.pick(COLOURS).to_string(),
        year_of_manufacture: Some(year),
        fuel_type: Some(fuel.to_string()),
        co2_emissions: Some(if fuel == "ELECTRICITY" { 0 } else { 80 + rng.below(180) as u32 }),
        tax_status,
        tax_due_date,
        mot_status,
        mot_expiry_date,
        keeper: Some(keeper.clone()),
    }
}

/// A registration number in the format of a vehicle first registered in `year`.
fn plate(rng: &mut Rng, year: u32, this_year: u32) -> Registration {
    let letter = |rng: &mut Rng, set: &[u8]| *rng.pick(set) as char;
    let serial = |rng: &mut Rng| (0..3).map(|_| letter(rng, SERIAL)).collect::<String>();
    let text = if rng.below(500) == 0 {
        // Now and then a dateless (cherished) number.
        format!("{}{}", (0..1 + rng.below(3)).map(|_| letter(rng, SERIAL)).collect::<String>(), 1 + rng.below(999))
    } else if year >= 2002 {
        // March plates carry the year, September plates the year plus 50 (not yet issued for this year's autumn unless past).
        let march = year % 100;
        let age = if rng.percent(50) && (year < this_year) { march + 50 } else { march };
        format!("{}{}{age:02}{}", letter(rng, TAG_FIRST), letter(rng, TAG_SECOND), serial(rng))
    } else if year >= 1983 {
        let l = YEAR_LETTERS[((year - 1983) as usize).min(YEAR_LETTERS.len() - 1)] as char;
        format!("{l}{}{}", 1 + rng.below(999), serial(rng))
    } else {
        let l = YEAR_LETTERS[(year.saturating_sub(1963) as usize).min(YEAR_LETTERS.len() - 1)] as char;
        format!("{}{}{l}", serial(rng), 1 + rng.below(999))
    };
    // Every branch builds a well-formed number; a failure here is a bug in this function.
    Registration::parse(&text).unwrap_or_else(|e| panic!("generated an invalid registration number: {e}"))
}

/// Zones over the addresses' streets, a run of neighbouring USRNs each.
fn zones(rng: &mut Rng, addresses: &[Address], options: &GenerateOptions) -> Vec<Zone> {
    let streets: BTreeSet<_> = addresses.iter().filter_map(|a| a.usrn).collect();
    let streets: Vec<_> = streets.into_iter().collect();
    streets
        .chunks(options.streets_per_zone.max(1))
        .enumerate()
        .map(|(i, chunk)| {
            let first_permit = 3000 + 500 * rng.below(15) as u32;
            Zone {
                code: ZoneCode::parse(&format!("{}{}", options.zone_prefix, i + 1)).unwrap_or_else(|e| panic!("{e}")),
                name: format!("Controlled parking zone {}{}", options.zone_prefix, i + 1),
                streets: chunk.to_vec(),
                areas: Vec::new(),
                prices: PriceRules {
                    first_permit,
                    further_permit: first_permit * 3 / 2,
                    zero_emission: rng.percent(50).then_some(1000),
                    per_address: 2 + rng.below(2) as u32,
                },
                start_date: None,
                end_date: None,
            }
        })
        .collect()
}

/// Every address of the address register that `keep` accepts, in UPRN order, up to `limit`.
pub async fn addresses_on_streets(
    registers: &Registers,
    keep: impl Fn(&Address) -> bool,
    limit: usize,
) -> Result<Vec<Address>> {
    let name = RegisterName::parse(addresses::ADDRESS_REGISTER)?;
    let Some(info) = registers.find(Owner::National, &name).await? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = registers.records(&info, offset, 10_000).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        for record in page {
            let Some(item) = record.items.first() else { continue };
            let address = Address::from_item(&item.value())?;
            if keep(&address) {
                out.push(address);
            }
        }
    }
    out.sort_by_key(|a| a.uprn);
    out.truncate(limit);
    Ok(out)
}

/// The registration numbers the national vehicle register holds already: put them in
/// [`GenerateOptions::reserved`] so a generation adds to the register instead of colliding with it.
pub async fn registered_vehicles(registers: &Registers) -> Result<HashSet<String>> {
    let info = ensure_vehicle_register(registers).await?;
    let mut out = HashSet::new();
    let mut offset = 0;
    while offset < info.user_size {
        let page = registers.records(&info, offset, 10_000).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        out.extend(page.into_iter().map(|r| r.entry.key));
    }
    Ok(out)
}

/// How many entries an append wrote to each register.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Appended {
    /// Vehicle entries.
    pub vehicles: usize,
    /// Keeper entries.
    pub keepers: usize,
    /// Zone entries.
    pub zones: usize,
}

/// Appends generated records: vehicles and keepers to the national registers, zones to the
/// council's. Records already there with the same item are skipped (so a repeat is a no-op);
/// a generated key already holding something else is refused before anything is written.
pub async fn append_generated(registers: &Registers, council: CouncilId, generated: &Generated) -> Result<Appended> {
    let vehicles = ensure_vehicle_register(registers).await?;
    let keepers = ensure_keeper_register(registers).await?;
    let zones = ensure_zone_register(registers, council).await?;
    let new_vehicles =
        fresh(registers, &vehicles, VEHICLE_REGISTER, generated.vehicles.iter().map(|v| (v.key(), v.to_item())))
            .await?;
    let new_keepers =
        fresh(registers, &keepers, KEEPER_REGISTER, generated.keepers.iter().map(|k| (k.key(), k.to_item()))).await?;
    let zone_items = generated.zones.iter().map(|z| (z.key(), z.to_item()));
    let new_zones = fresh(registers, &zones, crate::schema::ZONE_REGISTER, zone_items).await?;
    let counts = Appended { vehicles: new_vehicles.len(), keepers: new_keepers.len(), zones: new_zones.len() };
    for (info, entries) in [(&vehicles, new_vehicles), (&keepers, new_keepers), (&zones, new_zones)] {
        if !entries.is_empty() {
            registers.append(info, entries).await?;
        }
    }
    Ok(counts)
}

/// The entries not already in the register with the same item; refuses a key holding another item.
async fn fresh(
    registers: &Registers,
    info: &RegisterInfo,
    register: &'static str,
    records: impl Iterator<Item = (String, serde_json::Value)>,
) -> Result<Vec<NewEntry>> {
    let mut existing: HashMap<String, registers::ItemHash> = HashMap::new();
    if info.user_size > 0 {
        let mut offset = 0;
        loop {
            let page = registers.records(info, offset, 10_000).await?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as u64;
            for r in page {
                if let Some(item) = r.items.first() {
                    existing.insert(r.entry.key.clone(), item.hash());
                }
            }
        }
    }
    let mut out = Vec::new();
    for (key, value) in records {
        match existing.get(&key) {
            None => out.push(NewEntry::user(key, value)),
            Some(hash) => {
                let item =
                    Item::from_value(&value).map_err(|e| registers::RegisterError::InvalidEntry(e.to_string()))?;
                if item.hash() != *hash {
                    return Err(ParkingError::KeyExists { register, key });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use addresses::Uprn;
    use time::macros::date;

    fn addresses(n: u64) -> Vec<Address> {
        (0..n)
            .map(|i| Address {
                usrn: Some(addresses::Usrn::new(47_100_001 + i / 10).unwrap()),
                ..Address::new(Uprn::new(471_000_000_001 + i).unwrap())
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
        let a = addresses(300);
        let options = GenerateOptions::new(7, date!(2026 - 11 - 23));
        let one = generate(&a, &options);
        assert_eq!(one, generate(&a, &options));
        assert_ne!(one, generate(&a, &GenerateOptions::new(8, date!(2026 - 11 - 23))));
    }

    #[test]
    fn generated_records_are_consistent_plausible_and_unique() {
        let a = addresses(2000);
        let mut options = GenerateOptions::new(42, date!(2026 - 11 - 23));
        options.reserved.insert("EX21ABC".into());
        let g = generate(&a, &options);
        let homes: HashSet<Uprn> = a.iter().map(|a| a.uprn).collect();
        let by_reg: HashMap<_, _> = g.vehicles.iter().map(|v| (v.registration.clone(), v)).collect();
        assert_eq!(by_reg.len(), g.vehicles.len(), "registration numbers are unique");
        assert!(!by_reg.keys().any(|r| r.as_str() == "EX21ABC"), "reserved numbers are never generated");
        for k in &g.keepers {
            assert!(homes.contains(&k.address));
            for r in &k.vehicles {
                assert_eq!(by_reg[r].keeper.as_ref(), Some(&k.reference));
            }
            assert_eq!(Keeper::from_item(&k.to_item()).unwrap(), *k);
        }
        let kept: usize = g.keepers.iter().map(|k| k.vehicles.len()).sum();
        assert_eq!(kept, g.vehicles.len(), "every vehicle has exactly one keeper");
        let share =
            |s: TaxStatus| g.vehicles.iter().filter(|v| v.tax_status == s).count() as f64 / g.vehicles.len() as f64;
        assert!((0.75..0.95).contains(&share(TaxStatus::Taxed)), "{}", share(TaxStatus::Taxed));
        assert!(share(TaxStatus::Untaxed) > 0.02 && share(TaxStatus::Sorn) > 0.02);
        for v in &g.vehicles {
            assert_eq!(Vehicle::from_item(&v.to_item()).unwrap(), *v);
        }
        let covered: usize = g.zones.iter().map(|z| z.streets.len()).sum();
        assert_eq!(covered, 200, "every street is in exactly one zone");
    }
}
