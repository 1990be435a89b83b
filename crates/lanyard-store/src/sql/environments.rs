//! Environments inside an organization.

use async_trait::async_trait;
use lanyard_domain::Slug;

use super::{rows, SqlStore};
use crate::{
    AuditEntry, EnvironmentRecord, EnvironmentStore, NewEnvironment, StoreError, StoreResult,
};

#[async_trait]
impl EnvironmentStore for SqlStore {
    async fn create_environment(
        &self,
        env: &NewEnvironment,
        audit: &AuditEntry,
    ) -> StoreResult<EnvironmentRecord> {
        let query = sqlx::query(
            "INSERT INTO environments (id, org_id, slug, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&env.id)
        .bind(&env.org_id)
        .bind(env.name.as_str())
        .bind(env.created_at.millis());
        self.audited(query, audit).await?.map_err(|e| {
            StoreError::from_sqlx(e, || format!("environment `{}` already exists", env.name))
        })?;
        Ok(EnvironmentRecord {
            id: env.id.clone(),
            org_id: env.org_id.clone(),
            name: env.name.clone(),
            created_at: env.created_at,
        })
    }

    async fn list_environments(&self, org_id: &str) -> StoreResult<Vec<EnvironmentRecord>> {
        sqlx::query(
            "SELECT id, org_id, slug, created_at FROM environments WHERE org_id = $1 ORDER BY slug",
        )
        .bind(org_id)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(rows::environment)
        .collect()
    }

    async fn find_environment(
        &self,
        org_id: &str,
        name: &Slug,
    ) -> StoreResult<Option<EnvironmentRecord>> {
        sqlx::query(
            "SELECT id, org_id, slug, created_at FROM environments WHERE org_id = $1 AND slug = $2",
        )
        .bind(org_id)
        .bind(name.as_str())
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(rows::environment)
        .transpose()
    }

    async fn delete_environment(
        &self,
        org_id: &str,
        name: &Slug,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.delete_named("environments", "environment", org_id, name, audit)
            .await
    }
}
