//! The SQL implementation of every store trait, over sqlx's `Any` driver.
//!
//! One set of queries serves both backends: they use the common subset of SQLite and PostgreSQL
//! (`$N` placeholders, `TEXT`/`BIGINT` columns, `ON CONFLICT`, `RETURNING`). What differs, the
//! DDL and locking, lives in per-backend migrations and in [`Backend`] branches, so the two
//! dialects stay visible and honest.

mod access;
pub(crate) mod audit;
mod bundles;
mod changes;
mod connections;
mod environments;
mod jobs;
mod meta;
mod migrate;
mod orgs;
mod rows;
mod runners;
mod secrets;
mod sessions;
mod signing_keys;
mod tokens;
mod variables;

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::{Connection, Executor};

use crate::{ChangeFeed, DatabaseUrl, Store, StoreError, StoreResult};

pub use migrate::SCHEMA_VERSION;

/// Which database engine a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// The store over SQLite or PostgreSQL.
///
/// SQLite allows one writer at a time; giving it a one-connection write pool serializes writers
/// inside the process instead of failing them with `SQLITE_BUSY`. PostgreSQL uses one pool.
#[derive(Clone)]
pub struct SqlStore {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// Standalone audit events (resolves, releases) go through a group-commit writer.
    audit_queue: audit::Queue,
    /// What keys audit links, once set.
    audit_key: audit::LinkKey,
    /// Other servers' changes, as this store hears them.
    changes: ChangeFeed,
    /// The PostgreSQL listener behind `changes`; stops with the last clone of the store.
    listener: Option<std::sync::Arc<changes::AbortOnDrop>>,
}

impl SqlStore {
    /// Connects, applies pending migrations, and refuses a schema newer than this binary.
    pub async fn open(url: &DatabaseUrl) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let store = match url {
            DatabaseUrl::Sqlite { path, create } => {
                if *create {
                    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent).map_err(|e| {
                            StoreError::Unavailable(format!(
                                "cannot create directory {}: {e}",
                                parent.display()
                            ))
                        })?;
                    }
                }
                let mode = if *create { "rwc" } else { "rw" };
                let url = format!("sqlite://{}?mode={mode}", path.display());
                let write = sqlite_pool(1)
                    .connect(&url)
                    .await
                    .map_err(|e| unavailable(url_of(path), e))?;
                let read = sqlite_pool(8)
                    .connect(&url)
                    .await
                    .map_err(|e| unavailable(url_of(path), e))?;
                (read, write, Backend::Sqlite, None)
            }
            DatabaseUrl::Postgres(pg) => {
                // A pool retries until its timeout and then reports only "timed out"; one direct
                // attempt first surfaces the real reason (refused, unknown database, bad password).
                let probe = sqlx::AnyConnection::connect(pg.expose())
                    .await
                    .map_err(|e| unavailable(pg.to_string(), e))?;
                probe
                    .close()
                    .await
                    .map_err(|e| unavailable(pg.to_string(), e))?;
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(pg.expose())
                    .await
                    .map_err(|e| unavailable(pg.to_string(), e))?;
                (
                    pool.clone(),
                    pool,
                    Backend::Postgres,
                    Some(pg.expose().to_owned()),
                )
            }
        };
        let (read, write, backend, listen_url) = store;
        migrate::run(&write, backend).await?;
        let audit_key = audit::LinkKey::default();
        let audit_queue = audit::spawn_writer(write.clone(), backend, audit_key.clone());
        // SQLite has no other server to hear; PostgreSQL's feed is live once it listens.
        let changes = ChangeFeed::new(listen_url.is_none());
        let listener = listen_url.map(|url| {
            std::sync::Arc::new(changes::AbortOnDrop(changes::spawn_listener(
                url,
                write.clone(),
                changes.clone(),
            )))
        });
        Ok(Self {
            read,
            write,
            backend,
            audit_queue,
            audit_key,
            changes,
            listener,
        })
    }

    /// Closes every pooled connection; used at shutdown.
    pub async fn close(&self) {
        if let Some(listener) = &self.listener {
            listener.0.abort();
        }
        self.write.close().await;
        self.read.close().await;
    }
}

/// Splits `list` into runs whose lengths are all in `shapes` (largest first, ending with 1), so
/// multi-row statements come in a few fixed sizes and prepared-statement caches stay small.
pub(crate) fn fixed_chunks<'a, T>(mut list: &'a [T], shapes: &[usize]) -> Vec<&'a [T]> {
    let mut chunks = Vec::new();
    while !list.is_empty() {
        let size = shapes
            .iter()
            .copied()
            .find(|s| *s <= list.len())
            .unwrap_or(1);
        let (head, rest) = list.split_at(size);
        chunks.push(head);
        list = rest;
    }
    chunks
}

fn url_of(path: &std::path::Path) -> String {
    format!("sqlite://{}", path.display())
}

fn sqlite_pool(size: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(size)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; the busy timeout makes a second process
                // on the same file wait for the lock instead of failing at once.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .await?;
                Ok(())
            })
        })
}

/// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`):
/// a deferred transaction that reads first and writes later can meet another process's writer
/// and fail with "database is locked" instead of waiting for the busy timeout.
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

/// Connection failures get a message that says where we tried and what to check.
fn unavailable(target: String, err: sqlx::Error) -> StoreError {
    let detail = match &err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    };
    StoreError::Unavailable(format!(
        "cannot open the database at {target}: {detail}; check that it is running and that the \
         URL, user and database name are right"
    ))
}

impl SqlStore {
    /// Deletes the row of `table` named `name` in an organization: [`StoreError::NotFound`] if
    /// there is none, [`StoreError::Conflict`] while a foreign key still points at it.
    async fn delete_named(
        &self,
        table: &str,
        what: &str,
        org_id: &str,
        name: &lanyard_domain::Slug,
        audit: &crate::AuditEntry,
    ) -> StoreResult<()> {
        let sql = format!("DELETE FROM {table} WHERE org_id = $1 AND slug = $2");
        let query = sqlx::query(&sql).bind(org_id).bind(name.as_str());
        let rows = self.audited(query, audit).await?.map_err(|e| {
            StoreError::from_sqlx(e, || {
                format!("{what} `{name}` is referenced by a connection")
            })
        })?;
        if rows == 0 {
            return Err(StoreError::NotFound(format!("{what} `{name}`")));
        }
        Ok(())
    }

    /// Runs one write and, if it changed a row, appends its audit event, in one transaction.
    /// The outer error is the transaction's; the inner one is the statement's, for the caller to
    /// map (a conflict, say). Returns the number of rows changed.
    async fn audited<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        audit: &crate::AuditEntry,
    ) -> StoreResult<Result<u64, sqlx::Error>> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let rows = match query.execute(&mut *tx).await {
            Ok(done) => done.rows_affected(),
            Err(e) => return Ok(Err(e)),
        };
        if rows > 0 {
            audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
            tx.commit().await?;
        }
        Ok(Ok(rows))
    }
}

impl Store for SqlStore {
    fn changes(&self) -> ChangeFeed {
        self.changes.clone()
    }

    fn set_audit_key(&self, key: std::sync::Arc<dyn crate::AuditKey>) {
        self.audit_key.set(key);
    }

    fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[cfg(test)]
mod chunk_tests {
    #[test]
    fn chunks_use_only_the_fixed_shapes_and_keep_order() {
        for shapes in [&[32, 8, 2, 1][..], &[64, 16, 4, 1][..]] {
            for n in [0usize, 1, 3, 4, 31, 33, 77, 256, 1000] {
                let items: Vec<usize> = (0..n).collect();
                let chunks = super::fixed_chunks(&items, shapes);
                assert!(chunks.iter().all(|c| shapes.contains(&c.len())));
                assert_eq!(chunks.concat(), items);
            }
        }
    }
}
