//! Packing real directories and reading crafted archives.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use lanyard_bundle::crafted::Crafted;
use lanyard_bundle::{inspect, unpack, BundleError, Limits, Plan};

fn write(root: &Path, path: &str, body: &[u8]) {
    let at = root.join(path);
    fs::create_dir_all(at.parent().unwrap()).unwrap();
    fs::write(at, body).unwrap();
}

fn pack(root: &Path, limits: &Limits) -> Result<Vec<u8>, BundleError> {
    let plan = Plan::of(root, limits)?;
    let mut out = Vec::new();
    plan.write(&mut out, &mut |_| {})?;
    Ok(out)
}

fn listing(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                found.push(format!("{rel}/"));
                stack.push(path);
            } else if kind.is_symlink() {
                found.push(format!(
                    "{rel} -> {}",
                    fs::read_link(&path).unwrap().display()
                ));
            } else {
                found.push(rel);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_directory_arrives_whole_without_what_is_ignored() {
    let src = tempfile::tempdir().unwrap();
    let root = src.path();
    write(root, "main.tf", b"resource {}\n");
    write(root, "modules/vpc/main.tf", b"variable \"cidr\" {}\n");
    write(root, "modules/vpc/.terraform.lock.hcl", b"lock\n");
    write(root, ".gitignore", b"*.tfstate\nbuild/\n");
    write(root, "terraform.tfstate", b"{\"secret\": true}\n");
    write(root, "build/out.bin", b"binary");
    write(root, ".lanyardignore", b"notes.txt\n");
    write(root, "notes.txt", b"private notes");
    write(root, ".git/config", b"[core]\n");
    write(root, "scripts/deploy.sh", b"#!/bin/sh\necho hi\n");
    fs::set_permissions(
        root.join("scripts/deploy.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink("modules/vpc", root.join("vpc")).unwrap();

    let archive = pack(root, &Limits::default()).unwrap();
    let summary = inspect(archive.as_slice(), &Limits::default()).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let unpacked = unpack(archive.as_slice(), dest.path(), &Limits::default()).unwrap();
    assert_eq!(summary, unpacked);

    assert_eq!(
        listing(dest.path()),
        [
            ".gitignore",
            ".lanyardignore",
            "main.tf",
            "modules/",
            "modules/vpc/",
            "modules/vpc/.terraform.lock.hcl",
            "modules/vpc/main.tf",
            "scripts/",
            "scripts/deploy.sh",
            "vpc -> modules/vpc",
        ]
    );
    assert_eq!(
        fs::read(dest.path().join("modules/vpc/main.tf")).unwrap(),
        b"variable \"cidr\" {}\n"
    );
    let mode = fs::metadata(dest.path().join("scripts/deploy.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_ne!(mode & 0o100, 0, "the executable bit survives");
    let mode = fs::metadata(dest.path().join("main.tf"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0);
}

#[test]
fn an_oversized_tree_is_refused_from_metadata_naming_the_largest_file() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "small.tf", b"x");
    // A sparse 8 GiB file: refusing it must not read it.
    let big = fs::File::create(src.path().join("disk.img")).unwrap();
    big.set_len(8 << 30).unwrap();
    let started = std::time::Instant::now();
    let error = Plan::of(src.path(), &Limits::default()).unwrap_err();
    assert!(started.elapsed().as_secs() < 5, "the check read the file");
    let message = error.to_string();
    assert!(error.is_too_large());
    assert!(
        message.contains("8 GiB of files is more than the limit of 256 MiB"),
        "{message}"
    );
    assert!(message.contains("disk.img (8 GiB)"), "{message}");
    assert!(message.contains(".lanyardignore"), "{message}");

    let many = tempfile::tempdir().unwrap();
    for i in 0..12 {
        write(many.path(), &format!("f{i}"), b"x");
    }
    let limits = Limits {
        max_bytes: 1 << 20,
        max_files: 10,
    };
    let message = Plan::of(many.path(), &limits).unwrap_err().to_string();
    assert!(message.contains("more than the limit of 10"), "{message}");
}

#[test]
fn a_symlink_pointing_out_of_the_directory_is_named_before_packing() {
    let src = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/etc/passwd", src.path().join("passwd")).unwrap();
    let message = Plan::of(src.path(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("`passwd`") && message.contains("outside"),
        "{message}"
    );
}

#[test]
fn crafted_archives_are_refused_and_write_nothing_outside() {
    use tar::EntryType::{Block, Char, Directory, Fifo, Link, Symlink};
    let cases: Vec<(&str, Crafted, &str)> = vec![
        (
            "parent path",
            Crafted::new().file("../escaped", b"x"),
            "contains `..`",
        ),
        (
            "deep parent path",
            Crafted::new().file("a/../../escaped", b"x"),
            "contains `..`",
        ),
        (
            "absolute path",
            Crafted::new().file("/tmp/escaped", b"x"),
            "absolute",
        ),
        (
            "symlink out",
            Crafted::new().entry("out", Symlink, "/tmp", b""),
            "points outside",
        ),
        (
            "symlink up",
            Crafted::new().entry("up", Symlink, "../..", b""),
            "points outside",
        ),
        (
            "write through a symlink",
            Crafted::new()
                .entry("d", Directory, "", b"")
                .entry("link", Symlink, "d", b"")
                .file("link/escaped", b"x"),
            "below the symlink `link`",
        ),
        (
            "hard link",
            Crafted::new().entry("h", Link, "/etc/passwd", b""),
            "hard link",
        ),
        (
            "character device",
            Crafted::new().entry("c", Char, "", b""),
            "character device",
        ),
        (
            "block device",
            Crafted::new().entry("b", Block, "", b""),
            "block device",
        ),
        ("fifo", Crafted::new().entry("p", Fifo, "", b""), "FIFO"),
        (
            "file twice",
            Crafted::new().file("same", b"one").file("same", b"two"),
            "appears twice",
        ),
    ];
    for (name, archive, expected) in cases {
        let bytes = archive.compressed();
        let error = inspect(bytes.as_slice(), &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{name}: {error}");
        let outer = tempfile::tempdir().unwrap();
        let dest = outer.path().join("work");
        fs::create_dir(&dest).unwrap();
        let error = unpack(bytes.as_slice(), &dest, &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{name}, unpacking: {error}");
        let outside: Vec<_> = fs::read_dir(outer.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(outside, ["work"], "{name} wrote outside its directory");
        assert!(!Path::new("/tmp/escaped").exists());
    }
}

#[test]
fn a_small_upload_that_inflates_past_the_limit_stops_at_the_limit() {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_files: 100,
    };
    // One file that says it is 64 MiB: zeros compress to almost nothing.
    let body = vec![0u8; 64 << 20];
    let bytes = Crafted::new().file("zeros", &body).compressed();
    assert!(bytes.len() < 64 * 1024);
    let error = inspect(bytes.as_slice(), &limits).unwrap_err();
    assert!(error.is_too_large(), "{error}");

    let not_an_archive = b"definitely not zstd".to_vec();
    let error = inspect(not_an_archive.as_slice(), &limits).unwrap_err();
    assert!(matches!(error, BundleError::Corrupt(_)), "{error}");
}

#[test]
fn long_names_and_deep_trees_travel() {
    let src = tempfile::tempdir().unwrap();
    let long = format!("{}/{}.tf", "d".repeat(120), "n".repeat(150));
    write(src.path(), &long, b"long");
    let archive = pack(src.path(), &Limits::default()).unwrap();
    let dest = tempfile::tempdir().unwrap();
    unpack(archive.as_slice(), dest.path(), &Limits::default()).unwrap();
    assert_eq!(fs::read(dest.path().join(&long)).unwrap(), b"long");
    let _ = std::io::stdout().flush();
}
