//! Appending to an organization's audit chain inside the caller's transaction, and reading it.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::AnyPool;
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use super::begin_write;
use super::{Backend, SqlStore};
use crate::{
    audit_link, AuditEntry, AuditEvent, AuditKey, AuditStore, StoreError, StoreResult, GENESIS_HASH,
};

/// The key audit links are made with, once the core has set it (see `Store::set_audit_key`);
/// shared by the store and its group-commit writer.
#[derive(Clone, Default)]
pub(crate) struct LinkKey(std::sync::Arc<std::sync::OnceLock<std::sync::Arc<dyn AuditKey>>>);

impl LinkKey {
    fn get(&self) -> Option<&dyn AuditKey> {
        self.0.get().map(|key| key.as_ref())
    }

    pub(crate) fn set(&self, key: std::sync::Arc<dyn AuditKey>) {
        let _ = self.0.set(key);
    }
}

/// Appends `entry` in the caller's transaction, so the event commits with the change it records.
pub(crate) async fn append(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    key: &LinkKey,
    entry: &AuditEntry,
) -> StoreResult<()> {
    let (last, prev_hash) = lock_head(conn, backend, &entry.org_id).await?;
    let seq = last + 1;
    let hash = audit_link(key.get(), &prev_hash, seq, entry);
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
    set_head(conn, &entry.org_id, seq, &hash).await?;
    // Every audited change may change what other servers cached.
    super::changes::announce(conn, backend, crate::changes::Change::Data).await
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

/// Acknowledges a job once its group committed (or failed).
type Ack = oneshot::Sender<Result<(), String>>;

/// Work for the group-commit writer.
pub(crate) enum Job {
    /// An event; acknowledged after its commit when the caller waits for durability.
    Event(AuditEntry, Option<Ack>),
    /// Acknowledged once every job queued before it has been written.
    Flush(Ack),
}

/// The writer's queue.
pub(crate) type Queue = mpsc::Sender<Job>;

/// Rows per multi-row insert. Only these sizes are used, so the drivers' prepared-statement
/// caches hold four statements instead of one per group size.
const INSERT_SHAPES: [usize; 4] = [32, 8, 2, 1];

/// Most jobs one group commit takes.
const GROUP: usize = 512;

/// Starts the writer that appends standalone events in groups: every event waiting when a
/// commit starts goes into that one transaction. Callers that need durability are answered after
/// the commit; a flush is answered once everything queued before it is written.
pub(crate) fn spawn_writer(pool: AnyPool, backend: Backend, key: LinkKey) -> Queue {
    let (sender, mut receiver) = mpsc::channel::<Job>(4 * GROUP);
    tokio::spawn(async move {
        while let Some(first) = receiver.recv().await {
            let mut group = vec![first];
            while group.len() < GROUP {
                match receiver.try_recv() {
                    Ok(next) => group.push(next),
                    Err(_) => break,
                }
            }
            let events = group.iter().filter_map(|job| match job {
                Job::Event(entry, _) => Some(entry),
                Job::Flush(_) => None,
            });
            let answer = write_group(&pool, backend, &key, events)
                .await
                .map_err(|e| e.to_string());
            if let Err(error) = &answer {
                tracing::error!(%error, "audit events could not be written");
            }
            for job in group {
                if let Job::Event(_, Some(ack)) | Job::Flush(ack) = job {
                    let _ = ack.send(answer.clone());
                }
            }
        }
    });
    sender
}

impl SqlStore {
    /// Queues a job and, if it carries an acknowledgement, waits for it.
    async fn submit(
        &self,
        job: Job,
        done: Option<oneshot::Receiver<Result<(), String>>>,
    ) -> StoreResult<()> {
        let stopped = || StoreError::Unavailable("the audit writer has stopped".to_owned());
        self.audit_queue.send(job).await.map_err(|_| stopped())?;
        match done {
            None => Ok(()),
            Some(done) => done
                .await
                .map_err(|_| stopped())?
                .map_err(|e| StoreError::Unavailable(format!("cannot write the audit trail: {e}"))),
        }
    }

    /// Waits until every event queued so far is written, so a read sees this server's own.
    async fn flush_audit(&self) -> StoreResult<()> {
        let (ack, done) = oneshot::channel();
        self.submit(Job::Flush(ack), Some(done)).await
    }
}

async fn write_group<'a>(
    pool: &AnyPool,
    backend: Backend,
    key: &LinkKey,
    entries: impl Iterator<Item = &'a AuditEntry>,
) -> StoreResult<()> {
    // Per organization, in arrival order: one head read, multi-row inserts, one head update.
    let mut by_org: Vec<(&str, Vec<&AuditEntry>)> = Vec::new();
    for entry in entries {
        match by_org.iter_mut().find(|(org, _)| *org == entry.org_id) {
            Some((_, list)) => list.push(entry),
            None => by_org.push((&entry.org_id, vec![entry])),
        }
    }
    let mut tx = begin_write(pool, backend).await?;
    for (org_id, list) in by_org {
        let (mut seq, mut prev_hash) = lock_head(&mut tx, backend, org_id).await?;
        for chunk in super::fixed_chunks(&list, &INSERT_SHAPES) {
            let mut sql = String::from(
                "INSERT INTO audit_events (org_id, seq, at, actor, source, action, target, \
                 details, prev_hash, hash) VALUES ",
            );
            let mut rows = Vec::with_capacity(chunk.len());
            for (i, entry) in chunk.iter().enumerate() {
                seq += 1;
                let hash = audit_link(key.get(), &prev_hash, seq, entry);
                let base = i * 10;
                if i > 0 {
                    sql.push(',');
                }
                sql.push('(');
                sql.push_str(
                    &(1..=10)
                        .map(|n| format!("${}", base + n))
                        .collect::<Vec<_>>()
                        .join(","),
                );
                sql.push(')');
                rows.push((
                    seq,
                    *entry,
                    std::mem::replace(&mut prev_hash, hash.clone()),
                    hash,
                ));
            }
            let mut query = sqlx::query(&sql);
            for (seq, entry, prev, hash) in &rows {
                query = query
                    .bind(&entry.org_id)
                    .bind(*seq)
                    .bind(entry.at)
                    .bind(&entry.actor)
                    .bind(&entry.source)
                    .bind(&entry.action)
                    .bind(&entry.target)
                    .bind(&entry.details)
                    .bind(prev)
                    .bind(hash);
            }
            query.execute(&mut *tx).await?;
        }
        set_head(&mut tx, org_id, seq, &prev_hash).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Takes the organization's chain lock (PostgreSQL) and reads its head: (last seq, last hash).
async fn lock_head(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    org_id: &str,
) -> StoreResult<(i64, String)> {
    if backend == Backend::Postgres {
        // Appends to one organization's chain are serialized across every server; SQLite's
        // single writer connection serializes them already.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(org_id)
            .execute(&mut *conn)
            .await?;
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match head {
        Some(row) => (
            row.try_get::<i64, _>("seq")?,
            row.try_get::<String, _>("hash")?,
        ),
        None => (0, GENESIS_HASH.to_owned()),
    })
}

async fn set_head(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    seq: i64,
    hash: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, $2, $3) \
         ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(org_id)
    .bind(seq)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let (ack, done) = oneshot::channel();
        self.submit(Job::Event(entry.clone(), Some(ack)), Some(done))
            .await
    }

    async fn queue_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.submit(Job::Event(entry.clone(), None), None).await
    }

    async fn audit_page(
        &self,
        org_id: &str,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.flush_audit().await?;
        sqlx::query(&format!(
            "{SELECT_EVENT} WHERE org_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3"
        ))
        .bind(org_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(event)
        .collect()
    }

    async fn list_audit(
        &self,
        org_id: &str,
        since: i64,
        target: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.flush_audit().await?;
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

    async fn prune_audit(
        &self,
        org_id: &str,
        through: i64,
        audit: &AuditEntry,
    ) -> StoreResult<i64> {
        self.flush_audit().await?;
        let query = sqlx::query("DELETE FROM audit_events WHERE org_id = $1 AND seq <= $2")
            .bind(org_id)
            .bind(through);
        let removed = self.audited(query, audit).await??;
        Ok(i64::try_from(removed).unwrap_or(i64::MAX))
    }

    async fn audit_head(&self, org_id: &str) -> StoreResult<Option<(i64, String)>> {
        self.flush_audit().await?;
        sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&self.read)
            .await?
            .map(|row| -> StoreResult<(i64, String)> {
                Ok((row.try_get("seq")?, row.try_get("hash")?))
            })
            .transpose()
    }

    async fn audit_chain(
        &self,
        org_id: &str,
    ) -> StoreResult<(Vec<AuditEvent>, Option<(i64, String)>)> {
        self.flush_audit().await?;
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
