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

/// The base environment of every process a job starts: the allow-list, plus the runner
/// settings its operator passes through (`pass_env`, checked by [`check_pass_env`]). `HOME` is
/// the job's own directory, so tools never read the runner's `~/.aws`, `~/.docker` or `~/.kube`,
/// and Java is told so too (`JAVA_TOOL_OPTIONS=-Duser.home=…`).
pub(crate) fn base_env(home: &Path, tmp: &Path, pass_env: &[String]) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = ALLOWED_ENV
        .iter()
        .copied()
        .chain(pass_env.iter().map(String::as_str))
        .filter_map(|name| std::env::var(name).ok().map(|v| (name.to_owned(), v)))
        .collect();
    env.entry("PATH".to_owned())
        .or_insert_with(|| "/usr/local/bin:/usr/bin:/bin".to_owned());
    env.insert("HOME".to_owned(), home.display().to_string());
    env.insert("TMPDIR".to_owned(), tmp.display().to_string());
    // Java takes its user.home from the passwd entry, not $HOME: without this, Maven 3.8,
    // Gradle and sbt would look for ~/.m2 and ~/.gradle in the job user's passwd home (or the
    // runner's), not the job's own.
    let home_option = format!("-Duser.home={}", home.display());
    let java = match env.get("JAVA_TOOL_OPTIONS") {
        Some(operator) => format!("{operator} {home_option}"),
        None => home_option,
    };
    env.insert("JAVA_TOOL_OPTIONS".to_owned(), java);
    env
}

/// Words in a variable's name that say it holds a credential: such variables are never passed
/// through to jobs, whoever configures it (credentials reach jobs only through connections).
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "CREDENTIAL",
    "PRIVATE",
    "ACCESS_KEY",
    "API_KEY",
    "AUTH",
    "SESSION",
];

/// Checks an operator's pass-through list: settings such as `HTTPS_PROXY`, `NO_PROXY`,
/// `AWS_CA_BUNDLE`, `TF_CLI_CONFIG_FILE` or `TF_PLUGIN_CACHE_DIR` are fine; anything that looks
/// like a credential, or Lanyard's own variables, is refused with the reason.
pub fn check_pass_env(names: &[String]) -> Result<(), String> {
    for name in names {
        let upper = name.to_ascii_uppercase();
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(format!("`{name}` is not an environment variable name"));
        }
        if upper.starts_with("LANYARD_") {
            return Err(format!(
                "`{name}` is Lanyard's own setting and never reaches jobs"
            ));
        }
        if let Some(word) = SECRET_WORDS.iter().find(|w| upper.contains(*w)) {
            return Err(format!(
                "`{name}` looks like a credential ({word}); credentials reach jobs only through \
                 connections, which are authorized and audited"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_pass_env;

    #[test]
    fn settings_pass_and_credentials_do_not() {
        let ok = [
            "HTTPS_PROXY",
            "NO_PROXY",
            "AWS_CA_BUNDLE",
            "TF_PLUGIN_CACHE_DIR",
        ];
        assert!(check_pass_env(&ok.map(String::from)).is_ok());
        for bad in [
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "DB_PASSWORD",
            "LANYARD_MASTER_KEY",
            "NPM_AUTH",
            "1BAD",
            "A-B",
        ] {
            assert!(check_pass_env(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
