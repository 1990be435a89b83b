//! Throwaway databases: a temporary directory for SQLite, a freshly created database on the
//! local PostgreSQL server, dropped when the test ends.

use std::path::Path;

use sqlx::{Connection, Executor, PgConnection};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use; creating databases needs a superuser-ish role.
pub fn postgres_admin_url() -> String {
    std::env::var("LANYARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that exists only for one test.
pub struct TestDatabase {
    data_dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// Creates an empty database of the given backend.
    pub async fn create(backend: Backend) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("lanyard_test_{}", uuid::Uuid::now_v7().simple());
                let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL tests need a server at {admin} (set LANYARD_TEST_POSTGRES_URL): {e}"
                    )
                });
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create db");
                let base = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(base, _)| base);
                Some((format!("{base}/{name}"), name))
            }
        };
        Self { data_dir, postgres }
    }

    /// The `--database` URL; `None` for SQLite, which lives in the data directory.
    pub fn url(&self) -> Option<String> {
        self.postgres.as_ref().map(|(url, _)| url.clone())
    }

    /// The URL sqlx opens for either backend: for tests (and benches) that reach past the API
    /// into the database itself.
    pub fn sqlx_url(&self) -> String {
        self.url()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir().join("lanyard.db").display()))
    }

    /// The data directory (SQLite file, generated key file).
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Every byte the database holds: the SQLite files under `sqlite_dir`, or every
    /// PostgreSQL table as text (binary columns decoded), to search for planted secrets.
    pub async fn dump(&self, sqlite_dir: &Path) -> Vec<u8> {
        let Some((url, _)) = &self.postgres else {
            let mut bytes = Vec::new();
            for file in ["lanyard.db", "lanyard.db-wal"] {
                bytes.extend(std::fs::read(sqlite_dir.join(file)).unwrap_or_default());
            }
            return bytes;
        };
        let mut conn = PgConnection::connect(url).await.expect("connect to dump");
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("list tables");
        let mut bytes = Vec::new();
        for (table,) in tables {
            let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT t::text FROM {table} t"))
                .fetch_all(&mut conn)
                .await
                .expect("dump table");
            for (row,) in rows {
                bytes.extend(row.into_bytes());
            }
        }
        // bytea prints as hex above; job output is stored as bytes.
        let output: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT data FROM job_output")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
        for (data,) in output {
            bytes.extend(data);
        }
        bytes
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((_, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime; a separate thread with its own runtime can block.
        let admin = postgres_admin_url();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(mut conn) = PgConnection::connect(&admin).await {
                        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = conn.execute(drop.as_str()).await;
                    }
                });
            }
        })
        .join();
    }
}
