//! Routing: a point → the areas holding it → the bodies covering one of them → the categories
//! they offer (the citizen sees their union, one entry per name) → for a chosen category and
//! answers, exactly the bodies whose rules take it.
//!
//! **The boundary rule.** Areas are closed sets, so a point on an edge shared by two areas is in
//! both. Bodies of *different* tiers covering it each decide by their own rules (that is how a
//! category is shared by a county and a parish). Two bodies of the *same* tier that would both
//! take it are neighbours meeting on that edge: the report goes to one of them only, the one
//! whose covering area's key (GSS code) sorts first. The choice is stable (the same point always
//! goes to the same body, on every node), a neighbour is never sent a duplicate, and the body
//! that got it can reassign it.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use crate::error::{ReportError, Result};
use crate::model::{Attribute, Body, Category, Datatype, Tier};
use crate::rules::{Answers, Facts};

/// The areas an [`AreaLookup`] finds, as (key, type code), when they are known.
pub type AreasFuture<'a> = Pin<Box<dyn Future<Output = Vec<(String, String)>> + Send + 'a>>;

/// Which areas hold a point: the area brick's view, or anything answering like it. Asynchronous
/// because the instance's view first catches up with the area register (database reads), and a
/// request handler must not block its runtime's thread while it does.
pub trait AreaLookup: Send + Sync {
    /// The areas holding a WGS84 point, as (key, type code).
    fn areas_at(&self, lon: f64, lat: f64) -> AreasFuture<'_>;
}

impl AreaLookup for areas::AreaView {
    fn areas_at(&self, lon: f64, lat: f64) -> AreasFuture<'_> {
        let found = self.areas_containing([lon, lat]).into_iter().map(|a| (a.key, a.type_code)).collect();
        Box::pin(std::future::ready(found))
    }
}

impl AreaLookup for std::sync::RwLock<areas::AreaView> {
    fn areas_at(&self, lon: f64, lat: f64) -> AreasFuture<'_> {
        let view = self.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let found = view.areas_containing([lon, lat]).into_iter().map(|a| (a.key, a.type_code)).collect();
        Box::pin(std::future::ready(found))
    }
}

/// A WGS84 point, checked: finite and in range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Latitude, −90..90.
    pub lat: f64,
    /// Longitude, −180..180.
    pub lon: f64,
}

impl Location {
    /// Parses a latitude and longitude, refusing what is not a point on Earth.
    pub fn new(lat: f64, lon: f64) -> Result<Location> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(ReportError::BadLocation("latitude and longitude must be numbers".into()));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(ReportError::BadLocation(format!("latitude {lat} is out of range (−90 to 90)")));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(ReportError::BadLocation(format!("longitude {lon} is out of range (−180 to 180)")));
        }
        Ok(Location { lat, lon })
    }

    /// Parses text fields (a form's or Open311's `lat` and `long`).
    pub fn parse(lat: Option<&str>, lon: Option<&str>) -> Result<Location> {
        let (Some(lat), Some(lon)) = (lat.filter(|s| !s.trim().is_empty()), lon.filter(|s| !s.trim().is_empty()))
        else {
            return Err(ReportError::BadLocation("a location (lat and long) is required".into()));
        };
        let num = |s: &str, what: &str| {
            s.trim().parse::<f64>().map_err(|_| ReportError::BadLocation(format!("{what} {s:?} is not a number")))
        };
        Location::new(num(lat, "latitude")?, num(lon, "longitude")?)
    }
}

/// One entry of the category list at a point: a name, and every body offering it there.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// The name citizens see.
    pub name: String,
    /// Its group, from the first body offering it.
    pub group: Option<String>,
    /// Its description, from the first body offering it.
    pub description: String,
    /// The questions asked, merged by code across bodies (required if any body requires it).
    pub attributes: Vec<Attribute>,
    /// The ids of the bodies offering it here.
    pub bodies: Vec<String>,
}

/// A body a report goes to, with the category and the covering area that decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The body.
    pub body: Body,
    /// Its category (carries the route).
    pub category: Category,
    /// The key of the body's area holding the point.
    pub area: String,
}

/// A point with its areas and the bodies covering it.
#[derive(Debug, Clone)]
pub struct Located {
    /// The point.
    pub location: Location,
    /// The areas holding it, as (key, type code).
    pub areas: Vec<(String, String)>,
    /// Each covering body with the first (by key) of its areas holding the point.
    pub bodies: Vec<(Body, String)>,
}

impl Located {
    /// Finds the bodies covering a point among `bodies`; refuses a point no body covers.
    pub async fn find(lookup: &dyn AreaLookup, bodies: &[Body], location: Location) -> Result<Located> {
        let areas = lookup.areas_at(location.lon, location.lat).await;
        let mut covering = Vec::new();
        for body in bodies {
            let mut keys: Vec<&String> =
                areas.iter().map(|(k, _)| k).filter(|k| body.areas.iter().any(|a| a == *k)).collect();
            keys.sort();
            if let Some(first) = keys.first() {
                let first = (*first).clone();
                covering.push((body.clone(), first));
            }
        }
        if covering.is_empty() {
            return Err(ReportError::OutsideEveryBody { lat: location.lat, lon: location.lon });
        }
        Ok(Located { location, areas, bodies: covering })
    }

    /// The categories offered here: the union over covering bodies, one entry per name, sorted.
    pub fn offers(&self) -> Vec<Offer> {
        let mut by_name: BTreeMap<&str, Offer> = BTreeMap::new();
        for (body, _) in &self.bodies {
            for category in &body.categories {
                let offer = by_name.entry(category.name.as_str()).or_insert_with(|| Offer {
                    name: category.name.clone(),
                    group: category.group.clone(),
                    description: category.description.clone(),
                    attributes: Vec::new(),
                    bodies: Vec::new(),
                });
                offer.bodies.push(body.id.clone());
                merge_attributes(&mut offer.attributes, &category.attributes);
            }
        }
        by_name.into_values().collect()
    }

    /// The offer named `category`, if any body here offers it.
    pub fn offer(&self, category: &str) -> Option<Offer> {
        self.offers().into_iter().find(|o| o.name == category)
    }

    /// Exactly the bodies the rules select for this category and these answers, after checking
    /// the answers against the questions (unknown codes are dropped; the checked answers are returned).
    pub fn select(&self, category: &str, answers: &Answers) -> Result<(Vec<Selection>, Answers)> {
        let offer = self.offer(category).ok_or_else(|| ReportError::UnknownCategory(category.to_string()))?;
        let answers = check_answers(&offer.attributes, answers)?;
        let facts = Facts { answers: &answers, areas: &self.areas };
        let mut by_tier: BTreeMap<Tier, Selection> = BTreeMap::new();
        for (body, area) in &self.bodies {
            for c in body.categories.iter().filter(|c| c.name == category) {
                if !c.when.as_ref().is_none_or(|w| w.holds(&facts)) {
                    continue;
                }
                let candidate = Selection { body: body.clone(), category: c.clone(), area: area.clone() };
                match by_tier.get(&body.tier) {
                    Some(held) if (&held.area, &held.body.id) <= (area, &body.id) => {}
                    _ => {
                        by_tier.insert(body.tier, candidate);
                    }
                }
            }
        }
        if by_tier.is_empty() {
            return Err(ReportError::NoBodySelected(category.to_string()));
        }
        Ok((by_tier.into_values().collect(), answers))
    }
}

/// Merges questions by code: the first body's wording wins, `required` if any requires it,
/// list values united.
fn merge_attributes(into: &mut Vec<Attribute>, from: &[Attribute]) {
    for attribute in from {
        match into.iter_mut().find(|a| a.code == attribute.code) {
            Some(held) => {
                held.required |= attribute.required;
                for value in &attribute.values {
                    if !held.values.iter().any(|v| v.key == value.key) {
                        held.values.push(value.clone());
                    }
                }
            }
            None => into.push(attribute.clone()),
        }
    }
    into.sort_by(|a, b| (a.order, &a.code).cmp(&(b.order, &b.code)));
}

/// Checks answers against questions: required ones present, each of its type; keeps only
/// answers to questions asked, trimmed, empty ones dropped.
pub fn check_answers(questions: &[Attribute], answers: &Answers) -> Result<Answers> {
    let mut checked = Answers::new();
    for q in questions.iter().filter(|q| q.variable) {
        let given: Vec<String> = answers
            .get(&q.code)
            .map(|v| v.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        if given.is_empty() {
            if q.required {
                return Err(ReportError::MissingAttribute(q.code.clone()));
            }
            continue;
        }
        let invalid = |reason: String| Err(ReportError::InvalidAttribute { code: q.code.clone(), reason });
        if q.datatype != Datatype::Multivaluelist && given.len() > 1 {
            return invalid("give one answer".into());
        }
        for value in &given {
            if value.chars().count() > 2000 {
                return invalid("the answer is longer than 2000 characters".into());
            }
            match q.datatype {
                Datatype::Number if value.parse::<f64>().map(|n| !n.is_finite()).unwrap_or(true) => {
                    return invalid(format!("{value:?} is not a number"));
                }
                Datatype::Datetime
                    if time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).is_err() =>
                {
                    return invalid(format!("{value:?} is not a date and time like 2026-11-23T10:00:00Z"));
                }
                Datatype::Singlevaluelist | Datatype::Multivaluelist if !q.values.iter().any(|v| &v.key == value) => {
                    let keys: Vec<&str> = q.values.iter().map(|v| v.key.as_str()).collect();
                    return invalid(format!("{value:?} is not one of {}", keys.join(", ")));
                }
                _ => {}
            }
        }
        checked.insert(q.code.clone(), given);
    }
    Ok(checked)
}
