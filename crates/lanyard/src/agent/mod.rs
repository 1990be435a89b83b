//! The runner agent (`lanyard runner start`): connects out to the server with its runner
//! token, claims jobs, runs them with `lanyard-runner`, and reconnects with backoff when the
//! server is away. It needs no inbound port.

mod health;
mod identity;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use lanyard_api::{
    FinishJob, Job, JobReport, OutputChunk, ReleasedCredential, RunnerCredentials, WireEnvValue,
};
use lanyard_client::{Client, ClientError};
use lanyard_providers::{
    AuthMode, AwsAssumeRole, AwsExchange, EnvValue, EnvVar, FileSpec, Materialization,
};
use lanyard_runner::sandbox::Sandbox;
use lanyard_runner::settings::JobSettings;
use lanyard_runner::{
    BundleLimits, Chunk, GitToClone, JobToRun, JobTransport, Outcome, PreparedCredential,
    RunnerDirs, RunnerOptions, TransportError, UploadToUnpack,
};
use secrecy::SecretString;

/// How long one claim request waits for a job on the server.
const CLAIM_WAIT_SECS: u64 = 25;
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub(crate) async fn run(
    credentials: RunnerCredentials,
    work_dir: Option<PathBuf>,
    concurrency: usize,
    settings: JobSettings,
    health_listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    init_logging();
    let token = SecretString::from(credentials.token.expose_secret().to_owned());
    let client = Client::new(&credentials.server_url, Some(token.clone()))?;
    let sandbox = Sandbox::prepare(settings.sandbox)
        .await
        .context("invalid job settings")?;
    if let Some(refusal) = sandbox.refusal() {
        anyhow::bail!("{refusal}");
    }
    let isolation = sandbox.isolation().to_string();
    if sandbox.isolation().level == "unsandboxed" {
        tracing::warn!("jobs run UNSANDBOXED, as this runner's own user, and can read its token");
    }
    let work_root = work_dir.unwrap_or_else(std::env::temp_dir);
    let instance = instance(&credentials);
    let dirs = RunnerDirs::claim(
        &instance,
        &work_root,
        lanyard_runner::memory_backed_dir().as_deref(),
    )
    .with_context(|| {
        format!(
            "cannot prepare the job directory under {}",
            work_root.display()
        )
    })?;
    let mut options = RunnerOptions::new(dirs, Arc::new(sandbox));
    options.limits = settings.limits;
    // The runner's own token is masked in every job's output, in case a job gets hold of it.
    options.own_secrets = Arc::new(vec![token]);
    options.pass_env = Arc::new(settings.pass_env);
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let health = health::Health::new(slots.clone());
    if let Some(addr) = health_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} for the health endpoint"))?;
        tracing::info!(addr = %listener.local_addr()?, "health endpoint at /healthz");
        tokio::spawn(health.clone().serve(listener));
    }
    let aws_identity = Arc::new(std::sync::Mutex::new(None::<String>));
    // With AWS configured in the environment the probe is one STS call: done before the first
    // claim, so the first claim carries it. Otherwise (instance metadata, or no AWS at all) it
    // may wait on timeouts, so only the identity checks beside the claims look for it.
    let configured = [
        "AWS_ACCESS_KEY_ID",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some());
    let probed = if configured {
        Some(identity::probe_aws(&aws_identity).await)
    } else {
        None
    };
    // Claims may bring a request to check identities now (a `connection test`).
    let recheck = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(identity::keep_reporting(
        client.clone(),
        aws_identity.clone(),
        recheck.clone(),
        probed,
    ));
    tracing::info!(runner = %credentials.runner, server = %credentials.server_url,
        isolation = %isolation, "runner started");
    let mut backoff = Duration::from_secs(1);
    loop {
        let permit = slots.clone().acquire_owned().await?;
        let identity = aws_identity.lock().map(|i| i.clone()).unwrap_or_default();
        match client
            .claim_job_reporting(CLAIM_WAIT_SECS, identity.as_deref(), Some(&isolation))
            .await
        {
            Ok(claim) => {
                health.contact();
                backoff = Duration::from_secs(1);
                if claim.recheck_identities {
                    recheck.notify_one();
                }
                if let Some(claimed) = claim.job {
                    let (client, options) = (client.clone(), options.clone());
                    tokio::spawn(async move {
                        run_one(&client, claimed.job, &options).await;
                        drop(permit);
                    });
                }
            }
            Err(ClientError::Api {
                status: 401,
                message,
                ..
            }) => {
                anyhow::bail!("the server refused this runner's token: {message}")
            }
            Err(e) => {
                health.lost();
                tracing::warn!(error = %e, retry_in = ?backoff, "cannot reach the server");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// A name for this runner's job directories, unique per server, organization and runner:
/// several runners on one machine never clean up each other's jobs.
fn instance(credentials: &RunnerCredentials) -> String {
    RunnerDirs::instance_name(
        &format!("runner-{}", credentials.runner),
        &[
            credentials.server_url.as_bytes(),
            credentials.org.as_bytes(),
        ],
    )
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LANYARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Reports through the API.
struct Remote<'c> {
    client: &'c Client,
    job_id: String,
}

#[async_trait::async_trait]
impl JobTransport for Remote<'_> {
    async fn report(&self, chunks: Vec<Chunk>) -> Result<bool, TransportError> {
        let report = JobReport {
            chunks: chunks
                .into_iter()
                .map(|c| OutputChunk {
                    seq: c.seq,
                    stream: c.stream.to_owned(),
                    data: base64::engine::general_purpose::STANDARD.encode(&c.data),
                })
                .collect(),
        };
        self.client
            .report_job(&self.job_id, &report)
            .await
            .map(|reply| reply.cancel)
            .map_err(|e| TransportError(e.to_string()))
    }

    async fn finish(&self, outcome: Outcome) -> Result<(), TransportError> {
        let finish = FinishJob {
            status: outcome.status.to_owned(),
            exit_code: outcome.exit_code,
            error: outcome.error,
        };
        self.client
            .finish_job(&self.job_id, &finish)
            .await
            .map_err(|e| TransportError(e.to_string()))
    }

    async fn fetch_upload(
        &self,
        into: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> Result<(), TransportError> {
        let failed = |e: lanyard_client::ClientError| TransportError(e.to_string());
        let mut download = self.client.job_upload(&self.job_id).await.map_err(failed)?;
        while let Some(piece) = download.next_piece().await.map_err(failed)? {
            if into.send(piece).await.is_err() {
                break; // The unpacker stopped; it says why.
            }
        }
        Ok(())
    }

    async fn send_artifacts(
        &self,
        archive: tokio::sync::mpsc::Receiver<Vec<u8>>,
    ) -> Result<(), TransportError> {
        self.client
            .send_artifacts(&self.job_id, archive)
            .await
            .map_err(|e| TransportError(e.to_string()))
    }
}

async fn run_one(client: &Client, job: Job, options: &RunnerOptions) {
    tracing::info!(job.id = %job.id, "running job");
    let transport = Remote {
        client,
        job_id: job.id.clone(),
    };
    let credentials = match client.job_credentials(&job.id).await {
        Ok(c) => c,
        Err(e) => {
            return fail(
                &transport,
                format!("credentials could not be released: {e}"),
            )
            .await
        }
    };
    let mut prepared_credentials = Vec::with_capacity(credentials.connections.len());
    for released in credentials.connections {
        match complete(&job.id, released).await {
            Ok(credential) => prepared_credentials.push(credential),
            Err(message) => return fail(&transport, message).await,
        }
    }
    let to_run = JobToRun {
        id: job.id.clone(),
        command: job.command,
        git: job.git.map(|g| GitToClone {
            url: g.url,
            reference: g.reference,
            connection: g.connection,
        }),
        credentials: prepared_credentials,
        timeout: job.timeout_secs.map(Duration::from_secs),
        upload: job.upload.map(|u| UploadToUnpack {
            digest: u.digest,
            limits: BundleLimits {
                max_bytes: u.bytes,
                max_files: u.files,
            },
        }),
        artifacts: job.artifacts,
    };
    let outcome = lanyard_runner::run_job(to_run, &transport, options).await;
    tracing::info!(job.id = %job.id, status = outcome.status, exit_code = ?outcome.exit_code, "job ended");
}

/// Nothing ran: says why in the job's output and ends it failed.
async fn fail(transport: &Remote<'_>, message: String) {
    lanyard_runner::fail_before_start(transport, message).await;
}

/// The released credential with this runner's part added: its own identity in runner mode,
/// the assumed role's temporary credentials in cross-account mode. Done before the job is
/// built, so that every value added is masked in its output.
async fn complete(
    job_id: &str,
    released: ReleasedCredential,
) -> Result<PreparedCredential, String> {
    let mode: AuthMode = released.auth_mode.parse().map_err(|e| {
        format!(
            "connection `{}`: {e}; this runner is older than the server, upgrade it",
            released.connection
        )
    })?;
    let tags: Vec<(String, String)> = released
        .session_tags
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut credential = prepared(released);
    let added = lanyard_aws::ambient::complete(
        mode,
        &credential.provider,
        &mut credential.materialization,
        job_id,
        tags,
    )
    .await
    .map_err(|e| format!("connection `{}`: {e}", credential.connection))?;
    if let Some(added) = added {
        tracing::info!(job.id = %job_id, connection = %credential.connection, "{added}");
    }
    Ok(credential)
}

fn secret(wire: &lanyard_api::WireSecret) -> SecretString {
    SecretString::from(wire.expose_secret().to_owned())
}

/// The released credential as the runner library takes it.
fn prepared(released: ReleasedCredential) -> PreparedCredential {
    let env = released
        .env
        .iter()
        .map(|v| EnvVar {
            name: v.name.clone(),
            value: match &v.value {
                WireEnvValue::Plain { value } => EnvValue::Plain(value.clone()),
                WireEnvValue::Secret { value } => EnvValue::Secret(secret(value)),
                WireEnvValue::FilePath { file } => EnvValue::FilePath(file.clone()),
                WireEnvValue::FileDir { file } => EnvValue::FileDir(file.clone()),
                WireEnvValue::FileArg { prefix, file } => EnvValue::FileArg {
                    prefix: prefix.clone(),
                    file: file.clone(),
                },
            },
        })
        .collect();
    let files = released
        .files
        .iter()
        .map(|f| FileSpec {
            id: f.id.clone(),
            file_name: f.file_name.clone(),
            contents: secret(&f.contents),
        })
        .collect();
    let assume_role = released.assume_role.as_ref().map(|r| AwsAssumeRole {
        role_arn: r.role_arn.clone(),
        external_id: r.external_id.as_ref().map(secret),
    });
    let masks = released.masks.iter().map(secret).collect();
    let mut materialization =
        Materialization::from_parts(env, files, assume_role, masks, released.structured.clone());
    materialization.exchange = released.exchange.as_ref().map(|e| AwsExchange {
        role_arn: e.role_arn.clone(),
        duration_secs: e.duration_secs,
    });
    materialization.path_templates = released.path_templates.clone();
    PreparedCredential {
        connection: released.connection,
        provider: released.provider,
        git_only: released.git_only,
        materialization,
    }
}
