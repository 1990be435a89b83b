//! Seals each job off from the runner that starts it.
//!
//! A job is arbitrary code run by whoever may deploy to one environment; the runner beside it
//! holds what every environment's credentials rest on (the server's master key, its database,
//! its tokens; an external runner's token). So every process a job starts runs:
//!
//! - as its own unprivileged uid ([`JobUser`], `nobody` by default), never the runner's uid
//!   when the runner is root, with no supplementary groups;
//! - inside bubblewrap: new user, PID, mount, IPC and UTS namespaces, `no_new_privs`, no
//!   capabilities, a new session (no terminal injection), and killed with the runner
//!   (`--die-with-parent`; it is PID 1's parent, and PID 1 takes the whole namespace with it);
//! - on a root file system built from nothing: the system directories read-only, a private
//!   `/tmp`, `/dev/shm` and `/proc`, and only its own job and credential directories (plus the
//!   directories an operator shares) read-write. The data directory, the runner's config and
//!   home are not there at all; if one lies inside a system directory it is covered over.
//! - with per-job resource limits (processes, address space) applied inside the namespace, so
//!   they count this job only.
//!
//! Where none of that is available the sandbox says why, and runners refuse jobs (fail closed)
//! unless the operator chose [`IsolationMode::Unsandboxed`] explicitly.

mod bwrap;
pub mod landlock;
mod user;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use user::{JobUser, Owner};

/// What the operator asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IsolationMode {
    /// Every job in a sandbox; no sandbox, no jobs.
    #[default]
    Required,
    /// Jobs run as the runner's own user with no isolation. Only for a runner that is itself
    /// a throwaway machine or container holding nothing else.
    Unsandboxed,
}

impl std::str::FromStr for IsolationMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "sandbox" | "required" => Ok(Self::Required),
            "unsandboxed" => Ok(Self::Unsandboxed),
            other => Err(format!(
                "job isolation must be `sandbox` (the default) or `unsandboxed`, not `{other}`"
            )),
        }
    }
}

/// Per-job resource limits; `None` leaves one unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Processes and threads the job may have at once.
    pub processes: Option<u64>,
    /// Address space of each of its processes, in bytes.
    pub memory_bytes: Option<u64>,
}

/// How a runner isolates its jobs.
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    pub mode: IsolationMode,
    /// Whom jobs run as when the runner is root (default `nobody`).
    pub job_user: Option<JobUser>,
    /// Directories every job may read and write (e.g. a shared plugin cache).
    pub shared_dirs: Vec<PathBuf>,
    /// Paths no job may see even where a system directory contains them: the data directory,
    /// the config file, the runner's home and credentials.
    pub hidden: Vec<PathBuf>,
    pub limits: Limits,
    /// A binary that implements [`landlock::helper_main`] (the `lanyard` binary): when set, it
    /// applies Landlock inside the sandbox before the job's program starts.
    pub landlock_helper: Option<PathBuf>,
}

/// Why a sandbox configuration is refused outright.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "shared job directory {shared} would expose {hidden} to every job; share a directory \
         that contains no Lanyard data"
    )]
    SharesHidden { shared: PathBuf, hidden: PathBuf },
    #[error("shared job directory {0} must be an absolute path to an existing directory")]
    BadShared(PathBuf),
    #[error("{0}")]
    User(String),
}

/// A runner's sandbox, probed once at start.
#[derive(Debug)]
pub struct Sandbox {
    state: State,
    limits: Limits,
}

#[derive(Debug)]
enum State {
    Ready(bwrap::Bwrap),
    Unsandboxed,
    Unavailable(String),
}

/// How a job will be isolated, for people: `runner list`, the console, the start-up log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isolation {
    /// `sandbox`, `unsandboxed` or `unavailable`.
    pub level: &'static str,
    /// One line on how (or why not).
    pub detail: String,
}

impl std::fmt::Display for Isolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.level, self.detail)
    }
}

/// One process to start inside a job's sandbox.
pub struct Launch<'a> {
    pub argv: &'a [String],
    pub env: &'a BTreeMap<String, String>,
    pub cwd: &'a Path,
    /// The job's own directories, bound read-write at the same paths.
    pub binds: &'a [PathBuf],
}

/// What [`Sandbox::command`] refuses.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("empty command")]
    Empty,
    #[error("no such command in the job's sandbox (looked in its PATH: {0})")]
    NotFound(String),
    #[error("{0}")]
    Unavailable(String),
}

impl Sandbox {
    /// Validates `config` and checks that a sandbox really starts here (a trivial job, as the
    /// job user). Never fails for a missing mechanism: the result says it is unavailable.
    pub async fn prepare(config: SandboxConfig) -> Result<Self, ConfigError> {
        for shared in &config.shared_dirs {
            if !shared.is_absolute() || !shared.is_dir() {
                return Err(ConfigError::BadShared(shared.clone()));
            }
            // Sharing a directory inside a hidden one shows only that directory; sharing one
            // that contains a hidden path would show it.
            for hidden in &config.hidden {
                if hidden.starts_with(shared) {
                    return Err(ConfigError::SharesHidden {
                        shared: shared.clone(),
                        hidden: hidden.clone(),
                    });
                }
            }
        }
        let limits = config.limits;
        if config.mode == IsolationMode::Unsandboxed {
            return Ok(Self {
                state: State::Unsandboxed,
                limits,
            });
        }
        let owner = user::job_owner(config.job_user.as_ref()).map_err(ConfigError::User)?;
        let state = match bwrap::Bwrap::find(owner, &config) {
            Err(reason) => State::Unavailable(reason),
            Ok(mut bwrap) => match bwrap.probe(&limits).await {
                Ok(()) => State::Ready(bwrap),
                Err(reason) => State::Unavailable(reason),
            },
        };
        Ok(Self { state, limits })
    }

    /// How jobs are isolated.
    pub fn isolation(&self) -> Isolation {
        match &self.state {
            State::Ready(bwrap) => Isolation {
                level: "sandbox",
                detail: bwrap.describe(&self.limits),
            },
            State::Unsandboxed => Isolation {
                level: "unsandboxed",
                detail: "jobs run as the runner's own user with no isolation (configured)"
                    .to_owned(),
            },
            State::Unavailable(reason) => Isolation {
                level: "unavailable",
                detail: reason.clone(),
            },
        }
    }

    /// Why jobs must be refused, when no sandbox is available and none was waived.
    pub fn refusal(&self) -> Option<String> {
        match &self.state {
            State::Unavailable(reason) => Some(format!(
                "this runner cannot isolate jobs ({reason}); install bubblewrap (`apt-get install \
                 bubblewrap`) and allow unprivileged user namespaces, or set job isolation to \
                 `unsandboxed` (LANYARD_JOB_ISOLATION=unsandboxed) on a runner that holds \
                 nothing else"
            )),
            _ => None,
        }
    }

    /// Who must own the job's directories and files so that the job can use them; `None` when
    /// the job runs as the runner's own user.
    pub fn owner(&self) -> Option<Owner> {
        match &self.state {
            State::Ready(bwrap) => bwrap.owner(),
            _ => None,
        }
    }

    /// The command that runs `launch` in this sandbox. The caller adds stdio and process-group
    /// settings.
    pub fn command(&self, launch: &Launch<'_>) -> Result<tokio::process::Command, LaunchError> {
        let Some((program, args)) = launch.argv.split_first() else {
            return Err(LaunchError::Empty);
        };
        match &self.state {
            State::Ready(bwrap) => {
                // bubblewrap would report a missing program as its own failure (exit 1); say
                // it the way a shell does, before anything starts.
                if !bwrap.finds(program, launch) {
                    let path = launch.env.get("PATH").map_or("", String::as_str);
                    return Err(LaunchError::NotFound(path.to_owned()));
                }
                Ok(bwrap.command(launch, &self.limits))
            }
            State::Unsandboxed => {
                let mut command = tokio::process::Command::new(program);
                command
                    .args(args)
                    .env_clear()
                    .envs(launch.env)
                    .current_dir(launch.cwd);
                Ok(command)
            }
            State::Unavailable(_) => {
                Err(LaunchError::Unavailable(self.refusal().unwrap_or_default()))
            }
        }
    }
}

/// How long the start-up probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
