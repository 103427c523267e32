//! Errors of the web brick.

/// What can go wrong configuring or rendering the web brick.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A brand colour that is not `#rrggbb` or `#rgb`.
    #[error("invalid brand colour {0:?}: use #rrggbb, for example #1d70b8")]
    InvalidColour(String),
    /// A council slug that cannot be a URL path segment.
    #[error("invalid council slug {0:?}: use 1-63 lower-case letters, digits and hyphens (not \"assets\")")]
    InvalidSlug(String),
    /// A council without a name.
    #[error("council {0:?} has an empty name")]
    EmptyName(String),
    /// Two councils with the same slug.
    #[error("two councils have the slug {0:?}")]
    DuplicateCouncil(String),
    /// A template failed to render: a bug in a page or in the data given to it.
    #[error("rendering template {template}: {source:#}")]
    Render {
        /// The template being rendered.
        template: String,
        /// What minijinja reported.
        source: minijinja::Error,
    },
}
