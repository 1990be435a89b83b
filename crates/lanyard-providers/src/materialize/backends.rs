//! State backends: `PULUMI_BACKEND_URL` for Pulumi, a `-backend-config` file for Terraform and
//! OpenTofu (both read `TF_CLI_ARGS_init`).
//!
//! The backend's location goes into the URL or file; credentials never go into the backend file,
//! because Terraform copies `-backend-config` values into `.terraform/` and into saved plan
//! files. S3 backends get AWS credentials of their own: a shared-credentials file with one named
//! profile, which the backend file (Terraform) or URL (Pulumi) names. The job-wide `AWS_*`
//! variables stay free for an `aws` connection in the same job, so the AWS provider deploys as
//! the deployer while state is read and written as the state user.

use super::cloud::service_account;
use super::ctx::Ctx;
use super::encode::{hcl_string, query_value};
use super::MaterializeError;

type Result = std::result::Result<(), MaterializeError>;

pub(super) fn pulumi(cx: &mut Ctx<'_>) -> Result {
    let url = match cx.kind() {
        Some("http") => {
            cx.field_env("access_token", &["PULUMI_ACCESS_TOKEN"]);
            // Pulumi has no variable for the organization; exported for stack names in scripts.
            cx.field_env("pulumi_organization", &["LANYARD_PULUMI_ORGANIZATION"]);
            // A self-hosted Pulumi Cloud's private CA, for the pulumi CLI (Go).
            cx.ca_bundle_as("pulumi-ca-bundle", "SSL_CERT_FILE");
            cx.get("api_url")
                .unwrap_or("https://api.pulumi.com")
                .to_owned()
        }
        Some("s3") => {
            let bucket = cx.require("s3_bucket")?;
            let mut params = Vec::new();
            if let Some(region) = cx.get("region") {
                params.push(format!("region={}", query_value(region)));
            }
            if let Some(endpoint) = cx.get("endpoint") {
                params.push(format!("endpoint={}", query_value(endpoint)));
                // S3-compatible stores rarely support virtual-host addressing.
                params.push("s3ForcePathStyle=true".to_owned());
            }
            // The AWS SDK for Go under Pulumi's S3 backend reads AWS_CA_BUNDLE.
            cx.ca_bundle_as("pulumi-backend-ca-bundle", "AWS_CA_BUNDLE");
            if backend_profile(cx, "pulumi-backend-credentials") {
                params.push(format!("profile={PROFILE}"));
                cx.file_path("AWS_SHARED_CREDENTIALS_FILE", "pulumi-backend-credentials");
            }
            if params.is_empty() {
                format!("s3://{bucket}")
            } else {
                format!("s3://{bucket}?{}", params.join("&"))
            }
        }
        Some("gcs") => {
            let bucket = cx.require("gcs_bucket")?;
            if let Some(key) = service_account(cx, "service_account_key")? {
                const FILE: &str = "pulumi-gcs-credentials";
                cx.structured_file(FILE, "credentials.json", key.json.to_string());
                cx.file_path("GOOGLE_APPLICATION_CREDENTIALS", FILE);
            }
            format!("gs://{bucket}")
        }
        Some("azurerm") => {
            let container = cx.require("blob_storage_container")?;
            let account = cx.require("storage_account_name")?;
            cx.field_env("storage_account_name", &["AZURE_STORAGE_ACCOUNT"]);
            cx.field_env("storage_account_key", &["AZURE_STORAGE_KEY"]);
            format!(
                "azblob://{container}?storage_account={}",
                query_value(account)
            )
        }
        _ => return Err(MaterializeError::MissingValue { field: "kind" }),
    };
    cx.plain("PULUMI_BACKEND_URL", url);
    cx.field_env("secrets_passphrase", &["PULUMI_CONFIG_PASSPHRASE"]);
    Ok(())
}

/// Builds a `.tfbackend` file: one `name = value` line per setting.
struct BackendFile(String);

impl BackendFile {
    fn string(&mut self, name: &str, value: &str) {
        self.0
            .push_str(&format!("{name} = {}\n", hcl_string(value)));
    }

    /// Writes a field's value; a secret one is also registered to be masked on its own (the
    /// file as a whole is not masked: it holds bucket names and keys people need to see).
    fn field(&mut self, cx: &mut Ctx<'_>, name: &str, field: &str) {
        if let Some(value) = cx.get(field) {
            self.string(name, value);
            if cx.is_secret(field) {
                cx.embedded_secret(value);
            }
        }
    }

    fn flag(&mut self, cx: &Ctx<'_>, name: &str) {
        if let Some(value) = cx.get(name) {
            // Validated as exactly `true` or `false`, so it can be written bare.
            self.0.push_str(&format!("{name} = {value}\n"));
        }
    }
}

/// The profile an S3 state backend's own credentials are filed under.
const PROFILE: &str = "lanyard-state-backend";

/// Writes the backend's AWS keys, if it has any, as file `id`: a shared-credentials file whose
/// only profile is [`PROFILE`] (the keys registered to be masked, the rest readable). Returns
/// whether it did.
fn backend_profile(cx: &mut Ctx<'_>, id: &str) -> bool {
    let (Some(key_id), Some(secret)) =
        (cx.get("aws_access_key_id"), cx.get("aws_secret_access_key"))
    else {
        return false;
    };
    for field in ["aws_access_key_id", "aws_secret_access_key"] {
        if let Some(value) = cx.get(field).filter(|_| cx.is_secret(field)) {
            cx.embedded_secret(value);
        }
    }
    cx.structured_file(
        id,
        "credentials",
        format!("[{PROFILE}]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    );
    true
}

pub(super) fn terraform(cx: &mut Ctx<'_>) -> Result {
    const FILE: &str = "terraform-backend";
    let mut file = BackendFile(String::new());
    let mut names_paths = false;
    match cx.kind() {
        Some("s3") => {
            file.field(cx, "bucket", "bucket");
            file.field(cx, "key", "key");
            file.field(cx, "region", "region");
            file.field(cx, "dynamodb_table", "dynamodb_table");
            if let Some(endpoint) = cx.get("endpoint") {
                // Terraform 1.6+ and OpenTofu spell per-service endpoints as a map.
                file.0.push_str(&format!(
                    "endpoints = {{ s3 = {} }}\n",
                    hcl_string(endpoint)
                ));
            }
            file.field(cx, "kms_key_id", "kms_key_id");
            file.field(cx, "workspace_key_prefix", "workspace_key_prefix");
            if let Some(role) = cx.get("role_arn") {
                // Terraform 1.6+ and OpenTofu: a block, not the old top-level role_arn.
                file.0.push_str(&format!(
                    "assume_role = {{ role_arn = {} }}\n",
                    hcl_string(role)
                ));
            }
            for flag in [
                "skip_credentials_validation",
                "skip_region_validation",
                "skip_requesting_account_id",
                "skip_metadata_api_check",
                "use_path_style",
                "use_lockfile",
                "encrypt",
            ] {
                file.flag(cx, flag);
            }
            // An S3-compatible store behind a private CA: the backend's own setting, so an
            // aws connection in the same job keeps its AWS_CA_BUNDLE.
            const CA: &str = "terraform-backend-ca-bundle";
            if cx.ca_bundle_as(CA, "LANYARD_TF_BACKEND_CA_BUNDLE") {
                file.0.push_str(&format!(
                    "custom_ca_bundle = {}\n",
                    hcl_string(&super::path_placeholder(CA))
                ));
                names_paths = true;
            }
            const CREDENTIALS: &str = "terraform-backend-credentials";
            if backend_profile(cx, CREDENTIALS) {
                // The profile in the backend settings wins over AWS_* in the environment.
                file.string("profile", PROFILE);
                file.0.push_str(&format!(
                    "shared_credentials_files = [{}]\n",
                    hcl_string(&super::path_placeholder(CREDENTIALS))
                ));
                names_paths = true;
            }
        }
        Some("gcs") => {
            file.field(cx, "bucket", "gcs_bucket");
            file.field(cx, "prefix", "prefix");
            if let Some(key) = service_account(cx, "service_account_key")? {
                // The gcs backend's own variable, so the google provider's credentials (from a
                // gcp connection in the same job) stay untouched.
                cx.structured_secret("GOOGLE_BACKEND_CREDENTIALS", &key.json);
            }
        }
        Some("azurerm") => {
            file.field(cx, "resource_group_name", "resource_group_name");
            file.field(cx, "storage_account_name", "storage_account_name");
            file.field(cx, "container_name", "container_name");
            file.field(cx, "key", "key");
            cx.field_env("client_id", &["ARM_CLIENT_ID"]);
            cx.field_env("client_secret", &["ARM_CLIENT_SECRET"]);
            cx.field_env("tenant_id", &["ARM_TENANT_ID"]);
            cx.field_env("subscription_id", &["ARM_SUBSCRIPTION_ID"]);
        }
        _ => return Err(MaterializeError::MissingValue { field: "kind" }),
    }
    if names_paths {
        cx.path_template_file(FILE, "backend.tfbackend", file.0);
    } else {
        cx.structured_file(FILE, "backend.tfbackend", file.0);
    }
    cx.file_arg("TF_CLI_ARGS_init", "-backend-config=", FILE);
    cx.file_path("LANYARD_TF_BACKEND_CONFIG", FILE);
    Ok(())
}
