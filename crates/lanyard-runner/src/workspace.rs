//! The per-job directory: private, holding a home, a temp dir and the work tree, and the
//! credential files — in a separate directory on a memory-backed file system when the machine
//! has one, so that they never reach a disk; all removed when the job ends.
//!
//! Every job directory lives under its runner's own directory (see [`RunnerDirs`]), which the
//! runner empties when it starts: whatever a crashed runner left behind is gone before the next
//! job runs. When jobs run as another user, their directories and files belong to that user
//! (the runner's directories stay the runner's, traversable but not listable).

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use lanyard_providers::{Materialization, DIR_MODE, FILE_MODE};
use lanyard_sandbox::Owner;
use secrecy::ExposeSecret;

/// A runner's own directories: one for job directories, one (in memory, when the machine has
/// it) for credential files. Named after the runner instance, so that runners sharing a
/// machine never touch each other's jobs.
#[derive(Debug, Clone)]
pub struct RunnerDirs {
    pub jobs: PathBuf,
    pub secrets: Option<PathBuf>,
}

/// Traversable by a job's user (to reach its own directory), not listable.
const RUNNER_DIR_MODE: u32 = 0o711;

impl RunnerDirs {
    /// A name for a runner's directories: `kind`, then a short SHA-256 of what identifies the
    /// runner, so that runners sharing a machine never clean up each other's jobs, and the same
    /// runner finds its own leftovers again after a restart or an upgrade.
    pub fn instance_name(kind: &str, identity: &[&[u8]]) -> String {
        use sha2::Digest as _;
        let mut hash = sha2::Sha256::new();
        for part in identity {
            hash.update(part);
            hash.update([0]);
        }
        format!("{kind}-{}", hex::encode(&hash.finalize()[..6]))
    }

    /// Creates (or empties) `lanyard-<instance>` under `work_root` and under `secret_root`:
    /// directories and credential files of jobs that a killed runner could not remove are
    /// deleted here, before any new job runs.
    pub fn claim(
        instance: &str,
        work_root: &Path,
        secret_root: Option<&Path>,
    ) -> std::io::Result<Self> {
        let name = format!("lanyard-{instance}");
        let jobs = fresh_dir(&work_root.join(&name))?;
        let secrets = secret_root.and_then(|root| {
            fresh_dir(&root.join(&name))
                .inspect_err(|e| {
                    tracing::debug!(dir = %root.display(), error = %e,
                        "credential files go to the job directory instead");
                })
                .ok()
        });
        Ok(Self { jobs, secrets })
    }
}

impl RunnerDirs {
    /// Removes the runner's directories when it stops, if no job left anything in them (a
    /// running job's directory keeps them; the next start cleans up).
    pub fn release(&self) {
        for dir in std::iter::once(&self.jobs).chain(self.secrets.as_ref()) {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// `dir`, emptied of anything left behind, mode 0711.
fn fresh_dir(dir: &Path) -> std::io::Result<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let path = entry.path();
                tracing::info!(path = %path.display(), "removing what an earlier run left behind");
                let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                if let Err(e) = removed {
                    tracing::warn!(path = %path.display(), error = %e, "cannot remove a leftover");
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            DirBuilder::new()
                .recursive(true)
                .mode(RUNNER_DIR_MODE)
                .create(dir)?;
        }
        Err(e) => return Err(e),
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(RUNNER_DIR_MODE))?;
    Ok(dir.to_owned())
}

/// A job's directories; deleted on drop.
pub(crate) struct Workspace {
    root: tempfile::TempDir,
    /// The credential files' own directory, when `secret_root` could hold one.
    secrets: Option<tempfile::TempDir>,
}

impl Workspace {
    /// Creates the job's directory under `under`, and its credential directory under
    /// `secret_root` when given and usable (else inside the job's directory).
    pub(crate) fn create(dirs: &RunnerDirs, job_id: &str) -> std::io::Result<Self> {
        let root = private_tempdir(&dirs.jobs, &format!("job-{job_id}-"))?;
        let secrets = match &dirs.secrets {
            Some(dir) => Some(private_tempdir(dir, &format!("creds-{job_id}-"))?),
            None => None,
        };
        let ws = Self { root, secrets };
        for dir in ["home", "tmp", "work"] {
            private_dir(&ws.root.path().join(dir))?;
        }
        private_dir(&ws.credentials_root())?;
        Ok(ws)
    }

    /// The directories the job's processes may use (bound into its sandbox).
    pub(crate) fn binds(&self) -> Vec<PathBuf> {
        let mut binds = vec![self.path().to_path_buf()];
        binds.extend(self.secrets.as_ref().map(|d| d.path().to_path_buf()));
        binds
    }

    /// Gives everything written so far to the job's user, so that it can read its credentials
    /// and write its work tree; nothing else of the runner's becomes its.
    pub(crate) fn hand_over(&self, owner: Option<Owner>) -> std::io::Result<()> {
        let Some(owner) = owner else { return Ok(()) };
        for dir in self.binds() {
            chown_tree(&dir, owner)?;
        }
        Ok(())
    }

    fn credentials_root(&self) -> PathBuf {
        match &self.secrets {
            Some(dir) => dir.path().to_path_buf(),
            None => self.path().join("creds"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.root.path()
    }

    pub(crate) fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    /// Makes `relative` (e.g. `.m2/settings.xml`) in the job's home a symlink to `target`, a
    /// file among its credentials, creating the directories on the way.
    pub(crate) fn link_into_home(&self, relative: &str, target: &Path) -> std::io::Result<()> {
        let link = self.home().join(relative);
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::os::unix::fs::symlink(target, link)
    }

    pub(crate) fn tmp(&self) -> PathBuf {
        self.path().join("tmp")
    }

    pub(crate) fn work(&self) -> PathBuf {
        self.path().join("work")
    }

    /// Where the `index`-th connection's files go.
    pub(crate) fn credential_dir(&self, index: usize) -> PathBuf {
        self.credentials_root().join(index.to_string())
    }

    /// Writes a materialization's files (0600, in 0700 directories) under `dir`.
    /// Path templates get the paths of the files they name.
    pub(crate) fn write_files(&self, dir: &Path, m: &Materialization) -> std::io::Result<()> {
        private_dir(dir)?;
        for file in &m.files {
            let contents = m
                .render_file(file, dir)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
            private_dir(&file.dir_under(dir))?;
            let mut out = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(FILE_MODE)
                .open(file.path_under(dir))?;
            out.write_all(contents.expose_secret().as_bytes())?;
        }
        Ok(())
    }

    /// Writes an executable helper script (0700).
    pub(crate) fn write_script(&self, name: &str, body: &str) -> std::io::Result<PathBuf> {
        let path = self.path().join(name);
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o700)
            .open(&path)?;
        out.write_all(body.as_bytes())?;
        Ok(path)
    }
}

fn chown_tree(path: &Path, owner: Owner) -> std::io::Result<()> {
    std::os::unix::fs::lchown(path, Some(owner.uid), Some(owner.gid))?;
    if std::fs::symlink_metadata(path)?.is_dir() {
        for entry in std::fs::read_dir(path)? {
            chown_tree(&entry?.path(), owner)?;
        }
    }
    Ok(())
}

fn private_dir(path: &Path) -> std::io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

fn private_tempdir(under: &Path, prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir_in(under)?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(DIR_MODE))?;
    Ok(dir)
}

/// `/dev/shm` where it is a directory: the default place for credential files.
pub fn memory_backed_dir() -> Option<PathBuf> {
    let shm = Path::new("/dev/shm");
    shm.is_dir().then(|| shm.to_path_buf())
}

#[cfg(test)]
mod tests {
    use lanyard_providers::{FileSpec, Materialization};
    use secrecy::SecretString;

    use super::*;

    fn one_file() -> Materialization {
        let file = FileSpec {
            id: "key".to_owned(),
            file_name: "key.json".to_owned(),
            contents: SecretString::from("{\"private_key\": \"planted\"}".to_owned()),
        };
        Materialization::from_parts(Vec::new(), vec![file], None, Vec::new(), Vec::new())
    }

    #[test]
    fn credential_files_go_to_the_secret_root_and_leave_with_the_job() {
        let jobs = tempfile::tempdir().unwrap();
        let secrets = tempfile::tempdir().unwrap();
        let dirs = RunnerDirs::claim("t1", jobs.path(), Some(secrets.path())).unwrap();
        let ws = Workspace::create(&dirs, "j1").unwrap();
        let dir = ws.credential_dir(0);
        ws.write_files(&dir, &one_file()).unwrap();
        assert!(dir.starts_with(secrets.path()), "{}", dir.display());
        assert!(!dir.starts_with(ws.path()));
        let written = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(written, 1);
        let mode = std::fs::metadata(dir.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, DIR_MODE);
        drop(ws);
        let secrets = dirs.secrets.as_deref().unwrap();
        assert_eq!(std::fs::read_dir(secrets).unwrap().count(), 0);
        assert_eq!(std::fs::read_dir(&dirs.jobs).unwrap().count(), 0);
    }

    #[test]
    fn an_unusable_secret_root_falls_back_to_the_job_directory() {
        let jobs = tempfile::tempdir().unwrap();
        let file = jobs.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let dirs = RunnerDirs::claim("t2", jobs.path(), Some(&file)).unwrap();
        assert!(dirs.secrets.is_none());
        let ws = Workspace::create(&dirs, "j2").unwrap();
        assert!(ws.credential_dir(0).starts_with(ws.path()));
    }

    #[test]
    fn a_stopping_runner_removes_its_empty_directories_only() {
        let jobs = tempfile::tempdir().unwrap();
        let secrets = tempfile::tempdir().unwrap();
        let dirs = RunnerDirs::claim("t5", jobs.path(), Some(secrets.path())).unwrap();
        let running = Workspace::create(&dirs, "j5").unwrap();
        dirs.release();
        assert!(dirs.jobs.exists(), "a running job's directory keeps it");
        drop(running);
        dirs.release();
        assert!(!dirs.jobs.exists());
        assert!(!dirs.secrets.as_deref().unwrap().exists());
    }

    #[test]
    fn a_runner_starts_by_removing_what_a_killed_one_left_behind() {
        let jobs = tempfile::tempdir().unwrap();
        let secrets = tempfile::tempdir().unwrap();
        let dirs = RunnerDirs::claim("t3", jobs.path(), Some(secrets.path())).unwrap();
        let ws = Workspace::create(&dirs, "j3").unwrap();
        ws.write_files(&ws.credential_dir(0), &one_file()).unwrap();
        // A crash: nothing runs the destructor.
        std::mem::forget(ws);
        let left = |d: &Path| std::fs::read_dir(d).unwrap().count();
        assert_eq!(left(&dirs.jobs), 1);
        let again = RunnerDirs::claim("t3", jobs.path(), Some(secrets.path())).unwrap();
        assert_eq!(left(&again.jobs), 0);
        assert_eq!(left(again.secrets.as_deref().unwrap()), 0);
        let mode = std::fs::metadata(&again.jobs).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o711);
        // Another runner's directory on the same machine is left alone.
        let other = RunnerDirs::claim("t4", jobs.path(), Some(secrets.path())).unwrap();
        Workspace::create(&other, "j4")
            .map(std::mem::forget)
            .unwrap();
        RunnerDirs::claim("t3", jobs.path(), Some(secrets.path())).unwrap();
        assert_eq!(left(&other.jobs), 1);
    }
}
