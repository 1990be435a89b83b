//! The server's background work: the built-in runner, which runs jobs that have no runner of
//! their own inside the server, and the reaper, which fails jobs whose runner went silent.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lanyard_core::{Claimant, Lanyard, ReleasedConnection};
use lanyard_runner::{
    Chunk, JobToRun, JobTransport, Outcome, PreparedCredential, RunnerOptions, TransportError,
};
use lanyard_store::{JobOutcome, JobRecord, OutputChunk};
use secrecy::ExposeSecret as _;

/// How many built-in jobs run at once in one server.
const CONCURRENCY: usize = 8;

/// Runs the reaper and (if on) the built-in runner until the task is dropped.
pub(crate) async fn background(app: Lanyard, job_dir: PathBuf) {
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let options = RunnerOptions {
        work_root: job_dir,
        ..RunnerOptions::default()
    };
    let mut last_reap = tokio::time::Instant::now() - Duration::from_secs(60);
    loop {
        if last_reap.elapsed() >= Duration::from_secs(1) {
            if let Err(e) = app.reap_jobs(app.runner_timeout()).await {
                tracing::warn!(error = %e, "could not reap stale jobs");
            }
            last_reap = tokio::time::Instant::now();
        }
        if app.builtin_runner_enabled() {
            while let Ok(permit) = slots.clone().try_acquire_owned() {
                match app.claim_job(&Claimant::BuiltIn).await {
                    Ok(Some(job)) => {
                        let (app, options) = (app.clone(), options.clone());
                        tokio::spawn(async move {
                            run(app, job, &options).await;
                            drop(permit);
                        });
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "built-in runner could not claim a job");
                        break;
                    }
                }
            }
        }
        app.wait_for_queued_job(Duration::from_secs(1)).await;
    }
}

/// Reports straight to the core: the built-in runner is part of the server.
struct Direct {
    app: Lanyard,
    org_id: String,
    job_id: String,
}

#[async_trait::async_trait]
impl JobTransport for Direct {
    async fn report(&self, chunks: Vec<Chunk>) -> Result<bool, TransportError> {
        let at = lanyard_domain::Timestamp(crate::routes::now_millis());
        let chunks: Vec<OutputChunk> = chunks
            .into_iter()
            .map(|c| OutputChunk {
                seq: c.seq,
                stream: c.stream.to_owned(),
                data: c.data,
                at,
            })
            .collect();
        self.app
            .report_job(&Claimant::BuiltIn, &self.org_id, &self.job_id, &chunks)
            .await
            .map(|control| control.cancel)
            .map_err(|e| TransportError(e.to_string()))
    }

    async fn finish(&self, outcome: Outcome) -> Result<(), TransportError> {
        self.app
            .finish_job(
                &Claimant::BuiltIn,
                &self.org_id,
                &self.job_id,
                JobOutcome {
                    status: outcome.status,
                    exit_code: outcome.exit_code,
                    error: outcome.error,
                },
            )
            .await
            .map_err(|e| TransportError(e.to_string()))
    }
}

async fn run(app: Lanyard, job: JobRecord, options: &RunnerOptions) {
    let transport = Direct {
        app: app.clone(),
        org_id: job.org_id.clone(),
        job_id: job.id.clone(),
    };
    let prepared = match prepare(&app, &job).await {
        Ok(prepared) => prepared,
        Err(message) => {
            // Nothing ran: say why in the job's output and end it.
            let message = app
                .secret_registry()
                .redactor()
                .redact_str(&message)
                .into_owned();
            lanyard_runner::fail_before_start(&transport, message).await;
            return;
        }
    };
    lanyard_runner::run_job(prepared, &transport, options).await;
}

/// The job with its credentials released to the built-in runner.
async fn prepare(app: &Lanyard, job: &JobRecord) -> Result<JobToRun, String> {
    let spec = lanyard_core::JobSpec::from_record(job).map_err(|e| e.to_string())?;
    let released = app
        .release_job_credentials(&Claimant::BuiltIn, &job.org_id, &job.id)
        .await
        .map_err(|e| format!("credentials could not be released: {e}"))?;
    let mut prepared = Vec::with_capacity(released.len());
    for credential in released {
        let credential = prepared_credential(&job.id, credential).await?;
        // Temporary credentials assumed here are masked in the server's own logs too.
        for secret in credential.materialization.secret_values() {
            app.secret_registry().add(secret.expose_secret().as_bytes());
        }
        prepared.push(credential);
    }
    Ok(JobToRun {
        id: job.id.clone(),
        command: spec.command,
        git: spec.git.map(|g| lanyard_runner::GitToClone {
            url: g.url,
            reference: g.reference,
            connection: g.connection.to_string(),
        }),
        credentials: prepared,
    })
}

/// The built-in runner never gets runner-mode jobs (they are pinned to their runner); for
/// cross-account trust it assumes the role with the server's own identity.
async fn prepared_credential(
    job_id: &str,
    released: ReleasedConnection,
) -> Result<PreparedCredential, String> {
    let connection = released.connection.connection.to_string();
    if released.auth_mode == lanyard_providers::AuthMode::Runner {
        // The core never releases these to the built-in runner; never lend it the server's
        // own identity either.
        return Err(format!(
            "connection `{connection}` uses a registered runner's identity and cannot run on the \
             built-in runner"
        ));
    }
    let mut materialization = released.materialization;
    let tags = released
        .session_tags
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    lanyard_aws::ambient::complete(
        released.auth_mode,
        &released.connection.provider,
        &mut materialization,
        job_id,
        tags,
    )
    .await
    .map_err(|e| format!("connection `{connection}`: {e}"))?;
    Ok(PreparedCredential {
        connection,
        provider: released.connection.provider,
        git_only: released.connection.git_only,
        materialization,
    })
}
