//! The server's background work: the built-in runner, which runs jobs that have no runner of
//! their own inside the server, and the reaper, which fails jobs whose runner went silent.
//!
//! The built-in runner shares a process with the master key and the database, so its jobs run
//! only in a sandbox (`lanyard-sandbox`) unless the operator said `unsandboxed`; with no
//! sandbox available it refuses them, saying why.

use std::sync::Arc;
use std::time::Duration;

use lanyard_crypto::{ExposeSecret as _, Keyring};
use lanyard_runner::sandbox::Sandbox;
use lanyard_runner::RunnerDirs;
use lanyard_store::DatabaseUrl;
use secrecy::SecretString;

use crate::config::ServerConfig;
use crate::startup::{FirstStart, StartError};

use lanyard_core::{Claimant, Lanyard, ReleasedConnection};
use lanyard_runner::{
    Chunk, JobToRun, JobTransport, Outcome, PreparedCredential, RunnerOptions, TransportError,
};
use lanyard_store::{JobOutcome, JobRecord, OutputChunk};
use tokio::sync::mpsc;

/// How many built-in jobs run at once in one server.
const CONCURRENCY: usize = 8;

/// The secrets this process holds itself, masked in every job's output in case a job gets
/// hold of one: each master key, and the admin token of a first start.
pub(crate) fn own_secrets(keyring: &Keyring, first: Option<&FirstStart>) -> Vec<SecretString> {
    std::iter::once(keyring.active())
        .chain(keyring.retired())
        .map(|key| SecretString::from(key.to_base64().expose_secret().to_owned()))
        .chain(first.map(|f| SecretString::from(f.admin_token.expose_secret().to_owned())))
        .collect()
}

/// Probes the sandbox and claims the built-in runner's directories (removing what a killed
/// server left behind), and says at start how jobs will be isolated.
pub(crate) async fn options(
    config: &ServerConfig,
    database: &DatabaseUrl,
    own_secrets: Vec<SecretString>,
) -> Result<RunnerOptions, StartError> {
    let sandbox = Sandbox::prepare(config.jobs.sandbox.clone())
        .await
        .map_err(|e| StartError::Jobs(format!("job settings: {e}")))?;
    let isolation = sandbox.isolation();
    match isolation.level {
        "sandbox" => tracing::info!(isolation = %isolation.detail, "built-in runner isolates jobs"),
        "unsandboxed" => tracing::warn!(
            "the built-in runner runs jobs UNSANDBOXED, as the server's own user: any job can \
             read the master key and the database (LANYARD_JOB_ISOLATION=unsandboxed)"
        ),
        _ => tracing::warn!(
            reason = %isolation.detail,
            "the built-in runner cannot isolate jobs and will refuse them; install bubblewrap, \
             or set LANYARD_JOB_ISOLATION=unsandboxed"
        ),
    }
    let dirs = RunnerDirs::claim(
        &instance(config, database),
        &config.job_dir,
        lanyard_runner::memory_backed_dir().as_deref(),
    )
    .map_err(|e| {
        StartError::Jobs(format!(
            "cannot prepare the job directory under {}: {e}; set LANYARD_JOB_DIR to a writable \
             directory",
            config.job_dir.display()
        ))
    })?;
    let mut options = RunnerOptions::new(dirs, Arc::new(sandbox));
    options.limits = config.jobs.limits;
    options.own_secrets = Arc::new(own_secrets);
    options.pass_env = Arc::new(config.jobs.pass_env.clone());
    Ok(options)
}

/// A name for this installation's built-in runner directories: servers on different data
/// (tests, several installations on one machine) never clean up each other's jobs.
fn instance(config: &ServerConfig, database: &DatabaseUrl) -> String {
    let database = database.to_string();
    RunnerDirs::instance_name(
        "builtin",
        &[
            config.data_dir.as_os_str().as_encoded_bytes(),
            database.as_bytes(),
        ],
    )
}

/// Runs the reaper and (if on) the built-in runner until the task is dropped.
pub(crate) async fn background(app: Lanyard, options: Option<RunnerOptions>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut last_reap = tokio::time::Instant::now() - Duration::from_secs(60);
    let mut last_key_check: Option<tokio::time::Instant> = None;
    let mut last_connection_check = tokio::time::Instant::now();
    let checking = Arc::new(std::sync::atomic::AtomicBool::new(false));
    loop {
        // A few due connections every two seconds: checks spread out instead of all at once.
        // Provider calls may take seconds; they run aside, one round at a time, and never hold
        // up claiming jobs.
        if last_connection_check.elapsed() >= Duration::from_secs(2)
            && !checking.swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            let (app, checking) = (app.clone(), checking.clone());
            tokio::spawn(async move {
                if let Err(e) = app.check_due_connections().await {
                    tracing::warn!(error = %e, "could not run scheduled connection checks");
                }
                checking.store(false, std::sync::atomic::Ordering::Release);
            });
            last_connection_check = tokio::time::Instant::now();
        }
        // Signing keys age in days; a check a minute is plenty, and the first waits for a
        // minute so that a short-lived server (a test, a one-off command) makes no key.
        let started = *last_key_check.get_or_insert_with(tokio::time::Instant::now);
        if started.elapsed() >= Duration::from_secs(60) {
            if let Err(e) = app.maintain_signing_keys().await {
                tracing::warn!(error = %e, "could not maintain the OIDC signing keys");
            }
            last_key_check = Some(tokio::time::Instant::now());
        }
        if last_reap.elapsed() >= Duration::from_secs(1) {
            if let Err(e) = app.reap_jobs(app.runner_timeout()).await {
                tracing::warn!(error = %e, "could not reap stale jobs");
            }
            if let Err(e) = app.flush_read_audit(false).await {
                tracing::warn!(error = %e, "could not record counted reads");
            }
            last_reap = tokio::time::Instant::now();
        }
        if let Some(options) = &options {
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

    async fn fetch_upload(&self, into: mpsc::Sender<Vec<u8>>) -> Result<(), TransportError> {
        let failed = |e: lanyard_core::CoreError| TransportError(e.to_string());
        let mut reader = self
            .app
            .job_upload(&Claimant::BuiltIn, &self.org_id, &self.job_id)
            .await
            .map_err(failed)?
            .ok_or_else(|| TransportError("the job's upload is gone".to_owned()))?;
        while let Some(part) = reader.next_part().await.map_err(failed)? {
            if into.send(part).await.is_err() {
                break; // The unpacker stopped; it says why.
            }
        }
        Ok(())
    }

    async fn send_artifacts(
        &self,
        mut archive: mpsc::Receiver<Vec<u8>>,
    ) -> Result<(), TransportError> {
        let failed = |e: lanyard_core::CoreError| TransportError(e.to_string());
        let mut writer = self
            .app
            .begin_artifacts(&Claimant::BuiltIn, &self.org_id, &self.job_id)
            .await
            .map_err(failed)?;
        while let Some(piece) = archive.recv().await {
            writer.write(&piece).await.map_err(failed)?;
        }
        writer.finish().await.map_err(failed)?;
        Ok(())
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
        timeout: spec.timeout_secs.map(Duration::from_secs),
        upload: spec.upload.map(|u| lanyard_runner::UploadToUnpack {
            digest: u.digest,
            limits: lanyard_runner::BundleLimits {
                max_bytes: u64::try_from(u.bytes).unwrap_or(0),
                max_files: u64::try_from(u.files).unwrap_or(0),
            },
        }),
        artifacts: spec.artifacts,
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
