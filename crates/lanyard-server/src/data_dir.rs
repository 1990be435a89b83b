//! The data directory's permissions: the owner's alone. Applied at every start, so that an
//! installation made before this rule (or files SQLite created under a loose umask) is
//! tightened too.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Directory 0700; every file in it (the database, its WAL and shared-memory files, the key)
/// 0600. Problems are logged, not fatal: the server can still run on a directory it can use.
pub(crate) fn make_private(dir: &Path) {
    set_mode(dir, 0o700);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            set_mode(&entry.path(), 0o600);
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.permissions().mode() & 0o777 == mode {
        return;
    }
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(path = %path.display(), error = %e, "cannot make this file private");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_files_are_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("lanyard.db-wal");
        std::fs::write(&db, "x").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        make_private(dir.path());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(mode(&db), 0o600);
    }
}
