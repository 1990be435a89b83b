//! Jobs: a command run with connections injected, on a runner. Creating one resolves and
//! authorizes every connection first (nothing is queued otherwise); releasing its credentials
//! re-checks them, records where they went, and hands them only to the runner that claimed it.

mod artifacts;
mod control;
mod git_origin;
mod identity;
mod owners;
pub(crate) mod pinning;
mod usage;

use lanyard_domain::{Action, Principal, Slug};
use lanyard_providers::{AuthMode, Materialization};
use lanyard_store::{JobRecord, NewJob, OrgRecord, ReleaseRecord};
use serde::{Deserialize, Serialize};

use crate::runners::RunnerIdentity;
use crate::{new_id, now, CoreError, CoreResult, Lanyard};

use artifacts::check_artifact_paths;
pub(crate) use pinning::{mode_of, runner_field};

pub use control::{JobControl, Signals};
pub use usage::UsageReport;

/// What a job runs and with which connections; stored as JSON with the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    pub command: Vec<String>,
    pub connections: Vec<JobConnection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitSource>,
    /// Wall-clock limit in seconds; `None`: the runner's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// The uploaded directory the job runs on (`lanyard run --dir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadRef>,
    /// Paths in the work tree collected as artifacts when the job ends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<String>,
}

/// An uploaded directory, as the job was created with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRef {
    pub id: String,
    /// Bytes of the compressed archive.
    pub size: i64,
    /// `sha256:<hex>` of the archive: the runner checks it.
    pub digest: String,
    /// Entries and bytes of file content it unpacks to.
    pub files: i64,
    pub bytes: i64,
}

/// A connection a job uses, as resolved when the job was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobConnection {
    pub provider: String,
    pub connection: Slug,
    pub connection_id: String,
    /// How it was chosen: `explicit`, `environment_default` or `organization_default`.
    pub source: String,
    /// Used only to clone the job's repository; not injected into the command.
    #[serde(default)]
    pub git_only: bool,
}

/// The repository a job clones before its command runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitSource {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The GitHub or GitLab connection whose token is the clone's password.
    pub connection: Slug,
}

/// The longest timeout a job may ask for: a week.
const MAX_TIMEOUT_SECS: u64 = 7 * 86_400;

/// A job timeout in seconds, if it is one a job may have.
pub(crate) fn checked_timeout(timeout: std::time::Duration) -> CoreResult<u64> {
    match timeout.as_secs() {
        secs @ 1..=MAX_TIMEOUT_SECS => Ok(secs),
        _ => Err(CoreError::Invalid(format!(
            "a job timeout must be between 1 second and {} days",
            MAX_TIMEOUT_SECS / 86_400
        ))),
    }
}

/// What `lanyard run` asks for.
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub environment: Slug,
    pub providers: Vec<String>,
    pub connections: Vec<Slug>,
    pub runner: Option<Slug>,
    /// Repository URL and optional ref (branch or tag).
    pub git: Option<(String, Option<String>)>,
    pub command: Vec<String>,
    /// How long the job may run; `None`: the runner's default.
    pub timeout: Option<std::time::Duration>,
    /// An upload (from `POST /orgs/{org}/uploads`) to unpack into the work tree.
    pub upload: Option<String>,
    /// Paths of the work tree to bring back when the job ends.
    pub artifacts: Vec<String>,
}

/// A job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl JobStatus {
    /// Parses a stored status.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "canceled" => Self::Canceled,
            _ => return None,
        })
    }

    /// Whether the job has ended.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Canceled)
    }
}

/// Who is taking or running a job.
#[derive(Debug, Clone)]
pub enum Claimant {
    /// The server's own runner.
    BuiltIn,
    /// A registered runner, authenticated by its token.
    Runner(RunnerIdentity),
}

impl Claimant {
    fn runner_id(&self) -> Option<&str> {
        match self {
            Self::BuiltIn => None,
            Self::Runner(r) => Some(&r.id),
        }
    }

    fn name(&self) -> Option<&Slug> {
        match self {
            Self::BuiltIn => None,
            Self::Runner(r) => Some(&r.name),
        }
    }

    /// The actor recorded in the audit trail.
    pub(crate) fn actor(&self) -> String {
        match self {
            Self::BuiltIn => "runner:built-in".to_owned(),
            Self::Runner(r) => format!("runner:{}", r.name),
        }
    }
}

/// One connection's credentials, released to the runner of a job.
pub struct ReleasedConnection {
    pub connection: JobConnection,
    /// Runner mode: the runner adds its own identity. Cross-account trust: it assumes
    /// `materialization.assume_role` and adds the temporary credentials.
    pub auth_mode: AuthMode,
    pub materialization: Materialization,
    /// The session tags of an AssumeRole: organization and environment.
    pub session_tags: Vec<(&'static str, String)>,
}

impl JobSpec {
    /// Parses a stored spec.
    pub fn from_record(job: &JobRecord) -> CoreResult<Self> {
        serde_json::from_str(&job.spec).map_err(|e| {
            CoreError::Internal(format!("job {} has a corrupt spec: {e}", job.id).into())
        })
    }
}

impl Lanyard {
    /// Creates a job: resolves and authorizes every connection it needs, picks its runner, and
    /// queues it. If any connection cannot be used, no job is created and the error is the
    /// resolver's, naming the fix.
    pub async fn create_job(
        &self,
        principal: &Principal,
        org: &Slug,
        request: JobRequest,
    ) -> CoreResult<JobRecord> {
        principal.authorize_in(Action::Deploy, "run jobs", Some(&request.environment))?;
        let org = self.own_org(principal, org).await?;
        if request.command.is_empty() {
            return Err(CoreError::Invalid(
                "no command to run: put it after `--`, e.g. `lanyard run --env dev -- terraform plan`"
                    .to_owned(),
            ));
        }
        // The job's own timeout, else the organization's default, else the runner's.
        let timeout_secs = match request.timeout {
            Some(t) => Some(checked_timeout(t)?),
            None => org.job_timeout_secs.and_then(|s| u64::try_from(s).ok()),
        };
        if request.git.is_some() && request.upload.is_some() {
            return Err(CoreError::Invalid(
                "--dir and --git both give the job its files; choose one".to_owned(),
            ));
        }
        let artifacts = check_artifact_paths(&request.artifacts)?;
        let upload = match &request.upload {
            Some(id) => Some(self.usable_upload(principal, &org, id).await?),
            None => None,
        };
        let mut connections = self.resolve_job_connections(&org, &request).await?;
        let git = match &request.git {
            Some((url, reference)) => Some(
                self.git_source(&org, &request.environment, url, reference, &mut connections)
                    .await?,
            ),
            None => None,
        };
        let (runner_id, runner) = self
            .choose_runner(&org, request.runner.as_ref(), &connections)
            .await?;
        let spec = JobSpec {
            command: request.command,
            connections,
            git,
            timeout_secs,
            upload,
            artifacts,
        };
        let new = NewJob {
            id: new_id(),
            org_id: org.id.clone(),
            environment: request.environment.clone(),
            runner_id,
            runner: runner.clone(),
            spec: serde_json::to_string(&spec).map_err(|e| CoreError::Internal(Box::new(e)))?,
            created_by: principal.token_id.clone(),
            created_at: now(),
            upload_id: spec.upload.as_ref().map(|u| u.id.clone()),
        };
        let details = serde_json::json!({
            "environment": request.environment.as_str(),
            "runner": runner.as_ref().map_or("built-in", Slug::as_str),
            "connections": spec.connections.iter().map(|c| c.connection.as_str()).collect::<Vec<_>>(),
            "command": spec.command.first(),
            "upload": spec.upload.as_ref().map(|u| serde_json::json!({
                "size": u.size, "digest": u.digest, "files": u.files,
            })),
        });
        let audit = self.change_entry(
            principal,
            &org.id,
            "job.create",
            format!("job/{}", new.id),
            details,
        );
        let job = self.store.create_job(&new, &audit).await?;
        self.signals.job_queued();
        tracing::info!(job.id = %job.id, environment = %job.environment, "job queued");
        Ok(job)
    }

    /// Explicit connections first (each settles its provider), then the defaults of the
    /// remaining providers. Every one must resolve and be authorized in the environment.
    async fn resolve_job_connections(
        &self,
        org: &OrgRecord,
        request: &JobRequest,
    ) -> CoreResult<Vec<JobConnection>> {
        let mut chosen: Vec<JobConnection> = Vec::new();
        for name in &request.connections {
            let connection = self.require_connection(org, name).await?;
            let resolution = self
                .resolve_in(org, &connection.provider, &request.environment, Some(name))
                .await?
                .usable()?;
            push_resolution(&mut chosen, resolution, false)?;
        }
        for provider in &request.providers {
            if chosen.iter().any(|c| &c.provider == provider) {
                continue;
            }
            let resolution = self
                .resolve_in(org, provider, &request.environment, None)
                .await?
                .usable()?;
            push_resolution(&mut chosen, resolution, false)?;
        }
        Ok(chosen)
    }

    /// The job's GitHub or GitLab connection clones the repository; without one, the
    /// provider's default in the environment is resolved (and used for the clone only).
    async fn git_source(
        &self,
        org: &OrgRecord,
        environment: &Slug,
        url: &str,
        reference: &Option<String>,
        connections: &mut Vec<JobConnection>,
    ) -> CoreResult<GitSource> {
        check_git_url(url)?;
        let provider = if url.contains("gitlab") {
            "gitlab"
        } else {
            "github"
        };
        let existing = connections
            .iter()
            .find(|c| c.provider == provider)
            .or_else(|| {
                connections
                    .iter()
                    .find(|c| c.provider == "github" || c.provider == "gitlab")
            });
        let connection = match existing {
            Some(c) => c.connection.clone(),
            None => {
                let resolution = self
                    .resolve_in(org, provider, environment, None)
                    .await?
                    .usable()
                    .map_err(|e| {
                        with_prefix(
                            e,
                            "--git needs a GitHub or GitLab connection for its token: ",
                        )
                    })?;
                push_resolution(connections, resolution, true)?;
                connections
                    .last()
                    .map(|c| c.connection.clone())
                    .unwrap_or_else(|| unreachable!())
            }
        };
        let record = self
            .store
            .find_connection(&org.id, &connection)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("connection `{connection}` is gone")))?;
        git_origin::check(url, &record)?;
        Ok(GitSource {
            url: url.to_owned(),
            reference: reference.clone(),
            connection,
        })
    }

    /// The runner a connection pins the job to, else the named runner, else the
    /// organization's default runner, else the built-in one.
    async fn choose_runner(
        &self,
        org: &OrgRecord,
        named: Option<&Slug>,
        connections: &[JobConnection],
    ) -> CoreResult<(Option<String>, Option<Slug>)> {
        if let Some(pin) = self.pinned_runner(org, connections).await? {
            let runner = self.pinned_runner_record(org, named, &pin).await?;
            return Ok((Some(runner.id), Some(runner.name)));
        }
        if let Some(name) = named {
            let runner = self.require_runner(org, name).await?;
            return Ok((Some(runner.id), Some(runner.name)));
        }
        let runners = self.store.list_runners(&org.id).await?;
        if let Some(default) = runners.into_iter().find(|r| r.is_default) {
            return Ok((Some(default.id), Some(default.name)));
        }
        if !self.builtin_runner {
            return Err(CoreError::Invalid(
                "this server's built-in runner is off and the organization has no default runner; \
                 pass --runner NAME, or set one with `lanyard runner set-default NAME`"
                    .to_owned(),
            ));
        }
        Ok((None, None))
    }

    /// Releases a running job's credentials to the runner that claimed it. Each connection is
    /// resolved and authorized again (an authorization may have been removed since the job
    /// was queued), opened, and recorded as a release.
    pub async fn release_job_credentials(
        &self,
        claimant: &Claimant,
        org_id: &str,
        job_id: &str,
    ) -> CoreResult<Vec<ReleasedConnection>> {
        let job = self.claimed_job(claimant, org_id, job_id).await?;
        let spec = JobSpec::from_record(&job)?;
        let org = OrgRecord {
            id: job.org_id.clone(),
            slug: job.org.clone(),
            created_at: job.created_at,
            job_timeout_secs: None,
            upload_max_bytes: None,
            upload_max_files: None,
        };
        let mut opened = Vec::with_capacity(spec.connections.len());
        for connection in spec.connections {
            let resolution = self
                .resolve_in(
                    &org,
                    &connection.provider,
                    &job.environment,
                    Some(&connection.connection),
                )
                .await?
                .usable()?;
            let record = self
                .require_connection(&org, &connection.connection)
                .await?;
            if resolution.connection_id.as_deref() != Some(record.id.as_str())
                || record.id != connection.connection_id
            {
                return Err(CoreError::Conflict(format!(
                    "connection `{}` was replaced after the job was created; run the job again",
                    connection.connection
                )));
            }
            let auth_mode = pinning::mode_of(&record)?;
            if auth_mode == AuthMode::Runner {
                let pinned = pinning::runner_field(&record)?;
                if pinned.is_none() || pinned.as_ref() != claimant.name() {
                    return Err(CoreError::Conflict(format!(
                        "connection `{}` uses the identity of runner `{}` (runner mode), and this \
                         job is on another runner; run the job again so that it goes there",
                        record.name,
                        pinned.map_or_else(|| "?".to_owned(), |p| p.to_string())
                    )));
                }
            }
            let identity = if auth_mode == AuthMode::Oidc {
                Some(
                    self.job_identity(&job, spec.timeout_secs, &record, claimant)
                        .await?,
                )
            } else {
                None
            };
            let (token, identity_audit) = match identity {
                Some(issued) => (Some(issued.token), Some(issued.audit)),
                None => (None, None),
            };
            let (materialization, versions) = self.open_connection(&org.id, &record, token).await?;
            opened.push((
                connection,
                record,
                auth_mode,
                materialization,
                versions,
                identity_audit,
            ));
        }
        // Nothing is recorded as released until every connection is known to own its variables.
        owners::check(
            opened
                .iter()
                .filter(|(c, ..)| !c.git_only)
                .map(|(c, _, _, m, ..)| (c.connection.as_str(), m)),
        )?;
        let mut released = Vec::with_capacity(opened.len());
        for (connection, record, auth_mode, materialization, versions, identity) in opened {
            let release = ReleaseRecord {
                id: new_id(),
                org_id: org.id.clone(),
                job_id: job.id.clone(),
                environment: job.environment.clone(),
                connection_id: record.id.clone(),
                connection: record.name.clone(),
                provider: record.provider.clone(),
                runner: claimant.name().cloned(),
                secrets: serde_json::Value::from(versions.clone()).to_string(),
                released_at: now(),
            };
            let audit = lanyard_store::AuditEntry {
                org_id: org.id.clone(),
                at: release.released_at.millis(),
                actor: claimant.actor(),
                source: String::new(),
                action: "credential.release".to_owned(),
                target: format!("connection/{}", record.name),
                details: release_details(&job, &versions, identity),
            };
            self.store.record_release(&release, &audit).await?;
            released.push(ReleasedConnection {
                connection,
                auth_mode,
                materialization,
                session_tags: vec![
                    ("organization", job.org.to_string()),
                    ("environment", job.environment.to_string()),
                ],
            });
        }
        Ok(released)
    }

    /// The job, if it is running and was claimed by `claimant`; anything else is refused the
    /// same way, so a runner learns nothing about other runners' jobs.
    pub(crate) async fn claimed_job(
        &self,
        claimant: &Claimant,
        org_id: &str,
        job_id: &str,
    ) -> CoreResult<JobRecord> {
        let job = self.store.find_job(org_id, job_id).await?;
        match job {
            Some(job)
                if job.runner_id.as_deref() == claimant.runner_id() && job.status == "running" =>
            {
                Ok(job)
            }
            _ => Err(CoreError::Unauthorized(format!(
                "job `{job_id}` is not running on this runner: credentials are released only to \
                 the runner a job was given to, while it runs"
            ))),
        }
    }
}

/// What a release's audit event says: the job, the environment, the secret versions, and for
/// an `oidc` connection the token's key id, subject, audience and expiry (never the token).
fn release_details(
    job: &JobRecord,
    versions: &[serde_json::Value],
    identity: Option<serde_json::Value>,
) -> String {
    let mut details = serde_json::json!({
        "job": job.id,
        "environment": job.environment.as_str(),
        "secrets": versions,
    });
    if let Some(identity) = identity {
        details["identity_token"] = identity;
    }
    details.to_string()
}

fn push_resolution(
    chosen: &mut Vec<JobConnection>,
    resolution: crate::Resolution,
    git_only: bool,
) -> CoreResult<()> {
    let (Some(connection), Some(connection_id), Some(source)) = (
        resolution.connection,
        resolution.connection_id,
        resolution.source,
    ) else {
        return Err(CoreError::Internal(
            "a usable resolution names its connection".into(),
        ));
    };
    if chosen.iter().any(|c| c.connection_id == connection_id) {
        return Ok(());
    }
    if let Some(other) = chosen.iter().find(|c| c.provider == resolution.provider) {
        return Err(CoreError::Invalid(format!(
            "a job takes one connection per provider: `{}` and `{connection}` are both {} \
             connections, and their variables would overwrite each other; run them as two jobs",
            other.connection, resolution.provider
        )));
    }
    chosen.push(JobConnection {
        provider: resolution.provider,
        connection,
        connection_id,
        source: source.as_str().to_owned(),
        git_only,
    });
    Ok(())
}

fn check_git_url(url: &str) -> CoreResult<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            CoreError::Invalid(format!(
                "--git `{url}` is not an http(s) URL; give the repository's HTTPS clone URL, e.g. \
                 https://github.com/acme/infra.git"
            ))
        })?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(CoreError::Invalid(
            "--git URL must not carry credentials; the clone uses the token of the job's GitHub or \
             GitLab connection"
                .to_owned(),
        ));
    }
    if authority.is_empty() {
        return Err(CoreError::Invalid(format!("--git `{url}` has no host")));
    }
    Ok(())
}

fn with_prefix(error: CoreError, prefix: &str) -> CoreError {
    match error {
        CoreError::NotFound(m) => CoreError::NotFound(format!("{prefix}{m}")),
        CoreError::Unauthorized(m) => CoreError::Unauthorized(format!("{prefix}{m}")),
        other => other,
    }
}
