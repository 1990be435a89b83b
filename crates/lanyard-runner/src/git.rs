//! Cloning the job's repository with its GitHub or GitLab connection's token, given to git
//! through an askpass helper so that it never appears in a URL, an argument or `.git/config`.
//!
//! The server only accepts clone URLs on the connection's own https host; here, as a second
//! guard, git follows no redirects and the helper answers only prompts for that host.

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

/// Where the connection's CA bundle was written (`GIT_SSL_CAINFO` among its variables).
pub(crate) fn ca_file(
    materialization: &lanyard_providers::Materialization,
    dir: &Path,
) -> Option<String> {
    let vars = materialization.render_env(dir).ok()?;
    vars.into_iter()
        .find(|(name, _)| name == "GIT_SSL_CAINFO")
        .map(|(_, path)| path.expose_secret().to_owned())
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
        "-c".to_owned(),
        "http.followRedirects=false".to_owned(),
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
    env.insert("LANYARD_GIT_HOST".to_owned(), authority(&git.url));
    env.insert("LANYARD_GIT_USERNAME".to_owned(), login.username.to_owned());
    env.insert(
        "LANYARD_GIT_PASSWORD".to_owned(),
        login.password.expose_secret().to_owned(),
    );
    (argv, env)
}

/// The `host[:port]` of a clone URL, as git names it in its prompts.
pub(crate) fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The askpass helper: git calls it with its prompt ("Username for 'https://HOST': ",
/// "Password for 'https://USER@HOST': "). It answers only for the clone's own host.
pub(crate) const ASKPASS: &str = r#"#!/bin/sh
case "$1" in
  *"//$LANYARD_GIT_HOST'"*|*"@$LANYARD_GIT_HOST'"*) ;;
  *) echo "lanyard: no credentials for $1" >&2; exit 1 ;;
esac
case "$1" in
  Username*) printf '%s
' "$LANYARD_GIT_USERNAME" ;;
  *) printf '%s
' "$LANYARD_GIT_PASSWORD" ;;
esac
"#;

/// Where the repository is cloned.
pub(crate) fn checkout_dir(work: &Path) -> PathBuf {
    work.join("repo")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(prompt: &str) -> Option<String> {
        let out = std::process::Command::new("sh")
            .args(["-c", ASKPASS, "askpass", prompt])
            .env("LANYARD_GIT_HOST", "git.example.com:8443")
            .env("LANYARD_GIT_USERNAME", "x-access-token")
            .env("LANYARD_GIT_PASSWORD", "planted-token")
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    #[test]
    fn the_helper_answers_only_for_the_clone_host() {
        let cases = [
            (
                "Username for 'https://git.example.com:8443': ",
                Some("x-access-token"),
            ),
            (
                "Password for 'https://x-access-token@git.example.com:8443': ",
                Some("planted-token"),
            ),
            ("Password for 'https://x-access-token@evil.example': ", None),
            (
                "Password for 'https://git.example.com:8443.evil.example': ",
                None,
            ),
            ("Password for 'https://git.example.com': ", None),
        ];
        for (prompt, want) in cases {
            assert_eq!(ask(prompt).as_deref(), want, "{prompt}");
        }
    }

    #[test]
    fn authorities_are_read_as_git_prompts_name_them() {
        assert_eq!(
            authority("https://git.example.com:8443/a.git"),
            "git.example.com:8443"
        );
        assert_eq!(authority("https://u@github.com/a.git"), "github.com");
    }
}
