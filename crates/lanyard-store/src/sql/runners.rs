//! Runners, stored with the hash of their token; at most one per organization is the default.

use async_trait::async_trait;
use lanyard_domain::{Slug, Timestamp};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{begin_write, rows, SqlStore};
use crate::{
    AuditEntry, IdentityCheck, NewRunner, RunnerRecord, RunnerStore, StoreError, StoreResult,
};

const SELECT_RUNNER: &str = "SELECT r.id, r.org_id, o.slug AS org_slug, r.slug, r.is_default, \
     r.created_at, r.last_seen_at, r.aws_identity, r.isolation, r.identity_checks FROM runners r JOIN organizations o ON o.id = r.org_id";

fn runner(row: &AnyRow) -> StoreResult<RunnerRecord> {
    let is_default: i64 = row.try_get("is_default")?;
    let last_seen: Option<i64> = row.try_get("last_seen_at")?;
    Ok(RunnerRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org: rows::slug(row, "org_slug")?,
        name: rows::slug(row, "slug")?,
        is_default: is_default != 0,
        created_at: Timestamp(row.try_get("created_at")?),
        last_seen_at: last_seen.map(Timestamp),
        aws_identity: row.try_get("aws_identity")?,
        isolation: row.try_get("isolation")?,
        // Written only by `set_runner_identity_checks`; unreadable text reads as none.
        identity_checks: row
            .try_get::<Option<String>, _>("identity_checks")?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
    })
}

#[async_trait]
impl RunnerStore for SqlStore {
    async fn create_runner(
        &self,
        new: &NewRunner,
        audit: &AuditEntry,
    ) -> StoreResult<RunnerRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        sqlx::query(
            "INSERT INTO runners (id, org_id, slug, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&new.id)
        .bind(&new.org_id)
        .bind(new.name.as_str())
        .bind(&new.token_hash)
        .bind(new.created_at.millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_sqlx(e, || format!("runner `{}` exists", new.name)))?;
        let row = sqlx::query(&format!("{SELECT_RUNNER} WHERE r.id = $1"))
            .bind(&new.id)
            .fetch_one(&mut *tx)
            .await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        runner(&row)
    }

    async fn list_runners(&self, org_id: &str) -> StoreResult<Vec<RunnerRecord>> {
        sqlx::query(&format!(
            "{SELECT_RUNNER} WHERE r.org_id = $1 ORDER BY r.slug"
        ))
        .bind(org_id)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(runner)
        .collect()
    }

    async fn find_runner(&self, org_id: &str, name: &Slug) -> StoreResult<Option<RunnerRecord>> {
        sqlx::query(&format!(
            "{SELECT_RUNNER} WHERE r.org_id = $1 AND r.slug = $2"
        ))
        .bind(org_id)
        .bind(name.as_str())
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(runner)
        .transpose()
    }

    async fn find_runner_by_token(&self, hash_hex: &str) -> StoreResult<Option<RunnerRecord>> {
        sqlx::query(&format!("{SELECT_RUNNER} WHERE r.token_hash = $1"))
            .bind(hash_hex)
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(runner)
            .transpose()
    }

    async fn delete_runner(
        &self,
        org_id: &str,
        name: &Slug,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.delete_named("runners", "runner", org_id, name, audit)
            .await
    }

    async fn set_default_runner(
        &self,
        org_id: &str,
        runner_id: Option<&str>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        sqlx::query("UPDATE runners SET is_default = 0 WHERE org_id = $1 AND is_default <> 0")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        if let Some(id) = runner_id {
            let done =
                sqlx::query("UPDATE runners SET is_default = 1 WHERE org_id = $1 AND id = $2")
                    .bind(org_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("runner {id}")));
            }
        }
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_runner_aws_identity(&self, runner_id: &str, identity: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE runners SET aws_identity = $1 WHERE id = $2 \
             AND (aws_identity IS NULL OR aws_identity <> $1)",
        )
        .bind(identity)
        .bind(runner_id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn set_runner_identity_checks(
        &self,
        runner_id: &str,
        checks: &[IdentityCheck],
    ) -> StoreResult<()> {
        let json = serde_json::to_string(checks)
            .map_err(|e| StoreError::Corrupt(format!("identity checks: {e}")))?;
        sqlx::query("UPDATE runners SET identity_checks = $1 WHERE id = $2")
            .bind(json)
            .bind(runner_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn set_runner_isolation(&self, runner_id: &str, isolation: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE runners SET isolation = $1 WHERE id = $2 \
             AND (isolation IS NULL OR isolation <> $1)",
        )
        .bind(isolation)
        .bind(runner_id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn request_identity_recheck(&self, runner_id: &str, at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE runners SET identity_recheck_at = $1 WHERE id = $2")
            .bind(at)
            .bind(runner_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn take_identity_recheck(&self, runner_id: &str) -> StoreResult<bool> {
        // Claims ask every two seconds and there is rarely a request: a read first, so that the
        // usual answer takes no write lock.
        let pending: Option<i64> =
            sqlx::query_scalar("SELECT identity_recheck_at FROM runners WHERE id = $1")
                .bind(runner_id)
                .fetch_optional(&self.read)
                .await?
                .flatten();
        if pending.is_none() {
            return Ok(false);
        }
        // One statement, so that of two replicas serving the runner's claims only one hands
        // the request on.
        let taken = sqlx::query(
            "UPDATE runners SET identity_recheck_at = NULL \
             WHERE id = $1 AND identity_recheck_at IS NOT NULL",
        )
        .bind(runner_id)
        .execute(&self.write)
        .await?;
        Ok(taken.rows_affected() > 0)
    }

    async fn touch_runner(&self, runner_id: &str, at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE runners SET last_seen_at = $1 WHERE id = $2")
            .bind(at)
            .bind(runner_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
