//! Jobs, their output and the credential releases made for them.

use async_trait::async_trait;
use lanyard_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{begin_write, rows, SqlStore};
use crate::changes::Change;
use crate::{
    AuditEntry, JobOutcome, JobRecord, JobStore, NewJob, OutputChunk, ReleaseRecord, StoreError,
    StoreResult,
};

const SELECT_JOB: &str = "SELECT j.id, j.org_id, o.slug AS org_slug, j.environment, j.runner_id, \
     j.runner, j.spec, j.status, j.exit_code, j.error, j.created_by, j.created_at, j.started_at, \
     j.finished_at, j.cancel_requested FROM jobs j JOIN organizations o ON o.id = j.org_id";

fn job(row: &AnyRow) -> StoreResult<JobRecord> {
    let runner: Option<String> = row.try_get("runner")?;
    let cancel: i64 = row.try_get("cancel_requested")?;
    let started: Option<i64> = row.try_get("started_at")?;
    let finished: Option<i64> = row.try_get("finished_at")?;
    Ok(JobRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org: rows::slug(row, "org_slug")?,
        environment: rows::slug(row, "environment")?,
        runner_id: row.try_get("runner_id")?,
        runner: runner
            .map(|r| lanyard_domain::Slug::parse(&r))
            .transpose()
            .map_err(|e| StoreError::Other(format!("corrupt runner name: {e}").into()))?,
        spec: row.try_get("spec")?,
        status: row.try_get("status")?,
        exit_code: row.try_get("exit_code")?,
        error: row.try_get("error")?,
        created_by: row.try_get("created_by")?,
        created_at: Timestamp(row.try_get("created_at")?),
        started_at: started.map(Timestamp),
        finished_at: finished.map(Timestamp),
        cancel_requested: cancel != 0,
    })
}

fn release(row: &AnyRow) -> StoreResult<ReleaseRecord> {
    let runner: Option<String> = row.try_get("runner")?;
    Ok(ReleaseRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        job_id: row.try_get("job_id")?,
        environment: rows::slug(row, "environment")?,
        connection_id: row.try_get("connection_id")?,
        connection: rows::slug(row, "connection")?,
        provider: row.try_get("provider")?,
        runner: runner
            .map(|r| lanyard_domain::Slug::parse(&r))
            .transpose()
            .map_err(|e| StoreError::Other(format!("corrupt runner name: {e}").into()))?,
        secrets: row.try_get("secrets")?,
        released_at: Timestamp(row.try_get("released_at")?),
    })
}

#[async_trait]
impl JobStore for SqlStore {
    async fn create_job(&self, new: &NewJob, audit: &AuditEntry) -> StoreResult<JobRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        sqlx::query(
            "INSERT INTO jobs (id, org_id, environment, runner_id, runner, spec, status, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8)",
        )
        .bind(&new.id)
        .bind(&new.org_id)
        .bind(new.environment.as_str())
        .bind(new.runner_id.as_deref())
        .bind(new.runner.as_ref().map(|r| r.as_str().to_owned()))
        .bind(&new.spec)
        .bind(&new.created_by)
        .bind(new.created_at.millis())
        .execute(&mut *tx)
        .await?;
        if let Some(upload) = &new.upload_id {
            super::bundles::attach_upload(&mut tx, upload, new).await?;
        }
        let row = sqlx::query(&format!("{SELECT_JOB} WHERE j.id = $1"))
            .bind(&new.id)
            .fetch_one(&mut *tx)
            .await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        super::changes::announce(&mut tx, self.backend, Change::Job).await?;
        tx.commit().await?;
        job(&row)
    }

    async fn find_job(&self, org_id: &str, id: &str) -> StoreResult<Option<JobRecord>> {
        sqlx::query(&format!("{SELECT_JOB} WHERE j.org_id = $1 AND j.id = $2"))
            .bind(org_id)
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(job)
            .transpose()
    }

    async fn list_jobs(&self, org_id: &str, limit: i64) -> StoreResult<Vec<JobRecord>> {
        sqlx::query(&format!(
            "{SELECT_JOB} WHERE j.org_id = $1 ORDER BY j.created_at DESC, j.id DESC LIMIT $2"
        ))
        .bind(org_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(job)
        .collect()
    }

    async fn claim_job(&self, runner_id: Option<&str>, at: i64) -> StoreResult<Option<JobRecord>> {
        let which = if runner_id.is_some() {
            "runner_id = $2"
        } else {
            "runner_id IS NULL AND $2 = ''"
        };
        // The status check in the outer WHERE makes the claim a compare-and-swap: on
        // PostgreSQL a concurrent claimer re-evaluates it after the first commits and gets no row.
        let sql = format!(
            "UPDATE jobs SET status = 'running', started_at = $1, heartbeat_at = $1 \
             WHERE status = 'queued' AND id = (SELECT id FROM jobs WHERE status = 'queued' \
             AND {which} ORDER BY created_at, id LIMIT 1) RETURNING id"
        );
        let mut tx = begin_write(&self.write, self.backend).await?;
        let row = sqlx::query(&sql)
            .bind(at)
            .bind(runner_id.unwrap_or(""))
            .fetch_optional(&mut *tx)
            .await?;
        let claimed = match row {
            Some(row) => {
                let id: String = row.try_get("id")?;
                let row = sqlx::query(&format!("{SELECT_JOB} WHERE j.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                super::changes::announce(&mut tx, self.backend, Change::Job).await?;
                Some(job(&row)?)
            }
            None => None,
        };
        tx.commit().await?;
        Ok(claimed)
    }

    async fn heartbeat_jobs(&self, ids: &[String], at: i64) -> StoreResult<Vec<String>> {
        let mut canceled = Vec::new();
        if ids.is_empty() {
            return Ok(canceled);
        }
        let mut tx = begin_write(&self.write, self.backend).await?;
        for id in ids {
            let row = sqlx::query(
                "UPDATE jobs SET heartbeat_at = $1 WHERE id = $2 AND status = 'running' \
                 RETURNING cancel_requested",
            )
            .bind(at)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some(row) if row.try_get::<i64, _>("cancel_requested")? != 0 => {
                    canceled.push(id.clone())
                }
                Some(_) => {}
                // Reaped or ended elsewhere: the runner must stop it too.
                None => canceled.push(id.clone()),
            }
        }
        tx.commit().await?;
        Ok(canceled)
    }

    async fn request_cancel(
        &self,
        org_id: &str,
        id: &str,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<JobRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let queued = sqlx::query(
            "UPDATE jobs SET status = 'canceled', finished_at = $1, cancel_requested = 1, \
             error = 'canceled before it started' WHERE org_id = $2 AND id = $3 AND status = 'queued'",
        )
        .bind(at)
        .bind(org_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if queued == 0 {
            sqlx::query(
                "UPDATE jobs SET cancel_requested = 1 WHERE org_id = $1 AND id = $2 \
                 AND status = 'running'",
            )
            .bind(org_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let row = sqlx::query(&format!("{SELECT_JOB} WHERE j.org_id = $1 AND j.id = $2"))
            .bind(org_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("job {id}")))?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        super::changes::announce(&mut tx, self.backend, Change::Job).await?;
        tx.commit().await?;
        job(&row)
    }

    async fn finish_job(&self, id: &str, outcome: &JobOutcome, at: i64) -> StoreResult<bool> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let done = sqlx::query(
            "UPDATE jobs SET status = $1, exit_code = $2, error = $3, finished_at = $4 \
             WHERE id = $5 AND status = 'running'",
        )
        .bind(outcome.status)
        .bind(outcome.exit_code)
        .bind(outcome.error.as_deref())
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done > 0 {
            super::changes::announce(&mut tx, self.backend, Change::Job).await?;
        }
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn reap_jobs(&self, stale_before: i64, at: i64) -> StoreResult<Vec<String>> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let running = sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1, \
             error = 'its runner stopped responding while it ran (runner killed, or server restarted)' \
             WHERE status = 'running' AND heartbeat_at < $2 RETURNING id",
        )
        .bind(at)
        .bind(stale_before)
        .fetch_all(&mut *tx)
        .await?;
        let queued = sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1, \
             error = 'the server restarted before the job started; run it again' \
             WHERE status = 'queued' AND runner_id IS NULL AND created_at < $2 RETURNING id",
        )
        .bind(at)
        .bind(stale_before)
        .fetch_all(&mut *tx)
        .await?;
        if !running.is_empty() || !queued.is_empty() {
            super::changes::announce(&mut tx, self.backend, Change::Job).await?;
        }
        tx.commit().await?;
        running
            .iter()
            .chain(&queued)
            .map(|r| r.try_get::<String, _>("id").map_err(Into::into))
            .collect()
    }

    async fn append_output(&self, job_id: &str, chunks: &[OutputChunk]) -> StoreResult<()> {
        if chunks.is_empty() {
            return Ok(());
        }
        let mut tx = begin_write(&self.write, self.backend).await?;
        for chunk in chunks {
            sqlx::query(
                "INSERT INTO job_output (job_id, seq, stream, data, at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (job_id, seq) DO NOTHING",
            )
            .bind(job_id)
            .bind(chunk.seq)
            .bind(&chunk.stream)
            .bind(chunk.data.clone())
            .bind(chunk.at.millis())
            .execute(&mut *tx)
            .await?;
        }
        super::changes::announce(&mut tx, self.backend, Change::Job).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn read_output(
        &self,
        job_id: &str,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutputChunk>> {
        sqlx::query(
            "SELECT seq, stream, data, at FROM job_output WHERE job_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3",
        )
        .bind(job_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|row| {
            Ok(OutputChunk {
                seq: row.try_get("seq")?,
                stream: row.try_get("stream")?,
                data: row.try_get("data")?,
                at: Timestamp(row.try_get("at")?),
            })
        })
        .collect()
    }

    async fn record_release(&self, r: &ReleaseRecord, audit: &AuditEntry) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        sqlx::query(
            "INSERT INTO credential_releases (id, org_id, job_id, environment, connection_id, \
             connection, provider, runner, secrets, released_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&r.id)
        .bind(&r.org_id)
        .bind(&r.job_id)
        .bind(r.environment.as_str())
        .bind(&r.connection_id)
        .bind(r.connection.as_str())
        .bind(&r.provider)
        .bind(r.runner.as_ref().map(|s| s.as_str().to_owned()))
        .bind(&r.secrets)
        .bind(r.released_at.millis())
        .execute(&mut *tx)
        .await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_releases(
        &self,
        org_id: &str,
        connection_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<ReleaseRecord>> {
        sqlx::query(
            "SELECT id, org_id, job_id, environment, connection_id, connection, provider, runner, \
             secrets, released_at FROM credential_releases WHERE org_id = $1 AND connection_id = $2 \
             ORDER BY released_at DESC, id DESC LIMIT $3",
        )
        .bind(org_id)
        .bind(connection_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(release)
        .collect()
    }
}
