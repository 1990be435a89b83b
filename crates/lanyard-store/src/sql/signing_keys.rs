//! The OIDC issuer's sealed signing keys.

use async_trait::async_trait;
use lanyard_crypto::SealedBlob;
use sqlx::Row;

use super::{begin_write, SqlStore};
use crate::{AuditEntry, SigningKeyRecord, SigningKeyStore, StoreError, StoreResult};

#[async_trait]
impl SigningKeyStore for SqlStore {
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, sealed, created_at, retired_at FROM signing_keys \
             ORDER BY created_at DESC, kid",
        )
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|row| {
                let kid: String = row.try_get("kid")?;
                let bytes: Vec<u8> = row.try_get("sealed")?;
                let sealed = SealedBlob::from_vec(bytes)
                    .map_err(|e| StoreError::Corrupt(format!("sealed signing key {kid}: {e}")))?;
                Ok(SigningKeyRecord {
                    kid,
                    sealed,
                    created_at: row.try_get("created_at")?,
                    retired_at: row.try_get("retired_at")?,
                })
            })
            .collect()
    }

    async fn add_signing_key(
        &self,
        key: &SigningKeyRecord,
        retire_others: bool,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        if retire_others {
            sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
                .bind(key.created_at)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO signing_keys (kid, sealed, created_at, retired_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&key.kid)
        .bind(key.sealed.to_vec())
        .bind(key.created_at)
        .bind(key.retired_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_sqlx(e, || format!("signing key {} exists", key.kid)))?;
        if let Some(audit) = audit {
            super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn purge_signing_keys(&self, retired_before: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM signing_keys WHERE retired_at < $1")
            .bind(retired_before)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }

    async fn reseal_signing_key(&self, kid: &str, sealed: &SealedBlob) -> StoreResult<()> {
        sqlx::query("UPDATE signing_keys SET sealed = $1 WHERE kid = $2")
            .bind(sealed.to_vec())
            .bind(kid)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
