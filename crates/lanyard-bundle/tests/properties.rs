//! Random archives — hand-made with any names, types and link targets, or valid ones with bytes
//! flipped — never make a reader panic and never put anything outside the destination.

use std::path::Path;

use lanyard_bundle::crafted::{Crafted, EntryType};
use lanyard_bundle::{inspect, unpack, Limits};
use proptest::prelude::*;

/// A path part an attacker would try: names, `..`, `.`, empty, absolute starts.
fn part() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]{1,3}",
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just("".to_owned()),
        Just("/tmp".to_owned())
    ]
}

fn name() -> impl Strategy<Value = String> {
    proptest::collection::vec(part(), 1..4).prop_map(|parts| parts.join("/"))
}

fn kind() -> impl Strategy<Value = EntryType> {
    prop_oneof![
        Just(EntryType::Regular),
        Just(EntryType::Directory),
        Just(EntryType::Symlink),
        Just(EntryType::Link),
        Just(EntryType::Fifo),
        Just(EntryType::Char),
    ]
}

/// Entries as (name, type, link target, body).
fn entries() -> impl Strategy<Value = Vec<(String, EntryType, String, Vec<u8>)>> {
    proptest::collection::vec(
        (
            name(),
            kind(),
            name(),
            proptest::collection::vec(any::<u8>(), 0..32),
        ),
        1..8,
    )
}

fn build(entries: &[(String, EntryType, String, Vec<u8>)]) -> Vec<u8> {
    entries
        .iter()
        .filter(|(name, _, link, _)| name.len() < 100 && link.len() < 100)
        .fold(Crafted::new(), |archive, (name, kind, link, body)| {
            let body: &[u8] = if *kind == EntryType::Regular {
                body
            } else {
                &[]
            };
            archive.entry(name, *kind, link, body)
        })
        .compressed()
}

/// Unpacks into `<outer>/work` and checks that `<outer>` holds nothing else, and that every
/// symlink under `work` resolves inside it.
fn unpack_confined(archive: &[u8]) -> Result<(), TestCaseError> {
    let outer = tempfile::tempdir().unwrap();
    let work = outer.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let limits = Limits {
        max_bytes: 1 << 20,
        max_files: 100,
    };
    let checked = inspect(archive, &limits);
    let unpacked = unpack(archive, &work, &limits);
    prop_assert_eq!(
        checked.is_ok(),
        unpacked.is_ok(),
        "inspect and unpack disagree"
    );
    let outside: Vec<_> = std::fs::read_dir(outer.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    prop_assert_eq!(outside, vec![std::ffi::OsString::from("work")]);
    if unpacked.is_ok() {
        assert_links_inside(&work, &work)?;
    }
    Ok(())
}

fn assert_links_inside(root: &Path, dir: &Path) -> Result<(), TestCaseError> {
    let root = root.canonicalize().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_symlink() {
            if let Ok(resolved) = path.canonicalize() {
                prop_assert!(
                    resolved.starts_with(&root),
                    "{} escapes to {}",
                    path.display(),
                    resolved.display()
                );
            }
        } else if meta.is_dir() {
            assert_links_inside(&root, &path)?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn crafted_archives_stay_inside(entries in entries()) {
        unpack_confined(&build(&entries))?;
    }

    #[test]
    fn damaged_archives_never_panic_or_escape(
        entries in entries(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut archive = build(&entries);
        for (at, byte) in flips {
            let at = at.index(archive.len());
            archive[at] ^= byte | 1;
        }
        unpack_confined(&archive)?;
    }
}
