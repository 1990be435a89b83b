//! A job's life after creation: claims, output, heartbeats, cancellation, the end, and the
//! reaper that fails jobs whose runner went silent.

use std::time::Duration;

use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{JobOutcome, JobRecord, OutputChunk, StoreError};

use super::Claimant;
use crate::{now, CoreError, CoreResult, Lanyard};

/// Wake-ups inside one server process: new jobs for the built-in runner, and any job change
/// for output followers. Other replicas are seen by polling.
pub struct Signals {
    queued: tokio::sync::Notify,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for Signals {
    fn default() -> Self {
        Self {
            queued: tokio::sync::Notify::new(),
            changed: tokio::sync::watch::channel(0).0,
        }
    }
}

impl Signals {
    pub(crate) fn job_queued(&self) {
        self.queued.notify_waiters();
        self.job_changed();
    }

    pub(crate) fn job_changed(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// What a runner is told after reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobControl {
    /// Stop the job: it was canceled (or has already been ended by the server).
    pub cancel: bool,
}

impl Lanyard {
    /// Takes the oldest queued job for the claimant, marking it running.
    pub async fn claim_job(&self, claimant: &Claimant) -> CoreResult<Option<JobRecord>> {
        let job = self
            .store
            .claim_job(claimant.runner_id(), now().millis())
            .await?;
        if job.is_some() {
            self.signals.job_changed();
        }
        Ok(job)
    }

    /// Waits up to `timeout` for a job to be queued in this process (other replicas' jobs are
    /// found by the caller polling again).
    pub async fn wait_for_queued_job(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.signals.queued.notified()).await;
    }

    /// Waits up to `timeout` for any job to change in this process.
    pub async fn wait_for_job_change(&self, seen: &mut u64, timeout: Duration) {
        let mut rx = self.signals.changed.subscribe();
        if *rx.borrow() != *seen {
            *seen = *rx.borrow();
            return;
        }
        let _ = tokio::time::timeout(timeout, rx.changed()).await;
        *seen = *rx.borrow();
    }

    /// Stores a running job's (already redacted) output and records that its runner is alive.
    pub async fn report_job(
        &self,
        claimant: &Claimant,
        org_id: &str,
        job_id: &str,
        chunks: &[OutputChunk],
    ) -> CoreResult<JobControl> {
        let job = self.claimed_job(claimant, org_id, job_id).await;
        let Ok(job) = job else {
            // Ended elsewhere (reaped, canceled while queued...): tell the runner to stop.
            return Ok(JobControl { cancel: true });
        };
        self.store.append_output(&job.id, chunks).await?;
        let canceled = self
            .store
            .heartbeat_jobs(std::slice::from_ref(&job.id), now().millis())
            .await?;
        if !chunks.is_empty() {
            self.signals.job_changed();
        }
        Ok(JobControl {
            cancel: !canceled.is_empty(),
        })
    }

    /// Heartbeats for several running jobs of one claimant; returns those to stop.
    pub async fn heartbeat_jobs(&self, ids: &[String]) -> CoreResult<Vec<String>> {
        Ok(self.store.heartbeat_jobs(ids, now().millis()).await?)
    }

    /// Ends a running job.
    pub async fn finish_job(
        &self,
        claimant: &Claimant,
        org_id: &str,
        job_id: &str,
        outcome: JobOutcome,
    ) -> CoreResult<()> {
        let job = self.claimed_job(claimant, org_id, job_id).await?;
        let outcome = JobOutcome {
            error: outcome
                .error
                .map(|e| self.secrets_seen.redactor().redact_str(&e).into_owned()),
            ..outcome
        };
        self.store
            .finish_job(&job.id, &outcome, now().millis())
            .await?;
        self.drop_job_upload(&job.id).await;
        self.signals.job_changed();
        tracing::info!(job.id = %job.id, status = outcome.status, exit_code = ?outcome.exit_code, "job ended");
        Ok(())
    }

    /// Fails running jobs not heard from within `timeout`, and built-in jobs left queued by a
    /// server that went away. Returns how many.
    pub async fn reap_jobs(&self, timeout: Duration) -> CoreResult<usize> {
        let at = now().millis();
        let cutoff = at - i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        let reaped = self.store.reap_jobs(cutoff, at).await?;
        // The same sweep deletes uploads whose jobs ended and archives past their expiry.
        if let Err(e) = self.purge_bundles().await {
            tracing::warn!(error = %e, "cannot delete spent archives yet");
        }
        for id in &reaped {
            tracing::warn!(job.id = %id, "job failed: its runner stopped responding");
        }
        if !reaped.is_empty() {
            self.signals.job_changed();
        }
        Ok(reaped.len())
    }

    /// The organization's most recent jobs.
    pub async fn list_jobs(
        &self,
        principal: &Principal,
        org: &Slug,
        limit: i64,
    ) -> CoreResult<Vec<JobRecord>> {
        let org = self.readable_org(principal, org, None, "list jobs").await?;
        Ok(self.store.list_jobs(&org.id, limit.clamp(1, 1000)).await?)
    }

    /// One job.
    pub async fn get_job(
        &self,
        principal: &Principal,
        org: &Slug,
        id: &str,
    ) -> CoreResult<JobRecord> {
        let org = self.readable_org(principal, org, None, "read jobs").await?;
        self.store
            .find_job(&org.id, id)
            .await?
            .ok_or_else(|| job_not_found(id, &org.slug))
    }

    /// A job's output after sequence number `after`, and the job as it is now (read before the
    /// output, so a final status means the output read is complete).
    pub async fn job_output(
        &self,
        principal: &Principal,
        org: &Slug,
        id: &str,
        after: i64,
    ) -> CoreResult<(JobRecord, Vec<OutputChunk>)> {
        let job = self.get_job(principal, org, id).await?;
        let chunks = self.store.read_output(&job.id, after, 500).await?;
        Ok((job, chunks))
    }

    /// Cancels a job: a queued one at once, a running one through its runner.
    pub async fn cancel_job(
        &self,
        principal: &Principal,
        org: &Slug,
        id: &str,
    ) -> CoreResult<JobRecord> {
        let job = self.get_job(principal, org, id).await?;
        principal.authorize_in(Action::Deploy, "cancel jobs", Some(&job.environment))?;
        let audit = self.change_entry(
            principal,
            &job.org_id,
            "job.cancel",
            format!("job/{id}"),
            serde_json::json!({}),
        );
        let job = self
            .store
            .request_cancel(&job.org_id, id, now().millis(), &audit)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => job_not_found(id, org),
                other => other.into(),
            })?;
        self.signals.job_changed();
        Ok(job)
    }
}

fn job_not_found(id: &str, org: &Slug) -> CoreError {
    CoreError::NotFound(format!(
        "job `{id}` not found in organization `{org}`; see `lanyard job list`"
    ))
}
