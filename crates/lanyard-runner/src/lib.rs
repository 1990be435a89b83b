//! Running a job on this machine: its credentials written as 0600 files under a private
//! directory, its environment built from a short allow-list plus what its connections inject,
//! its repository cloned with its git connection's token, its command run in its own process
//! group, and every byte it prints redacted before anything else sees it.
//!
//! The same code runs inside the server (the built-in runner) and in `lanyard runner start`;
//! only the [`JobTransport`] differs. This crate knows nothing of HTTP or the database.
//!
//! Architecture invariant: the child's environment never inherits the runner's own: no
//! `LANYARD_*` variable, no runner token, no cloud credentials of the host. Only
//! [`ALLOWED_ENV`] passes through.

mod bundle;
mod drive;
mod env;
mod exec;
mod git;
mod git_helper;
mod java_trust;
pub mod settings;
mod tools;
mod workspace;

pub use bundle::UploadToUnpack;
pub use drive::{fail_before_start, run_job, Chunk, JobTransport, Outcome, TransportError};
pub use env::{check_pass_env, ALLOWED_ENV};
pub use lanyard_bundle::Limits as BundleLimits;
pub use lanyard_sandbox as sandbox;
pub use workspace::{memory_backed_dir, RunnerDirs};

use std::sync::Arc;
use std::time::Duration;

use lanyard_providers::Materialization;
use lanyard_sandbox::Sandbox;
use secrecy::SecretString;

/// One connection's credentials for the job.
pub struct PreparedCredential {
    pub connection: String,
    pub provider: String,
    /// Only for cloning the repository; not injected into the command.
    pub git_only: bool,
    pub materialization: Materialization,
}

/// A repository to clone before the command runs.
#[derive(Debug, Clone)]
pub struct GitToClone {
    pub url: String,
    pub reference: Option<String>,
    /// The connection (among the job's credentials) whose token is the password.
    pub connection: String,
}

/// Everything needed to run one job.
pub struct JobToRun {
    pub id: String,
    pub command: Vec<String>,
    pub git: Option<GitToClone>,
    pub credentials: Vec<PreparedCredential>,
    /// How long it may run; `None`: the runner's default.
    pub timeout: Option<Duration>,
    /// The uploaded directory it runs on (`lanyard run --dir`), unpacked into its work tree.
    pub upload: Option<UploadToUnpack>,
    /// Paths in its work tree sent back as artifacts when its command ends.
    pub artifacts: Vec<String>,
}

/// Limits every job of a runner gets.
#[derive(Debug, Clone, Copy)]
pub struct JobLimits {
    /// Wall-clock time for jobs that set none; `None`: unlimited.
    pub timeout: Option<Duration>,
    /// Output (after masking) a job may print before it is stopped.
    pub max_output_bytes: u64,
}

/// 64 MiB: far more than any plan or apply prints, far less than fills a database.
pub const DEFAULT_MAX_OUTPUT_BYTES: u64 = 64 * 1024 * 1024;

impl Default for JobLimits {
    fn default() -> Self {
        Self {
            timeout: None,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
        }
    }
}

/// How this runner runs jobs.
#[derive(Clone)]
pub struct RunnerOptions {
    /// This runner's own job and credential directories.
    pub dirs: RunnerDirs,
    /// How often a silent job still reports that it is alive.
    pub heartbeat: Duration,
    /// How each job is sealed off from the runner.
    pub sandbox: Arc<Sandbox>,
    pub limits: JobLimits,
    /// Secrets the runner itself holds (its token; the server's master key): masked in every
    /// job's output in case a job gets hold of one.
    pub own_secrets: Arc<Vec<SecretString>>,
    /// Variables of the runner's own environment its operator passes to every job (proxy, CA
    /// bundle, provider mirror); never credentials (see [`check_pass_env`]).
    pub pass_env: Arc<Vec<String>>,
}

impl RunnerOptions {
    /// Options with the default heartbeat and limits and no secrets of the runner's own.
    pub fn new(dirs: RunnerDirs, sandbox: Arc<Sandbox>) -> Self {
        Self {
            dirs,
            heartbeat: Duration::from_secs(2),
            sandbox,
            limits: JobLimits::default(),
            own_secrets: Arc::new(Vec::new()),
            pass_env: Arc::new(Vec::new()),
        }
    }
}
