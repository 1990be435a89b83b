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

mod drive;
mod env;
mod exec;
mod git;
mod workspace;

pub use drive::{fail_before_start, run_job, Chunk, JobTransport, Outcome, TransportError};
pub use env::ALLOWED_ENV;

use std::path::PathBuf;

use lanyard_providers::Materialization;

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
}

/// How this runner runs jobs.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// Where per-job directories are created (default: the system temp directory).
    pub work_root: PathBuf,
    /// Where credential files go, in a directory of their own: by default `/dev/shm` (memory,
    /// so they never reach a disk); `None`, or a directory that cannot be used, puts them in
    /// the job's directory.
    pub secret_root: Option<PathBuf>,
    /// How often a silent job still reports that it is alive.
    pub heartbeat: std::time::Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            work_root: std::env::temp_dir(),
            secret_root: workspace::memory_backed_dir(),
            heartbeat: std::time::Duration::from_secs(2),
        }
    }
}
