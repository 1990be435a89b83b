//! Why an archive could not be made, checked or unpacked. Messages name paths and limits, and
//! say what to do.

use crate::limits::{human_bytes, Limits, Summary};

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// More file content than the limit allows.
    #[error(
        "{} of files is more than the limit of {}{}; leave files out with a .lanyardignore \
         (same syntax as .gitignore), or ask an admin to raise the limit with \
         `lanyard org upload-limits --max-mib N`",
        human_bytes(.summary.bytes), human_bytes(.limits.max_bytes), largest(.summary)
    )]
    TooBig { summary: Summary, limits: Limits },
    /// More entries than the limit allows.
    #[error(
        "{} files and directories are more than the limit of {}; leave some out with a \
         .lanyardignore (same syntax as .gitignore), or ask an admin to raise the limit with \
         `lanyard org upload-limits --max-files N`",
        .summary.entries(), .limits.max_files
    )]
    TooManyFiles { summary: Summary, limits: Limits },
    /// An entry that could write outside the destination, or that is no file, directory or
    /// symlink.
    #[error("refused archive entry `{path}`: {reason}")]
    Refused { path: String, reason: String },
    /// Not a well-formed archive.
    #[error("not a valid Lanyard archive: {0}")]
    Corrupt(String),
}

fn largest(summary: &Summary) -> String {
    if summary.largest.is_empty() {
        String::new()
    } else {
        format!(" (the largest: {})", summary.largest_list())
    }
}

impl BundleError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }

    pub(crate) fn refused(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Refused {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Whether the archive was over a limit (the HTTP edge answers 413).
    pub fn is_too_large(&self) -> bool {
        matches!(self, Self::TooBig { .. } | Self::TooManyFiles { .. })
    }
}
