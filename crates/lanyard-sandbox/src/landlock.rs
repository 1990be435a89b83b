//! Landlock, the last layer: applied inside the sandbox by a small helper (the `lanyard` binary
//! itself, bound read-only into the sandbox) right before it executes the job's program.
//!
//! The mount namespace already decides what exists; Landlock narrows what may be done with it
//! and closes what namespaces leave open: the job may write only to its own directories and
//! private temporary ones, execute only from the system directories and its own, and — the
//! part no namespace covers while jobs share the host's network — may not connect to abstract
//! UNIX sockets or signal processes created outside its sandbox (Landlock ABI 6 scopes).
//!
//! Restricting a process needs code between `fork` and `exec`; in this workspace that is a
//! separate process image (the helper) rather than an `unsafe` `pre_exec` hook.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use landlock::{
    path_beneath_rules, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    Scope, ABI,
};

/// The first argument that turns a binary into the helper (see [`helper_main`]).
pub const HELPER_ARG: &str = "__lanyard-sandbox-exec";
/// Where the helper is bound inside the sandbox.
pub(crate) const HELPER_PATH: &str = "/run/lanyard/sandbox-exec";
/// What the helper prints with `--report` when Landlock is enforced in full.
const ENFORCED: &str = "landlock enforced";

/// Read and execute: the system directories and the kernel's views.
const READ_ONLY: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc",
    "/opt",
    "/nix",
    "/proc",
    "/run/lanyard",
];
/// Everything: the sandbox's private temporary directories and devices.
const PRIVATE: &[&str] = &["/tmp", "/var/tmp", "/dev"];

/// The filesystem rights handled (ABI 5: everything up to ioctl on devices).
const FS_ABI: ABI = ABI::V5;
/// The scopes handled (ABI 6: abstract UNIX sockets and signals).
const SCOPE_ABI: ABI = ABI::V6;

/// The helper's arguments: `[--report] [--write DIR]... -- PROGRAM ARGS...`.
pub(crate) fn helper_args(write: &[&Path], report: bool) -> Vec<OsString> {
    let mut args = vec![OsString::from(HELPER_ARG)];
    if report {
        args.push("--report".into());
    }
    for dir in write {
        args.push("--write".into());
        args.push(dir.as_os_str().to_owned());
    }
    args.push("--".into());
    args
}

/// The helper a runner whose binary is `exe` uses: the small `lanyard-sandbox-exec` beside it
/// when installed, else `exe` itself (which implements the helper too, and starts slower).
pub fn helper_beside(exe: &Path) -> PathBuf {
    let small = exe.with_file_name("lanyard-sandbox-exec");
    if small.is_file() {
        small
    } else {
        exe.to_path_buf()
    }
}

/// Whether a `--report` run said that Landlock is fully enforced.
pub(crate) fn reported_enforced(stdout: &str) -> bool {
    stdout.trim() == ENFORCED
}

/// The helper's whole life: restrict this process with Landlock, then become the job's program
/// (or, with `--report`, say how far the restriction went). `args` are the arguments after
/// [`HELPER_ARG`]. Never returns; a failure is reported on stderr with exit status 127.
pub fn helper_main(args: impl Iterator<Item = OsString>) -> ! {
    let mut write = Vec::new();
    let mut report = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--report") => report = true,
            Some("--write") => write.extend(args.next().map(PathBuf::from)),
            Some("--") => break,
            _ => fail(&format!("unexpected helper argument {arg:?}")),
        }
    }
    let status = match restrict(&write) {
        Ok(status) => status,
        Err(e) => fail(&format!("cannot apply landlock: {e}")),
    };
    if report {
        match status {
            RulesetStatus::FullyEnforced => println!("{ENFORCED}"),
            RulesetStatus::PartiallyEnforced => println!("landlock partially enforced"),
            RulesetStatus::NotEnforced => println!("landlock not enforced"),
        }
        std::process::exit(0);
    }
    let argv: Vec<OsString> = args.collect();
    let Some((program, rest)) = argv.split_first() else {
        fail("no program to run");
    };
    let error = std::process::Command::new(program).args(rest).exec();
    fail(&format!("cannot start {program:?}: {error}"))
}

fn fail(message: &str) -> ! {
    eprintln!("lanyard: {message}");
    std::process::exit(127)
}

fn restrict(write: &[PathBuf]) -> Result<RulesetStatus, landlock::RulesetError> {
    let existing = |paths: &[&str]| -> Vec<PathBuf> {
        paths
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.exists())
            .collect()
    };
    let writable: Vec<PathBuf> = existing(PRIVATE)
        .into_iter()
        .chain(write.iter().cloned())
        .collect();
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(FS_ABI))?
        .scope(Scope::from_all(SCOPE_ABI))?
        .create()?
        .add_rules(path_beneath_rules(
            existing(READ_ONLY),
            AccessFs::from_read(FS_ABI),
        ))?
        .add_rules(path_beneath_rules(writable, AccessFs::from_all(FS_ABI)))?
        .restrict_self()?;
    Ok(status.ruleset)
}
