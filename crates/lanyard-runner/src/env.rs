//! The child's environment: an allow-list of the runner's variables, the job's own home and
//! temp directories, and what its connections inject.

use std::collections::BTreeMap;
use std::path::Path;

/// The only variables a job inherits from the runner's environment.
pub const ALLOWED_ENV: &[&str] = &[
    "PATH",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "TZ",
    "TERM",
    "USER",
    "LOGNAME",
    "SHELL",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    // A private CA for git servers (GitHub Enterprise, self-managed GitLab) behind it.
    "GIT_SSL_CAINFO",
];

/// The base environment of every process a job starts. `HOME` is the job's own directory, so
/// tools never read the runner's `~/.aws`, `~/.docker` or `~/.kube`.
pub(crate) fn base_env(home: &Path, tmp: &Path) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = ALLOWED_ENV
        .iter()
        .filter_map(|name| std::env::var(name).ok().map(|v| ((*name).to_owned(), v)))
        .collect();
    env.entry("PATH".to_owned())
        .or_insert_with(|| "/usr/local/bin:/usr/bin:/bin".to_owned());
    env.insert("HOME".to_owned(), home.display().to_string());
    env.insert("TMPDIR".to_owned(), tmp.display().to_string());
    env
}
