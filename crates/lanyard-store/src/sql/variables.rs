//! Variables: plain organization-level values that connections may reference.

use async_trait::async_trait;
use lanyard_domain::{Slug, Timestamp};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::begin_write;
use super::{rows, SqlStore};
use crate::{AuditEntry, NewVariable, StoreResult, VariableRecord, VariableStore};

const SELECT_VARIABLE: &str =
    "SELECT id, org_id, slug, value, created_at, updated_at FROM variables";

fn variable(row: &AnyRow) -> StoreResult<VariableRecord> {
    Ok(VariableRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        name: rows::slug(row, "slug")?,
        value: row.try_get("value")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

#[async_trait]
impl VariableStore for SqlStore {
    async fn set_variable(
        &self,
        v: &NewVariable,
        audit: &AuditEntry,
    ) -> StoreResult<VariableRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO variables (id, org_id, slug, value, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (org_id, slug) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at \
             RETURNING id, org_id, slug, value, created_at, updated_at",
        )
        .bind(&v.id)
        .bind(&v.org_id)
        .bind(v.name.as_str())
        .bind(&v.value)
        .bind(v.at.millis())
        .fetch_one(&mut *tx)
        .await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        variable(&row)
    }

    async fn list_variables(&self, org_id: &str) -> StoreResult<Vec<VariableRecord>> {
        sqlx::query(&format!(
            "{SELECT_VARIABLE} WHERE org_id = $1 ORDER BY slug"
        ))
        .bind(org_id)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(variable)
        .collect()
    }

    async fn find_variable(
        &self,
        org_id: &str,
        name: &Slug,
    ) -> StoreResult<Option<VariableRecord>> {
        sqlx::query(&format!(
            "{SELECT_VARIABLE} WHERE org_id = $1 AND slug = $2"
        ))
        .bind(org_id)
        .bind(name.as_str())
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(variable)
        .transpose()
    }

    async fn delete_variable(
        &self,
        org_id: &str,
        name: &Slug,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.delete_named("variables", "variable", org_id, name, audit)
            .await
    }
}
