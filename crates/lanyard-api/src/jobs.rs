//! Jobs, runners and connection usage on the wire, for people and for runners.
//!
//! Output bytes travel base64-encoded (a job may print anything, not only UTF-8). Only the
//! runner-facing [`ReleasedCredential`] carries secret values, as [`WireSecret`]s: it is the one
//! delivery of a job's credentials to the runner that claimed it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::WireSecret;

/// `POST /orgs/{org}/jobs`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CreateJob {
    pub environment: String,
    /// Providers whose connection is resolved (explicit, else environment, else organization
    /// default).
    #[serde(default)]
    pub providers: Vec<String>,
    /// Connections named explicitly; each settles its provider.
    #[serde(default)]
    pub connections: Vec<String>,
    /// The runner to use; default: the organization's default runner, else the built-in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitRequest>,
    /// The command and its arguments (no shell is involved).
    pub command: Vec<String>,
    /// Stop the job after this many seconds; default: the runner's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// An upload's id (`POST /orgs/{org}/uploads`): its files are the job's work tree. Not
    /// with `git`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<String>,
    /// Paths in the work tree to bring back when the job ends
    /// (`GET /orgs/{org}/jobs/{id}/artifacts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<String>,
}

/// An uploaded directory (`POST /orgs/{org}/uploads`, body: the archive).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Upload {
    /// Pass it as `upload` when creating the job (once, within the hour).
    pub id: String,
    /// Bytes of the compressed archive.
    pub size: u64,
    /// `sha256:<hex>` of the archive.
    pub digest: String,
    /// Files, directories and symlinks it holds.
    pub files: u64,
    /// Bytes of file content.
    pub bytes: u64,
    pub expires_at: String,
}

/// A repository to clone before the command runs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct GitRequest {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A connection a job uses.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct JobConnectionView {
    pub provider: String,
    pub connection: String,
    /// `explicit`, `environment_default` or `organization_default`.
    pub source: String,
    /// Used only to clone the repository.
    pub git_only: bool,
}

/// The repository a job clones.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct GitView {
    pub url: String,
    pub reference: Option<String>,
    pub connection: String,
}

/// A job.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub org: String,
    pub environment: String,
    /// The runner's name; `None` for the built-in runner.
    pub runner: Option<String>,
    /// `queued`, `running`, `succeeded`, `failed` or `canceled`.
    pub status: String,
    pub exit_code: Option<i64>,
    pub error: Option<String>,
    pub command: Vec<String>,
    pub connections: Vec<JobConnectionView>,
    pub git: Option<GitView>,
    pub created_by: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub cancel_requested: bool,
    /// Its wall-clock limit in seconds, when it set one.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// The uploaded directory it runs on (its id is not shown: it is used once).
    #[serde(default)]
    pub upload: Option<UploadView>,
    /// Paths it brings back as artifacts.
    #[serde(default)]
    pub artifacts: Vec<String>,
}

/// The directory a job runs on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct UploadView {
    pub size: u64,
    pub digest: String,
    pub files: u64,
    pub bytes: u64,
}

/// One piece of output.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct OutputChunk {
    pub seq: i64,
    /// `stdout`, `stderr` or `lanyard` (the runner's own messages).
    pub stream: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub data: String,
}

/// A line of `GET /orgs/{org}/jobs/{id}/output` (newline-delimited JSON).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobEvent {
    Output(OutputChunk),
    /// The last line: the job as it ended (or as it is, when not following).
    End {
        job: Box<Job>,
    },
}

/// A runner.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Runner {
    pub name: String,
    pub is_default: bool,
    pub created_at: String,
    pub last_seen_at: Option<String>,
    /// Heard from within the server's runner timeout.
    pub online: bool,
    /// How it isolates jobs: `sandbox: …`, `unsandboxed: …` or `unavailable: why`; `None`
    /// until it has reported.
    #[serde(default)]
    pub isolation: Option<String>,
    /// What it found when it last checked its own identity, per provider (its runner-mode
    /// connections show the verdict for theirs).
    #[serde(default)]
    pub identity_checks: Vec<IdentityCheck>,
    /// The server's own runner (listed last while it is on; cannot be deleted).
    #[serde(default)]
    pub builtin: bool,
}

/// A runner's check of its own identity for one provider: what the provider said of the
/// identity the runner found in its environment. Never a secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct IdentityCheck {
    /// `gcp`, `azure` or `kubernetes`.
    pub provider: String,
    /// A live-check verdict: `ok`, `wrong_credentials`, `expired`, `missing_permission`,
    /// `not_found`, `unreachable`, `unchecked` or `failed` (no identity found).
    pub verdict: String,
    /// Whose identity, when the provider said.
    #[serde(default)]
    pub identity: Option<String>,
    pub message: String,
    /// When the runner checked (RFC 3339); set by the server when the runner reports.
    #[serde(default)]
    pub checked_at: Option<String>,
}

/// `PUT /runner/identity-checks`: what the runner found when it checked its own identities,
/// replacing what it reported before.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct IdentityCheckReport {
    pub checks: Vec<IdentityCheck>,
}

/// `POST /orgs/{org}/runners`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RegisterRunner {
    pub name: String,
}

/// The credentials document of a new runner, shown once: what `lanyard runner start
/// --credentials-file` reads.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunnerCredentials {
    pub server_url: String,
    pub org: String,
    pub runner: String,
    pub token: WireSecret,
}

/// `PUT /orgs/{org}/default-runner`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SetDefaultRunner {
    /// `None`: the built-in runner.
    pub runner: Option<String>,
}

/// A secret version that was released.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ReleasedVersion {
    pub secret: String,
    pub version: i64,
}

/// One release of a connection's credentials.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Release {
    pub job: String,
    pub environment: String,
    pub runner: Option<String>,
    pub secrets: Vec<ReleasedVersion>,
    pub released_at: String,
}

/// Where a connection's credentials went.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ConnectionUsage {
    pub connection: String,
    pub provider: String,
    /// Environments it was released to, by name.
    pub environments: Vec<String>,
    pub releases: Vec<Release>,
}

/// A job handed to a runner by `POST /runner/claim`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ClaimedJob {
    pub job: Job,
}

/// An environment variable to inject.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WireEnvVar {
    pub name: String,
    pub value: WireEnvValue,
}

/// Its value, or how to compute it once the files are written.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WireEnvValue {
    Plain { value: String },
    Secret { value: WireSecret },
    FilePath { file: String },
    FileDir { file: String },
    FileArg { prefix: String, file: String },
}

/// A file to write (0600) for the job.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WireFile {
    pub id: String,
    pub file_name: String,
    pub contents: WireSecret,
}

/// An AWS role the runner assumes before the job starts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WireAssumeRole {
    pub role_arn: String,
    pub external_id: Option<WireSecret>,
}

/// One connection's credentials for a claimed job.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReleasedCredential {
    pub connection: String,
    pub provider: String,
    pub git_only: bool,
    /// `inline`, `runner` (add the runner's own identity) or `cross-account-trust` (assume
    /// `assume_role` and add its temporary credentials).
    #[serde(default = "inline")]
    pub auth_mode: String,
    /// Session tags for `assume_role`: `organization` and `environment`.
    #[serde(default)]
    pub session_tags: std::collections::BTreeMap<String, String>,
    pub env: Vec<WireEnvVar>,
    pub files: Vec<WireFile>,
    pub assume_role: Option<WireAssumeRole>,
    /// Every secret string to mask in the job's output.
    pub masks: Vec<WireSecret>,
    /// Files (`file:ID`) and variables (`env:NAME`) holding documents whose secret parts are in
    /// `masks`: the runner masks those parts, not the whole document.
    #[serde(default)]
    pub structured: Vec<String>,
    /// Inline AWS keys the runner trades for temporary ones before the job starts.
    #[serde(default)]
    pub exchange: Option<WireExchange>,
    /// Files whose `{{lanyard:path:ID}}` placeholders the runner replaces with file paths.
    #[serde(default)]
    pub path_templates: Vec<String>,
}

/// STS GetSessionToken (or AssumeRole into `role_arn`) lasting `duration_secs`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WireExchange {
    pub role_arn: Option<String>,
    pub duration_secs: u64,
}

fn inline() -> String {
    "inline".to_owned()
}

/// `POST /runner/jobs/{id}/credentials`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobCredentials {
    pub connections: Vec<ReleasedCredential>,
}

/// `POST /runner/jobs/{id}/report`: output (already redacted) and a heartbeat.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct JobReport {
    #[serde(default)]
    pub chunks: Vec<OutputChunk>,
}

/// The answer to a report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct JobReportReply {
    /// Stop the job now.
    pub cancel: bool,
}

/// `POST /runner/jobs/{id}/finish`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct FinishJob {
    /// `succeeded`, `failed` or `canceled`.
    pub status: String,
    pub exit_code: Option<i64>,
    pub error: Option<String>,
}
