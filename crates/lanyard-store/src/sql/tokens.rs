//! API tokens, kept as SHA-256 hashes; revoked tokens stay as rows for the record.

use async_trait::async_trait;

use super::begin_write;
use super::{rows, SqlStore};
use crate::{AuditEntry, NewToken, StoreError, StoreResult, TokenRecord, TokenStore};

const SELECT_TOKEN: &str = "SELECT t.id, t.org_id, o.slug AS org_slug, t.token_hash, t.role, \
     t.environments, t.description, t.created_at, t.instance_admin \
     FROM api_tokens t JOIN organizations o ON o.id = t.org_id";

pub(super) async fn insert_token(
    conn: &mut sqlx::AnyConnection,
    token: &NewToken,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, org_id, token_hash, role, environments, description, \
         created_at, instance_admin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&token.id)
    .bind(&token.org_id)
    .bind(&token.hash_hex)
    .bind(token.role.as_str())
    .bind(rows::encode_slugs(&token.environments))
    .bind(&token.description)
    .bind(token.created_at.millis())
    .bind(i64::from(token.instance_admin))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl TokenStore for SqlStore {
    async fn create_token(&self, token: &NewToken, audit: &AuditEntry) -> StoreResult<TokenRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        insert_token(&mut tx, token).await?;
        let row = sqlx::query(&format!("{SELECT_TOKEN} WHERE t.id = $1"))
            .bind(&token.id)
            .fetch_one(&mut *tx)
            .await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        rows::token(&row)
    }

    async fn find_token_by_hash(&self, hash_hex: &str) -> StoreResult<Option<TokenRecord>> {
        sqlx::query(&format!(
            "{SELECT_TOKEN} WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(hash_hex)
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(rows::token)
        .transpose()
    }

    async fn list_tokens(&self, org_id: &str) -> StoreResult<Vec<TokenRecord>> {
        sqlx::query(&format!(
            "{SELECT_TOKEN} WHERE t.org_id = $1 AND t.revoked_at IS NULL ORDER BY t.created_at, t.id"
        ))
        .bind(org_id)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(rows::token)
        .collect()
    }

    async fn token_labels(&self, org_id: &str) -> StoreResult<Vec<(String, String, String, bool)>> {
        use sqlx::Row as _;
        let rows = sqlx::query(
            "SELECT id, role, description, revoked_at FROM api_tokens WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let revoked: Option<i64> = row.try_get("revoked_at")?;
                Ok((
                    row.try_get("id")?,
                    row.try_get("role")?,
                    row.try_get("description")?,
                    revoked.is_some(),
                ))
            })
            .collect()
    }

    async fn revoke_token(
        &self,
        org_id: &str,
        token_id: &str,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let query = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(org_id)
        .bind(token_id);
        if self.audited(query, audit).await?? == 0 {
            return Err(StoreError::NotFound(format!("token `{token_id}`")));
        }
        Ok(())
    }
}
