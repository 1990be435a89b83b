//! Per-backend, append-only schema migrations, applied at start in one transaction.

use sqlx::AnyPool;
use sqlx::Row;

use super::begin_write;
use super::Backend;
use crate::{StoreError, StoreResult};

struct Migration {
    version: i64,
    sql: &'static str,
}

/// Both backends' migrations, by number. Shipped files are never edited; a change is a new file
/// with the next number in each backend's directory.
macro_rules! migrations {
    ($dir:literal: $($version:literal => $file:literal),+ $(,)?) => {
        &[$(Migration {
            version: $version,
            sql: include_str!(concat!("../../migrations/", $dir, "/", $file, ".sql")),
        }),+]
    };
}

const SQLITE: &[Migration] = migrations!("sqlite":
    1 => "0001_initial",
    2 => "0002_secrets_connections",
    3 => "0003_authorizations_defaults",
    4 => "0004_audit",
    5 => "0005_audit_drop_time_index",
    6 => "0006_runners_jobs",
    7 => "0007_connection_verification",
    8 => "0008_runner_isolation",
    9 => "0009_org_job_timeout",
    10 => "0010_bundles",
    11 => "0011_signing_keys",
    12 => "0012_verification_message",
    13 => "0013_vacated_defaults",
    14 => "0014_instance_admin",
    15 => "0015_console_sessions",
    16 => "0016_check_leases",
    17 => "0017_server_replicas",
    18 => "0018_runner_identity_checks",
    19 => "0019_identity_recheck",
);
const POSTGRES: &[Migration] = migrations!("postgres":
    1 => "0001_initial",
    2 => "0002_secrets_connections",
    3 => "0003_authorizations_defaults",
    4 => "0004_audit",
    5 => "0005_audit_drop_time_index",
    6 => "0006_runners_jobs",
    7 => "0007_connection_verification",
    8 => "0008_runner_isolation",
    9 => "0009_org_job_timeout",
    10 => "0010_bundles",
    11 => "0011_signing_keys",
    12 => "0012_verification_message",
    13 => "0013_vacated_defaults",
    14 => "0014_instance_admin",
    15 => "0015_console_sessions",
    16 => "0016_check_leases",
    17 => "0017_server_replicas",
    18 => "0018_runner_identity_checks",
    19 => "0019_identity_recheck",
);

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: i64 = 19;

/// An arbitrary constant naming the migration lock among PostgreSQL advisory locks.
const PG_MIGRATION_LOCK: i64 = 0x6c61_6e79_6172_6401;

pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> StoreResult<()> {
    let migrations = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    debug_assert_eq!(migrations.last().map(|m| m.version), Some(SCHEMA_VERSION));
    let mut tx = begin_write(pool, backend).await?;
    if backend == Backend::Postgres {
        // Two servers starting together on one database must not both migrate it.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
        // `CREATE TABLE IF NOT EXISTS` on an existing table raises a NOTICE that the driver
        // logs at INFO on every start; it is not news.
        sqlx::raw_sql("SET LOCAL client_min_messages = warning")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS lanyard_schema (
            version BIGINT PRIMARY KEY,
            applied_at BIGINT NOT NULL
        )",
    )
    .execute(&mut *tx)
    .await?;
    let current: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM lanyard_schema")
        .fetch_one(&mut *tx)
        .await?
        .try_get("v")?;
    let current = current.unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for migration in migrations.iter().filter(|m| m.version > current) {
        tracing::info!(version = migration.version, "applying database migration");
        sqlx::raw_sql(migration.sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO lanyard_schema (version, applied_at) VALUES ($1, $2)")
            .bind(migration.version)
            .bind(super::rows::now_millis())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
