//! The store's error type: four kinds callers can act on, never a raw driver error.

/// A storage failure, in terms callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The addressed row does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A uniqueness rule would be broken (e.g. a name already taken).
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached or refused the connection.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database was written by a newer Lanyard; running an older binary on it could corrupt it.
    #[error(
        "the database schema is version {found}, newer than this lanyard binary supports \
         ({supported}); upgrade lanyard before starting it on this database"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    /// A stored value our own code would never have written (e.g. a damaged sealed blob).
    #[error("corrupt data in the database: {0}")]
    Corrupt(String),
    /// Anything else; the source is for the log.
    #[error("database error")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Maps a driver error, turning a unique or foreign-key violation into
    /// [`StoreError::Conflict`] with the given message.
    pub(crate) fn from_sqlx(err: sqlx::Error, conflict: impl FnOnce() -> String) -> Self {
        match &err {
            sqlx::Error::Database(db)
                if db.is_unique_violation() || db.is_foreign_key_violation() =>
            {
                Self::Conflict(conflict())
            }
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => Self::Unavailable(err.to_string()),
            _ => Self::Other(Box::new(err)),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        Self::from_sqlx(err, || "already exists".to_owned())
    }
}
