//! Runners, jobs, job output and credential releases as the store hands them in and out.

use lanyard_domain::{Slug, Timestamp};

/// A registered runner (its token is stored as a hash only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerRecord {
    pub id: String,
    pub org_id: String,
    pub org: Slug,
    pub name: Slug,
    pub is_default: bool,
    pub created_at: Timestamp,
    pub last_seen_at: Option<Timestamp>,
    /// The AWS identity (caller ARN) the runner last reported finding in its environment.
    pub aws_identity: Option<String>,
    /// How the runner said it isolates jobs, e.g. `sandbox: bubblewrap; …`.
    pub isolation: Option<String>,
    /// What the runner found when it last checked its own identity, per provider.
    pub identity_checks: Vec<IdentityCheck>,
}

/// A runner's check of its own identity for one provider (runner-mode connections show it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdentityCheck {
    pub provider: String,
    /// A live-check verdict (`ok`, `wrong_credentials`, `unchecked`...).
    pub verdict: String,
    /// Whose identity, as the provider said it.
    pub identity: Option<String>,
    pub message: String,
    /// Milliseconds since the Unix epoch.
    pub checked_at: i64,
}

/// A runner to register.
#[derive(Debug, Clone)]
pub struct NewRunner {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    /// SHA-256 of the runner token, lowercase hex.
    pub token_hash: String,
    pub created_at: Timestamp,
}

/// A job to create, queued.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    pub org_id: String,
    pub environment: Slug,
    /// `None`: the built-in runner.
    pub runner_id: Option<String>,
    pub runner: Option<Slug>,
    /// The job's specification (command, connections, git source) as JSON.
    pub spec: String,
    pub created_by: String,
    pub created_at: Timestamp,
    /// An uploaded directory the job runs on: attached in the same transaction, refused if
    /// another job has it or it expired.
    pub upload_id: Option<String>,
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: String,
    pub org_id: String,
    pub org: Slug,
    pub environment: Slug,
    pub runner_id: Option<String>,
    pub runner: Option<Slug>,
    pub spec: String,
    /// `queued`, `running`, `succeeded`, `failed` or `canceled`.
    pub status: String,
    pub exit_code: Option<i64>,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub cancel_requested: bool,
}

/// How a job ended.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    /// `succeeded`, `failed` or `canceled`.
    pub status: &'static str,
    pub exit_code: Option<i64>,
    pub error: Option<String>,
}

/// A piece of a job's output, already redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputChunk {
    /// Position in the job's output, from 0; writers number their chunks, so a retried write
    /// is not stored twice.
    pub seq: i64,
    /// `stdout`, `stderr` or `lanyard` (messages from the runner itself).
    pub stream: String,
    pub data: Vec<u8>,
    pub at: Timestamp,
}

/// One release of a connection's credentials to a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub id: String,
    pub org_id: String,
    pub job_id: String,
    pub environment: Slug,
    pub connection_id: String,
    pub connection: Slug,
    pub provider: String,
    /// `None`: the built-in runner.
    pub runner: Option<Slug>,
    /// The secret versions released, as a JSON array of `{"secret", "version"}`.
    pub secrets: String,
    pub released_at: Timestamp,
}
