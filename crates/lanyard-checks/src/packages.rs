//! Package feeds: npm (`whoami`) and Maven (an authenticated `HEAD` on the repository).

use crate::http::{Auth, Probe};
use crate::{origin, Checker, Fields, Outcome, Verdict};

const FIX: &str = "create a new token and update the connection's secret";

/// `GET {registry}/-/whoami` (docs.npmjs.com/cli/commands/npm-whoami: the registry API npm
/// itself calls) with the connection's token.
pub(crate) async fn npm(checker: &Checker, kind: &str, fields: &Fields<'_>) -> Option<Verdict> {
    let (registry, token) = match kind {
        "jfrog" => (
            format!(
                "{}/artifactory/api/npm/{}",
                origin(fields.get("server_url")?),
                fields.get("repo_key")?
            ),
            fields.get("access_token")?,
        ),
        "github-packages" => (
            checker.base("npm-github", "https://npm.pkg.github.com"),
            fields.get("personal_access_token")?,
        ),
        "generic" => (
            fields
                .get("registry_url")
                .unwrap_or("https://registry.npmjs.org")
                .trim_end_matches('/')
                .to_owned(),
            fields.get("token")?,
        ),
        _ => return None,
    };
    let http = match checker.client_with_ca(fields) {
        Ok(http) => http,
        Err(verdict) => return Some(verdict),
    };
    let answer = Probe {
        method: reqwest::Method::GET,
        url: format!("{registry}/-/whoami"),
        auth: Auth::Bearer(token),
        thing: format!("registry {registry}"),
        fix: FIX,
        form: Vec::new(),
    }
    .send(&http)
    .await;
    Some(match answer {
        // Some registries (verdaccio) answer an unknown token with 200 and no user.
        Ok(answer) if kind == "generic" && answer.body["username"].as_str().is_none() => Verdict {
            outcome: Outcome::WrongCredentials,
            identity: None,
            message: format!("{registry} does not know the token; {FIX}"),
        },
        Ok(answer) => {
            let user = answer.body["username"].as_str().map(str::to_owned);
            let who = user.as_deref().unwrap_or("the token");
            Verdict::ok(user.clone(), format!("{registry} knows {who}"))
        }
        Err(verdict) => verdict,
    })
}

/// `HEAD {repository}/` with the connection's user and token, as Maven authenticates.
pub(crate) async fn maven(checker: &Checker, kind: &str, fields: &Fields<'_>) -> Option<Verdict> {
    // Artifact Registry takes the service account key, base64-encoded, as the password of
    // `_json_key_base64` (cloud.google.com/artifact-registry/docs/java/authentication#json-key).
    let gar_password;
    let (repository, user, token) = match kind {
        "gar" => {
            gar_password = crate::gcp::json_key_base64(fields.get("service_account_key")?)?;
            let host = format!("https://{}-maven.pkg.dev", fields.get("gcp_region")?);
            (
                format!(
                    "{}/{}/{}",
                    checker.base("maven-gar", &host),
                    fields.get("gcp_project_id")?,
                    fields.get("gcp_artifact_registry_repo_name")?
                ),
                "_json_key_base64",
                gar_password.as_str(),
            )
        }
        "jfrog" => (
            format!(
                "{}/artifactory/{}",
                origin(fields.get("server_url")?),
                fields.get("repo_key")?
            ),
            fields.get("username")?,
            fields.get("access_token")?,
        ),
        "github-packages" => (
            format!(
                "{}/{}",
                checker.base("maven-github", "https://maven.pkg.github.com"),
                fields.get("github_repository")?
            ),
            fields.get("github_username")?,
            fields.get("personal_access_token")?,
        ),
        "generic" => (
            fields
                .get("repository_url")?
                .trim_end_matches('/')
                .to_owned(),
            fields.get("repository_username")?,
            fields.get("repository_password")?,
        ),
        _ => return None,
    };
    // A self-hosted repository may have a private CA (its `ca_bundle`).
    let http = match checker.client_with_ca(fields) {
        Ok(http) => http,
        Err(verdict) => return Some(verdict),
    };
    let answer = Probe {
        method: reqwest::Method::HEAD,
        url: format!("{repository}/"),
        auth: Auth::Basic(user, token),
        thing: format!("repository {repository}"),
        fix: FIX,
        form: Vec::new(),
    }
    .send(&http)
    .await;
    Some(match answer {
        Ok(_) => Verdict::ok(
            Some(user.to_owned()),
            format!("{repository} accepted {user}'s token"),
        ),
        Err(verdict) => verdict,
    })
}
