//! Packing a directory: walk it honoring `.gitignore` and `.lanyardignore` (never `.git`
//! itself), check it against the limits from metadata alone — a sparse multi-GB file is refused
//! before one byte of it is read — then stream it as an archive.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::check::{check_symlink, EntryKind};
use crate::error::BundleError;
use crate::limits::{Limits, Summary};

/// The ignore file of our own, read like `.gitignore` in every directory.
pub const IGNORE_FILE: &str = ".lanyardignore";

/// Level 3: zstd's default, several hundred MB/s on one core, and source trees shrink 4–8×.
const ZSTD_LEVEL: i32 = 3;

/// One thing the archive will hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEntry {
    /// Relative to the packed directory.
    pub path: PathBuf,
    pub kind: EntryKind,
    /// File size from its metadata (0 for the rest).
    pub size: u64,
    /// A symlink's target.
    pub target: Option<PathBuf>,
}

/// What packing a directory will put in the archive, already checked against the limits.
#[derive(Debug, Clone)]
pub struct Plan {
    root: PathBuf,
    entries: Vec<PlannedEntry>,
    summary: Summary,
    skipped: Vec<(String, &'static str)>,
}

impl Plan {
    /// Walks `root` and checks what it would pack against `limits`. Sockets and FIFOs are
    /// left out (see [`Plan::skipped`]); a symlink pointing outside `root` is an error, since
    /// the job could not follow it.
    pub fn of(root: &Path, limits: &Limits) -> Result<Self, BundleError> {
        let meta = std::fs::metadata(root)
            .map_err(BundleError::io(format!("cannot read {}", root.display())))?;
        if !meta.is_dir() {
            return Err(BundleError::Io {
                context: format!("{} is not a directory", root.display()),
                source: std::io::ErrorKind::NotADirectory.into(),
            });
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .follow_links(false)
            .add_custom_ignore_filename(IGNORE_FILE)
            .filter_entry(|entry| entry.file_name() != ".git")
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        let mut plan = Self::empty(root);
        plan.take(walker, limits, &mut HashSet::new())?;
        plan.within(limits)
    }

    /// Walks the named `paths` under `root` (files or directories, relative) without any
    /// ignore rules: what a job names as artifacts is what it wants back, build output
    /// included. A path that does not exist is left out (see [`Plan::skipped`]); nothing is
    /// followed through a symlink.
    pub fn of_paths(root: &Path, paths: &[String], limits: &Limits) -> Result<Self, BundleError> {
        let mut plan = Self::empty(root);
        let mut seen = HashSet::new();
        for path in paths {
            let relative = crate::check::check_path(Path::new(path))
                .map_err(|reason| BundleError::refused(path.clone(), reason))?;
            if std::fs::symlink_metadata(root.join(&relative)).is_err() {
                plan.skipped.push((path.clone(), "not found"));
                continue;
            }
            // Parents first, so that unpacking recreates them as directories.
            let mut parent = PathBuf::new();
            let parts: Vec<_> = relative.components().collect();
            for part in &parts[..parts.len() - 1] {
                parent.push(part);
                if std::fs::symlink_metadata(root.join(&parent)).is_ok_and(|m| m.is_symlink()) {
                    return Err(BundleError::refused(
                        path.clone(),
                        format!("it lies below the symlink `{}`", parent.display()),
                    ));
                }
                if seen.insert(parent.clone()) {
                    plan.summary.dirs += 1;
                    plan.entries.push(PlannedEntry {
                        path: parent.clone(),
                        kind: EntryKind::Dir,
                        size: 0,
                        target: None,
                    });
                }
            }
            let walker = ignore::WalkBuilder::new(root.join(&relative))
                .standard_filters(false)
                .follow_links(false)
                .sort_by_file_name(|a, b| a.cmp(b))
                .build();
            plan.take(walker, limits, &mut seen)?;
        }
        plan.within(limits)
    }

    fn empty(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            entries: Vec::new(),
            summary: Summary::default(),
            skipped: Vec::new(),
        }
    }

    /// Adds what a walk finds (but the plan's root itself, and paths in `seen`), stopping past
    /// the file limit.
    fn take(
        &mut self,
        walker: ignore::Walk,
        limits: &Limits,
        seen: &mut HashSet<PathBuf>,
    ) -> Result<(), BundleError> {
        for entry in walker {
            let entry = entry.map_err(|e| BundleError::Io {
                context: format!("cannot walk {}", self.root.display()),
                source: std::io::Error::other(e.to_string()),
            })?;
            let Ok(inside) = entry.path().strip_prefix(&self.root) else {
                continue;
            };
            // The root itself; or a path named twice, or inside another named directory.
            if inside.as_os_str().is_empty() || !seen.insert(inside.to_owned()) {
                continue;
            }
            self.add(entry.path(), inside.to_owned())?;
            if self.summary.entries() > limits.max_files {
                return Err(BundleError::TooManyFiles {
                    summary: self.summary.clone(),
                    limits: *limits,
                });
            }
        }
        Ok(())
    }

    /// The plan, if its content is within the byte limit.
    fn within(self, limits: &Limits) -> Result<Self, BundleError> {
        if self.summary.bytes > limits.max_bytes {
            return Err(BundleError::TooBig {
                summary: self.summary,
                limits: *limits,
            });
        }
        Ok(self)
    }

    fn add(&mut self, full: &Path, path: PathBuf) -> Result<(), BundleError> {
        let shown = path.display().to_string();
        let meta = std::fs::symlink_metadata(full)
            .map_err(BundleError::io(format!("cannot read {shown}")))?;
        let file_type = meta.file_type();
        let (kind, size, target) = if file_type.is_dir() {
            self.summary.dirs += 1;
            (EntryKind::Dir, 0, None)
        } else if file_type.is_file() {
            self.summary.add_file(&shown, meta.len());
            let executable = meta.mode() & 0o111 != 0;
            (EntryKind::File { executable }, meta.len(), None)
        } else if file_type.is_symlink() {
            let target = std::fs::read_link(full)
                .map_err(BundleError::io(format!("cannot read the symlink {shown}")))?;
            check_symlink(&path, &target).map_err(|reason| {
                BundleError::refused(
                    shown.clone(),
                    format!("{reason}; the job could not follow it: add it to {IGNORE_FILE}"),
                )
            })?;
            self.summary.symlinks += 1;
            (EntryKind::Symlink, 0, Some(target))
        } else {
            self.skipped
                .push((shown, "not a file, directory or symlink"));
            return Ok(());
        };
        self.entries.push(PlannedEntry {
            path,
            kind,
            size,
            target,
        });
        Ok(())
    }

    /// What the archive will hold.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The entries, in archive order.
    pub fn entries(&self) -> &[PlannedEntry] {
        &self.entries
    }

    /// Paths left out, and why (sockets, FIFOs, devices).
    pub fn skipped(&self) -> &[(String, &'static str)] {
        &self.skipped
    }

    /// Writes the archive to `out`, calling `progress` with the file bytes written so far.
    /// A file that changed size since the walk is an error: the archive would not be what was
    /// checked.
    pub fn write(&self, out: impl Write, progress: &mut dyn FnMut(u64)) -> Result<(), BundleError> {
        let encoder = zstd::Encoder::new(out, ZSTD_LEVEL)
            .map_err(BundleError::io("cannot start compressing"))?;
        let mut builder = tar::Builder::new(encoder);
        let mut written = 0u64;
        for entry in &self.entries {
            let shown = entry.path.display().to_string();
            let write_error = BundleError::io(format!("cannot pack {shown}"));
            let mut header = tar::Header::new_gnu();
            header.set_mtime(0);
            header.set_uid(0);
            header.set_gid(0);
            match entry.kind {
                EntryKind::Dir => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_mode(0o755);
                    header.set_size(0);
                    builder
                        .append_data(&mut header, &entry.path, std::io::empty())
                        .map_err(write_error)?;
                }
                EntryKind::Symlink => {
                    header.set_entry_type(tar::EntryType::Symlink);
                    header.set_mode(0o777);
                    header.set_size(0);
                    let target = entry.target.as_deref().unwrap_or(Path::new(""));
                    builder
                        .append_link(&mut header, &entry.path, target)
                        .map_err(write_error)?;
                }
                EntryKind::File { executable } => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_mode(if executable { 0o755 } else { 0o644 });
                    header.set_size(entry.size);
                    let file = File::options()
                        .read(true)
                        // A file replaced by a symlink after the walk is not followed.
                        .custom_flags(libc::O_NOFOLLOW)
                        .open(self.root.join(&entry.path))
                        .map_err(BundleError::io(format!("cannot read {shown}")))?;
                    let mut reader = Exact {
                        inner: file.take(entry.size),
                        left: entry.size,
                        path: &shown,
                        written: &mut written,
                        progress,
                    };
                    builder
                        .append_data(&mut header, &entry.path, &mut reader)
                        .map_err(write_error)?;
                }
            }
        }
        let encoder = builder
            .into_inner()
            .map_err(BundleError::io("cannot finish the archive"))?;
        encoder
            .finish()
            .map_err(BundleError::io("cannot finish compressing"))?
            .flush()
            .map_err(BundleError::io("cannot write the archive"))
    }
}

/// A file's bytes, exactly as many as its header says: fewer is an error (it shrank while
/// packing), more are never read (`take`).
struct Exact<'a, R> {
    inner: R,
    left: u64,
    path: &'a str,
    written: &'a mut u64,
    progress: &'a mut dyn FnMut(u64),
}

impl<R: Read> Read for Exact<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(std::io::Error::other(format!(
                "{} changed while it was packed; run again",
                self.path
            )));
        }
        self.left -= n as u64;
        *self.written += n as u64;
        (self.progress)(*self.written);
        Ok(n)
    }
}
