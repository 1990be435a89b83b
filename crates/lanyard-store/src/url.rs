//! Database URLs: which backend, where, and a display form that never shows a password.
//!
//! A mistyped URL must be refused, never silently turned into a new empty database: unknown
//! schemes are errors, and a SQLite file that does not exist is only created when the caller
//! says so (the default data-dir database, or `?mode=rwc` on an explicit URL).

use std::fmt;
use std::path::{Path, PathBuf};

/// Where the data lives.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// An embedded SQLite file.
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// Whether a missing file may be created.
        create: bool,
    },
    /// A PostgreSQL server; the URL may carry a password, so it is private.
    Postgres(PostgresUrl),
}

/// A PostgreSQL URL whose `Display` and `Debug` hide the password.
#[derive(Clone)]
pub struct PostgresUrl {
    raw: String,
    redacted: String,
}

/// Why a database URL was refused.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseUrlError {
    /// The scheme is not one we support.
    #[error(
        "unsupported database URL scheme `{0}`: use postgres://USER@HOST:PORT/DATABASE \
         or sqlite:///PATH/TO/FILE.db"
    )]
    UnsupportedScheme(String),
    /// The string is not a URL at all.
    #[error(
        "`{0}` is not a database URL: use postgres://USER@HOST:PORT/DATABASE \
         or sqlite:///PATH/TO/FILE.db"
    )]
    NotAUrl(String),
    /// The PostgreSQL URL does not parse.
    #[error("invalid PostgreSQL URL {0}: {1}")]
    BadPostgres(String, String),
    /// The PostgreSQL URL names no database.
    #[error("the PostgreSQL URL {0} names no database; add one, e.g. postgres://HOST/lanyard")]
    NoDatabaseName(String),
    /// The SQLite file is missing and creating it was not asked for.
    #[error(
        "SQLite database {0} does not exist; check the path, or add `?mode=rwc` to the URL \
         to create a new database there"
    )]
    SqliteMissing(PathBuf),
}

impl DatabaseUrl {
    /// The default embedded database inside a data directory; created on first start.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        Self::Sqlite {
            path: data_dir.join("lanyard.db"),
            create: true,
        }
    }

    /// Parses a URL given by the user and checks it points at something that exists.
    pub fn parse(input: &str) -> Result<Self, DatabaseUrlError> {
        let input = input.trim();
        let Some((scheme, rest)) = input.split_once(':') else {
            return Err(DatabaseUrlError::NotAUrl(redact_anything(input)));
        };
        match scheme {
            "postgres" | "postgresql" => parse_postgres(input).map(Self::Postgres),
            "sqlite" => {
                let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
                let path = path.strip_prefix("//").unwrap_or(path);
                let create = query.split('&').any(|kv| kv == "mode=rwc");
                let path = PathBuf::from(path);
                if !create && !path.exists() {
                    return Err(DatabaseUrlError::SqliteMissing(path));
                }
                Ok(Self::Sqlite { path, create })
            }
            other => Err(DatabaseUrlError::UnsupportedScheme(
                other.chars().take(20).collect(),
            )),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

fn parse_postgres(input: &str) -> Result<PostgresUrl, DatabaseUrlError> {
    let parsed = url::Url::parse(input)
        .map_err(|e| DatabaseUrlError::BadPostgres(redact_anything(input), e.to_string()))?;
    let mut shown = parsed.clone();
    if shown.password().is_some() {
        // Setting a password on a URL with a host cannot fail.
        let _ = shown.set_password(Some("***"));
    }
    let redacted = shown.to_string();
    if parsed.path().trim_start_matches('/').is_empty() {
        return Err(DatabaseUrlError::NoDatabaseName(redacted));
    }
    Ok(PostgresUrl {
        raw: input.to_owned(),
        redacted,
    })
}

/// For inputs we could not parse we cannot find the password, so show only the scheme.
fn redact_anything(input: &str) -> String {
    match input.split_once("://") {
        Some((scheme, _)) => format!("{scheme}://…"),
        None => input.chars().take(12).collect::<String>() + "…",
    }
}

impl PostgresUrl {
    /// The full URL, password included, for the driver only.
    pub(crate) fn expose(&self) -> &str {
        &self.raw
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({})", self.redacted)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite { path, .. } => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => url.fmt(f),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_password_never_displays() {
        let url = DatabaseUrl::parse("postgres://app:hunter2secret@db:5432/lanyard").unwrap();
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("hunter2secret"), "{shown}");
            assert!(shown.contains("db:5432/lanyard"), "{shown}");
        }
    }

    #[test]
    fn mistyped_urls_are_refused() {
        let err = DatabaseUrl::parse("postgress://u:pw-secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unsupported database URL scheme `postgress`"),
            "{err}"
        );
        assert!(!err.contains("pw-secret"));
        let err = DatabaseUrl::parse("localhost/db").unwrap_err().to_string();
        assert!(err.contains("is not a database URL"), "{err}");
        let err = DatabaseUrl::parse("postgres://h:5432")
            .unwrap_err()
            .to_string();
        assert!(err.contains("names no database"), "{err}");
    }

    #[test]
    fn missing_sqlite_file_needs_an_explicit_create() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("typo.db");
        let err = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap_err();
        assert!(err.to_string().contains("?mode=rwc"), "{err}");
        let ok = DatabaseUrl::parse(&format!("sqlite://{}?mode=rwc", path.display())).unwrap();
        assert!(matches!(ok, DatabaseUrl::Sqlite { create: true, .. }));
    }
}
