//! The core's error: what went wrong, in words a user can act on, plus a kind the edge maps to HTTP.

use lanyard_domain::{Denied, Slug};
use lanyard_store::StoreError;

/// A use case failed. Every message is safe to show the caller: it never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// No credentials, or credentials that match no live token.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but the role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Denied),
    /// A connection resolved but may not be used where it was asked for.
    #[error("{0}")]
    Unauthorized(String),
    /// The named object does not exist (or belongs to another organization).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with what exists, e.g. a name already taken.
    #[error("{0}")]
    Conflict(String),
    /// The request is malformed; the message says how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// A value is larger than Lanyard accepts; the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The master key does not open this database.
    #[error(
        "the master key from {key_source} does not match this database (key check failed); start \
         the server with the key this database was created with, or after `lanyard keys rotate` \
         the key it was rotated to"
    )]
    KeyMismatch {
        /// Where the key came from, e.g. "environment variable LANYARD_MASTER_KEY".
        key_source: String,
    },
    /// A stored secret failed to decrypt (altered, moved, or under an unknown key). Fails closed.
    #[error("{0}")]
    Unreadable(String),
    /// The database cannot be reached.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or a corrupt database; details go to the log only.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Shorthand for core results.
pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    pub(crate) fn org_not_found(org: &Slug) -> Self {
        Self::NotFound(format!("organization `{org}` not found"))
    }
}

impl From<StoreError> for CoreError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            StoreError::Conflict(msg) => Self::Conflict(msg),
            StoreError::Unavailable(msg) => Self::Unavailable(msg),
            other @ (StoreError::SchemaTooNew { .. }
            | StoreError::Corrupt(_)
            | StoreError::Other(_)) => Self::Internal(Box::new(other)),
        }
    }
}
