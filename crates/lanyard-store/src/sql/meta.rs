//! Installation facts and the first-start bootstrap.

use async_trait::async_trait;
use sqlx::Row;

use super::begin_write;
use super::{orgs, tokens, SqlStore};
use crate::{AuditEntry, BootstrapRecord, MetaStore, OrgRecord, StoreError, StoreResult};

#[async_trait]
impl MetaStore for SqlStore {
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM lanyard_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    async fn set_meta(&self, facts: &[(&str, String)]) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        for (key, value) in facts {
            sqlx::query(
                "INSERT INTO lanyard_meta (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(*key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn meta_or_insert(&self, key: &str, value: String) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO lanyard_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(&value)
        .execute(&self.write)
        .await?;
        self.get_meta(key)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("installation fact `{key}`")))
    }

    async fn replica_heartbeat(&self, id: &str, now: i64, alive_since: i64) -> StoreResult<u32> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        sqlx::query(
            "INSERT INTO server_replicas (id, seen_at) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM server_replicas WHERE seen_at < $1")
            .bind(alive_since)
            .execute(&mut *tx)
            .await?;
        let alive: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_replicas")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(u32::try_from(alive).unwrap_or(u32::MAX).max(1))
    }

    async fn bootstrap(
        &self,
        record: &BootstrapRecord,
        audit: &AuditEntry,
    ) -> StoreResult<OrgRecord> {
        // One transaction: a first start either leaves a complete installation or nothing.
        let mut tx = begin_write(&self.write, self.backend).await?;
        for (key, value) in &record.meta {
            sqlx::query("INSERT INTO lanyard_meta (key, value) VALUES ($1, $2)")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    StoreError::from_sqlx(e, || "the database was already initialized".to_owned())
                })?;
        }
        let org = orgs::insert_org(&mut tx, &record.org).await?;
        tokens::insert_token(&mut tx, &record.admin).await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(org)
    }
}
