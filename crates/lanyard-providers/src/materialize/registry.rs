//! Container registries: a docker `config.json` in its own directory, pointed to by
//! `DOCKER_CONFIG` (docker, buildx, crane) and `REGISTRY_AUTH_FILE` (podman, buildah, skopeo).

use serde_json::json;

use super::cloud::service_account;
use super::ctx::Ctx;
use super::encode::base64;
use super::MaterializeError;
use crate::format::text::parse_url;

const FILE: &str = "docker-config";

/// How the registry is logged in to.
enum Login<'a> {
    /// A static `auths` entry with `user:password`.
    Basic { user: &'a str, password: String },
    /// A docker credential helper (ECR tokens expire after 12 hours and are minted by an API
    /// call, which materialization must not make).
    Helper(&'static str),
}

pub(super) fn container_registry(cx: &mut Ctx<'_>) -> Result<(), MaterializeError> {
    let (host, prefix, login) = match cx.kind() {
        Some("gar") => {
            let project = cx.require("gcp_project_id")?;
            let region = cx.require("gcp_region")?;
            let repo = cx.require("gcp_artifact_registry_repo_name")?;
            let key = service_account(cx, "service_account_key")?.ok_or(
                MaterializeError::MissingValue {
                    field: "service_account_key",
                },
            )?;
            let host = format!("{region}-docker.pkg.dev");
            // Artifact Registry takes the key itself as a password; the base64 form avoids
            // quoting trouble with the JSON.
            let password = base64(key.json.as_bytes());
            let prefix = format!("{host}/{project}/{repo}");
            (
                host,
                prefix,
                Login::Basic {
                    user: "_json_key_base64",
                    password,
                },
            )
        }
        Some("ecr") => {
            let account = cx.require("account_id")?;
            let region = cx.require("region")?;
            let domain = if region.starts_with("cn-") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            let host = format!("{account}.dkr.ecr.{region}.{domain}");
            // docker-credential-ecr-login reads the standard AWS variables.
            cx.field_env("access_key_id", &["AWS_ACCESS_KEY_ID"]);
            cx.field_env("secret_access_key", &["AWS_SECRET_ACCESS_KEY"]);
            cx.field_env("region", &["AWS_REGION", "AWS_DEFAULT_REGION"]);
            (host.clone(), host, Login::Helper("ecr-login"))
        }
        Some("acr") => {
            let server = cx.require("login_server_url")?;
            let host = parse_url(server)
                .map_or(server, |url| url.authority)
                .to_ascii_lowercase();
            let user = cx.require("client_id")?;
            // ACR accepts a service principal's id and secret as docker credentials.
            let password = cx.require("client_secret")?.to_owned();
            (host.clone(), host, Login::Basic { user, password })
        }
        Some("jfrog") => {
            let server = cx.require("server_url")?;
            let url = parse_url(server).ok_or(MaterializeError::Decode {
                field: "server_url",
                reason: "must be an https:// URL",
            })?;
            let host = url.authority.to_ascii_lowercase();
            let repo = cx.require("repo_key")?;
            let user = cx.require("username")?;
            let password = cx.require("access_token")?.to_owned();
            let prefix = format!("{host}/{repo}");
            (host, prefix, Login::Basic { user, password })
        }
        Some("ghcr") => {
            let user = cx.require("github_username")?;
            let password = cx.require("personal_access_token")?.to_owned();
            // Image names on ghcr.io must be lowercase even when the login is not.
            let prefix = format!("ghcr.io/{}", user.to_ascii_lowercase());
            (
                "ghcr.io".to_owned(),
                prefix,
                Login::Basic { user, password },
            )
        }
        Some("generic") => {
            let server = cx.require("registry_url")?;
            let url = parse_url(server);
            let host = url.map_or(server, |url| url.authority).to_ascii_lowercase();
            if url.is_some_and(|url| url.scheme == "http") {
                plain_http(cx, &host);
            }
            let user = cx.require("registry_username")?;
            let password = cx.require("registry_password")?.to_owned();
            (host.clone(), host, Login::Basic { user, password })
        }
        _ => return Err(MaterializeError::MissingValue { field: "kind" }),
    };

    let config = match login {
        Login::Basic { user, password } => {
            let auth = base64(format!("{user}:{password}"));
            cx.embedded_secret(&password);
            cx.embedded_secret(&auth);
            json!({ "auths": { host.as_str(): { "auth": auth } } })
        }
        Login::Helper(helper) => json!({ "credHelpers": { host.as_str(): helper } }),
    };
    // A private CA for Go's TLS (skopeo, podman, crane, helm) and OpenSSL tools.
    cx.ca_bundle_as("registry-ca-bundle", "SSL_CERT_FILE");
    cx.file(FILE, "config.json", config.to_string());
    cx.file_dir("DOCKER_CONFIG", FILE);
    cx.file_path("REGISTRY_AUTH_FILE", FILE);
    // Where images go: `$LANYARD_REGISTRY/<image>:<tag>`.
    cx.plain("LANYARD_REGISTRY", prefix);
    Ok(())
}

/// A plain-http registry (on loopback, or on another machine with `insecure=true`): the
/// containers tools try https only unless `registries.conf` marks the registry insecure, so the
/// job gets a `registries.conf` of its own that says so (keeping Docker Hub as the search
/// registry for short names), named by `CONTAINERS_REGISTRIES_CONF`, which podman and buildah
/// read. Older skopeo (Debian 12's 1.9) does not read that variable and needs
/// `--tls-verify=false` for such a registry. Docker's daemon already treats loopback registries
/// as insecure; a remote one must be in the daemon's `insecure-registries`, which a job cannot
/// change.
fn plain_http(cx: &mut Ctx<'_>, host: &str) {
    const CONF: &str = "registries-conf";
    let conf = format!(
        "unqualified-search-registries = [\"docker.io\"]\n\n[[registry]]\nlocation = \"{host}\"\n\
         insecure = true\n"
    );
    // Nothing secret: the registry's address only.
    cx.structured_file(CONF, "registries.conf", conf);
    cx.file_path("CONTAINERS_REGISTRIES_CONF", CONF);
}
