//! Infrastructure-as-code state backends for Pulumi and Terraform/OpenTofu.
//!
//! The reference also has a `platform_backend` type managed by its vendor; Lanyard has no
//! hosted storage, so only self-managed kinds exist. In runner mode the runner's own cloud
//! identity reaches the bucket, and only the bucket's location is materialized.

use super::{CA_BUNDLE, INLINE, INLINE_AND_RUNNER, RUNNER};
use crate::format::Format;
use crate::mode::Category;
use crate::spec::{FieldSpec, KindSpec, ProviderSpec};

const S3: KindSpec = KindSpec {
    id: "s3",
    display_name: "Amazon S3 (or S3-compatible)",
};
const GCS: KindSpec = KindSpec {
    id: "gcs",
    display_name: "Google Cloud Storage",
};
const AZURERM: KindSpec = KindSpec {
    id: "azurerm",
    display_name: "Azure Blob Storage",
};

const fn s3_key_id(kinds: &'static [&'static str]) -> FieldSpec {
    FieldSpec::new(
        "aws_access_key_id",
        "Access key ID",
        "Access key id allowed to read and write the state bucket (for R2 or MinIO, their S3 key \
         id).",
    )
    .for_kinds(kinds)
    .secret()
    .required_in(INLINE)
    .only_in(INLINE)
    .checked(Format::Token { min_len: 3 })
}

const fn s3_secret(kinds: &'static [&'static str]) -> FieldSpec {
    FieldSpec::new(
        "aws_secret_access_key",
        "Secret access key",
        "The secret for that access key id.",
    )
    .for_kinds(kinds)
    .secret()
    .required_in(INLINE)
    .only_in(INLINE)
    .checked(Format::Token { min_len: 8 })
}

const fn gcs_bucket(kinds: &'static [&'static str]) -> FieldSpec {
    FieldSpec::new(
        "gcs_bucket",
        "Bucket",
        "The Cloud Storage bucket that holds state.",
    )
    .for_kinds(kinds)
    .required()
    .checked(Format::GcsBucket)
}

const fn gcs_key(kinds: &'static [&'static str]) -> FieldSpec {
    FieldSpec::new(
        "service_account_key",
        "Service account key",
        "JSON key of a service account with Storage Object Admin on the bucket, raw or \
         base64-encoded.",
    )
    .for_kinds(kinds)
    .secret()
    .required_in(INLINE)
    .only_in(INLINE)
    .checked(Format::GcpServiceAccountJson)
    .multiline()
}

const fn storage_account(kinds: &'static [&'static str]) -> FieldSpec {
    FieldSpec::new(
        "storage_account_name",
        "Storage account",
        "The storage account that holds state.",
    )
    .for_kinds(kinds)
    .required()
    .checked(Format::AzureStorageAccount)
}

pub(super) const PULUMI_BACKEND: ProviderSpec = ProviderSpec {
    id: "pulumi-backend",
    display_name: "Pulumi Backend",
    category: Category::InfrastructureAsCode,
    description: "Where Pulumi keeps stack state: Pulumi Cloud, or a bucket you own.",
    auth_modes: INLINE_AND_RUNNER,
    kinds: &[
        KindSpec {
            id: "http",
            display_name: "Pulumi Cloud",
        },
        S3,
        GCS,
        AZURERM,
    ],
    fields: &[
        FieldSpec::new(
            "api_url",
            "API URL",
            "The Pulumi Cloud API; defaults to https://api.pulumi.com (set it for self-hosted \
             Pulumi).",
        )
        .for_kinds(&["http"])
        .checked(Format::HttpsUrl),
        FieldSpec::new(
            "pulumi_organization",
            "Organization",
            "The Pulumi Cloud organization stacks belong to.",
        )
        .for_kinds(&["http"])
        .required()
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "access_token",
            "Access token",
            "A Pulumi Cloud access token (pul-…), preferably an organization or team token.",
        )
        .for_kinds(&["http"])
        .secret()
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::Token { min_len: 20 }),
        FieldSpec::new(
            "s3_bucket",
            "Bucket",
            "The S3 (or R2/MinIO) bucket that holds state.",
        )
        .for_kinds(&["s3"])
        .required()
        .checked(Format::S3Bucket),
        s3_key_id(&["s3"]),
        s3_secret(&["s3"]),
        FieldSpec::new(
            "endpoint",
            "Endpoint",
            "Endpoint of an S3-compatible store, e.g. https://<account>.r2.cloudflarestorage.com. \
             Leave empty for AWS.",
        )
        .for_kinds(&["s3"])
        .checked(Format::Url),
        FieldSpec::new(
            "region",
            "Region",
            "The bucket's region, e.g. us-east-1 (auto for R2).",
        )
        .for_kinds(&["s3"])
        .checked(Format::S3Region),
        // Self-hosted Pulumi Cloud, or an S3-compatible store, behind a private CA.
        CA_BUNDLE.for_kinds(&["http", "s3"]),
        gcs_bucket(&["gcs"]),
        gcs_key(&["gcs"]),
        FieldSpec::new(
            "blob_storage_container",
            "Container",
            "The blob container that holds state.",
        )
        .for_kinds(&["azurerm"])
        .required()
        .checked(Format::AzureContainer),
        storage_account(&["azurerm"]),
        FieldSpec::new(
            "storage_account_key",
            "Storage account key",
            "An access key of the storage account (Security + networking > Access keys).",
        )
        .for_kinds(&["azurerm"])
        .secret()
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::Base64),
        FieldSpec::new(
            "secrets_passphrase",
            "Secrets passphrase",
            "The passphrase that encrypts stack secrets in a self-managed backend. Never change \
             it once stacks exist. In runner mode the runner supplies PULUMI_CONFIG_PASSPHRASE.",
        )
        .for_kinds(&["s3", "gcs", "azurerm"])
        .secret()
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::NonEmpty),
        RUNNER,
    ],
    rules: &[],
};

const S3_ONLY: &[&str] = &["s3"];

const fn s3_flag(name: &'static str, label: &'static str, help: &'static str) -> FieldSpec {
    FieldSpec::new(name, label, help)
        .for_kinds(S3_ONLY)
        .checked(Format::Bool)
}

pub(super) const TERRAFORM_BACKEND: ProviderSpec = ProviderSpec {
    id: "terraform-backend",
    display_name: "Terraform Backend",
    category: Category::InfrastructureAsCode,
    description: "Where Terraform or OpenTofu keeps state: a bucket you own.",
    auth_modes: INLINE_AND_RUNNER,
    kinds: &[S3, GCS, AZURERM],
    fields: &[
        FieldSpec::new(
            "bucket",
            "Bucket",
            "The S3 (or R2/MinIO) bucket that holds state.",
        )
        .for_kinds(S3_ONLY)
        .required()
        .checked(Format::S3Bucket),
        FieldSpec::new(
            "region",
            "Region",
            "The bucket's region, e.g. us-east-1 (auto for R2).",
        )
        .for_kinds(S3_ONLY)
        .required()
        .checked(Format::S3Region),
        s3_key_id(S3_ONLY),
        s3_secret(S3_ONLY),
        FieldSpec::new(
            "dynamodb_table",
            "Lock table",
            "A DynamoDB table for state locking. Optional; newer Terraform can lock with \
             use_lockfile instead.",
        )
        .for_kinds(S3_ONLY)
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "endpoint",
            "Endpoint",
            "Endpoint of an S3-compatible store (R2, MinIO). Leave empty for AWS.",
        )
        .for_kinds(S3_ONLY)
        .checked(Format::Url),
        s3_flag(
            "skip_credentials_validation",
            "Skip credentials validation",
            "true for S3-compatible stores without STS.",
        ),
        s3_flag(
            "skip_region_validation",
            "Skip region validation",
            "true when the region is not an AWS region (auto, MinIO regions).",
        ),
        s3_flag(
            "skip_requesting_account_id",
            "Skip requesting account id",
            "true for S3-compatible stores without IAM.",
        ),
        s3_flag(
            "skip_metadata_api_check",
            "Skip metadata API check",
            "true to stop Terraform from probing the EC2 metadata service.",
        ),
        // Not in the reference, but MinIO and other S3-compatible stores need it.
        s3_flag(
            "use_path_style",
            "Path-style addressing",
            "true for MinIO and similar stores.",
        ),
        s3_flag(
            "use_lockfile",
            "Lock file",
            "true to lock state with a lock file in the bucket (Terraform 1.10+), instead of \
             or beside a DynamoDB table.",
        ),
        s3_flag(
            "encrypt",
            "Encrypt",
            "true to encrypt the state object server-side.",
        ),
        FieldSpec::new(
            "kms_key_id",
            "KMS key",
            "The KMS key (id, ARN or alias) that encrypts the state object. Optional.",
        )
        .for_kinds(S3_ONLY)
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "workspace_key_prefix",
            "Workspace key prefix",
            "Prefix of the state keys of non-default workspaces (default env:). Optional.",
        )
        .for_kinds(S3_ONLY)
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "role_arn",
            "Role to assume",
            "An IAM role the backend assumes with the connection's keys (assume_role). Optional.",
        )
        .for_kinds(S3_ONLY)
        .checked(Format::AwsRoleArn),
        CA_BUNDLE.for_kinds(S3_ONLY),
        gcs_bucket(&["gcs"]),
        gcs_key(&["gcs"]),
        FieldSpec::new(
            "resource_group_name",
            "Resource group",
            "The resource group of the storage account.",
        )
        .for_kinds(&["azurerm"])
        .required()
        .checked(Format::AzureResourceGroup),
        storage_account(&["azurerm"]),
        FieldSpec::new(
            "container_name",
            "Container",
            "The blob container that holds state.",
        )
        .for_kinds(&["azurerm"])
        .required()
        .checked(Format::AzureContainer),
        // Required inline as in the reference; optional in runner mode, where only a
        // user-assigned managed identity needs it.
        FieldSpec::new(
            "client_id",
            "Client ID",
            "Application id of the service principal.",
        )
        .for_kinds(&["azurerm"])
        .required_in(INLINE)
        .checked(Format::Uuid),
        FieldSpec::new(
            "client_secret",
            "Client secret",
            "A client secret of that service principal.",
        )
        .for_kinds(&["azurerm"])
        .secret()
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::NonEmpty),
        FieldSpec::new("tenant_id", "Tenant ID", "The Microsoft Entra tenant id.")
            .for_kinds(&["azurerm"])
            .required()
            .checked(Format::Uuid),
        FieldSpec::new(
            "subscription_id",
            "Subscription ID",
            "The subscription of the storage account.",
        )
        .for_kinds(&["azurerm"])
        .required()
        .checked(Format::Uuid),
        // Not in the reference (its engine computes the state path per stack). Usually set in
        // the backend block of the code; here for setups that keep it out of the code.
        FieldSpec::new(
            "key",
            "State key",
            "Path of the state object, e.g. network/terraform.tfstate. Optional; usually set in \
             the backend block.",
        )
        .for_kinds(&["s3", "azurerm"])
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "prefix",
            "State prefix",
            "Prefix of state objects in the bucket. Optional; usually set in the backend block.",
        )
        .for_kinds(&["gcs"])
        .checked(Format::NonEmpty),
        RUNNER,
    ],
    rules: &[],
};
