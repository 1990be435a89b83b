//! The per-job directory: private, holding the credential files, a home, a temp dir and the
//! work tree; removed with everything in it when the job ends.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use lanyard_providers::{Materialization, DIR_MODE, FILE_MODE};
use secrecy::ExposeSecret;

/// A job's directory; deleted on drop.
pub(crate) struct Workspace {
    root: tempfile::TempDir,
}

impl Workspace {
    pub(crate) fn create(under: &Path, job_id: &str) -> std::io::Result<Self> {
        let root = tempfile::Builder::new()
            .prefix(&format!("lanyard-job-{job_id}-"))
            .tempdir_in(under)?;
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(DIR_MODE))?;
        let ws = Self { root };
        for dir in ["home", "tmp", "work", "creds"] {
            private_dir(&ws.root.path().join(dir))?;
        }
        Ok(ws)
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
        self.path().join("creds").join(index.to_string())
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
