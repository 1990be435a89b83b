//! Git credentials for the job's own git commands (`git push`, `git fetch`, submodules,
//! `go get` of private modules): a credential helper per GitHub or GitLab connection, scoped
//! to that connection's host through git's `credential.<url>` configuration, given in
//! `GIT_CONFIG_*` variables. The helper reads the token from the variable the connection
//! already injects, so the token is never in an argument, a URL, a script or `.git/config`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::workspace::Workspace;
use crate::PreparedCredential;

/// What git needs to ask for one connection's token.
struct GitLogin {
    host: String,
    username: &'static str,
    token_variable: &'static str,
}

fn login(credential: &PreparedCredential) -> Option<GitLogin> {
    let m = &credential.materialization;
    match credential.provider.as_str() {
        "github" => Some(GitLogin {
            host: m.plain_env("GH_HOST").unwrap_or("github.com").to_owned(),
            username: "x-access-token",
            token_variable: "GITHUB_TOKEN",
        }),
        "gitlab" => Some(GitLogin {
            host: m
                .plain_env("GITLAB_HOST")
                .map_or_else(|| "gitlab.com".to_owned(), crate::git::authority),
            username: "oauth2",
            token_variable: "GITLAB_TOKEN",
        }),
        _ => None,
    }
}

/// Writes one helper per git connection the job's command gets, and returns the `GIT_CONFIG_*`
/// variables that scope each to its host.
pub(crate) fn configure(
    workspace: &Workspace,
    credentials: &[PreparedCredential],
) -> std::io::Result<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    let logins = credentials
        .iter()
        .filter(|c| !c.git_only)
        .filter_map(login)
        .filter(|l| !l.host.is_empty());
    let mut count = 0;
    for (index, login) in logins.enumerate() {
        let script = format!(
            "#!/bin/sh\n# Answers git's credential requests for https://{host} only (git scopes it).\n\
             test \"$1\" = get || exit 0\nprintf 'username=%s\\n' '{user}'\n\
             printf 'password=%s\\n' \"${var}\"\n",
            host = login.host,
            user = login.username,
            var = login.token_variable,
        );
        let path: PathBuf =
            workspace.write_script(&format!("git-credential-{index}.sh"), &script)?;
        env.insert(
            format!("GIT_CONFIG_KEY_{index}"),
            format!("credential.https://{}.helper", login.host),
        );
        env.insert(
            format!("GIT_CONFIG_VALUE_{index}"),
            path.display().to_string(),
        );
        count += 1;
    }
    if count > 0 {
        env.insert("GIT_CONFIG_COUNT".to_owned(), count.to_string());
    }
    Ok(env)
}
