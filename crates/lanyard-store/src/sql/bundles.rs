//! Archives that travel with jobs: metadata rows and their sealed parts.

use async_trait::async_trait;
use lanyard_crypto::SealedBlob;
use lanyard_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{begin_write, SqlStore};
use crate::{
    AuditEntry, BundleKind, BundlePart, BundleRecord, BundleStats, BundleStore, NewBundle, NewJob,
    StoreError, StoreResult,
};

/// An upload attached to a job lives as long as a job can (a week's timeout plus a day in the
/// queue); it is deleted as soon as the job ends anyway.
const ATTACHED_LIFETIME_MS: i64 = 8 * 86_400 * 1000;

const SELECT_BUNDLE: &str = "SELECT id, org_id, kind, job_id, created_by, created_at, expires_at, \
     complete, parts, size, digest, files, bytes FROM bundles";

fn bundle(row: &AnyRow) -> StoreResult<BundleRecord> {
    let kind: String = row.try_get("kind")?;
    let complete: i64 = row.try_get("complete")?;
    let stats = if complete != 0 {
        Some(BundleStats {
            parts: row.try_get("parts")?,
            size: row.try_get("size")?,
            digest: row
                .try_get::<Option<String>, _>("digest")?
                .unwrap_or_default(),
            files: row.try_get("files")?,
            bytes: row.try_get("bytes")?,
        })
    } else {
        None
    };
    Ok(BundleRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        kind: BundleKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("archive kind `{kind}`")))?,
        job_id: row.try_get("job_id")?,
        created_by: row.try_get("created_by")?,
        created_at: Timestamp(row.try_get("created_at")?),
        expires_at: Timestamp(row.try_get("expires_at")?),
        stats,
    })
}

/// Gives a complete, unexpired, unused upload of the job's organization to the job.
pub(super) async fn attach_upload(
    tx: &mut sqlx::AnyConnection,
    upload_id: &str,
    job: &NewJob,
) -> StoreResult<()> {
    let at = job.created_at.millis();
    let done = sqlx::query(
        "UPDATE bundles SET job_id = $1, expires_at = $2 WHERE id = $3 AND org_id = $4 \
         AND kind = 'upload' AND complete = 1 AND job_id IS NULL AND expires_at > $5",
    )
    .bind(&job.id)
    .bind(at.saturating_add(ATTACHED_LIFETIME_MS))
    .bind(upload_id)
    .bind(&job.org_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "upload {upload_id} is unknown, expired or already used by another job; upload the \
             directory again (`lanyard run --dir` does both steps)"
        )));
    }
    Ok(())
}

#[async_trait]
impl BundleStore for SqlStore {
    async fn create_bundle(&self, new: &NewBundle) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO bundles (id, org_id, kind, job_id, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&new.id)
        .bind(&new.org_id)
        .bind(new.kind.as_str())
        .bind(new.job_id.as_deref())
        .bind(&new.created_by)
        .bind(new.created_at.millis())
        .bind(new.expires_at.millis())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn put_bundle_part(&self, bundle_id: &str, part: &BundlePart) -> StoreResult<()> {
        sqlx::query("INSERT INTO bundle_parts (bundle_id, seq, sealed) VALUES ($1, $2, $3)")
            .bind(bundle_id)
            .bind(part.seq)
            .bind(part.sealed.to_vec())
            .execute(&self.write)
            .await
            .map_err(|e| StoreError::from_sqlx(e, || format!("part {} stored twice", part.seq)))?;
        Ok(())
    }

    async fn complete_bundle(
        &self,
        bundle_id: &str,
        stats: &BundleStats,
        audit: &AuditEntry,
    ) -> StoreResult<BundleRecord> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let done = sqlx::query(
            "UPDATE bundles SET complete = 1, parts = $1, size = $2, digest = $3, files = $4, \
             bytes = $5 WHERE id = $6 AND complete = 0",
        )
        .bind(stats.parts)
        .bind(stats.size)
        .bind(&stats.digest)
        .bind(stats.files)
        .bind(stats.bytes)
        .bind(bundle_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("archive".to_owned()));
        }
        let row = sqlx::query(&format!("{SELECT_BUNDLE} WHERE id = $1"))
            .bind(bundle_id)
            .fetch_one(&mut *tx)
            .await?;
        super::audit::append(&mut tx, self.backend, &self.audit_key, audit).await?;
        tx.commit().await?;
        bundle(&row)
    }

    async fn find_bundle(&self, org_id: &str, id: &str) -> StoreResult<Option<BundleRecord>> {
        sqlx::query(&format!("{SELECT_BUNDLE} WHERE org_id = $1 AND id = $2"))
            .bind(org_id)
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(bundle)
            .transpose()
    }

    async fn job_bundle(
        &self,
        job_id: &str,
        kind: BundleKind,
    ) -> StoreResult<Option<BundleRecord>> {
        sqlx::query(&format!(
            "{SELECT_BUNDLE} WHERE job_id = $1 AND kind = $2 AND complete = 1 \
             ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(job_id)
        .bind(kind.as_str())
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(bundle)
        .transpose()
    }

    async fn bundle_part(&self, bundle_id: &str, seq: i64) -> StoreResult<Option<BundlePart>> {
        let row = sqlx::query("SELECT sealed FROM bundle_parts WHERE bundle_id = $1 AND seq = $2")
            .bind(bundle_id)
            .bind(seq)
            .fetch_optional(&self.read)
            .await?;
        row.map(|row| {
            let bytes: Vec<u8> = row.try_get("sealed")?;
            Ok(BundlePart {
                seq,
                sealed: SealedBlob::from_vec(bytes)
                    .map_err(|e| StoreError::Corrupt(format!("sealed archive part: {e}")))?,
            })
        })
        .transpose()
    }

    async fn delete_bundle(&self, bundle_id: &str) -> StoreResult<()> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        delete(&mut tx, Doomed::One(bundle_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn purge_bundles(&self, now: i64) -> StoreResult<u64> {
        let mut tx = begin_write(&self.write, self.backend).await?;
        let done = delete(&mut tx, Doomed::Spent(now)).await?;
        tx.commit().await?;
        Ok(done)
    }
}

/// Which archives to delete.
#[derive(Clone, Copy)]
enum Doomed<'a> {
    One(&'a str),
    /// Expired by this time, or uploads of ended jobs.
    Spent(i64),
}

/// Deletes the matching archives, their parts first (one statement each, so that neither
/// backend depends on cascading deletes being switched on).
async fn delete(tx: &mut sqlx::AnyConnection, doomed: Doomed<'_>) -> StoreResult<u64> {
    let which = match doomed {
        Doomed::One(_) => "id = $1",
        Doomed::Spent(_) => {
            "expires_at <= $1 OR (kind = 'upload' AND EXISTS (SELECT 1 FROM jobs j \
             WHERE j.id = bundles.job_id AND j.status IN ('succeeded', 'failed', 'canceled')))"
        }
    };
    let mut total = 0;
    for statement in [
        format!(
            "DELETE FROM bundle_parts WHERE bundle_id IN (SELECT id FROM bundles WHERE {which})"
        ),
        format!("DELETE FROM bundles WHERE {which}"),
    ] {
        let query = sqlx::query(&statement);
        let query = match doomed {
            Doomed::One(id) => query.bind(id),
            Doomed::Spent(now) => query.bind(now),
        };
        total = query.execute(&mut *tx).await?.rows_affected();
    }
    Ok(total)
}
