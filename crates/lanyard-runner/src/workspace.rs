//! The per-job directory: private, holding a home, a temp dir and the work tree, and the
//! credential files — in a separate directory on a memory-backed file system when the machine
//! has one, so that they never reach a disk; all removed when the job ends.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use lanyard_providers::{Materialization, DIR_MODE, FILE_MODE};
use secrecy::ExposeSecret;

/// A job's directories; deleted on drop.
pub(crate) struct Workspace {
    root: tempfile::TempDir,
    /// The credential files' own directory, when `secret_root` could hold one.
    secrets: Option<tempfile::TempDir>,
}

impl Workspace {
    /// Creates the job's directory under `under`, and its credential directory under
    /// `secret_root` when given and usable (else inside the job's directory).
    pub(crate) fn create(
        under: &Path,
        secret_root: Option<&Path>,
        job_id: &str,
    ) -> std::io::Result<Self> {
        let root = private_tempdir(under, &format!("lanyard-job-{job_id}-"))?;
        let secrets = secret_root.and_then(|dir| {
            private_tempdir(dir, &format!("lanyard-creds-{job_id}-"))
                .inspect_err(|e| {
                    tracing::debug!(dir = %dir.display(), error = %e,
                        "credential files go to the job directory instead");
                })
                .ok()
        });
        let ws = Self { root, secrets };
        for dir in ["home", "tmp", "work"] {
            private_dir(&ws.root.path().join(dir))?;
        }
        private_dir(&ws.credentials_root())?;
        Ok(ws)
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
    pub(crate) fn write_files(&self, dir: &Path, m: &Materialization) -> std::io::Result<()> {
        private_dir(dir)?;
        for file in &m.files {
            private_dir(&file.dir_under(dir))?;
            let mut out = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(FILE_MODE)
                .open(file.path_under(dir))?;
            out.write_all(file.contents.expose_secret().as_bytes())?;
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
pub(crate) fn memory_backed_dir() -> Option<PathBuf> {
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
        Materialization::from_parts(Vec::new(), vec![file], None, Vec::new())
    }

    #[test]
    fn credential_files_go_to_the_secret_root_and_leave_with_the_job() {
        let jobs = tempfile::tempdir().unwrap();
        let secrets = tempfile::tempdir().unwrap();
        let ws = Workspace::create(jobs.path(), Some(secrets.path()), "j1").unwrap();
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
        assert_eq!(std::fs::read_dir(secrets.path()).unwrap().count(), 0);
        assert_eq!(std::fs::read_dir(jobs.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_unusable_secret_root_falls_back_to_the_job_directory() {
        let jobs = tempfile::tempdir().unwrap();
        let missing = jobs.path().join("no-such-dir");
        let ws = Workspace::create(jobs.path(), Some(&missing), "j2").unwrap();
        assert!(ws.credential_dir(0).starts_with(ws.path()));
    }
}
