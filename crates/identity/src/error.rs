//! The brick's typed errors; the HTTP module maps them to pages and status codes.

/// What can go wrong in the identity brick.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The text given as an email address is not one.
    #[error("enter an email address in the correct format, like name@example.com")]
    InvalidEmail,
    /// A name is empty or too long.
    #[error("enter a name of 1 to 200 characters")]
    InvalidName,
    /// A role name is not admin, caseworker or register-custodian.
    #[error("unknown role {0:?}: use admin, caseworker or register-custodian")]
    UnknownRole(String),
    /// An account with that email already exists (in that council, for staff).
    #[error("an account with the email address {0:?} already exists")]
    DuplicateAccount(String),
    /// Too many attempts in the window; try again later.
    #[error("too many attempts: wait {retry_after_secs} seconds and try again")]
    RateLimited {
        /// Seconds until the oldest counted attempt leaves the window.
        retry_after_secs: i64,
    },
    /// The sign-in code does not match.
    #[error("the code is not correct")]
    WrongCode,
    /// The sign-in code is unknown, already used, expired or has had too many wrong tries.
    #[error("the code has expired or has already been used: request a new code")]
    CodeNotUsable,
    /// A passkey ceremony failed or was refused (wrong challenge, bad signature, replayed
    /// counter, unknown credential, another account's credential).
    #[error("passkey refused: {0}")]
    Passkey(String),
    /// No passkey ceremony is in progress in this session (none started, or already finished).
    #[error("no passkey ceremony is in progress: start again")]
    NoPasskeyCeremony,
    /// A passkey name is empty or too long.
    #[error("enter a passkey name of 1 to 100 characters")]
    InvalidPasskeyName,
    /// The passkey does not exist or belongs to someone else.
    #[error("no such passkey on this account")]
    UnknownPasskey,
    /// The instance's base URL cannot be a WebAuthn relying party (an IP address, say).
    #[error("passkeys are not available at this address: the base URL needs a host name")]
    PasskeysUnavailable,
    /// Sending an email failed.
    #[error("sending email failed: {0}")]
    Email(String),
    /// Stored data could not be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Results of the identity brick.
pub type Result<T, E = IdentityError> = std::result::Result<T, E>;
