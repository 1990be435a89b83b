//! Appending to an organization's audit chain inside the caller's transaction, and reading it.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Backend, SqlStore};
use crate::{audit_hash, AuditEntry, AuditEvent, AuditStore, StoreResult, GENESIS_HASH};

/// Appends `entry` in the caller's transaction, so the event commits with the change it records.
pub(crate) async fn append(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    entry: &AuditEntry,
) -> StoreResult<()> {
    if backend == Backend::Postgres {
        // Appends to one organization's chain are serialized across every server; SQLite's
        // single writer connection serializes them already.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&entry.org_id)
            .execute(&mut *conn)
            .await?;
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
        .bind(&entry.org_id)
        .fetch_optional(&mut *conn)
        .await?;
    let (seq, prev_hash) = match head {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let hash = audit_hash(&prev_hash, seq, entry);
    sqlx::query(
        "INSERT INTO audit_events (org_id, seq, at, actor, source, action, target, details, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&entry.org_id)
    .bind(seq)
    .bind(entry.at)
    .bind(&entry.actor)
    .bind(&entry.source)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.details)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, $2, $3) \
         ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(&entry.org_id)
    .bind(seq)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn event(row: &AnyRow) -> StoreResult<AuditEvent> {
    Ok(AuditEvent {
        seq: row.try_get("seq")?,
        entry: AuditEntry {
            org_id: row.try_get("org_id")?,
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            source: row.try_get("source")?,
            action: row.try_get("action")?,
            target: row.try_get("target")?,
            details: row.try_get("details")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const SELECT_EVENT: &str = "SELECT org_id, seq, at, actor, source, action, target, details, \
     prev_hash, hash FROM audit_events";

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        append(&mut tx, self.backend, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_audit(
        &self,
        org_id: &str,
        since: i64,
        target: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        sqlx::query(&format!(
            "{SELECT_EVENT} WHERE org_id = $1 AND at >= $2 AND ($3 = '' OR target = $3) \
             ORDER BY seq DESC LIMIT $4"
        ))
        .bind(org_id)
        .bind(since)
        .bind(target.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(event)
        .collect()
    }

    async fn audit_chain(
        &self,
        org_id: &str,
    ) -> StoreResult<(Vec<AuditEvent>, Option<(i64, String)>)> {
        let mut tx = self.read.begin().await?;
        let events = sqlx::query(&format!("{SELECT_EVENT} WHERE org_id = $1 ORDER BY seq"))
            .bind(org_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(event)
            .collect::<StoreResult<Vec<_>>>()?;
        let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| -> StoreResult<(i64, String)> {
                Ok((row.try_get("seq")?, row.try_get("hash")?))
            })
            .transpose()?;
        tx.commit().await?;
        Ok((events, head))
    }
}
