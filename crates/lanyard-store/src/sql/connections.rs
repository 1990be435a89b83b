//! Connections: a provider, an auth mode, and fields that are literals or references.

use std::collections::BTreeMap;

use async_trait::async_trait;
use lanyard_domain::{Slug, Timestamp};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::begin_write;
use super::{rows, secrets, SqlStore};
use crate::{
    AuditEntry, ConnectionRecord, ConnectionStore, ConnectionWrite, FieldSource, NewFieldSource,
    StoreError, StoreResult,
};

const SELECT_CONNECTION: &str =
    "SELECT id, org_id, slug, provider, kind, auth_mode, state, last_verified_at, verdict, \
     verification_message, created_at, updated_at FROM connections";

/// Fields joined with what they reference, so a record carries names and versions.
const SELECT_FIELDS: &str = "SELECT f.connection_id, f.name, f.literal, f.secret_id, \
     s.slug AS secret_slug, s.current_version, f.variable_id, v.slug AS variable_slug, \
     v.value AS variable_value FROM connection_fields f \
     LEFT JOIN secrets s ON s.id = f.secret_id LEFT JOIN variables v ON v.id = f.variable_id";

fn field(row: &AnyRow) -> StoreResult<(String, FieldSource)> {
    let name: String = row.try_get("name")?;
    let secret_id: Option<String> = row.try_get("secret_id")?;
    let variable_id: Option<String> = row.try_get("variable_id")?;
    let source = match (secret_id, variable_id) {
        (Some(id), _) => FieldSource::Secret {
            id,
            name: rows::slug(row, "secret_slug")?,
            current_version: row.try_get("current_version")?,
        },
        (None, Some(id)) => FieldSource::Variable {
            id,
            name: rows::slug(row, "variable_slug")?,
            value: row.try_get("variable_value")?,
        },
        (None, None) => FieldSource::Literal(
            row.try_get::<Option<String>, _>("literal")?
                .unwrap_or_default(),
        ),
    };
    Ok((name, source))
}

fn connection(
    row: &AnyRow,
    fields: BTreeMap<String, FieldSource>,
) -> StoreResult<ConnectionRecord> {
    Ok(ConnectionRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        name: rows::slug(row, "slug")?,
        provider: row.try_get("provider")?,
        kind: row.try_get("kind")?,
        auth_mode: row.try_get("auth_mode")?,
        fields,
        pending: row.try_get::<String, _>("state")? == "pending",
        last_verified_at: row
            .try_get::<Option<i64>, _>("last_verified_at")?
            .map(Timestamp),
        verdict: row.try_get("verdict")?,
        verification_message: row.try_get("verification_message")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

fn state(write: &ConnectionWrite) -> &'static str {
    if write.pending {
        "pending"
    } else {
        "ready"
    }
}

impl SqlStore {
    /// Loads the fields of the given connections in one query.
    async fn fields_of(
        &self,
        where_clause: &str,
        bind: &str,
    ) -> StoreResult<BTreeMap<String, BTreeMap<String, FieldSource>>> {
        let rows = sqlx::query(&format!("{SELECT_FIELDS} {where_clause}"))
            .bind(bind)
            .fetch_all(&self.read)
            .await?;
        let mut by_connection: BTreeMap<String, BTreeMap<String, FieldSource>> = BTreeMap::new();
        for row in &rows {
            let connection_id: String = row.try_get("connection_id")?;
            let (name, source) = field(row)?;
            by_connection
                .entry(connection_id)
                .or_default()
                .insert(name, source);
        }
        Ok(by_connection)
    }

    async fn names_using(&self, column: &str, id: &str) -> StoreResult<Vec<Slug>> {
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT c.slug FROM connection_fields f \
             JOIN connections c ON c.id = f.connection_id WHERE f.{column} = $1 ORDER BY c.slug"
        ))
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| rows::slug(r, "slug")).collect()
    }
}

#[async_trait]
impl ConnectionStore for SqlStore {
    async fn save_connection(
        &self,
        write: &ConnectionWrite,
        audit: &AuditEntry,
    ) -> StoreResult<ConnectionRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        for (secret, first) in &write.new_secrets {
            secrets::insert_secret(&mut tx, secret, first).await?;
        }
        for version in &write.new_versions {
            secrets::append_version(&mut tx, version).await?;
        }
        if write.create {
            sqlx::query(
                "INSERT INTO connections (id, org_id, slug, provider, kind, auth_mode, created_at, \
                 updated_at, state, last_verified_at, verdict) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10)",
            )
            .bind(&write.id)
            .bind(&write.org_id)
            .bind(write.name.as_str())
            .bind(&write.provider)
            .bind(write.kind.as_deref())
            .bind(&write.auth_mode)
            .bind(write.at.millis())
            .bind(state(write))
            .bind(write.verification.as_ref().map(|(at, _)| at.millis()))
            .bind(write.verification.as_ref().map(|(_, v)| v.as_str()))
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                StoreError::from_sqlx(e, || format!("connection `{}` already exists", write.name))
            })?;
        } else {
            let done = sqlx::query(
                "UPDATE connections SET kind = $1, auth_mode = $2, updated_at = $3, state = $5, \
                 last_verified_at = $6, verdict = $7, verification_message = NULL, \
                 check_due = CASE WHEN $7 IS NULL THEN 1 ELSE 0 END WHERE id = $4",
            )
            .bind(write.kind.as_deref())
            .bind(&write.auth_mode)
            .bind(write.at.millis())
            .bind(&write.id)
            .bind(state(write))
            .bind(write.verification.as_ref().map(|(at, _)| at.millis()))
            .bind(write.verification.as_ref().map(|(_, v)| v.as_str()))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("connection `{}`", write.name)));
            }
            sqlx::query("DELETE FROM connection_fields WHERE connection_id = $1")
                .bind(&write.id)
                .execute(&mut *tx)
                .await?;
        }
        for (name, source) in &write.fields {
            let (literal, secret_id, variable_id) = match source {
                NewFieldSource::Literal(value) => (Some(value.as_str()), None, None),
                NewFieldSource::Secret(id) => (None, Some(id.as_str()), None),
                NewFieldSource::Variable(id) => (None, None, Some(id.as_str())),
            };
            sqlx::query(
                "INSERT INTO connection_fields (connection_id, name, literal, secret_id, \
                 variable_id) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&write.id)
            .bind(name)
            .bind(literal)
            .bind(secret_id)
            .bind(variable_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                StoreError::from_sqlx(e, || {
                    format!("field `{name}` references a deleted secret or variable")
                })
            })?;
        }
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        self.find_connection(&write.org_id, &write.name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("connection `{}`", write.name)))
    }

    async fn find_connection(
        &self,
        org_id: &str,
        name: &Slug,
    ) -> StoreResult<Option<ConnectionRecord>> {
        let Some(row) = sqlx::query(&format!(
            "{SELECT_CONNECTION} WHERE org_id = $1 AND slug = $2"
        ))
        .bind(org_id)
        .bind(name.as_str())
        .fetch_optional(&self.read)
        .await?
        else {
            return Ok(None);
        };
        let id: String = row.try_get("id")?;
        let mut fields = self.fields_of("WHERE f.connection_id = $1", &id).await?;
        connection(&row, fields.remove(&id).unwrap_or_default()).map(Some)
    }

    async fn list_connections(
        &self,
        org_id: &str,
        provider: Option<&str>,
    ) -> StoreResult<Vec<ConnectionRecord>> {
        let rows = sqlx::query(&format!(
            "{SELECT_CONNECTION} WHERE org_id = $1 AND ($2 = '' OR provider = $2) ORDER BY slug"
        ))
        .bind(org_id)
        .bind(provider.unwrap_or(""))
        .fetch_all(&self.read)
        .await?;
        let mut fields = self
            .fields_of(
                "JOIN connections c ON c.id = f.connection_id WHERE c.org_id = $1",
                org_id,
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                connection(row, fields.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    async fn delete_connection(
        &self,
        org_id: &str,
        name: &Slug,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        // Environments whose default this was remember it, so that their deployments fail
        // naming it instead of quietly resolving to the organization default.
        sqlx::query(
            "INSERT INTO vacated_defaults (environment_id, org_id, provider, connection_slug, \
             vacated_at) SELECT d.environment_id, d.org_id, d.provider, c.slug, $3 \
             FROM env_defaults d JOIN connections c ON c.id = d.connection_id \
             WHERE c.org_id = $1 AND c.slug = $2 \
             ON CONFLICT (environment_id, provider) DO UPDATE SET \
             connection_slug = excluded.connection_slug, vacated_at = excluded.vacated_at",
        )
        .bind(org_id)
        .bind(name.as_str())
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM connections WHERE org_id = $1 AND slug = $2")
            .bind(org_id)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                StoreError::from_sqlx(e, || {
                    format!("connection `{name}` is referenced by another record")
                })
            })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("connection `{name}`")));
        }
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_verification(
        &self,
        org_id: &str,
        connection_id: &str,
        at: Timestamp,
        verdict: &str,
        message: Option<&str>,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let done = sqlx::query(
            "UPDATE connections SET last_verified_at = $1, verdict = $2, verification_message = $5, \
             check_due = 0, check_lease_until = NULL WHERE id = $3 AND org_id = $4",
        )
        .bind(at.millis())
        .bind(verdict)
        .bind(connection_id)
        .bind(org_id)
        .bind(message)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("connection".to_owned()));
        }
        if let Some(audit) = audit {
            super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_due_checks(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<(String, Slug, Slug)>> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        // The lease test in the outer WHERE makes the claim a compare-and-swap: on PostgreSQL a
        // concurrent claimer re-evaluates it after the first commits and skips those rows.
        let claimed = sqlx::query(
            "UPDATE connections SET check_lease_until = $2 WHERE id IN (\
             SELECT c.id FROM connections c JOIN organizations o ON o.id = c.org_id \
             WHERE c.state = 'ready' AND (c.check_due = 1 \
                OR c.last_verified_at < $1 - COALESCE(o.check_interval_secs, 86400) * 1000) \
             AND (c.check_lease_until IS NULL OR c.check_lease_until < $1) \
             ORDER BY c.check_due DESC, COALESCE(c.last_verified_at, 0), c.id LIMIT $3) \
             AND (check_lease_until IS NULL OR check_lease_until < $1) RETURNING id",
        )
        .bind(now)
        .bind(lease_until)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut due = Vec::with_capacity(claimed.len());
        for row in &claimed {
            let id: String = row.try_get("id")?;
            let row = sqlx::query(
                "SELECT c.org_id, o.slug AS org, c.slug FROM connections c \
                 JOIN organizations o ON o.id = c.org_id WHERE c.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            due.push((
                row.try_get("org_id")?,
                rows::slug(&row, "org")?,
                rows::slug(&row, "slug")?,
            ));
        }
        tx.commit().await?;
        Ok(due)
    }

    async fn mark_check_due(&self, secret_id: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE connections SET check_due = 1 WHERE id IN \
             (SELECT connection_id FROM connection_fields WHERE secret_id = $1)",
        )
        .bind(secret_id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn connections_using_secret(&self, secret_id: &str) -> StoreResult<Vec<Slug>> {
        self.names_using("secret_id", secret_id).await
    }

    async fn connections_using_variable(&self, variable_id: &str) -> StoreResult<Vec<Slug>> {
        self.names_using("variable_id", variable_id).await
    }
}
