//! Runner mode: the identity a runner finds in its own environment, injected into a job in the
//! same variables and files as an inline connection of the same provider.
//!
//! - AWS: the SDK's standard chain (environment keys, `AWS_WEB_IDENTITY_TOKEN_FILE` as IRSA
//!   sets it, shared profile, container and instance metadata), resolved to keys.
//! - GCP: application default credentials, the file `GOOGLE_APPLICATION_CREDENTIALS` names
//!   (a service account key or a workload identity federation config), else gcloud's
//!   well-known ADC file; on GKE workload identity the metadata server serves the job directly.
//! - Azure: the `AZURE_*` environment credential, including `AZURE_FEDERATED_TOKEN_FILE` as
//!   workload identity sets it; else managed identity (the job reaches it itself).
//! - Kubernetes: the in-cluster service account, written as a kubeconfig.
//!
//! The job's environment is otherwise an allow-list, so nothing reaches it but what is added
//! here, and every secret added is a secret env value or file, masked in the job's output.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use lanyard_providers::{AuthMode, EnvValue, EnvVar, FileSpec, Materialization};
use secrecy::{ExposeSecret, SecretString};

use crate::session::{self, AwsKeys, Identity};
use crate::sts::{self, JobSession};
use crate::AwsError;

/// Where Kubernetes mounts a pod's service account.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Why a runner could not supply its identity.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AmbientError {
    /// AWS: the chain found nothing, or STS refused it.
    #[error("this runner has no usable AWS identity: {0}")]
    Aws(#[from] AwsError),
    /// Cross-account trust: AssumeRole into the connection's role failed.
    #[error("could not assume the connection's IAM role {role_arn} with this runner's identity: {source}")]
    AssumeRole {
        /// The role.
        role_arn: String,
        /// STS's answer.
        source: AwsError,
    },
    /// A file named by the environment could not be read.
    #[error("cannot read {what} at {path}: {reason}; fix the path or the file's permissions on the runner")]
    Unreadable {
        /// What the file is.
        what: &'static str,
        /// Its path.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// Kubernetes: not running in a cluster.
    #[error(
        "this runner is not inside a Kubernetes cluster (no KUBERNETES_SERVICE_HOST and service \
         account at {SERVICE_ACCOUNT_DIR}); run it in a pod, or use an inline connection with a \
         kubeconfig"
    )]
    NotInCluster,
}

/// Completes a released credential before its job starts: in runner mode, adds this process's
/// own identity for `provider`; in cross-account mode, assumes the connection's role with it
/// (session name = the job id, `tags` as session tags, one hour) and adds the temporary
/// credentials. Whatever is added is a secret env value or file, so the job's output masks it.
/// Returns a line for the runner's log, or `None` when there was nothing to do.
pub async fn complete(
    mode: AuthMode,
    provider: &str,
    m: &mut Materialization,
    job_id: &str,
    tags: Vec<(String, String)>,
) -> Result<Option<String>, AmbientError> {
    match mode {
        AuthMode::Inline => exchange_inline_keys(m, job_id, tags).await,
        // The job's SDKs exchange the token themselves; the session is named after the job,
        // as cross-account sessions are.
        AuthMode::Oidc => {
            if provider == "aws" {
                set(
                    m,
                    "AWS_ROLE_SESSION_NAME",
                    EnvValue::Plain(job_id.to_owned()),
                );
            }
            Ok(None)
        }
        AuthMode::Runner => inject(provider, m).await.map(Some),
        AuthMode::CrossAccountTrust => {
            let Some(role) = m.assume_role.as_ref() else {
                return Ok(None);
            };
            let role_arn = role.role_arn.clone();
            let region = plain_env(m, "AWS_REGION");
            // The connection's own endpoint (an emulator, a VPC endpoint) for the STS call too.
            let origin = session::AwsOrigin {
                endpoint_url: plain_env(m, "AWS_ENDPOINT_URL"),
                keys: None,
            };
            let config = session::config_from(&origin, Identity::Ambient, region.as_deref()).await;
            let session = JobSession { name: job_id, tags };
            let keys = sts::assume_for_job(&config, &role_arn, role.external_id.as_ref(), &session)
                .await
                .map_err(|source| AmbientError::AssumeRole {
                    role_arn: role_arn.clone(),
                    source,
                })?;
            inject_aws_keys(m, &keys);
            Ok(Some(format!("aws: assumed {role_arn} for one hour")))
        }
    }
}

/// An inline AWS connection with a session duration: trades its stored keys for temporary ones
/// with STS, here on the runner, and puts those in their place. The stored keys stay masked in
/// the job's output but are in no variable or file the job can read.
async fn exchange_inline_keys(
    m: &mut Materialization,
    job_id: &str,
    tags: Vec<(String, String)>,
) -> Result<Option<String>, AmbientError> {
    let Some(exchange) = m.exchange.take() else {
        return Ok(None);
    };
    let secret_env = |m: &Materialization, name: &str| match m.env_var(name) {
        Some(EnvValue::Secret(value)) => Some(value.clone()),
        _ => None,
    };
    let (Some(access_key_id), Some(secret_access_key)) = (
        secret_env(m, "AWS_ACCESS_KEY_ID"),
        secret_env(m, "AWS_SECRET_ACCESS_KEY"),
    ) else {
        return Err(AmbientError::Aws(AwsError::NoCredentials {
            detail: "the connection has a session duration but no access keys".to_owned(),
        }));
    };
    let stored = AwsKeys {
        access_key_id,
        secret_access_key,
        session_token: secret_env(m, "AWS_SESSION_TOKEN"),
    };
    let origin = session::AwsOrigin {
        endpoint_url: plain_env(m, "AWS_ENDPOINT_URL"),
        keys: None,
    };
    let region = plain_env(m, "AWS_REGION");
    let config = session::config_from(&origin, Identity::Keys(&stored), region.as_deref()).await;
    let session = JobSession { name: job_id, tags };
    let keys = sts::temporary_for_job(
        &config,
        exchange.role_arn.as_deref(),
        exchange.duration_secs,
        &session,
    )
    .await
    .map_err(|source| match &exchange.role_arn {
        Some(role_arn) => AmbientError::AssumeRole {
            role_arn: role_arn.clone(),
            source,
        },
        None => AmbientError::Aws(source),
    })?;
    m.keep_masked(stored.access_key_id);
    m.keep_masked(stored.secret_access_key);
    if let Some(token) = stored.session_token {
        m.keep_masked(token);
    }
    inject_aws_keys(m, &keys);
    let how = match &exchange.role_arn {
        Some(role_arn) => format!("assumed {role_arn}"),
        None => "a session token".to_owned(),
    };
    Ok(Some(format!(
        "aws: the stored keys were traded for {how} lasting {}s",
        exchange.duration_secs
    )))
}

/// Adds to `m` the identity this process has for `provider`. Returns a short description of
/// where it came from, for the runner's log.
pub async fn inject(provider: &str, m: &mut Materialization) -> Result<String, AmbientError> {
    match provider {
        "aws" => aws(m).await,
        other => inject_from(other, m, &process_env, Path::new(SERVICE_ACCOUNT_DIR)).await,
    }
}

/// [`inject`] for a provider other than AWS, reading `env` instead of the process's
/// environment and the service account at `service_account_dir` (tests give their own).
pub async fn inject_from(
    provider: &str,
    m: &mut Materialization,
    env: Env<'_>,
    service_account_dir: &Path,
) -> Result<String, AmbientError> {
    match provider {
        "gcp" => gcp(m, env).await,
        "azure" => azure(m, env).await,
        "kubernetes" => kubernetes(m, service_account_dir, env).await,
        other => Ok(format!(
            "{other}: nothing to inject, the job uses the runner host's own configuration"
        )),
    }
}

/// How the discovery functions read the environment (tests pass their own).
pub type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Sets `name` to `value`, replacing what the connection set.
fn set(m: &mut Materialization, name: &str, value: EnvValue) {
    m.env.retain(|v| v.name != name);
    m.env.push(EnvVar {
        name: name.to_owned(),
        value,
    });
}

fn secret(value: &str) -> EnvValue {
    EnvValue::Secret(SecretString::from(value.to_owned()))
}

/// Exports keys the way an inline AWS connection does.
pub fn inject_aws_keys(m: &mut Materialization, keys: &AwsKeys) {
    set(
        m,
        "AWS_ACCESS_KEY_ID",
        secret(keys.access_key_id.expose_secret()),
    );
    set(
        m,
        "AWS_SECRET_ACCESS_KEY",
        secret(keys.secret_access_key.expose_secret()),
    );
    match &keys.session_token {
        Some(token) => set(m, "AWS_SESSION_TOKEN", secret(token.expose_secret())),
        None => m.env.retain(|v| v.name != "AWS_SESSION_TOKEN"),
    }
}

fn plain_env(m: &Materialization, name: &str) -> Option<String> {
    m.plain_env(name).map(str::to_owned)
}

async fn aws(m: &mut Materialization) -> Result<String, AmbientError> {
    let region = plain_env(m, "AWS_REGION");
    let config = session::config(Identity::Ambient, region.as_deref()).await;
    let keys = session::resolve_keys(&config).await?;
    inject_aws_keys(m, &keys);
    if region.is_none() {
        if let Some(region) = config.region() {
            set(m, "AWS_REGION", EnvValue::Plain(region.to_string()));
            set(m, "AWS_DEFAULT_REGION", EnvValue::Plain(region.to_string()));
        }
    }
    Ok("aws: the runner's credential chain".to_owned())
}

async fn read(what: &'static str, path: &Path) -> Result<String, AmbientError> {
    tokio::fs::read_to_string(path)
        .await
        .map_err(|e| AmbientError::Unreadable {
            what,
            path: path.display().to_string(),
            reason: e.kind().to_string(),
        })
}

fn add_file(m: &mut Materialization, id: &str, name: &str, contents: String) {
    m.files.retain(|f| f.id != id);
    m.files.push(FileSpec {
        id: id.to_owned(),
        file_name: name.to_owned(),
        contents: SecretString::from(contents),
    });
}

async fn gcp(m: &mut Materialization, env: Env<'_>) -> Result<String, AmbientError> {
    const FILE: &str = "gcp-credentials";
    let named = env("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from);
    let well_known = env("HOME").map(|home| {
        PathBuf::from(home).join(".config/gcloud/application_default_credentials.json")
    });
    let path = match (named, well_known) {
        (Some(path), _) => path,
        (None, Some(path)) if path.is_file() => path,
        _ => {
            return Ok(
                "gcp: no ADC file; the job uses the metadata server (workload identity)".to_owned(),
            )
        }
    };
    let contents = read("the application default credentials", &path).await?;
    set(m, "GOOGLE_CREDENTIALS", secret(&contents));
    add_file(m, FILE, "credentials.json", contents);
    set(
        m,
        "GOOGLE_APPLICATION_CREDENTIALS",
        EnvValue::FilePath(FILE.into()),
    );
    set(
        m,
        "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE",
        EnvValue::FilePath(FILE.into()),
    );
    Ok(format!(
        "gcp: application default credentials from {}",
        path.display()
    ))
}

async fn azure(m: &mut Materialization, env: Env<'_>) -> Result<String, AmbientError> {
    const FILE: &str = "azure-federated-token";
    let var = |name: &str| env(name);
    for (from, to) in [
        ("AZURE_CLIENT_ID", ["AZURE_CLIENT_ID", "ARM_CLIENT_ID"]),
        ("AZURE_TENANT_ID", ["AZURE_TENANT_ID", "ARM_TENANT_ID"]),
    ] {
        if let Some(value) = var(from) {
            for name in to {
                if m.env_var(name).is_none() {
                    set(m, name, EnvValue::Plain(value.clone()));
                }
            }
        }
    }
    if let Some(host) = var("AZURE_AUTHORITY_HOST") {
        set(m, "AZURE_AUTHORITY_HOST", EnvValue::Plain(host));
    }
    if let Some(client_secret) = var("AZURE_CLIENT_SECRET") {
        set(m, "AZURE_CLIENT_SECRET", secret(&client_secret));
        set(m, "ARM_CLIENT_SECRET", secret(&client_secret));
        return Ok("azure: client secret from the runner's AZURE_* environment".to_owned());
    }
    if let Some(path) = var("AZURE_FEDERATED_TOKEN_FILE") {
        let token = read("the federated token file", Path::new(&path)).await?;
        add_file(m, FILE, "token", token);
        set(
            m,
            "AZURE_FEDERATED_TOKEN_FILE",
            EnvValue::FilePath(FILE.into()),
        );
        set(
            m,
            "ARM_OIDC_TOKEN_FILE_PATH",
            EnvValue::FilePath(FILE.into()),
        );
        set(m, "ARM_USE_OIDC", EnvValue::Plain("true".into()));
        return Ok("azure: workload identity federated token".to_owned());
    }
    set(m, "ARM_USE_MSI", EnvValue::Plain("true".into()));
    Ok("azure: managed identity of the runner's host".to_owned())
}

async fn kubernetes(
    m: &mut Materialization,
    dir: &Path,
    env: Env<'_>,
) -> Result<String, AmbientError> {
    const FILE: &str = "kubeconfig";
    let host = env("KUBERNETES_SERVICE_HOST");
    let port = env("KUBERNETES_SERVICE_PORT").unwrap_or_else(|| "443".to_owned());
    let (Some(host), true) = (host, dir.join("token").is_file()) else {
        return Err(AmbientError::NotInCluster);
    };
    let token = read("the service account token", &dir.join("token")).await?;
    let ca = read("the cluster CA certificate", &dir.join("ca.crt")).await?;
    let namespace = read("the namespace", &dir.join("namespace"))
        .await
        .unwrap_or_else(|_| "default".to_owned());
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    // JSON is YAML; the CA is inlined because a path would point outside the job directory.
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "in-cluster", "cluster": {
            "server": format!("https://{host}:{port}"),
            "certificate-authority-data": base64::engine::general_purpose::STANDARD.encode(&ca),
        }}],
        "users": [{"name": "service-account", "user": {"token": token.trim()}}],
        "contexts": [{"name": "in-cluster", "context": {
            "cluster": "in-cluster", "user": "service-account", "namespace": namespace.trim(),
        }}],
        "current-context": "in-cluster",
    });
    add_file(m, FILE, "config", config.to_string());
    set(m, "KUBECONFIG", EnvValue::FilePath(FILE.into()));
    Ok("kubernetes: the in-cluster service account".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, String)]) -> impl Fn(&str) -> Option<String> + Sync {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn leak(pairs: Vec<(&'static str, String)>) -> &'static [(&'static str, String)] {
        Box::leak(pairs.into_boxed_slice())
    }

    fn secrets(m: &Materialization) -> Vec<String> {
        m.secret_values()
            .iter()
            .map(|s| s.expose_secret().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn gcp_injects_the_adc_file_like_an_inline_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("adc.json");
        std::fs::write(&path, r#"{"type":"external_account","audience":"planted"}"#).unwrap();
        let env = env_of(leak(vec![(
            "GOOGLE_APPLICATION_CREDENTIALS",
            path.display().to_string(),
        )]));
        let mut m = Materialization::default();
        let said = gcp(&mut m, &env).await.unwrap();
        assert!(said.contains("application default credentials"), "{said}");
        assert!(matches!(
            m.env_var("GOOGLE_APPLICATION_CREDENTIALS"),
            Some(EnvValue::FilePath(id)) if id == "gcp-credentials"
        ));
        assert!(secrets(&m).iter().any(|s| s.contains("planted")));
    }

    #[tokio::test]
    async fn azure_prefers_a_client_secret_then_the_federated_token_file() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "eyJplanted.token.value").unwrap();
        let env = env_of(leak(vec![
            (
                "AZURE_CLIENT_ID",
                "11111111-2222-3333-4444-555555555555".into(),
            ),
            (
                "AZURE_TENANT_ID",
                "66666666-7777-8888-9999-000000000000".into(),
            ),
            ("AZURE_FEDERATED_TOKEN_FILE", token.display().to_string()),
        ]));
        let mut m = Materialization::default();
        azure(&mut m, &env).await.unwrap();
        assert!(matches!(m.env_var("ARM_USE_OIDC"), Some(EnvValue::Plain(v)) if v == "true"));
        assert!(matches!(
            m.env_var("AZURE_FEDERATED_TOKEN_FILE"),
            Some(EnvValue::FilePath(_))
        ));
        assert!(matches!(
            m.env_var("ARM_CLIENT_ID"),
            Some(EnvValue::Plain(_))
        ));
        assert!(secrets(&m).iter().any(|s| s.contains("planted")));

        let env = env_of(leak(vec![("AZURE_CLIENT_SECRET", "planted-secret".into())]));
        let mut m = Materialization::default();
        azure(&mut m, &env).await.unwrap();
        assert!(matches!(
            m.env_var("ARM_CLIENT_SECRET"),
            Some(EnvValue::Secret(_))
        ));

        let mut m = Materialization::default();
        let said = azure(&mut m, &env_of(&[])).await.unwrap();
        assert!(said.contains("managed identity"), "{said}");
    }

    #[tokio::test]
    async fn kubernetes_writes_the_service_account_as_a_kubeconfig() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "planted-sa-token\n").unwrap();
        std::fs::write(dir.path().join("ca.crt"), "-----BEGIN CERTIFICATE-----\n").unwrap();
        std::fs::write(dir.path().join("namespace"), "ci").unwrap();
        let env = env_of(leak(vec![("KUBERNETES_SERVICE_HOST", "10.0.0.1".into())]));
        let mut m = Materialization::default();
        kubernetes(&mut m, dir.path(), &env).await.unwrap();
        let config = m
            .file("kubeconfig")
            .unwrap()
            .contents
            .expose_secret()
            .to_owned();
        let config: serde_json::Value = serde_json::from_str(&config).unwrap();
        assert_eq!(
            config["clusters"][0]["cluster"]["server"],
            "https://10.0.0.1:443"
        );
        assert_eq!(config["users"][0]["user"]["token"], "planted-sa-token");
        assert_eq!(config["contexts"][0]["context"]["namespace"], "ci");

        let mut m = Materialization::default();
        let err = kubernetes(&mut m, dir.path(), &env_of(&[]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not inside a Kubernetes cluster"));
    }
}
