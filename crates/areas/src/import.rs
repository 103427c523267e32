//! Importing a GeoJSON FeatureCollection of boundaries into the `area` register: every feature is
//! read and checked (properties, geometry type, closed rings, coordinate range, self-crossing
//! rings) before anything is appended, and the import is one append, so a bad file never leaves
//! part of itself behind.

use std::io::Read;

use registers::Registers;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::crs::Crs;
use crate::error::{AreaError, Rejection, Result};
use crate::geometry::MultiPolygon;
use crate::kinds::is_type_code;
use crate::register::{AreaVersion, record_areas};

/// How to read a file of boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// MapIt type code every feature gets (`UTA`, `DIW`, `CPC`, …).
    pub type_code: String,
    /// The reference system of the file's coordinates (stored as lon/lat either way).
    pub crs: Crs,
    /// Property holding the GSS code, which becomes the area's key.
    pub code_property: String,
    /// Property holding the name.
    pub name_property: String,
    /// Property holding the parent area's code, if the file has one.
    pub parent_property: Option<String>,
    /// Generation the imported versions belong to (1 and up).
    pub generation: u32,
    /// When the imported versions took effect (`YYYY-MM-DD`), if known.
    pub start_date: Option<String>,
    /// Import the good features and report the bad ones, instead of refusing the whole file.
    pub skip_invalid: bool,
}

impl ImportOptions {
    /// Options for a file of one area type: codes in `code`, names in `name`, no parent, generation 1.
    pub fn new(type_code: &str, crs: Crs) -> ImportOptions {
        ImportOptions {
            type_code: type_code.to_string(),
            crs,
            code_property: "code".into(),
            name_property: "name".into(),
            parent_property: None,
            generation: 1,
            start_date: None,
            skip_invalid: false,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Features read from the file.
    pub read: usize,
    /// Areas appended (new, or changed since the current version).
    pub imported: usize,
    /// Areas whose current version already matched the file.
    pub unchanged: usize,
    /// Features left out, with their index and why (only with `skip_invalid`; otherwise any is an error).
    pub rejected: Vec<Rejection>,
    /// Vertices stored over all imported boundaries.
    pub vertices: usize,
}

#[derive(Deserialize)]
struct RawCollection<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow, default)]
    features: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct RawFeature<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    properties: Option<Map<String, Value>>,
    #[serde(borrow)]
    geometry: Option<&'a RawValue>,
}

/// Imports a GeoJSON FeatureCollection into the national `area` register (created on first use).
///
/// Reading and checking happen before the one append: with `skip_invalid` off, any bad feature
/// fails the import with every rejection listed ([`AreaError::Rejected`]) and nothing written.
/// The reader is read to the end synchronously (files are local); checking runs on every core.
pub async fn import_geojson<R: Read>(
    registers: &Registers,
    mut reader: R,
    options: &ImportOptions,
) -> Result<ImportSummary> {
    if !is_type_code(&options.type_code) {
        return Err(AreaError::InvalidOption(format!(
            "type {:?} is not a MapIt type code (2-5 upper-case letters)",
            options.type_code
        )));
    }
    if options.generation == 0 {
        return Err(AreaError::InvalidOption("generation must be 1 or more".into()));
    }
    let mut text = String::new();
    reader.read_to_string(&mut text)?;
    let collection: RawCollection =
        serde_json::from_str(&text).map_err(|e| AreaError::InvalidGeoJson(e.to_string()))?;
    if collection.kind != "FeatureCollection" {
        return Err(AreaError::InvalidGeoJson(format!(
            "the top level is a {}, not a FeatureCollection",
            collection.kind
        )));
    }
    let features = collection.features.ok_or_else(|| AreaError::InvalidGeoJson("no \"features\" array".into()))?;
    let checked = check_all(&features, options);
    let mut summary = ImportSummary { read: features.len(), ..Default::default() };
    let mut versions = Vec::with_capacity(features.len());
    let mut seen = std::collections::HashMap::new();
    for (index, result) in checked.into_iter().enumerate() {
        match result {
            Ok(v) => {
                if let Some(first) = seen.insert(v.key.clone(), index) {
                    summary.rejected.push(Rejection {
                        index,
                        code: Some(v.key.clone()),
                        reason: format!("code {:?} was already used by feature {first}", v.key),
                    });
                } else {
                    versions.push(v);
                }
            }
            Err(rejection) => summary.rejected.push(rejection),
        }
    }
    if !summary.rejected.is_empty() && !options.skip_invalid {
        return Err(AreaError::Rejected(summary.rejected));
    }
    summary.vertices = versions.iter().filter_map(|v| v.geometry.as_ref()).map(MultiPolygon::vertex_count).sum();
    let recorded = record_areas(registers, versions).await?;
    summary.imported = recorded.appended;
    summary.unchanged = recorded.unchanged;
    tracing::info!(
        read = summary.read,
        imported = summary.imported,
        unchanged = summary.unchanged,
        rejected = summary.rejected.len(),
        vertices = summary.vertices,
        "imported areas"
    );
    Ok(summary)
}

/// Checks every feature, in parallel over the available cores; results in feature order.
fn check_all(features: &[&RawValue], options: &ImportOptions) -> Vec<Result<AreaVersion, Rejection>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(features.len().max(1));
    if threads <= 1 {
        return features.iter().enumerate().map(|(i, f)| check_feature(i, f, options)).collect();
    }
    // Interleaved so that a few huge features (coastal councils) spread over the threads.
    let mut out: Vec<Option<Result<AreaVersion, Rejection>>> = (0..features.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t..features.len())
                        .step_by(threads)
                        .map(|i| (i, check_feature(i, features[i], options)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(results) => {
                    for (i, r) in results {
                        out[i] = Some(r);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    out.into_iter()
        .enumerate()
        .map(|(index, r)| r.unwrap_or_else(|| Err(Rejection { index, code: None, reason: "was not checked".into() })))
        .collect()
}

fn property(properties: &Map<String, Value>, name: &str) -> Option<String> {
    match properties.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn check_feature(index: usize, raw: &RawValue, options: &ImportOptions) -> Result<AreaVersion, Rejection> {
    let reject = |code: Option<&String>, reason: String| Rejection { index, code: code.cloned(), reason };
    let feature: RawFeature =
        serde_json::from_str(raw.get()).map_err(|e| reject(None, format!("not a GeoJSON Feature: {e}")))?;
    if feature.kind.as_deref() != Some("Feature") {
        return Err(reject(None, format!("type is {:?}, not \"Feature\"", feature.kind.unwrap_or_default())));
    }
    let properties = feature.properties.unwrap_or_default();
    let code = property(&properties, &options.code_property)
        .ok_or_else(|| reject(None, format!("property {:?} (the code) is missing or empty", options.code_property)))?;
    let code = Some(code);
    let name = property(&properties, &options.name_property).ok_or_else(|| {
        reject(code.as_ref(), format!("property {:?} (the name) is missing or empty", options.name_property))
    })?;
    let parent = match &options.parent_property {
        Some(p) => Some(
            property(&properties, p)
                .ok_or_else(|| reject(code.as_ref(), format!("property {p:?} (the parent) is missing or empty")))?,
        ),
        None => None,
    };
    let geometry = feature
        .geometry
        .filter(|g| g.get() != "null")
        .ok_or_else(|| reject(code.as_ref(), "has no geometry".into()))?;
    let geometry = MultiPolygon::from_geojson(geometry.get())
        .and_then(|g| g.checked(options.crs))
        .map_err(|e| reject(code.as_ref(), e))?;
    let key = code.clone().unwrap_or_default();
    let version = AreaVersion {
        key,
        name,
        type_code: options.type_code.clone(),
        code,
        parent,
        generation: options.generation,
        start_date: options.start_date.clone(),
        end_date: None,
        geometry: Some(geometry),
    };
    version.check().map_err(|e| reject(version.code.as_ref(), e))?;
    Ok(version)
}
