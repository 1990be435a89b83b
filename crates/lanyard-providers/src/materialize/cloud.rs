//! Clouds and clusters: the variables their SDKs, CLIs and Terraform/Pulumi providers read.

use super::ctx::Ctx;
use super::MaterializeError;
use crate::format::document::{self, ServiceAccountKey};
use crate::mode::AuthMode;

/// The file an `oidc` connection's identity token is written to.
const TOKEN_FILE: &str = "oidc-token";

type Result = std::result::Result<(), MaterializeError>;

pub(super) fn aws(cx: &mut Ctx<'_>) -> Result {
    // AWS_REGION is what current SDKs read; the CLI and older SDKs read AWS_DEFAULT_REGION.
    cx.field_env("region", &["AWS_REGION", "AWS_DEFAULT_REGION"]);
    // Current SDKs and the CLI read it for every service.
    cx.field_env("endpoint_url", &["AWS_ENDPOINT_URL"]);
    // An S3-compatible or private endpoint behind a private CA: the CLI and every SDK read it.
    cx.ca_bundle_as("aws-ca-bundle", "AWS_CA_BUNDLE");
    match cx.mode() {
        AuthMode::Inline => {
            cx.field_env("access_key_id", &["AWS_ACCESS_KEY_ID"]);
            cx.field_env("secret_access_key", &["AWS_SECRET_ACCESS_KEY"]);
            cx.field_env("session_token", &["AWS_SESSION_TOKEN"]);
            if let Some(duration) = cx.get("session_duration") {
                let seconds = crate::format::session_duration(duration).map_err(|_| {
                    MaterializeError::Decode {
                        field: "session_duration",
                        reason: "a duration between 15m and 12h",
                    }
                })?;
                cx.exchange(cx.get("iam_role_arn"), seconds);
            }
        }
        // The SDKs, the CLI and Terraform's and Pulumi's providers call
        // AssumeRoleWithWebIdentity themselves (and again when the credentials expire); the
        // runner names the session after the job.
        AuthMode::Oidc => {
            let role_arn = cx.require("iam_role_arn")?;
            cx.plain("AWS_ROLE_ARN", role_arn);
            cx.identity_token_file(TOKEN_FILE)?;
            cx.file_path("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE);
        }
        // The runner's SDK credential chain (instance profile, IRSA, ECS task role) applies.
        AuthMode::Runner => {}
        // The runner calls sts:AssumeRole with its own identity and exports the result.
        AuthMode::CrossAccountTrust => {
            let role_arn = cx.require("iam_role_arn")?;
            let external_id = cx.get("external_id");
            cx.assume_role(role_arn, external_id);
        }
    }
    Ok(())
}

/// Decodes a service account key field and registers the secrets inside it for redaction.
pub(super) fn service_account(
    cx: &mut Ctx<'_>,
    field: &'static str,
) -> std::result::Result<Option<ServiceAccountKey>, MaterializeError> {
    let Some(raw) = cx.get(field) else {
        return Ok(None);
    };
    let key = document::service_account_key(raw)
        .map_err(|reason| MaterializeError::Decode { field, reason })?;
    // The private key is the secret; the project, the client email and the key's id are
    // identifiers that say where a job points, and stay readable.
    cx.embedded_multiline_secret(&key.private_key);
    Ok(Some(key))
}

pub(super) fn gcp(cx: &mut Ctx<'_>) -> Result {
    const FILE: &str = "gcp-credentials";
    const PROJECT_VARS: [&str; 3] = [
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_PROJECT",
        "CLOUDSDK_CORE_PROJECT",
    ];
    if cx.mode() == AuthMode::Oidc {
        gcp_federated(cx)?;
    }
    let key = service_account(cx, "service_account_key")?;
    if let Some(key) = &key {
        // Client libraries and Terraform read the file through ADC; gcloud ignores ADC and
        // needs its own override; the Terraform/Pulumi providers also take the JSON inline.
        cx.structured_file(FILE, "credentials.json", key.json.to_string());
        cx.file_path("GOOGLE_APPLICATION_CREDENTIALS", FILE);
        cx.file_path("CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", FILE);
        cx.structured_secret("GOOGLE_CREDENTIALS", &key.json);
    }
    // gcloud's defaults and the Terraform/Pulumi Google providers' (identifiers, readable).
    cx.field_env("region", &["CLOUDSDK_COMPUTE_REGION", "GOOGLE_REGION"]);
    cx.field_env("zone", &["CLOUDSDK_COMPUTE_ZONE", "GOOGLE_ZONE"]);
    if cx.get("project_id").is_some() {
        cx.field_env("project_id", &PROJECT_VARS);
    } else if let Some(project) = key.as_ref().and_then(|k| k.project_id.as_deref()) {
        // Read out of the key file, but an identifier, not a secret.
        for variable in PROJECT_VARS {
            cx.plain(variable, project);
        }
    }
    Ok(())
}

/// Workload Identity Federation: an `external_account` credentials file (what
/// `gcloud iam workload-identity-pools create-cred-config` writes) whose subject token is the
/// job's identity token file. Client libraries, gcloud and Terraform read it through
/// `GOOGLE_APPLICATION_CREDENTIALS`.
fn gcp_federated(cx: &mut Ctx<'_>) -> Result {
    const FILE: &str = "gcp-credentials";
    let provider = cx.require("workload_identity_provider")?;
    cx.identity_token_file(TOKEN_FILE)?;
    let mut config = serde_json::json!({
        "universe_domain": "googleapis.com",
        "type": "external_account",
        "audience": format!("//iam.googleapis.com/{provider}"),
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {
            "file": super::path_placeholder(TOKEN_FILE),
            "format": { "type": "text" }
        }
    });
    if let Some(account) = cx.get("service_account_email") {
        config["service_account_impersonation_url"] = serde_json::Value::String(format!(
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{account}:generateAccessToken"
        ));
    }
    let pretty = serde_json::to_string_pretty(&config).map_err(|_| MaterializeError::Decode {
        field: "workload_identity_provider",
        reason: "a credentials document",
    })?;
    cx.path_template_file(FILE, "credentials.json", pretty);
    cx.file_path("GOOGLE_APPLICATION_CREDENTIALS", FILE);
    cx.file_path("CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", FILE);
    Ok(())
}

pub(super) fn azure(cx: &mut Ctx<'_>) -> Result {
    // Federated: the SDKs' workload identity credential reads AZURE_FEDERATED_TOKEN_FILE;
    // Terraform's azurerm/azuread read ARM_USE_OIDC and ARM_OIDC_TOKEN_FILE_PATH.
    if cx.mode() == AuthMode::Oidc {
        cx.identity_token_file(TOKEN_FILE)?;
        cx.file_path("AZURE_FEDERATED_TOKEN_FILE", TOKEN_FILE);
        cx.file_path("ARM_OIDC_TOKEN_FILE_PATH", TOKEN_FILE);
        cx.plain("ARM_USE_OIDC", "true");
    }
    // The sovereign cloud: Terraform/Pulumi read ARM_ENVIRONMENT, the SDKs the authority.
    let cloud = cx.get("cloud").unwrap_or("public");
    if let Ok(authority) = crate::format::cloud::azure_cloud(cloud) {
        if cx.get("cloud").is_some() {
            cx.plain("ARM_ENVIRONMENT", cloud);
        }
        if cx.get("cloud").is_some() || cx.mode() == AuthMode::Oidc {
            cx.plain("AZURE_AUTHORITY_HOST", authority);
        }
    }
    // ARM_* for Terraform/Pulumi azurerm and azuread; AZURE_* for the Azure SDKs' environment
    // credential and the az CLI. In runner mode only tenant and subscription are set and the
    // runner's managed identity (or az login) supplies the rest.
    cx.field_env("client_id", &["ARM_CLIENT_ID", "AZURE_CLIENT_ID"]);
    cx.field_env(
        "client_secret",
        &["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"],
    );
    cx.field_env("tenant_id", &["ARM_TENANT_ID", "AZURE_TENANT_ID"]);
    cx.field_env(
        "subscription_id",
        &["ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"],
    );
    super::azure_cli::login(cx, cloud);
    Ok(())
}

pub(super) fn digitalocean(cx: &mut Ctx<'_>) {
    // Terraform/Pulumi read DIGITALOCEAN_TOKEN, doctl reads DIGITALOCEAN_ACCESS_TOKEN.
    cx.field_env(
        "api_token",
        &["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"],
    );
    cx.field_env("spaces_access_id", &["SPACES_ACCESS_KEY_ID"]);
    cx.field_env("spaces_secret_key", &["SPACES_SECRET_ACCESS_KEY"]);
    // No DigitalOcean tool reads a default region from the environment; exported for scripts.
    cx.field_env("default_region", &["DIGITALOCEAN_REGION"]);
}

pub(super) fn civo(cx: &mut Ctx<'_>) {
    cx.field_env("api_token", &["CIVO_TOKEN"]);
    cx.field_env("default_region", &["CIVO_REGION"]);
    // Civo tools have no variables for object store keys; these names are Lanyard's.
    cx.field_env(
        "object_store_access_id",
        &["CIVO_OBJECT_STORE_ACCESS_KEY_ID"],
    );
    cx.field_env(
        "object_store_secret_key",
        &["CIVO_OBJECT_STORE_SECRET_ACCESS_KEY"],
    );
}

pub(super) fn cloudflare(cx: &mut Ctx<'_>) {
    cx.field_env("api_token", &["CLOUDFLARE_API_TOKEN"]);
    cx.field_env("api_key", &["CLOUDFLARE_API_KEY"]);
    cx.field_env("email", &["CLOUDFLARE_EMAIL"]);
    cx.field_env("account_id", &["CLOUDFLARE_ACCOUNT_ID"]);
    // Deliberately not AWS_*: that would clobber an AWS connection injected into the same job.
    cx.field_env("r2_access_key_id", &["CLOUDFLARE_R2_ACCESS_KEY_ID"]);
    cx.field_env("r2_secret_access_key", &["CLOUDFLARE_R2_SECRET_ACCESS_KEY"]);
    if cx.get("r2_access_key_id").is_some() {
        match (cx.get("r2_endpoint"), cx.get("account_id")) {
            (Some(_), _) => cx.field_env("r2_endpoint", &["CLOUDFLARE_R2_ENDPOINT"]),
            (None, Some(account)) => {
                cx.plain("CLOUDFLARE_R2_ENDPOINT", r2_endpoint(account));
            }
            (None, None) => {}
        }
    }
}

fn r2_endpoint(account_id: &str) -> String {
    format!(
        "https://{}.r2.cloudflarestorage.com",
        account_id.to_ascii_lowercase()
    )
}

pub(super) fn cloudflare_r2(cx: &mut Ctx<'_>) -> Result {
    let account = cx.require("account_id")?;
    let endpoint = cx
        .get("endpoint_url")
        .map_or_else(|| r2_endpoint(account), str::to_owned);
    cx.field_env("account_id", &["CLOUDFLARE_ACCOUNT_ID"]);
    cx.field_env("api_token", &["CLOUDFLARE_API_TOKEN"]);
    // R2 speaks S3: the AWS CLI and SDKs reach it with these, and the service-specific
    // endpoint variable keeps other AWS services on their normal endpoints.
    cx.field_env("access_key_id", &["AWS_ACCESS_KEY_ID"]);
    cx.field_env("secret_access_key", &["AWS_SECRET_ACCESS_KEY"]);
    cx.plain("AWS_ENDPOINT_URL_S3", endpoint);
    cx.plain("AWS_REGION", "auto");
    cx.plain("AWS_DEFAULT_REGION", "auto");
    cx.field_env("bucket_name", &["LANYARD_R2_BUCKET"]);
    Ok(())
}

pub(super) fn kubernetes(cx: &mut Ctx<'_>) -> Result {
    const FILE: &str = "kubeconfig";
    // Runner mode: the in-cluster service account applies, nothing to write.
    let Some(raw) = cx.get("kubeconfig") else {
        return Ok(());
    };
    let config = document::kubeconfig(raw).map_err(|reason| MaterializeError::Decode {
        field: "kubeconfig",
        reason,
    })?;
    if config.user_secrets.is_empty() {
        // No secret recognized inside (an exec plugin, say): mask the whole document.
        cx.embedded_secret(raw);
        cx.file(FILE, "config", config.text.to_string());
    } else {
        for secret in &config.user_secrets {
            cx.embedded_multiline_secret(secret);
        }
        cx.structured_file(FILE, "config", config.text.to_string());
    }
    cx.file_path("KUBECONFIG", FILE);
    // Terraform's kubernetes and helm providers read their own variable, not KUBECONFIG.
    cx.file_path("KUBE_CONFIG_PATH", FILE);
    Ok(())
}
