//! A vehicle as the national `vehicle` register holds it: the fields of DVLA's Vehicle Enquiry
//! Service (registration number, make, colour, year of manufacture, fuel, CO2, tax status and
//! due date, MOT status and expiry) plus the reference of its registered keeper.

use serde_json::Value;
use time::Date;

use crate::error::Result;
use crate::item::{Fields, ItemBuilder, format_date};
use crate::keeper::KeeperRef;
use crate::registration::Registration;
use crate::schema::VEHICLE_REGISTER;

/// Tax status, in the words DVLA's Vehicle Enquiry Service uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxStatus {
    /// Taxed until the tax due date.
    Taxed,
    /// Not taxed, and not declared off the road.
    Untaxed,
    /// Statutory Off Road Notification: declared off the road, so it may not be parked on one.
    Sorn,
    /// Exempt vehicles not taxed for road use.
    NotTaxedForRoadUse,
}

impl TaxStatus {
    /// Every status, for generators and forms.
    pub const ALL: [TaxStatus; 4] =
        [TaxStatus::Taxed, TaxStatus::Untaxed, TaxStatus::Sorn, TaxStatus::NotTaxedForRoadUse];

    /// The register's (and DVLA's) word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaxStatus::Taxed => "Taxed",
            TaxStatus::Untaxed => "Untaxed",
            TaxStatus::Sorn => "SORN",
            TaxStatus::NotTaxedForRoadUse => "Not Taxed for on Road Use",
        }
    }

    /// Reads DVLA's word.
    pub fn parse(s: &str) -> Option<TaxStatus> {
        TaxStatus::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// MOT status, in DVLA's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MotStatus {
    /// A current MOT certificate.
    Valid,
    /// The MOT has run out or failed.
    NotValid,
    /// Too new to need an MOT, or otherwise no MOT history.
    NoDetailsHeld,
}

impl MotStatus {
    /// Every status.
    pub const ALL: [MotStatus; 3] = [MotStatus::Valid, MotStatus::NotValid, MotStatus::NoDetailsHeld];

    /// The register's (and DVLA's) words for it.
    pub fn as_str(self) -> &'static str {
        match self {
            MotStatus::Valid => "Valid",
            MotStatus::NotValid => "Not valid",
            MotStatus::NoDetailsHeld => "No details held by DVLA",
        }
    }

    /// Reads DVLA's words.
    pub fn parse(s: &str) -> Option<MotStatus> {
        MotStatus::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// One record of the `vehicle` register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vehicle {
    /// The key.
    pub registration: Registration,
    /// Manufacturer, in capitals as DVLA writes it (`FORD`).
    pub make: String,
    /// Main colour, in capitals (`BLUE`).
    pub colour: String,
    /// Year of manufacture.
    pub year_of_manufacture: Option<u32>,
    /// DVLA's fuel type word (`PETROL`, `DIESEL`, `ELECTRICITY`, `HYBRID ELECTRIC`).
    pub fuel_type: Option<String>,
    /// CO2 emissions, g/km.
    pub co2_emissions: Option<u32>,
    /// Tax status.
    pub tax_status: TaxStatus,
    /// When the tax runs out (or ran out).
    pub tax_due_date: Option<Date>,
    /// MOT status.
    pub mot_status: MotStatus,
    /// When the MOT runs out.
    pub mot_expiry_date: Option<Date>,
    /// Reference of the registered keeper in the `keeper` register.
    pub keeper: Option<KeeperRef>,
}

impl Vehicle {
    /// The register key: the registration number without spaces.
    pub fn key(&self) -> String {
        self.registration.to_string()
    }

    /// Whether the vehicle may be kept on a road on `day`: taxed, with the tax not yet due.
    pub fn is_taxed_on(&self, day: Date) -> bool {
        self.tax_status == TaxStatus::Taxed && self.tax_due_date.is_none_or(|due| due >= day)
    }

    /// Whether it emits nothing at the tailpipe (some zones price its permit lower).
    pub fn is_zero_emission(&self) -> bool {
        self.fuel_type.as_deref() == Some("ELECTRICITY") || self.co2_emissions == Some(0)
    }

    /// The register item.
    pub fn to_item(&self) -> Value {
        ItemBuilder::default()
            .text("vehicle", self.key())
            .text("make", &self.make)
            .text("colour", &self.colour)
            .maybe("year-of-manufacture", self.year_of_manufacture.map(|y| y.to_string()))
            .maybe("fuel-type", self.fuel_type.clone())
            .maybe("co2-emissions", self.co2_emissions.map(|c| c.to_string()))
            .text("tax-status", self.tax_status.as_str())
            .maybe("tax-due-date", self.tax_due_date.map(format_date))
            .text("mot-status", self.mot_status.as_str())
            .maybe("mot-expiry-date", self.mot_expiry_date.map(format_date))
            .maybe("keeper", self.keeper.as_ref().map(|k| k.to_string()))
            .build()
    }

    /// Reads a register item; the error names the field at fault.
    pub fn from_item(item: &Value) -> Result<Vehicle> {
        let f = Fields::of(VEHICLE_REGISTER, item)?;
        let tax = f.required("tax-status")?;
        let mot = f.optional("mot-status")?.unwrap_or(MotStatus::NoDetailsHeld.as_str());
        Ok(Vehicle {
            registration: Registration::parse(f.required("vehicle")?)?,
            make: f.required("make")?.to_string(),
            colour: f.required("colour")?.to_string(),
            year_of_manufacture: f.number("year-of-manufacture")?,
            fuel_type: f.optional("fuel-type")?.map(str::to_string),
            co2_emissions: f.number("co2-emissions")?,
            tax_status: TaxStatus::parse(tax)
                .ok_or_else(|| f.invalid("tax-status", format!("{tax:?} is not a DVLA tax status")))?,
            tax_due_date: f.date("tax-due-date")?,
            mot_status: MotStatus::parse(mot)
                .ok_or_else(|| f.invalid("mot-status", format!("{mot:?} is not a DVLA MOT status")))?,
            mot_expiry_date: f.date("mot-expiry-date")?,
            keeper: f
                .optional("keeper")?
                .map(|k| KeeperRef::parse(k).map_err(|p| f.invalid("keeper", p)))
                .transpose()?,
        })
    }
}
