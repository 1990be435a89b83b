//! Archives that travel with jobs: the directory `lanyard run --dir` uploads, and the artifacts a
//! job leaves. They arrive as a stream, are checked as they arrive ([`lanyard_bundle::inspect`]
//! on a blocking thread), and are stored in parts of [`PART_BYTES`], each sealed like a secret
//! version and bound to its organization, archive and position. Uploads are deleted when their
//! job ends, or after [`UPLOAD_RETENTION`] if no job took them; artifacts after
//! [`ARTIFACT_RETENTION`].
//!
//! Opening parts here is the one exception to "only `release.rs` opens": parts are job data
//! (the engineer's own files, a job's artifacts), never a secret value.

use std::time::Duration;

use lanyard_bundle::{BundleError, Limits, Summary};
use lanyard_crypto::{open, seal, SecretBytes, SecretContext};
use lanyard_domain::{Action, Principal, Slug, Timestamp};
use lanyard_store::{AuditEntry, BundleKind, BundlePart, BundleRecord, BundleStats, NewBundle};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::jobs::Claimant;
use crate::{new_id, now, CoreError, CoreResult, Lanyard};

/// Archives are stored in sealed parts of this many bytes: large enough that sealing costs
/// nothing next to the copy, small enough that neither side ever holds an archive in memory.
pub const PART_BYTES: usize = 1024 * 1024;
/// How long an upload waits for the job that uses it.
pub const UPLOAD_RETENTION: Duration = Duration::from_secs(3600);
/// How long a job's artifacts can be downloaded.
pub const ARTIFACT_RETENTION: Duration = Duration::from_secs(7 * 86_400);

/// An archive being received. Call [`BundleWriter::finish`] at the end of the stream; a writer
/// dropped before that leaves an incomplete archive that the purge deletes at its expiry.
pub struct BundleWriter {
    lanyard: Lanyard,
    id: String,
    org_id: String,
    audit: AuditEntry,
    limits: Limits,
    buffer: Vec<u8>,
    parts: i64,
    size: u64,
    /// The check beside the upload, on a blocking thread: `None` once the stream ended.
    feed: Option<mpsc::Sender<Vec<u8>>>,
    /// Its verdict: what the archive holds and its digest.
    checked: JoinHandle<lanyard_bundle::pipe::Checked>,
}

impl BundleWriter {
    /// Takes the next bytes of the archive. An error ends the upload (its parts are deleted).
    pub async fn write(&mut self, bytes: &[u8]) -> CoreResult<()> {
        if let Err(e) = self.take(bytes).await {
            self.abort().await;
            return Err(e);
        }
        Ok(())
    }

    async fn take(&mut self, bytes: &[u8]) -> CoreResult<()> {
        self.size += bytes.len() as u64;
        if self.size > self.limits.max_tar_bytes() {
            return Err(CoreError::TooLarge(format!(
                "the archive is larger than {} allow; leave files out with a .lanyardignore",
                describe(&self.limits)
            )));
        }
        let feed = self.feed.as_ref().ok_or_else(|| {
            CoreError::Internal("an archive was written to after it ended".into())
        })?;
        if feed.send(bytes.to_vec()).await.is_err() {
            // The check stops early only to refuse the archive.
            return Err(self.verdict().await.err().unwrap_or_else(|| {
                CoreError::Internal("the archive check ended without a verdict".into())
            }));
        }
        self.buffer.extend_from_slice(bytes);
        while self.buffer.len() >= PART_BYTES {
            let rest = self.buffer.split_off(PART_BYTES);
            let part = std::mem::replace(&mut self.buffer, rest);
            self.store_part(part).await?;
        }
        Ok(())
    }

    /// Ends the check's input and waits for its verdict.
    async fn verdict(&mut self) -> CoreResult<(Summary, String)> {
        self.feed = None;
        (&mut self.checked)
            .await
            .map_err(|e| CoreError::Internal(Box::new(e)))?
            .map_err(refusal)
    }

    async fn store_part(&mut self, part: Vec<u8>) -> CoreResult<()> {
        let sealed = seal(
            &self.lanyard.keyring,
            &part_context(&self.org_id, &self.id, self.parts)?,
            &SecretBytes::from_vec(part),
        )
        .map_err(|e| CoreError::Internal(Box::new(e)))?;
        let part = BundlePart {
            seq: self.parts,
            sealed,
        };
        self.lanyard.store.put_bundle_part(&self.id, &part).await?;
        self.parts += 1;
        Ok(())
    }

    /// Ends the upload: stores the last part, waits for the check, and records the archive and
    /// its audit event (size and digest) together.
    pub async fn finish(mut self) -> CoreResult<BundleRecord> {
        match self.complete().await {
            Ok(record) => Ok(record),
            Err(e) => {
                self.abort().await;
                Err(e)
            }
        }
    }

    async fn complete(&mut self) -> CoreResult<BundleRecord> {
        let (summary, digest) = self.verdict().await?;
        let last = std::mem::take(&mut self.buffer);
        if !last.is_empty() {
            self.store_part(last).await?;
        }
        let stats = BundleStats {
            parts: self.parts,
            size: i64::try_from(self.size).unwrap_or(i64::MAX),
            digest: digest.clone(),
            files: i64::try_from(summary.entries()).unwrap_or(i64::MAX),
            bytes: i64::try_from(summary.bytes).unwrap_or(i64::MAX),
        };
        let mut audit = self.audit.clone();
        audit.details = serde_json::json!({
            "size": stats.size,
            "digest": digest,
            "files": stats.files,
            "bytes": stats.bytes,
        })
        .to_string();
        audit.at = now().millis();
        Ok(self
            .lanyard
            .store
            .complete_bundle(&self.id, &stats, &audit)
            .await?)
    }

    async fn abort(&mut self) {
        if let Err(e) = self.lanyard.store.delete_bundle(&self.id).await {
            tracing::warn!(bundle = %self.id, error = %e, "cannot delete a refused archive; it expires");
        }
    }
}

/// An archive's parts, opened one at a time.
pub struct BundleReader {
    lanyard: Lanyard,
    record: BundleRecord,
    next: i64,
}

impl BundleReader {
    /// What the archive is (its size, digest and count of parts).
    pub fn record(&self) -> &BundleRecord {
        &self.record
    }

    /// The next part's bytes, or `None` after the last.
    pub async fn next_part(&mut self) -> CoreResult<Option<Vec<u8>>> {
        let parts = self.record.stats.as_ref().map_or(0, |s| s.parts);
        if self.next >= parts {
            return Ok(None);
        }
        let seq = self.next;
        let part = self
            .lanyard
            .store
            .bundle_part(&self.record.id, seq)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("part {seq} of the archive is gone")))?;
        let context = part_context(&self.record.org_id, &self.record.id, seq)?;
        let opened = open(&self.lanyard.keyring, &context, &part.sealed).map_err(|e| {
            CoreError::Unreadable(format!("part {seq} of an archive cannot be opened: {e}"))
        })?;
        self.next += 1;
        Ok(Some(opened.expose_secret().to_vec()))
    }
}

/// Each part is bound to its organization, archive and position: a part moved to another
/// archive or reordered does not open.
fn part_context(org_id: &str, bundle_id: &str, seq: i64) -> CoreResult<SecretContext> {
    let seq = u32::try_from(seq)
        .map_err(|_| CoreError::TooLarge("an archive has too many parts".to_owned()))?;
    Ok(SecretContext::new(
        org_id,
        format!("bundle/{bundle_id}"),
        seq,
    ))
}

fn refusal(error: BundleError) -> CoreError {
    if error.is_too_large() {
        CoreError::TooLarge(error.to_string())
    } else {
        CoreError::Invalid(error.to_string())
    }
}

fn describe(limits: &Limits) -> String {
    format!(
        "the organization's limits ({} in {} files)",
        lanyard_bundle::human_bytes(limits.max_bytes),
        limits.max_files
    )
}

impl Lanyard {
    /// Starts receiving a directory for a job (`lanyard run --dir`).
    pub async fn begin_upload(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<BundleWriter> {
        principal.authorize(Action::Deploy, "upload directories for jobs")?;
        let org = self.own_org(principal, org).await?;
        let id = new_id();
        let audit = crate::audit::entry(
            principal,
            &org.id,
            "upload.create",
            format!("upload/{id}"),
            serde_json::Value::Null,
        );
        self.begin_bundle(
            id,
            &org.id,
            BundleKind::Upload,
            None,
            &principal.token_id,
            org_limits(&org),
            audit,
        )
        .await
    }

    /// Starts receiving the artifacts of a job, from the runner that runs it.
    pub async fn begin_artifacts(
        &self,
        claimant: &Claimant,
        org_id: &str,
        job_id: &str,
    ) -> CoreResult<BundleWriter> {
        let job = self.claimed_job(claimant, org_id, job_id).await?;
        let org = self
            .store
            .find_org(&job.org)
            .await?
            .ok_or_else(|| CoreError::NotFound("organization".to_owned()))?;
        let id = new_id();
        let audit = AuditEntry {
            org_id: org.id.clone(),
            at: now().millis(),
            actor: claimant.actor(),
            source: String::new(),
            action: "artifacts.create".to_owned(),
            target: format!("job/{job_id}"),
            details: String::new(),
        };
        self.begin_bundle(
            id,
            &org.id,
            BundleKind::Artifacts,
            Some(job.id),
            &claimant.actor(),
            org_limits(&org),
            audit,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn begin_bundle(
        &self,
        id: String,
        org_id: &str,
        kind: BundleKind,
        job_id: Option<String>,
        created_by: &str,
        limits: Limits,
        audit: AuditEntry,
    ) -> CoreResult<BundleWriter> {
        let created_at = now();
        let retention = match kind {
            BundleKind::Upload => UPLOAD_RETENTION,
            BundleKind::Artifacts => ARTIFACT_RETENTION,
        };
        let expires_at = Timestamp(
            created_at
                .millis()
                .saturating_add(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX)),
        );
        self.store
            .create_bundle(&NewBundle {
                id: id.clone(),
                org_id: org_id.to_owned(),
                kind,
                job_id,
                created_by: created_by.to_owned(),
                created_at,
                expires_at,
            })
            .await?;
        let (feed, checked) = lanyard_bundle::pipe::inspect_in_background(limits);
        Ok(BundleWriter {
            lanyard: self.clone(),
            id,
            org_id: org_id.to_owned(),
            audit,
            limits,
            buffer: Vec::with_capacity(PART_BYTES),
            parts: 0,
            size: 0,
            feed: Some(feed),
            checked,
        })
    }

    /// The upload a job runs on, for the runner that claimed it.
    pub async fn job_upload(
        &self,
        claimant: &Claimant,
        org_id: &str,
        job_id: &str,
    ) -> CoreResult<Option<BundleReader>> {
        let job = self.claimed_job(claimant, org_id, job_id).await?;
        Ok(self
            .store
            .job_bundle(&job.id, BundleKind::Upload)
            .await?
            .map(|record| self.reader(record)))
    }

    /// A job's artifacts, for whoever may read the job.
    pub async fn job_artifacts(
        &self,
        principal: &Principal,
        org: &Slug,
        job_id: &str,
    ) -> CoreResult<BundleReader> {
        let job = self.get_job(principal, org, job_id).await?;
        let record = self
            .store
            .job_bundle(&job.id, BundleKind::Artifacts)
            .await?
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "job {job_id} has no artifacts: it was run without --artifact, found none of \
                     them, has not ended yet, or they expired ({} days after the job)",
                    ARTIFACT_RETENTION.as_secs() / 86_400
                ))
            })?;
        Ok(self.reader(record))
    }

    fn reader(&self, record: BundleRecord) -> BundleReader {
        BundleReader {
            lanyard: self.clone(),
            record,
            next: 0,
        }
    }

    /// An upload a new job may take: complete, made by the same token, not used before.
    pub(crate) async fn usable_upload(
        &self,
        principal: &Principal,
        org: &lanyard_store::OrgRecord,
        id: &str,
    ) -> CoreResult<crate::jobs::UploadRef> {
        let gone = || {
            CoreError::NotFound(format!(
                "upload {id} not found: an upload is used once, by the token that made it, within                  {} minutes; `lanyard run --dir` uploads again",
                UPLOAD_RETENTION.as_secs() / 60
            ))
        };
        let record = self
            .store
            .find_bundle(&org.id, id)
            .await?
            .filter(|b| b.kind == BundleKind::Upload && b.created_by == principal.token_id)
            .filter(|b| b.expires_at.millis() > now().millis())
            .ok_or_else(gone)?;
        if record.job_id.is_some() {
            return Err(CoreError::Conflict(format!(
                "upload {id} is already used by another job; upload the directory again"
            )));
        }
        let stats = record
            .stats
            .ok_or_else(|| CoreError::Conflict(format!("upload {id} has not finished arriving")))?;
        Ok(crate::jobs::UploadRef {
            id: record.id,
            size: stats.size,
            digest: stats.digest,
            files: stats.files,
            bytes: stats.bytes,
        })
    }

    /// Deletes the upload of a job that ended (the purge catches any this misses).
    pub(crate) async fn drop_job_upload(&self, job_id: &str) {
        let found = self.store.job_bundle(job_id, BundleKind::Upload).await;
        if let Ok(Some(upload)) = found {
            if let Err(e) = self.store.delete_bundle(&upload.id).await {
                tracing::warn!(job.id = %job_id, error = %e, "cannot delete the job's upload yet");
            }
        }
    }

    /// Deletes expired archives and uploads of ended jobs.
    pub(crate) async fn purge_bundles(&self) -> CoreResult<u64> {
        Ok(self.store.purge_bundles(now().millis()).await?)
    }
}

/// The organization's upload limits, else the defaults.
pub fn org_limits(org: &lanyard_store::OrgRecord) -> Limits {
    let defaults = Limits::default();
    Limits {
        max_bytes: org
            .upload_max_bytes
            .and_then(|b| u64::try_from(b).ok())
            .unwrap_or(defaults.max_bytes),
        max_files: org
            .upload_max_files
            .and_then(|f| u64::try_from(f).ok())
            .unwrap_or(defaults.max_files),
    }
}
