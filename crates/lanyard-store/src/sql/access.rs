//! Authorizations and defaults, and the one-round-trip read that resolution is built on.

use std::collections::BTreeMap;

use async_trait::async_trait;
use lanyard_domain::Slug;
use sqlx::Row;

use super::begin_write;
use super::{rows, SqlStore};
use crate::{
    AccessStore, AuditEntry, AuthorizationRecord, AuthorizationScope, DefaultRecord,
    ResolutionFacts, StoreError, StoreResult,
};

const ORGANIZATION: &str = "organization";
const ENVIRONMENT: &str = "environment";

impl SqlStore {
    /// Authorizations matching a filter on `a` (authorizations) / `c` (connections).
    async fn authorizations_where(
        &self,
        filter: &str,
        binds: &[&str],
    ) -> StoreResult<Vec<AuthorizationRecord>> {
        let sql = format!(
            "SELECT a.connection_id, a.scope, c.slug, c.provider FROM authorizations a \
             JOIN connections c ON c.id = a.connection_id WHERE {filter} ORDER BY c.slug"
        );
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        let rows = query.fetch_all(&self.read).await?;
        let env_sql = format!(
            "SELECT e.connection_id, v.slug FROM authorization_environments e \
             JOIN environments v ON v.id = e.environment_id \
             JOIN authorizations a ON a.connection_id = e.connection_id \
             JOIN connections c ON c.id = a.connection_id WHERE {filter} ORDER BY v.slug"
        );
        let mut env_query = sqlx::query(&env_sql);
        for bind in binds {
            env_query = env_query.bind(*bind);
        }
        let mut listed: BTreeMap<String, Vec<Slug>> = BTreeMap::new();
        for row in env_query.fetch_all(&self.read).await? {
            listed
                .entry(row.try_get("connection_id")?)
                .or_default()
                .push(rows::slug(&row, "slug")?);
        }
        rows.iter()
            .map(|row| {
                let connection_id: String = row.try_get("connection_id")?;
                let scope: String = row.try_get("scope")?;
                let environments = (scope == ENVIRONMENT)
                    .then(|| listed.remove(&connection_id).unwrap_or_default());
                Ok(AuthorizationRecord {
                    connection: rows::slug(row, "slug")?,
                    provider: row.try_get("provider")?,
                    connection_id,
                    environments,
                })
            })
            .collect()
    }
}

#[async_trait]
impl AccessStore for SqlStore {
    async fn put_authorization(
        &self,
        org_id: &str,
        connection_id: &str,
        scope: &AuthorizationScope,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let scope_name = match scope {
            AuthorizationScope::Organization => ORGANIZATION,
            AuthorizationScope::Environments(_) => ENVIRONMENT,
        };
        sqlx::query(
            "INSERT INTO authorizations (connection_id, org_id, scope, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (connection_id) \
             DO UPDATE SET scope = excluded.scope, updated_at = excluded.updated_at",
        )
        .bind(connection_id)
        .bind(org_id)
        .bind(scope_name)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM authorization_environments WHERE connection_id = $1")
            .bind(connection_id)
            .execute(&mut *tx)
            .await?;
        if let AuthorizationScope::Environments(ids) = scope {
            for environment_id in ids {
                sqlx::query(
                    "INSERT INTO authorization_environments (connection_id, environment_id) \
                     VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(connection_id)
                .bind(environment_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    StoreError::from_sqlx(e, || "an environment was deleted meanwhile".into())
                })?;
            }
        }
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_authorization(
        &self,
        connection_id: &str,
    ) -> StoreResult<Option<AuthorizationRecord>> {
        Ok(self
            .authorizations_where("a.connection_id = $1", &[connection_id])
            .await?
            .pop())
    }

    async fn list_authorizations(
        &self,
        org_id: &str,
        provider: Option<&str>,
    ) -> StoreResult<Vec<AuthorizationRecord>> {
        self.authorizations_where(
            "a.org_id = $1 AND ($2 = '' OR c.provider = $2)",
            &[org_id, provider.unwrap_or("")],
        )
        .await
    }

    async fn delete_authorization(
        &self,
        connection_id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let query =
            sqlx::query("DELETE FROM authorizations WHERE connection_id = $1").bind(connection_id);
        if self.audited(query, audit).await?? == 0 {
            return Err(StoreError::NotFound("authorization".to_owned()));
        }
        Ok(())
    }

    async fn is_authorized(&self, connection_id: &str, environment_id: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT a.scope, (SELECT COUNT(*) FROM authorization_environments e \
             WHERE e.connection_id = a.connection_id AND e.environment_id = $2) AS listed \
             FROM authorizations a WHERE a.connection_id = $1",
        )
        .bind(connection_id)
        .bind(environment_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(false) };
        let scope: String = row.try_get("scope")?;
        let listed: i64 = row.try_get("listed")?;
        Ok(scope == ORGANIZATION || listed > 0)
    }

    async fn set_default(
        &self,
        org_id: &str,
        provider: &str,
        environment_id: Option<&str>,
        connection_id: &str,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        // An upsert on the (scope, provider) key: servers racing to set the same default leave
        // exactly one row, the last writer's.
        let query = match environment_id {
            None => sqlx::query(
                "INSERT INTO org_defaults (org_id, provider, connection_id, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, provider) \
                 DO UPDATE SET connection_id = excluded.connection_id, updated_at = excluded.updated_at",
            )
            .bind(org_id)
            .bind(provider)
            .bind(connection_id)
            .bind(at),
            Some(environment_id) => sqlx::query(
                "INSERT INTO env_defaults (environment_id, org_id, provider, connection_id, \
                 updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (environment_id, provider) \
                 DO UPDATE SET connection_id = excluded.connection_id, updated_at = excluded.updated_at",
            )
            .bind(environment_id)
            .bind(org_id)
            .bind(provider)
            .bind(connection_id)
            .bind(at),
        };
        let mut tx = begin_write(&self.write, self.backend).await?;
        query.execute(&mut *tx).await?;
        if let Some(environment_id) = environment_id {
            clear_vacancy(&mut tx, environment_id, provider).await?;
        }
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn unset_default(
        &self,
        org_id: &str,
        provider: &str,
        environment_id: Option<&str>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let query = match environment_id {
            None => sqlx::query("DELETE FROM org_defaults WHERE org_id = $1 AND provider = $2")
                .bind(org_id)
                .bind(provider),
            Some(environment_id) => sqlx::query(
                "DELETE FROM env_defaults WHERE environment_id = $1 AND provider = $2 AND org_id = $3",
            )
            .bind(environment_id)
            .bind(provider)
            .bind(org_id),
        };
        let mut tx = begin_write(&self.write, self.backend).await?;
        let mut removed = query.execute(&mut *tx).await?.rows_affected();
        // Unsetting a vacated environment default is how one says "use the organization's".
        if let Some(environment_id) = environment_id {
            removed += clear_vacancy(&mut tx, environment_id, provider).await?;
        }
        if removed == 0 {
            return Err(StoreError::NotFound("default".to_owned()));
        }
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_defaults(
        &self,
        org_id: &str,
        provider: Option<&str>,
    ) -> StoreResult<Vec<DefaultRecord>> {
        let rows = sqlx::query(
            "SELECT d.provider AS provider, NULL AS environment, c.id AS connection_id, c.slug AS slug \
             FROM org_defaults d JOIN connections c ON c.id = d.connection_id \
             WHERE d.org_id = $1 AND ($2 = '' OR d.provider = $2) \
             UNION ALL \
             SELECT d.provider AS provider, v.slug AS environment, c.id AS connection_id, c.slug AS slug \
             FROM env_defaults d JOIN connections c ON c.id = d.connection_id \
             JOIN environments v ON v.id = d.environment_id \
             WHERE d.org_id = $1 AND ($2 = '' OR d.provider = $2) \
             ORDER BY provider, environment",
        )
        .bind(org_id)
        .bind(provider.unwrap_or(""))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let environment: Option<String> = row.try_get("environment")?;
                Ok(DefaultRecord {
                    provider: row.try_get("provider")?,
                    environment: environment
                        .map(|e| Slug::parse(&e))
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    connection_id: row.try_get("connection_id")?,
                    connection: rows::slug(row, "slug")?,
                })
            })
            .collect()
    }

    async fn resolution_facts(
        &self,
        org_id: &str,
        provider: &str,
        environment_id: &str,
        explicit: Option<&Slug>,
    ) -> StoreResult<ResolutionFacts> {
        let rows = sqlx::query(
            "SELECT 'explicit' AS layer, c.id, c.slug, c.provider FROM connections c \
             WHERE c.org_id = $1 AND c.slug = $4 \
             UNION ALL \
             SELECT 'environment' AS layer, c.id, c.slug, c.provider FROM env_defaults d \
             JOIN connections c ON c.id = d.connection_id \
             WHERE d.environment_id = $3 AND d.provider = $2 \
             UNION ALL \
             SELECT 'organization' AS layer, c.id, c.slug, c.provider FROM org_defaults d \
             JOIN connections c ON c.id = d.connection_id WHERE d.org_id = $1 AND d.provider = $2 \
             UNION ALL \
             SELECT 'vacated' AS layer, '' AS id, v.connection_slug AS slug, v.provider \
             FROM vacated_defaults v WHERE v.environment_id = $3 AND v.provider = $2",
        )
        .bind(org_id)
        .bind(provider)
        .bind(environment_id)
        .bind(explicit.map_or("", Slug::as_str))
        .fetch_all(&self.read)
        .await?;
        let mut facts = ResolutionFacts {
            explicit: None,
            environment_default: None,
            organization_default: None,
            vacated_default: None,
        };
        for row in &rows {
            let layer: String = row.try_get("layer")?;
            let id: String = row.try_get("id")?;
            let name = rows::slug(row, "slug")?;
            match layer.as_str() {
                "explicit" => facts.explicit = Some((id, name, row.try_get("provider")?)),
                "environment" => facts.environment_default = Some((id, name)),
                "vacated" => facts.vacated_default = Some(name),
                _ => facts.organization_default = Some((id, name)),
            }
        }
        Ok(facts)
    }
}

/// Forgets that an environment's default for a provider was deleted; how many rows that removed.
async fn clear_vacancy(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    environment_id: &str,
    provider: &str,
) -> StoreResult<u64> {
    let done =
        sqlx::query("DELETE FROM vacated_defaults WHERE environment_id = $1 AND provider = $2")
            .bind(environment_id)
            .bind(provider)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected())
}
