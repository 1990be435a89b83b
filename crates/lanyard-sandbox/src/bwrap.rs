//! The bubblewrap command line of a job: which namespaces, which directories, which limits.
//!
//! bubblewrap (Debian's `bubblewrap`) is used rather than our own namespace code: it is small,
//! audited, used by Flatpak for exactly this, and needs no unsafe code in this workspace.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::{landlock, Launch, Limits, Owner, SandboxConfig, PROBE_TIMEOUT};

/// Read-only system directories every job sees (where they exist); everything else of the
/// host is absent unless shared.
const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix",
];

/// Where bubblewrap and prlimit are looked for, before `PATH`.
const BIN_DIRS: &[&str] = &["/usr/bin", "/usr/local/bin", "/bin"];

#[derive(Debug)]
enum SystemEntry {
    Dir(PathBuf),
    Link { path: PathBuf, target: PathBuf },
}

#[derive(Debug)]
pub(crate) struct Bwrap {
    program: PathBuf,
    owner: Option<Owner>,
    system: Vec<SystemEntry>,
    /// Hidden paths inside what jobs see, covered by an empty directory or `/dev/null`.
    covers: Vec<(PathBuf, bool)>,
    shared: Vec<PathBuf>,
    prlimit: Option<PathBuf>,
    /// The Landlock helper on the host, and what the probe found it can enforce.
    helper: Option<PathBuf>,
    landlock: Option<String>,
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path_dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    BIN_DIRS
        .iter()
        .map(PathBuf::from)
        .chain(path_dirs)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

impl Bwrap {
    pub(crate) fn find(owner: Option<Owner>, config: &SandboxConfig) -> Result<Self, String> {
        let program = find_program("bwrap").ok_or("bubblewrap (bwrap) is not installed")?;
        let system = SYSTEM_DIRS
            .iter()
            .map(Path::new)
            .filter_map(|path| match std::fs::read_link(path) {
                Ok(target) => Some(SystemEntry::Link {
                    path: path.to_owned(),
                    target,
                }),
                Err(_) if path.is_dir() => Some(SystemEntry::Dir(path.to_owned())),
                Err(_) => None,
            })
            .collect::<Vec<_>>();
        let visible = |p: &Path| {
            system
                .iter()
                .any(|e| matches!(e, SystemEntry::Dir(d) if p.starts_with(d)))
        };
        let covers = config
            .hidden
            .iter()
            .filter(|p| visible(p) && p.exists())
            .map(|p| (p.clone(), p.is_dir()))
            .collect();
        let needs_prlimit =
            config.limits.processes.is_some() || config.limits.memory_bytes.is_some();
        let prlimit = match needs_prlimit {
            false => None,
            true => Some(
                find_program("prlimit")
                    .filter(|p| visible(p))
                    .ok_or("resource limits are set but prlimit (util-linux) is not installed")?,
            ),
        };
        Ok(Self {
            program,
            owner,
            system,
            covers,
            shared: config.shared_dirs.clone(),
            prlimit,
            helper: config.landlock_helper.clone().filter(|p| p.is_file()),
            landlock: None,
        })
    }

    /// Whether `program` exists inside the sandbox `launch` would get: a path, or a name
    /// found in the job's `PATH`, under a directory the job sees.
    pub(crate) fn finds(&self, program: &str, launch: &Launch<'_>) -> bool {
        // Where the program really is: a symlink into a directory the job cannot see (a
        // virtualenv's python pointing into a home) is as missing as no file at all.
        let visible = |path: &Path| {
            let Ok(real) = std::fs::canonicalize(path) else {
                return false;
            };
            let in_system = self
                .system
                .iter()
                .any(|e| matches!(e, SystemEntry::Dir(dir) if real.starts_with(dir)));
            let in_job = self
                .shared
                .iter()
                .chain(launch.binds)
                .any(|d| real.starts_with(d));
            real.is_file() && (in_system || in_job)
        };
        if program.contains('/') {
            return visible(&launch.cwd.join(program));
        }
        let path = launch
            .env
            .get("PATH")
            .map_or("/usr/bin:/bin", String::as_str);
        std::env::split_paths(path).any(|dir| dir.is_absolute() && visible(&dir.join(program)))
    }

    pub(crate) fn owner(&self) -> Option<Owner> {
        self.owner
    }

    pub(crate) fn describe(&self, limits: &Limits) -> String {
        let who = match self.owner {
            Some(owner) => format!("as uid {}", owner.uid),
            None => "as the runner's uid".to_owned(),
        };
        let mut text = format!(
            "bubblewrap; own user, PID, mount, IPC and UTS namespaces; no_new_privs; jobs run {who}"
        );
        if let Some(n) = limits.processes {
            text.push_str(&format!("; at most {n} processes"));
        }
        if let Some(bytes) = limits.memory_bytes {
            text.push_str(&format!("; {} MiB address space", bytes / (1024 * 1024)));
        }
        text.push_str("; ");
        text.push_str(
            self.landlock
                .as_deref()
                .unwrap_or("landlock off (no helper)"),
        );
        text
    }

    /// Checks that a trivial job starts and exits 0, and how far Landlock is enforced.
    pub(crate) async fn probe(&mut self, limits: &Limits) -> Result<(), String> {
        self.run_probe(limits, false).await?;
        if self.helper.is_some() {
            let said = self.run_probe(limits, true).await?;
            self.landlock = Some(if landlock::reported_enforced(&said) {
                "landlock (filesystem, abstract sockets, signals)".to_owned()
            } else {
                said.trim().to_owned()
            });
        }
        Ok(())
    }

    async fn run_probe(&self, limits: &Limits, report: bool) -> Result<String, String> {
        let env = [("PATH".to_owned(), "/usr/bin:/bin".to_owned())].into();
        let argv = ["true".to_owned()];
        let launch = Launch {
            argv: &argv,
            env: &env,
            cwd: Path::new("/"),
            binds: &[],
        };
        let mut command = self.build(&launch, limits, report);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let run = async {
            let out = command.output().await.map_err(|e| e.to_string())?;
            if out.status.success() {
                Ok(String::from_utf8_lossy(&out.stdout).into_owned())
            } else {
                let said = String::from_utf8_lossy(&out.stderr).trim().to_owned();
                Err(format!("bubblewrap cannot start a sandbox here: {said}"))
            }
        };
        tokio::time::timeout(PROBE_TIMEOUT, run)
            .await
            .map_err(|_| "bubblewrap did not start a sandbox within 10 s".to_owned())?
    }

    pub(crate) fn command(&self, launch: &Launch<'_>, limits: &Limits) -> tokio::process::Command {
        self.build(launch, limits, false)
    }

    fn build(
        &self,
        launch: &Launch<'_>,
        limits: &Limits,
        report_landlock: bool,
    ) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.program);
        command.args([
            "--unshare-user",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "lanyard-job",
        ]);
        for entry in &self.system {
            match entry {
                SystemEntry::Dir(dir) => command.arg("--ro-bind").arg(dir).arg(dir),
                SystemEntry::Link { path, target } => {
                    command.arg("--symlink").arg(target).arg(path)
                }
            };
        }
        command.args([
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm",
            "--tmpfs", "/var/tmp",
        ]);
        for (path, is_dir) in &self.covers {
            if *is_dir {
                command.arg("--tmpfs").arg(path);
            } else {
                command.arg("--ro-bind").arg("/dev/null").arg(path);
            }
        }
        for dir in self.shared.iter().chain(launch.binds) {
            command.arg("--bind").arg(dir).arg(dir);
        }
        if let Some(helper) = &self.helper {
            command
                .arg("--ro-bind")
                .arg(helper)
                .arg(landlock::HELPER_PATH);
        }
        command.arg("--chdir").arg(launch.cwd).arg("--");
        if self.helper.is_some() {
            let writable: Vec<&Path> = self
                .shared
                .iter()
                .chain(launch.binds)
                .map(PathBuf::as_path)
                .collect();
            command
                .arg(landlock::HELPER_PATH)
                .args(landlock::helper_args(&writable, report_landlock));
        }
        if let Some(prlimit) = &self.prlimit {
            command.arg(prlimit);
            if let Some(n) = limits.processes {
                command.arg(format!("--nproc={n}"));
            }
            if let Some(bytes) = limits.memory_bytes {
                command.arg(format!("--as={bytes}"));
            }
            command.arg("--");
        }
        command
            .args(launch.argv)
            .env_clear()
            .envs(launch.env)
            .current_dir("/");
        if let Some(owner) = self.owner {
            command.uid(owner.uid).gid(owner.gid);
        }
        command
    }
}
