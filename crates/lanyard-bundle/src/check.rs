//! The rules every archive entry obeys, checked by whoever reads one: a relative path without
//! `..`, not below a symlink or a file, not seen before; a symlink whose target stays inside.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::error::BundleError;

/// What an entry is; anything else (devices, FIFOs, hard links, sparse files) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File { executable: bool },
    Dir,
    Symlink,
}

/// Deepest directory nesting an archive may have: deeper trees are almost certainly crafted.
const MAX_DEPTH: usize = 256;

/// `raw` as a clean relative path (`./` parts dropped), or why it is refused.
pub fn check_path(raw: &Path) -> Result<PathBuf, String> {
    let mut clean = PathBuf::new();
    for component in raw.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("its path contains `..`".to_owned()),
            Component::RootDir | Component::Prefix(_) => {
                return Err("its path is absolute".to_owned())
            }
        }
    }
    if clean.as_os_str().is_empty() {
        return Err("its path is empty".to_owned());
    }
    if clean.components().count() > MAX_DEPTH {
        return Err(format!(
            "it is nested more than {MAX_DEPTH} directories deep"
        ));
    }
    Ok(clean)
}

/// Whether a symlink at `link` (a clean relative path) may point at `target`: relative, made
/// of leading `..` parts then names only (`../../modules/vpc`), and not climbing above the
/// tree. Because every symlink obeys this and no entry lies below a symlink, following any
/// chain of them never leaves the tree.
pub fn check_symlink(link: &Path, target: &Path) -> Result<(), String> {
    let outside = || {
        format!(
            "it points outside the directory (to `{}`)",
            target.display()
        )
    };
    let mut depth = link.components().count().saturating_sub(1);
    let mut descended = false;
    let mut any = false;
    for component in target.components() {
        match component {
            Component::Normal(_) => {
                descended = true;
                any = true;
            }
            Component::CurDir => {}
            Component::ParentDir if descended => {
                return Err(format!(
                    "its target `{}` climbs back up after going down; write it as a plain \
                     relative path",
                    target.display()
                ))
            }
            Component::ParentDir => {
                any = true;
                depth = depth.checked_sub(1).ok_or_else(outside)?;
            }
            Component::RootDir | Component::Prefix(_) => return Err(outside()),
        }
    }
    if !any {
        return Err("its target is empty".to_owned());
    }
    Ok(())
}

/// The entries admitted so far, to refuse one below a symlink or a file, or seen twice.
#[derive(Default)]
pub(crate) struct Admitted {
    kinds: HashMap<PathBuf, EntryKind>,
}

impl Admitted {
    /// Admits `path` as `kind`: its parents become directories (implied ones too).
    pub(crate) fn admit(&mut self, path: &Path, kind: EntryKind) -> Result<(), BundleError> {
        let shown = path.display().to_string();
        let mut parent = PathBuf::new();
        let parts: Vec<_> = path.components().collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            parent.push(part);
            match self.kinds.get(&parent) {
                Some(EntryKind::Dir) => {}
                Some(EntryKind::Symlink) => {
                    return Err(BundleError::refused(
                        shown,
                        format!("it lies below the symlink `{}`", parent.display()),
                    ))
                }
                Some(EntryKind::File { .. }) => {
                    return Err(BundleError::refused(
                        shown,
                        format!("it lies below the file `{}`", parent.display()),
                    ))
                }
                None => {
                    self.kinds.insert(parent.clone(), EntryKind::Dir);
                }
            }
        }
        match (self.kinds.get(path), kind) {
            (None, _) => {
                self.kinds.insert(path.to_owned(), kind);
                Ok(())
            }
            (Some(EntryKind::Dir), EntryKind::Dir) => Ok(()),
            (Some(_), _) => Err(BundleError::refused(shown, "it appears twice")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths_are_relative_and_never_climb() {
        assert_eq!(
            check_path(Path::new("./a/b.tf")).unwrap(),
            Path::new("a/b.tf")
        );
        for bad in ["../x", "a/../../x", "/etc/passwd", "", "./"] {
            assert!(check_path(Path::new(bad)).is_err(), "{bad} was admitted");
        }
    }

    #[test]
    fn symlinks_stay_inside() {
        let ok = [
            ("a/link", "../b"),
            ("link", "modules/vpc"),
            ("a/b/l", "../../c/d"),
        ];
        for (link, target) in ok {
            assert!(
                check_symlink(Path::new(link), Path::new(target)).is_ok(),
                "{link} -> {target}"
            );
        }
        let bad = [
            ("link", "/etc/passwd"),
            ("link", "../outside"),
            ("a/link", "../../outside"),
            ("link", "a/../../x"),
            ("link", "a/.."),
            ("link", ""),
        ];
        for (link, target) in bad {
            assert!(
                check_symlink(Path::new(link), Path::new(target)).is_err(),
                "{link} -> {target}"
            );
        }
    }

    #[test]
    fn nothing_lies_below_a_symlink_or_a_file_or_comes_twice() {
        let mut admitted = Admitted::default();
        admitted.admit(Path::new("l"), EntryKind::Symlink).unwrap();
        admitted
            .admit(Path::new("f"), EntryKind::File { executable: false })
            .unwrap();
        admitted
            .admit(Path::new("d/x"), EntryKind::File { executable: false })
            .unwrap();
        admitted.admit(Path::new("d"), EntryKind::Dir).unwrap();
        assert!(admitted
            .admit(Path::new("l/passwd"), EntryKind::File { executable: false })
            .is_err());
        assert!(admitted.admit(Path::new("f/x"), EntryKind::Dir).is_err());
        assert!(admitted
            .admit(Path::new("d/x"), EntryKind::Symlink)
            .is_err());
        assert!(admitted.admit(Path::new("d"), EntryKind::Symlink).is_err());
    }

    proptest! {
        /// Whatever a symlink's location and target, an admitted one resolves (lexically, from
        /// its own directory) to somewhere inside the tree.
        #[test]
        fn admitted_symlinks_resolve_inside(
            link in proptest::collection::vec("[a-c]{1,2}", 1..5),
            target in proptest::collection::vec(prop_oneof!["\\.\\.", "\\.", "[a-c]{1,2}"], 1..6),
        ) {
            let link: PathBuf = link.iter().collect();
            let target: PathBuf = target.iter().collect();
            if check_symlink(&link, &target).is_ok() {
                let mut depth = link.components().count() as i64 - 1;
                for part in target.components() {
                    match part {
                        Component::ParentDir => depth -= 1,
                        Component::Normal(_) => depth += 1,
                        _ => {}
                    }
                    prop_assert!(depth >= 0);
                }
            }
        }

        /// No path with a `..` or a leading `/` is ever admitted.
        #[test]
        fn climbing_paths_are_refused(parts in proptest::collection::vec(prop_oneof!["\\.\\.", "[a-z]{1,3}", "\\."], 1..6), absolute: bool) {
            let joined = parts.join("/");
            let raw = if absolute { format!("/{joined}") } else { joined };
            let result = check_path(Path::new(&raw));
            if absolute || parts.iter().any(|p| p == "..") {
                prop_assert!(result.is_err());
            }
        }
    }
}
