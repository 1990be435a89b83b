//! A job's directory as an archive: `lanyard run --dir` packs the engineer's files ([`Plan`]),
//! the server checks the archive as it arrives ([`inspect`]) before it stores it, and the runner
//! unpacks it into the job's work tree ([`unpack`]).
//!
//! The archive is a zstd-compressed tar stream holding only regular files, directories and
//! relative symlinks that stay inside the tree. Every reader enforces the same [`Limits`] and the
//! same entry rules ([`check`]): no absolute paths or `..`, no entry reached through a symlink, no
//! link pointing out, no devices, FIFOs or hard links, no duplicate. A writer that breaks a rule is
//! refused with the entry's path and the rule; nothing is written outside the destination.
//!
//! Architecture invariant: this crate does no network I/O and knows nothing of jobs; it reads and
//! writes bytes. Both the server and the runner check archives: neither trusts the other side.

mod check;
#[cfg(feature = "crafted")]
pub mod crafted;
mod digest;
mod error;
mod limits;
mod pack;
pub mod pipe;
mod read;

pub use check::{check_path, check_symlink, EntryKind};
pub use digest::ArchiveDigest;
pub use error::BundleError;
pub use limits::{human_bytes, Limits, Summary};
pub use pack::{Plan, PlannedEntry, IGNORE_FILE};
pub use read::{inspect, unpack};

/// The media type of an archive on the wire.
pub const MEDIA_TYPE: &str = "application/vnd.lanyard.bundle+zstd";
