//! Console sessions: one row per session, looked up by the hash of the cookie's id together with
//! the live token it acts as.

use async_trait::async_trait;
use lanyard_crypto::SealedBlob;
use sqlx::Row;

use super::{begin_write, rows, SqlStore};
use crate::sessions::{NewSession, SessionRecord, SessionSetup, SessionStore};
use crate::{AuditEntry, StoreError, StoreResult};

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_session(&self, session: &NewSession, audit: &AuditEntry) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, token_id, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.id_hash)
        .bind(&session.token_id)
        .bind(&session.csrf)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&mut *tx)
        .await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_session(&self, id_hash: &str, now: i64) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT t.id, t.org_id, o.slug AS org_slug, t.token_hash, t.role, t.environments, \
             t.description, t.created_at, t.instance_admin, \
             s.csrf, s.expires_at, s.flash \
             FROM console_sessions s \
             JOIN api_tokens t ON t.id = s.token_id \
             JOIN organizations o ON o.id = t.org_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.read)
        .await?;
        row.map(|row| {
            Ok(SessionRecord {
                token: rows::token(&row)?,
                csrf: row.try_get("csrf")?,
                expires_at: row.try_get("expires_at")?,
                flash: row.try_get("flash")?,
            })
        })
        .transpose()
    }

    async fn end_session(&self, id_hash: &str, audit: Option<&AuditEntry>) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let done = sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        if let Some(audit) = audit.filter(|_| done.rows_affected() > 0) {
            super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_session_flash(&self, id_hash: &str, flash: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE console_sessions SET flash = $1 WHERE id_hash = $2")
            .bind(flash)
            .bind(id_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn put_session_setup(
        &self,
        id_hash: &str,
        connection: &str,
        setup: &SessionSetup,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO console_setups (session_hash, connection, role_name, sealed) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (session_hash, connection) \
             DO UPDATE SET role_name = excluded.role_name, sealed = excluded.sealed",
        )
        .bind(id_hash)
        .bind(connection)
        .bind(&setup.role_name)
        .bind(setup.sealed.to_vec())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn session_setup(
        &self,
        id_hash: &str,
        connection: &str,
    ) -> StoreResult<Option<SessionSetup>> {
        let row = sqlx::query(
            "SELECT role_name, sealed FROM console_setups \
             WHERE session_hash = $1 AND connection = $2",
        )
        .bind(id_hash)
        .bind(connection)
        .fetch_optional(&self.read)
        .await?;
        row.map(|row| {
            let bytes: Vec<u8> = row.try_get("sealed")?;
            let sealed = SealedBlob::from_vec(bytes).map_err(|e| {
                StoreError::Corrupt(format!("sealed setup of connection {connection}: {e}"))
            })?;
            Ok(SessionSetup {
                role_name: row.try_get("role_name")?,
                sealed,
            })
        })
        .transpose()
    }

    async fn drop_session_setup(&self, id_hash: &str, connection: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_setups WHERE session_hash = $1 AND connection = $2")
            .bind(id_hash)
            .bind(connection)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn purge_sessions(&self, now: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM console_sessions WHERE expires_at <= $1 OR token_id IN \
             (SELECT id FROM api_tokens WHERE revoked_at IS NOT NULL)",
        )
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }
}
