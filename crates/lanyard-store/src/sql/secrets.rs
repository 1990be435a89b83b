//! Secrets and their sealed versions.

use async_trait::async_trait;
use lanyard_crypto::SealedBlob;
use lanyard_domain::{Slug, Timestamp};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::begin_write;
use super::{rows, SqlStore};
use crate::{
    AuditEntry, KeyUsage, NewSecret, NewSecretVersion, RewrappedVersion, SealedVersion,
    SecretRecord, SecretStore, SecretVersionRecord, StoreError, StoreResult,
};

const SELECT_SECRET: &str =
    "SELECT id, org_id, slug, current_version, created_at, updated_at FROM secrets";

fn secret(row: &AnyRow) -> StoreResult<SecretRecord> {
    Ok(SecretRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        name: rows::slug(row, "slug")?,
        current_version: row.try_get("current_version")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

fn sealed(row: &AnyRow) -> StoreResult<SealedVersion> {
    let bytes: Vec<u8> = row.try_get("sealed")?;
    Ok(SealedVersion {
        org_id: row.try_get("org_id")?,
        secret_id: row.try_get("secret_id")?,
        version: row.try_get("version")?,
        sealed: SealedBlob::from_vec(bytes)
            .map_err(|e| StoreError::Corrupt(format!("sealed secret: {e}")))?,
    })
}

pub(super) async fn insert_secret(
    conn: &mut sqlx::AnyConnection,
    secret: &NewSecret,
    first: &NewSecretVersion,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO secrets (id, org_id, slug, current_version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&secret.id)
    .bind(&secret.org_id)
    .bind(secret.name.as_str())
    .bind(first.version)
    .bind(secret.created_at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::from_sqlx(e, || format!("secret `{}` already exists", secret.name)))?;
    insert_version(conn, first).await
}

async fn insert_version(conn: &mut sqlx::AnyConnection, v: &NewSecretVersion) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO secret_versions (secret_id, version, key_id, sealed, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&v.secret_id)
    .bind(v.version)
    .bind(v.sealed.key_id().to_hex())
    .bind(v.sealed.to_vec())
    .bind(v.created_at.millis())
    .bind(&v.created_by)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::from_sqlx(e, || "a newer version was written concurrently".into()))?;
    Ok(())
}

/// Adds a version and moves the secret's current version to it, in the caller's transaction.
pub(super) async fn append_version(
    conn: &mut sqlx::AnyConnection,
    v: &NewSecretVersion,
) -> StoreResult<()> {
    insert_version(conn, v).await?;
    sqlx::query(
        "UPDATE secrets SET current_version = $1, updated_at = $2 \
         WHERE id = $3 AND current_version < $1",
    )
    .bind(v.version)
    .bind(v.created_at.millis())
    .bind(&v.secret_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl SecretStore for SqlStore {
    async fn create_secret(
        &self,
        secret: &NewSecret,
        first: &NewSecretVersion,
        audit: &AuditEntry,
    ) -> StoreResult<SecretRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        insert_secret(&mut tx, secret, first).await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        self.find_secret(&secret.org_id, &secret.name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("secret `{}`", secret.name)))
    }

    async fn add_secret_version(
        &self,
        version: &NewSecretVersion,
        audit: &AuditEntry,
    ) -> StoreResult<SecretRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        append_version(&mut tx, version).await?;
        let row = sqlx::query(&format!("{SELECT_SECRET} WHERE id = $1"))
            .bind(&version.secret_id)
            .fetch_one(&mut *tx)
            .await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        secret(&row)
    }

    async fn find_secret(&self, org_id: &str, name: &Slug) -> StoreResult<Option<SecretRecord>> {
        sqlx::query(&format!("{SELECT_SECRET} WHERE org_id = $1 AND slug = $2"))
            .bind(org_id)
            .bind(name.as_str())
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(secret)
            .transpose()
    }

    async fn list_secrets(&self, org_id: &str) -> StoreResult<Vec<SecretRecord>> {
        sqlx::query(&format!("{SELECT_SECRET} WHERE org_id = $1 ORDER BY slug"))
            .bind(org_id)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(secret)
            .collect()
    }

    async fn list_secret_versions(&self, secret_id: &str) -> StoreResult<Vec<SecretVersionRecord>> {
        let rows = sqlx::query(
            "SELECT version, key_id, created_at, created_by FROM secret_versions \
             WHERE secret_id = $1 ORDER BY version DESC",
        )
        .bind(secret_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SecretVersionRecord {
                    version: row.try_get("version")?,
                    key_id: row.try_get("key_id")?,
                    created_at: Timestamp(row.try_get("created_at")?),
                    created_by: row.try_get("created_by")?,
                })
            })
            .collect()
    }

    async fn sealed_version(
        &self,
        secret_id: &str,
        version: i64,
    ) -> StoreResult<Option<SealedVersion>> {
        sqlx::query(
            "SELECT s.org_id, v.secret_id, v.version, v.sealed FROM secret_versions v \
             JOIN secrets s ON s.id = v.secret_id WHERE v.secret_id = $1 AND v.version = $2",
        )
        .bind(secret_id)
        .bind(version)
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(sealed)
        .transpose()
    }

    async fn delete_secret(
        &self,
        org_id: &str,
        name: &Slug,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.delete_named("secrets", "secret", org_id, name, audit)
            .await
    }

    async fn key_usage(&self) -> StoreResult<Vec<KeyUsage>> {
        let rows = sqlx::query(
            "SELECT key_id, COUNT(*) AS n FROM secret_versions GROUP BY key_id ORDER BY key_id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(KeyUsage {
                    key_id: row.try_get("key_id")?,
                    versions: row.try_get("n")?,
                })
            })
            .collect()
    }

    async fn versions_not_under(
        &self,
        key_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<SealedVersion>> {
        sqlx::query(
            "SELECT s.org_id, v.secret_id, v.version, v.sealed FROM secret_versions v \
             JOIN secrets s ON s.id = v.secret_id WHERE v.key_id <> $1 \
             ORDER BY v.secret_id, v.version LIMIT $2",
        )
        .bind(key_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(sealed)
        .collect()
    }

    async fn rewrap_versions(&self, rewrapped: &[RewrappedVersion]) -> StoreResult<i64> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        // A compare-and-swap per version: it is replaced only while it is still under the key id
        // it was read with, so concurrent rotations never undo each other.
        let replaced = rewrap_in_chunks(&mut tx, rewrapped).await?;
        tx.commit().await?;
        Ok(replaced)
    }
}

async fn rewrap_in_chunks(
    conn: &mut sqlx::AnyConnection,
    rewrapped: &[RewrappedVersion],
) -> StoreResult<i64> {
    let mut replaced = 0;
    for chunk in super::fixed_chunks(rewrapped, &REWRAP_SHAPES) {
        let rows = (0..chunk.len())
            .map(|i| {
                let n = i * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        // VALUES columns are named column1..column5. The key id is compared with `IS NOT
        // DISTINCT FROM` (the same answer on a NOT NULL column) because no index serves that
        // operator: with `=`, PostgreSQL's generic plan for this prepared statement, guessing
        // from stale statistics that few rows carry the old key, intersected the primary key
        // with the key-id index, reading all 100,000 index entries once per row — ten times
        // slower than one statement per version (BENCHMARKS.md). The primary key alone finds
        // each row.
        let sql = format!(
            "UPDATE secret_versions SET key_id = n.column1, sealed = n.column2 \
             FROM (VALUES {rows}) AS n \
             WHERE secret_versions.secret_id = n.column3 \
             AND secret_versions.version = n.column4 \
             AND secret_versions.key_id IS NOT DISTINCT FROM n.column5"
        );
        let mut query = sqlx::query(&sql);
        for r in chunk {
            query = query
                .bind(r.sealed.key_id().to_hex())
                .bind(r.sealed.to_vec())
                .bind(&r.secret_id)
                .bind(r.version)
                .bind(&r.old_key_id);
        }
        let done = query.execute(&mut *conn).await?;
        replaced += i64::try_from(done.rows_affected()).unwrap_or(0);
    }
    Ok(replaced)
}

/// Rows per multi-row update: a few fixed sizes, so prepared-statement caches hold four
/// statements, not one per batch size.
const REWRAP_SHAPES: [usize; 4] = [64, 16, 4, 1];
