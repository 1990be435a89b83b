//! Cloning the job's repository with its GitHub or GitLab connection's token, given to git
//! through an askpass helper so that it never appears in a URL, an argument or `.git/config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lanyard_providers::EnvValue;
use secrecy::{ExposeSecret, SecretString};

use crate::{GitToClone, PreparedCredential};

/// Username and token for the clone.
pub(crate) struct GitLogin {
    pub username: &'static str,
    pub password: SecretString,
}

/// The token of the git connection, from the variable its provider injects.
pub(crate) fn login(
    git: &GitToClone,
    credentials: &[PreparedCredential],
) -> Result<GitLogin, String> {
    let credential = credentials
        .iter()
        .find(|c| c.connection == git.connection)
        .ok_or_else(|| {
            format!(
                "the git connection `{}` was not released to this job",
                git.connection
            )
        })?;
    let (username, variable) = match credential.provider.as_str() {
        "github" => ("x-access-token", "GITHUB_TOKEN"),
        "gitlab" => ("oauth2", "GITLAB_TOKEN"),
        other => {
            return Err(format!(
                "connection `{}` is a {other} connection; --git needs GitHub or GitLab",
                git.connection
            ))
        }
    };
    match credential.materialization.env_var(variable) {
        Some(EnvValue::Secret(token)) => Ok(GitLogin {
            username,
            password: SecretString::from(token.expose_secret().to_owned()),
        }),
        _ => Err(format!(
            "connection `{}` provides no token ({variable}) for the clone",
            git.connection
        )),
    }
}

/// The `git clone` command line and environment; the token is read by the askpass script from
/// the environment of the git process only.
pub(crate) fn clone_command(
    git: &GitToClone,
    login: &GitLogin,
    askpass: &Path,
    base: &BTreeMap<String, String>,
    into: &Path,
) -> (Vec<String>, BTreeMap<String, String>) {
    let mut argv = vec![
        "git".to_owned(),
        "-c".to_owned(),
        "credential.helper=".to_owned(),
        "clone".to_owned(),
        "--quiet".to_owned(),
    ];
    if let Some(reference) = &git.reference {
        argv.push("--branch".to_owned());
        argv.push(reference.clone());
    }
    argv.push("--".to_owned());
    argv.push(git.url.clone());
    argv.push(into.display().to_string());
    let mut env = base.clone();
    env.insert("GIT_ASKPASS".to_owned(), askpass.display().to_string());
    env.insert("GIT_TERMINAL_PROMPT".to_owned(), "0".to_owned());
    env.insert("GIT_CONFIG_NOSYSTEM".to_owned(), "1".to_owned());
    env.insert("LANYARD_GIT_USERNAME".to_owned(), login.username.to_owned());
    env.insert(
        "LANYARD_GIT_PASSWORD".to_owned(),
        login.password.expose_secret().to_owned(),
    );
    (argv, env)
}

/// The askpass helper: git calls it with its prompt ("Username for ...", "Password for ...").
pub(crate) const ASKPASS: &str = "#!/bin/sh\ncase \"$1\" in\n  Username*) printf '%s\\n' \"$LANYARD_GIT_USERNAME\" ;;\n  *) printf '%s\\n' \"$LANYARD_GIT_PASSWORD\" ;;\nesac\n";

/// Where the repository is cloned.
pub(crate) fn checkout_dir(work: &Path) -> PathBuf {
    work.join("repo")
}
