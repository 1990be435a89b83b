//! Container registries: the `/v2/` handshake of the distribution API
//! (distribution.github.io/distribution/spec/auth/token/): an anonymous `GET /v2/`, then Basic
//! auth or the Bearer token flow its `WWW-Authenticate` asks for.

use crate::http::{Auth, Probe};
use crate::{origin, Checker, Fields, Outcome, Verdict};

pub(crate) async fn check(checker: &Checker, kind: &str, fields: &Fields<'_>) -> Option<Verdict> {
    // Artifact Registry takes the service account key itself, base64-encoded, as the password
    // of the user `_json_key_base64` (cloud.google.com/artifact-registry/docs/docker/
    // authentication#json-key), at the region's registry host.
    let gar_password;
    let (server, user, password) = match kind {
        "generic" => (
            fields.get("registry_url")?.to_owned(),
            fields.get("registry_username")?,
            fields.get("registry_password")?,
        ),
        "gar" => {
            let region = fields.get("gcp_region")?;
            gar_password = crate::gcp::json_key_base64(fields.get("service_account_key")?)?;
            (
                checker.base("gar", &format!("https://{region}-docker.pkg.dev")),
                "_json_key_base64",
                gar_password.as_str(),
            )
        }
        "ghcr" => (
            checker.base("ghcr", "https://ghcr.io"),
            fields.get("github_username")?,
            fields.get("personal_access_token")?,
        ),
        "jfrog" => (
            fields.get("server_url")?.to_owned(),
            fields.get("username")?,
            fields.get("access_token")?,
        ),
        "acr" => (
            fields.get("login_server_url")?.to_owned(),
            fields.get("client_id")?,
            fields.get("client_secret")?,
        ),
        _ => return None,
    };
    // A self-hosted registry may have a private CA (its `ca_bundle`).
    let http = match checker.client_with_ca(fields) {
        Ok(http) => http,
        Err(verdict) => return Some(verdict),
    };
    let base = origin(&server);
    let url = format!("{base}/v2/");
    let anonymous = http.get(&url).send().await;
    let challenge = match anonymous {
        Err(_) => None,
        Ok(response) => response
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let thing = format!("the registry API at {base}");
    const FIX: &str = "check the username and update the connection's password or token secret";
    let probe = |auth| Probe {
        method: reqwest::Method::GET,
        url: url.clone(),
        auth,
        thing: thing.clone(),
        fix: FIX,
        form: Vec::new(),
    };
    let result = match challenge.as_deref().map(parse_challenge) {
        Some(Some(Challenge::Bearer { realm, params })) => {
            let mut token_url = reqwest::Url::parse(&realm).ok()?;
            token_url
                .query_pairs_mut()
                .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .append_pair("account", user);
            let granted = Probe {
                method: reqwest::Method::GET,
                url: token_url.to_string(),
                auth: Auth::Basic(user, password),
                thing: "a registry token".to_owned(),
                fix: FIX,
                form: Vec::new(),
            }
            .send(&http)
            .await;
            match granted {
                Err(verdict) => Err(verdict),
                Ok(answer) => {
                    let token = answer.body["token"]
                        .as_str()
                        .or_else(|| answer.body["access_token"].as_str())
                        .unwrap_or_default()
                        .to_owned();
                    probe(Auth::Bearer(&token)).send(&http).await.map(drop)
                }
            }
        }
        // Basic, or no challenge at all (the anonymous request failed or was let in).
        _ => probe(Auth::Basic(user, password))
            .send(&http)
            .await
            .map(drop),
    };
    Some(match result {
        Ok(()) => Verdict::ok(
            Some(user.to_owned()),
            format!("the registry at {base} accepted {user}'s credentials"),
        ),
        Err(verdict) if verdict.outcome == Outcome::NotFound => Verdict {
            message: format!(
                "{base} is not a container registry (no /v2/ API); check the registry URL"
            ),
            ..verdict
        },
        Err(verdict) => verdict,
    })
}

enum Challenge {
    Basic,
    Bearer {
        realm: String,
        params: Vec<(String, String)>,
    },
}

/// `Bearer realm="https://auth.example/token",service="registry",scope="…"` or `Basic realm=…`.
fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut realm = None;
    let mut params = Vec::new();
    for part in split_params(rest) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim() {
            "realm" => realm = Some(value),
            key @ ("service" | "scope") => params.push((key.to_owned(), value)),
            _ => {}
        }
    }
    Some(Challenge::Bearer {
        realm: realm?,
        params,
    })
}

/// Splits on commas outside quotes (scopes contain commas: `repository:a:pull,push`).
fn split_params(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}
