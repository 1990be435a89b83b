//! State backends: Terraform backend config files and Pulumi backend URLs.

use std::path::Path;

use lanyard_providers::{AuthMode, ResolvedFields};
use secrecy::ExposeSecret;

use super::{file_of, plain, run, secret};
use crate::fixtures::{cases, sa_key_base64, sa_key_json, AWS_KEY_ID, AWS_SECRET};

#[test]
fn terraform_s3_backend_file_and_credentials() {
    let cases = cases();
    let case = cases
        .iter()
        .find(|c| c.provider == "terraform-backend" && c.kind == Some("s3"))
        .unwrap();
    let values = case
        .resolved()
        .with("endpoint", "https://minio.internal:9000")
        .with("use_path_style", "true")
        .with("skip_credentials_validation", "true");
    let m = run("terraform-backend", Some("s3"), AuthMode::Inline, &values);
    let (name, hcl) = file_of(&m, "TF_CLI_ARGS_init");
    assert_eq!(name, "backend.tfbackend");
    assert_eq!(
        hcl,
        "bucket = \"acme-tf-state\"\nkey = \"network/terraform.tfstate\"\nregion = \"us-east-1\"\n\
         dynamodb_table = \"tf-locks\"\nendpoints = { s3 = \"https://minio.internal:9000\" }\n\
         skip_credentials_validation = true\nuse_path_style = true\n\
         profile = \"lanyard-state-backend\"\n\
         shared_credentials_files = [\"{{lanyard:path:terraform-backend-credentials}}\"]\n"
    );
    assert!(!hcl.contains(AWS_SECRET));
    // The backend's keys are its own profile, never the job-wide AWS_* an `aws` connection
    // in the same job owns.
    for taken in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"] {
        assert!(m.env_var(taken).is_none(), "{taken}");
    }
    let file = m.file("terraform-backend").unwrap();
    let written = m.render_file(file, Path::new("/job")).unwrap();
    assert!(written.expose_secret().contains(
        "shared_credentials_files = [\"/job/terraform-backend-credentials/credentials\"]"
    ));
    let credentials = m.file("terraform-backend-credentials").unwrap();
    assert_eq!(
        credentials.contents.expose_secret(),
        &format!(
            "[lanyard-state-backend]\naws_access_key_id = {AWS_KEY_ID}\n\
             aws_secret_access_key = {AWS_SECRET}\n"
        )
    );
    let rendered = m.render_env(Path::new("/job")).unwrap();
    let init = rendered
        .iter()
        .find(|(n, _)| n == "TF_CLI_ARGS_init")
        .unwrap()
        .1
        .expose_secret()
        .to_owned();
    assert_eq!(
        init,
        "-backend-config=/job/terraform-backend/backend.tfbackend"
    );

    // Native locking, encryption, workspaces and a role, as Terraform 1.10+ spells them.
    let more = case
        .resolved()
        .with("use_lockfile", "true")
        .with("encrypt", "true")
        .with("kms_key_id", "alias/tf-state")
        .with("workspace_key_prefix", "workspaces")
        .with("role_arn", "arn:aws:iam::123456789012:role/tf-state");
    let m = run("terraform-backend", Some("s3"), AuthMode::Inline, &more);
    let hcl = file_of(&m, "TF_CLI_ARGS_init").1;
    for line in [
        "kms_key_id = \"alias/tf-state\"\n",
        "workspace_key_prefix = \"workspaces\"\n",
        "assume_role = { role_arn = \"arn:aws:iam::123456789012:role/tf-state\" }\n",
        "use_lockfile = true\n",
        "encrypt = true\n",
    ] {
        assert!(hcl.contains(line), "{line} in {hcl}");
    }

    let runner = run(
        "terraform-backend",
        Some("s3"),
        AuthMode::Runner,
        &values.with("runner", "ops"),
    );
    assert!(runner.env_var("AWS_ACCESS_KEY_ID").is_none());
    assert!(file_of(&runner, "TF_CLI_ARGS_init")
        .1
        .contains("bucket = \"acme-tf-state\""));
}

#[test]
fn terraform_gcs_uses_the_backend_specific_variable() {
    let values = ResolvedFields::new()
        .with("gcs_bucket", "acme-tf-state")
        .with("service_account_key", sa_key_base64());
    let m = run("terraform-backend", Some("gcs"), AuthMode::Inline, &values);
    assert_eq!(
        secret(&m, "GOOGLE_BACKEND_CREDENTIALS"),
        sa_key_json().trim()
    );
    assert!(m.env_var("GOOGLE_CREDENTIALS").is_none());
    assert_eq!(
        file_of(&m, "LANYARD_TF_BACKEND_CONFIG").1,
        "bucket = \"acme-tf-state\"\n"
    );
}

#[test]
fn pulumi_backends() {
    let http = ResolvedFields::new()
        .with("pulumi_organization", "acme")
        .with(
            "access_token",
            "pul-0123456789abcdef0123456789abcdef01234567",
        );
    let m = run("pulumi-backend", Some("http"), AuthMode::Inline, &http);
    assert_eq!(plain(&m, "PULUMI_BACKEND_URL"), "https://api.pulumi.com");
    assert_eq!(
        secret(&m, "PULUMI_ACCESS_TOKEN"),
        "pul-0123456789abcdef0123456789abcdef01234567"
    );
    assert!(m.env_var("PULUMI_CONFIG_PASSPHRASE").is_none());

    let s3 = ResolvedFields::new()
        .with("s3_bucket", "state")
        .with("region", "auto")
        .with("endpoint", "https://abc.r2.cloudflarestorage.com")
        .with("aws_access_key_id", "r2key0123456789")
        .with("aws_secret_access_key", "r2secret0123456789")
        .with("secrets_passphrase", "correct horse");
    let m = run("pulumi-backend", Some("s3"), AuthMode::Inline, &s3);
    assert_eq!(
        plain(&m, "PULUMI_BACKEND_URL"),
        "s3://state?region=auto&endpoint=https%3A%2F%2Fabc.r2.cloudflarestorage.com&s3ForcePathStyle=true\
         &profile=lanyard-state-backend"
    );
    assert!(m.env_var("AWS_ACCESS_KEY_ID").is_none());
    let (name, credentials) = file_of(&m, "AWS_SHARED_CREDENTIALS_FILE");
    assert_eq!(name, "credentials");
    assert!(credentials.starts_with("[lanyard-state-backend]\n"));
    assert!(credentials.contains("aws_secret_access_key = r2secret0123456789\n"));
    assert_eq!(secret(&m, "PULUMI_CONFIG_PASSPHRASE"), "correct horse");

    let azure = ResolvedFields::new()
        .with("blob_storage_container", "state")
        .with("storage_account_name", "acmestate")
        .with("storage_account_key", "a2V5")
        .with("secrets_passphrase", "pp");
    let m = run("pulumi-backend", Some("azurerm"), AuthMode::Inline, &azure);
    assert_eq!(
        plain(&m, "PULUMI_BACKEND_URL"),
        "azblob://state?storage_account=acmestate"
    );
    assert_eq!(secret(&m, "AZURE_STORAGE_KEY"), "a2V5");
}
