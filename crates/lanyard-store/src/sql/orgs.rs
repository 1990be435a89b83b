//! Organizations: created together with their first admin token, deleted with everything in them.

use async_trait::async_trait;
use lanyard_domain::Slug;

use super::begin_write;
use super::{rows, tokens, SqlStore};
use crate::{AuditEntry, NewOrg, NewToken, OrgRecord, OrgStore, StoreError, StoreResult};

pub(super) async fn insert_org(
    conn: &mut sqlx::AnyConnection,
    org: &NewOrg,
) -> StoreResult<OrgRecord> {
    sqlx::query("INSERT INTO organizations (id, slug, created_at) VALUES ($1, $2, $3)")
        .bind(&org.id)
        .bind(org.slug.as_str())
        .bind(org.created_at.millis())
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            StoreError::from_sqlx(e, || format!("organization `{}` already exists", org.slug))
        })?;
    Ok(OrgRecord {
        id: org.id.clone(),
        slug: org.slug.clone(),
        created_at: org.created_at,
        job_timeout_secs: None,
        upload_max_bytes: None,
        upload_max_files: None,
    })
}

#[async_trait]
impl OrgStore for SqlStore {
    async fn create_org(
        &self,
        org: &NewOrg,
        admin: &NewToken,
        audit: &AuditEntry,
    ) -> StoreResult<OrgRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let record = insert_org(&mut tx, org).await?;
        tokens::insert_token(&mut tx, admin).await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn find_org(&self, slug: &Slug) -> StoreResult<Option<OrgRecord>> {
        sqlx::query(
            "SELECT id, slug, created_at, job_timeout_secs, upload_max_bytes, upload_max_files \
             FROM organizations WHERE slug = $1",
        )
        .bind(slug.as_str())
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(rows::org)
        .transpose()
    }

    async fn set_org_job_timeout(
        &self,
        org_id: &str,
        seconds: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.set_org_seconds("job_timeout_secs", org_id, seconds, audit)
            .await
    }

    async fn set_org_check_interval(
        &self,
        org_id: &str,
        seconds: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.set_org_seconds("check_interval_secs", org_id, seconds, audit)
            .await
    }

    async fn set_org_upload_limits(
        &self,
        org_id: &str,
        max_bytes: Option<i64>,
        max_files: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let done = sqlx::query(
            "UPDATE organizations SET upload_max_bytes = $1, upload_max_files = $2 WHERE id = $3",
        )
        .bind(max_bytes)
        .bind(max_files)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("organization".to_owned()));
        }
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_org(&self, org_id: &str) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        // Fields reference secrets and variables without cascading (so a referenced secret
        // cannot be deleted alone); drop them first so the organization's cascade can proceed.
        sqlx::query(
            "DELETE FROM connection_fields WHERE connection_id IN \
             (SELECT id FROM connections WHERE org_id = $1)",
        )
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("organization".to_owned()));
        }
        super::changes::announce(&mut tx, self.backend, crate::changes::Change::Data).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl SqlStore {
    /// Sets one of an organization's duration settings (a fixed column name, never input),
    /// with its audit event.
    async fn set_org_seconds(
        &self,
        column: &'static str,
        org_id: &str,
        seconds: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let done = sqlx::query(&format!(
            "UPDATE organizations SET {column} = $1 WHERE id = $2"
        ))
        .bind(seconds)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("organization".to_owned()));
        }
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
