//! Reading an archive: [`inspect`] checks one without writing anything (the server, before it
//! stores an upload), [`unpack`] writes one into an empty directory (the runner; the CLI for
//! artifacts). Both apply every rule of [`crate::check`] and the [`Limits`] as they go, so a
//! bad archive stops at its first bad entry and a bomb at the first byte past the limit.

use std::fs::{DirBuilder, File};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::check::{check_path, check_symlink, Admitted, EntryKind};
use crate::error::BundleError;
use crate::limits::{Limits, Summary};

/// Checks an archive against the rules and `limits`, reading it to its end.
pub fn inspect(input: impl Read, limits: &Limits) -> Result<Summary, BundleError> {
    read_entries(input, limits, |_, _, _, _| Ok(()))
}

/// Unpacks an archive into `dest`, an existing directory that nothing else writes to while this
/// runs. Files are created new (never opened through a symlink or over an existing file);
/// modes are 0644 or 0755 (0755/0700-style bits only from the umask), never set-id.
pub fn unpack(input: impl Read, dest: &Path, limits: &Limits) -> Result<Summary, BundleError> {
    read_entries(input, limits, |path, kind, entry, target| {
        let at = dest.join(path);
        let error = |what: &str| BundleError::io(format!("cannot {what} {}", path.display()));
        if let Some(parent) = at.parent() {
            // Safe: no admitted entry lies below a symlink, so every parent is a directory.
            DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(parent)
                .map_err(error("create the directory of"))?;
        }
        match kind {
            EntryKind::Dir => match DirBuilder::new().mode(0o755).create(&at) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && at.is_dir() => Ok(()),
                other => other.map_err(error("create")),
            },
            EntryKind::Symlink => {
                std::os::unix::fs::symlink(target.unwrap_or_default(), &at).map_err(error("link"))
            }
            EntryKind::File { executable } => {
                let mut file = File::options()
                    .write(true)
                    .create_new(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .mode(if executable { 0o755 } else { 0o644 })
                    .open(&at)
                    .map_err(error("create"))?;
                std::io::copy(entry, &mut file).map_err(error("write"))?;
                Ok(())
            }
        }
    })
}

fn read_entries(
    input: impl Read,
    limits: &Limits,
    mut on_entry: impl FnMut(
        &Path,
        EntryKind,
        &mut dyn Read,
        Option<PathBuf>,
    ) -> Result<(), BundleError>,
) -> Result<Summary, BundleError> {
    let decoder = zstd::Decoder::new(input).map_err(corrupt)?;
    let capped = Capped {
        inner: decoder,
        left: limits.max_tar_bytes(),
        hit: false,
    };
    let mut archive = tar::Archive::new(capped);
    let mut summary = Summary::default();
    let mut admitted = Admitted::default();
    let result = (|| {
        for entry in archive.entries().map_err(corrupt)? {
            let mut entry = entry.map_err(corrupt)?;
            let raw_path = entry.path().map_err(corrupt)?.into_owned();
            let shown = raw_path.display().to_string();
            let path =
                check_path(&raw_path).map_err(|reason| BundleError::refused(&shown, reason))?;
            let kind = entry_kind(&entry).map_err(|reason| BundleError::refused(&shown, reason))?;
            let target = match kind {
                EntryKind::Symlink => {
                    let target = entry
                        .link_name()
                        .map_err(corrupt)?
                        .ok_or_else(|| BundleError::refused(&shown, "the symlink has no target"))?
                        .into_owned();
                    check_symlink(&path, &target)
                        .map_err(|reason| BundleError::refused(&shown, reason))?;
                    Some(target)
                }
                _ => None,
            };
            match kind {
                EntryKind::File { .. } => summary.add_file(&shown, entry.size()),
                EntryKind::Dir => summary.dirs += 1,
                EntryKind::Symlink => summary.symlinks += 1,
            }
            if summary.bytes > limits.max_bytes {
                return Err(BundleError::TooBig {
                    summary: summary.clone(),
                    limits: *limits,
                });
            }
            if summary.entries() > limits.max_files {
                return Err(BundleError::TooManyFiles {
                    summary: summary.clone(),
                    limits: *limits,
                });
            }
            admitted.admit(&path, kind)?;
            on_entry(&path, kind, &mut entry, target)?;
        }
        Ok(())
    })();
    match result {
        // The cap was hit inside an entry's headers (a giant long name or pax record).
        Err(_) if archive.into_inner().hit => Err(BundleError::TooBig {
            summary,
            limits: *limits,
        }),
        Err(e) => Err(e),
        Ok(()) => Ok(summary),
    }
}

/// What an entry's type makes it; anything but a file, directory or symlink is refused.
fn entry_kind<R: Read>(entry: &tar::Entry<'_, R>) -> Result<EntryKind, String> {
    let header = entry.header();
    let kind = header.entry_type();
    if kind.is_file() || kind.is_contiguous() {
        let mode = header.mode().unwrap_or(0o644);
        Ok(EntryKind::File {
            executable: mode & 0o111 != 0,
        })
    } else if kind.is_dir() {
        Ok(EntryKind::Dir)
    } else if kind.is_symlink() {
        Ok(EntryKind::Symlink)
    } else {
        let name = match kind {
            tar::EntryType::Link => "a hard link",
            tar::EntryType::Char => "a character device",
            tar::EntryType::Block => "a block device",
            tar::EntryType::Fifo => "a FIFO",
            tar::EntryType::GNUSparse => "a sparse file",
            _ => "of an unsupported type",
        };
        Err(format!(
            "it is {name}; only files, directories and symlinks are unpacked"
        ))
    }
}

fn corrupt(error: std::io::Error) -> BundleError {
    BundleError::Corrupt(error.to_string())
}

/// The decompressed stream, cut off past the most a tar within the limits can take: a small
/// upload that inflates without end stops here.
struct Capped<R> {
    inner: R,
    left: u64,
    hit: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            self.hit = true;
            return Err(std::io::Error::other(
                "the archive is larger than its limits allow",
            ));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}
