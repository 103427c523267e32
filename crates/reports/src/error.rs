//! The brick's typed errors. Each says what was wrong in words a citizen or an API client can
//! act on; the HTTP edges map them to status codes once (`open311::errors`).

/// What can go wrong routing, storing or sending a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A body definition cannot be used.
    #[error("body {body:?} is not valid: {reason}")]
    InvalidBody {
        /// The body's id.
        body: String,
        /// What is wrong.
        reason: String,
    },
    /// No body with that id (or not this council's).
    #[error("no body with id {0:?}")]
    UnknownBody(String),
    /// Latitude or longitude is missing, not a number or out of range.
    #[error("{0}")]
    BadLocation(String),
    /// No body on this instance covers the point.
    #[error("no council or other body covers the point {lat}, {lon}: check the location")]
    OutsideEveryBody {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// The point is not in the body's area (Open311, where the client chose the body).
    #[error("the location is outside the area {0} covers")]
    OutsideBody(String),
    /// No body at the point offers this category (or service code).
    #[error("{0:?} is not a category reported here")]
    UnknownCategory(String),
    /// Bodies offer the category here but their rules select none for these answers.
    #[error("no body takes a {0:?} report with these answers")]
    NoBodySelected(String),
    /// A required question was not answered.
    #[error("the question {0:?} must be answered")]
    MissingAttribute(String),
    /// An answer is not of the question's type or not one of its values.
    #[error("the answer to {code:?} is not valid: {reason}")]
    InvalidAttribute {
        /// The question's code.
        code: String,
        /// Why.
        reason: String,
    },
    /// A required field is empty or too long.
    #[error("{0}")]
    InvalidField(String),
    /// The photo is over the size limit.
    #[error("the photo is {size} bytes; the largest accepted is {limit} bytes")]
    PhotoTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The photo is not a JPEG, PNG or WebP image.
    #[error("the photo must be a JPEG, PNG or WebP image")]
    BadPhoto,
    /// No such report (or not this council's).
    #[error("no report with id {0}")]
    NotFound(String),
    /// No such token.
    #[error("no request with token {0:?}")]
    UnknownToken(String),
    /// A status that is not one of open, in_progress, fixed, closed.
    #[error("unknown status {0:?}: use open, in_progress, fixed or closed")]
    InvalidStatus(String),
    /// The API key is missing or not valid for this body.
    #[error("invalid api_key")]
    BadApiKey,
    /// A database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored JSON document could not be read.
    #[error("stored data is not valid: {0}")]
    Json(#[from] serde_json::Error),
}

/// The brick's result type.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
