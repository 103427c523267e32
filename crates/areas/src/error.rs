//! The errors of the areas brick: bad input names the feature, ring and vertex at fault; store
//! failures pass through from the registers brick.

/// Why an areas operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AreaError {
    /// The input is not GeoJSON at all (or not a FeatureCollection); nothing was imported.
    #[error("invalid GeoJSON: {0}; nothing was imported")]
    InvalidGeoJson(String),
    /// One or more features are bad and `skip_invalid` is off; nothing was imported.
    #[error("{} feature(s) rejected, nothing was imported; first: {}", .0.len(), .0.first().map(|r| r.to_string()).unwrap_or_default())]
    Rejected(Vec<Rejection>),
    /// An option of the import is unusable.
    #[error("invalid import option: {0}")]
    InvalidOption(String),
    /// An area version given to record breaks a rule the register's field types cannot express.
    #[error("invalid area: {0}")]
    InvalidArea(String),
    /// Reading the input failed.
    #[error("reading input: {0}")]
    Io(#[from] std::io::Error),
    /// The register's own rules or the store refused.
    #[error(transparent)]
    Register(#[from] registers::RegisterError),
    /// A stored area item cannot be read back (the register holds something this brick did not write).
    #[error("area register entry {entry}: {problem}")]
    Corrupt {
        /// The user entry number.
        entry: u64,
        /// What is wrong with it.
        problem: String,
    },
    /// A coordinate could not be converted between reference systems.
    #[error("coordinate conversion: {0}")]
    Conversion(String),
}

/// One feature that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("feature {index}{}: {reason}", .code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct Rejection {
    /// Zero-based position of the feature in the collection.
    pub index: usize,
    /// Its code, when it had one.
    pub code: Option<String>,
    /// What is wrong, naming the property, polygon, ring or vertex.
    pub reason: String,
}

/// Results of this brick.
pub type Result<T, E = AreaError> = std::result::Result<T, E>;
