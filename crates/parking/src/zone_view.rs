//! The zone look-up: a council's current parking zones in memory, indexed by street (USRN) and by
//! area, built by replaying its `parking-zone` register and kept current by following the log.
//! Like every Guildhall index it is a view, never a second truth: delete it and it rebuilds the
//! same. Address → zone goes UPRN → the address register's record → its USRN, and failing that
//! its point → the areas holding it (the area view) → a zone covering one of them.

use std::collections::{BTreeMap, HashMap};

use addresses::{Address, Uprn, Usrn};
use areas::{AreaView, Crs};
use registers::{Owner, RegisterError, RegisterName, Registers};
use store::CouncilId;

use crate::error::{ParkingError, Result};
use crate::schema::ZONE_REGISTER;
use crate::zone::Zone;

/// Entries read per page while catching up.
const PAGE: u64 = 1024;

/// One council's current parking zones, indexed for look-ups.
#[derive(Debug)]
pub struct ZoneView {
    council: CouncilId,
    /// User entries applied so far.
    position: u64,
    /// Current zones by code (withdrawn ones are dropped).
    zones: BTreeMap<String, Zone>,
    by_street: HashMap<Usrn, String>,
    by_area: HashMap<String, String>,
}

/// How an address was found to be in a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneMatch {
    /// The zone lists the address's street.
    Street(Usrn),
    /// The zone lists an area holding the address's point.
    Area(String),
}

impl ZoneView {
    /// An empty view of a council's zones, at position 0.
    pub fn new(council: CouncilId) -> ZoneView {
        ZoneView { council, position: 0, zones: BTreeMap::new(), by_street: HashMap::new(), by_area: HashMap::new() }
    }

    /// A view of everything the council's zone register holds now.
    pub async fn build(registers: &Registers, council: CouncilId) -> Result<ZoneView> {
        let mut view = ZoneView::new(council);
        view.catch_up(registers).await?;
        Ok(view)
    }

    /// Applies the entries appended since the view last looked; returns how many. A council
    /// without a zone register has no zones.
    pub async fn catch_up(&mut self, registers: &Registers) -> Result<u64> {
        let name = RegisterName::parse(ZONE_REGISTER)?;
        let Some(info) = registers.find(Owner::Council(self.council), &name).await? else {
            return Ok(0);
        };
        let mut applied = 0;
        while self.position < info.user_size {
            let records = registers.replay(&info, self.position + 1, PAGE).await?;
            if records.is_empty() {
                break;
            }
            for record in records {
                let number = record.entry.number;
                if number != self.position + 1 {
                    return Err(RegisterError::Corrupt(format!("zone entry {number} follows {}", self.position)).into());
                }
                let item = record
                    .items
                    .first()
                    .ok_or_else(|| RegisterError::Corrupt(format!("zone entry {number} has no item")))?;
                let zone = Zone::from_item(&item.value())?;
                self.zones.remove(&record.entry.key);
                if zone.end_date.is_none() {
                    self.zones.insert(record.entry.key.clone(), zone);
                }
                self.position = number;
                applied += 1;
            }
        }
        if applied > 0 {
            self.reindex();
        }
        Ok(applied)
    }

    /// Rebuilds the street and area indexes; where two zones claim a street, the lower code wins.
    fn reindex(&mut self) {
        self.by_street.clear();
        self.by_area.clear();
        for (code, zone) in self.zones.iter().rev() {
            for usrn in &zone.streets {
                self.by_street.insert(*usrn, code.clone());
            }
            for area in &zone.areas {
                self.by_area.insert(area.clone(), code.clone());
            }
        }
    }

    /// User entries applied: the register size this view reflects.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The council whose zones these are.
    pub fn council(&self) -> CouncilId {
        self.council
    }

    /// The current zones, by code.
    pub fn zones(&self) -> impl Iterator<Item = &Zone> {
        self.zones.values()
    }

    /// A current zone by code.
    pub fn zone(&self, code: &str) -> Option<&Zone> {
        self.zones.get(code)
    }

    /// The zone for a street and the areas holding a point: the street's zone first, else the
    /// zone of the first listed area that has one.
    pub fn zone_for(&self, usrn: Option<Usrn>, area_keys: &[&str]) -> Option<(&Zone, ZoneMatch)> {
        if let Some(u) = usrn
            && let Some(code) = self.by_street.get(&u)
        {
            return self.zones.get(code).map(|z| (z, ZoneMatch::Street(u)));
        }
        area_keys.iter().find_map(|k| {
            let code = self.by_area.get(*k)?;
            self.zones.get(code).map(|z| (z, ZoneMatch::Area(k.to_string())))
        })
    }

    /// The zone of an address of the `address` register: by its USRN, else by the areas (of the
    /// area view) holding its point. Refused when there is no such address or it is in no zone.
    pub async fn zone_for_address(
        &self,
        registers: &Registers,
        area_view: &AreaView,
        uprn: Uprn,
    ) -> Result<(Zone, ZoneMatch)> {
        let address = read_address(registers, uprn).await?;
        let point = match (address.easting, address.northing, address.longitude, address.latitude) {
            (Some(e), Some(n), _, _) => Some((Crs::BritishNationalGrid, [e, n])),
            (_, _, Some(lon), Some(lat)) => Some((Crs::Wgs84, [lon, lat])),
            _ => None,
        };
        let areas = match point {
            Some((crs, p)) => area_view.areas_containing_in(crs, p)?,
            None => Vec::new(),
        };
        let keys: Vec<&str> = areas.iter().map(|a| a.key.as_str()).collect();
        self.zone_for(address.usrn, &keys)
            .map(|(z, m)| (z.clone(), m))
            .ok_or_else(|| ParkingError::NoZone(uprn.to_string()))
    }
}

/// One address of the national address register, through the address brick's types.
pub async fn read_address(registers: &Registers, uprn: Uprn) -> Result<Address> {
    let name = RegisterName::parse(addresses::ADDRESS_REGISTER)?;
    let unknown = || ParkingError::UnknownAddress(uprn.to_string());
    let info = registers.find(Owner::National, &name).await?.ok_or_else(unknown)?;
    let record = match registers.record(&info, &uprn.to_string()).await {
        Ok(r) => r,
        Err(RegisterError::UnknownRecord(_)) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    let item = record.items.first().ok_or_else(unknown)?;
    Ok(Address::from_item(&item.value())?)
}
