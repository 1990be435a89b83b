//! Shape checks for literal field values.
//!
//! A check answers "does this look like an AWS account id / a kubeconfig / ...", so that typos
//! are caught when a connection is created instead of in the middle of a deployment. Messages
//! describe the expected shape and never repeat the value: the value may be a secret.

pub(crate) mod cloud;
pub(crate) mod document;
pub(crate) mod text;

pub use cloud::{azure_authority, session_duration};

/// The shape a literal field value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Anything, including spaces (passwords, passphrases).
    Any,
    /// Anything that is not blank.
    NonEmpty,
    /// A single-line credential without spaces, at least `min_len` characters long.
    Token {
        /// The shortest acceptable length.
        min_len: u16,
    },
    /// A Lanyard slug: lowercase letters and digits joined by single hyphens.
    Slug,
    /// `true` or `false`.
    Bool,
    /// An email address.
    Email,
    /// A DNS host name without scheme or port.
    Hostname,
    /// An `http://` or `https://` URL.
    Url,
    /// An `https://` URL.
    HttpsUrl,
    /// A host name (optionally with a port) or an `http(s)://` URL.
    HostOrUrl,
    /// A registry: a host (optionally with a port) or an `http(s)://` URL. Plain `http://` to
    /// another machine also needs the provider's `insecure` opt-in (`Rule::CleartextNeeds`).
    RegistryUrl,
    /// A UUID in its hyphenated form (Azure tenant, client and subscription ids).
    Uuid,
    /// Base64 data (standard or URL-safe alphabet, padding optional, line breaks allowed).
    Base64,
    /// A PEM block such as a private key.
    Pem,
    /// One or more PEM certificates: a CA bundle.
    PemCertificates,
    /// A kubeconfig document, raw YAML or base64-encoded.
    Kubeconfig,
    /// A 12-digit AWS account id.
    AwsAccountId,
    /// An AWS access key id (`AKIA…`/`ASIA…`).
    AwsAccessKeyId,
    /// A 40-character AWS secret access key.
    AwsSecretAccessKey,
    /// An AWS region such as `us-east-1`.
    AwsRegion,
    /// An IAM role ARN.
    AwsRoleArn,
    /// An STS external id.
    AwsExternalId,
    /// An S3 (or S3-compatible) bucket name.
    S3Bucket,
    /// A region for an S3-compatible store (`us-east-1`, `auto` for R2, anything MinIO uses).
    S3Region,
    /// A Google service account JSON key, raw or base64-encoded.
    GcpServiceAccountJson,
    /// A Google Cloud project id.
    GcpProjectId,
    /// A workload identity pool provider's resource name,
    /// `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`.
    GcpWorkloadProvider,
    /// How long temporary AWS credentials last: `15m` to `12h` (`900s`, `90m`, `1h`...).
    SessionDuration,
    /// A Google Cloud region or multi-region (`us-central1`, `europe`).
    /// An Azure cloud as Terraform's azurerm names it: `public`, `usgovernment`, `china`.
    AzureCloud,
    GcpRegion,
    /// A Google Cloud zone: a region and a letter, e.g. `europe-west1-b`.
    GcpZone,
    /// A Cloud Storage bucket name.
    GcsBucket,
    /// An Artifact Registry repository id.
    GarRepository,
    /// An Azure storage account name.
    AzureStorageAccount,
    /// An Azure blob container name.
    AzureContainer,
    /// An Azure resource group name.
    AzureResourceGroup,
    /// A 32-character hex Cloudflare account id.
    CloudflareAccountId,
    /// A short region code such as DigitalOcean's `nyc3` or Civo's `LON1`.
    RegionCode,
    /// A GitHub user or organization login.
    GithubLogin,
    /// A GitHub token (fine-grained, classic, app installation or OAuth).
    GithubToken,
    /// `owner/repository` on GitHub.
    GithubRepository,
    /// A GitLab group id or full path.
    GitlabGroup,
    /// An npm scope such as `@acme`.
    NpmScope,
    /// A Maven server/repository id.
    MavenId,
    /// A Snowflake account identifier.
    SnowflakeAccount,
}

impl Format {
    /// Checks `value` against the format.
    ///
    /// The error describes the expected shape (with an example) and never contains the value.
    pub fn check(&self, value: &str) -> Result<(), String> {
        match self {
            Format::Any => Ok(()),
            Format::NonEmpty if value.trim().is_empty() => Err("must not be empty".to_owned()),
            Format::NonEmpty => Ok(()),
            // Documents may legitimately carry surrounding blank lines.
            Format::Base64 => document::check_base64(value),
            Format::Pem => document::check_pem(value),
            Format::PemCertificates => document::check_certificates(value),
            Format::Kubeconfig => document::check_kubeconfig(value),
            Format::GcpServiceAccountJson => document::check_service_account(value),
            single_line => {
                text::check_trimmed(value)?;
                single_line.check_single_line(value)
            }
        }
    }

    fn check_single_line(&self, v: &str) -> Result<(), String> {
        match *self {
            Format::Token { min_len } => text::token(v, min_len),
            Format::Slug => text::slug(v),
            Format::Bool => text::boolean(v),
            Format::Email => text::email(v),
            Format::Hostname => text::hostname_only(v),
            Format::Url => text::url(v, false),
            Format::HttpsUrl => text::url(v, true),
            Format::HostOrUrl => text::host_or_url(v),
            Format::RegistryUrl => text::registry_url(v),
            Format::Uuid => text::uuid(v),
            Format::AwsAccountId => cloud::aws_account_id(v),
            Format::AwsAccessKeyId => cloud::aws_access_key_id(v),
            Format::AwsSecretAccessKey => cloud::aws_secret_access_key(v),
            Format::AwsRegion => cloud::aws_region(v),
            Format::AwsRoleArn => cloud::aws_role_arn(v),
            Format::AwsExternalId => cloud::aws_external_id(v),
            Format::S3Bucket => cloud::s3_bucket(v),
            Format::S3Region => cloud::s3_region(v),
            Format::GcpProjectId => cloud::gcp_project_id(v),
            Format::GcpWorkloadProvider => cloud::gcp_workload_provider(v),
            Format::SessionDuration => cloud::session_duration(v).map(drop),
            Format::GcpRegion => cloud::gcp_region(v),
            Format::AzureCloud => cloud::azure_cloud(v).map(drop),
            Format::GcpZone => cloud::gcp_zone(v),
            Format::GcsBucket => cloud::gcs_bucket(v),
            Format::GarRepository => cloud::gar_repository(v),
            Format::AzureStorageAccount => cloud::azure_storage_account(v),
            Format::AzureContainer => cloud::azure_container(v),
            Format::AzureResourceGroup => cloud::azure_resource_group(v),
            Format::CloudflareAccountId => cloud::cloudflare_account_id(v),
            Format::RegionCode => cloud::region_code(v),
            Format::GithubLogin => cloud::github_login(v),
            Format::GithubToken => cloud::github_token(v),
            Format::GithubRepository => cloud::github_repository(v),
            Format::GitlabGroup => cloud::gitlab_group(v),
            Format::NpmScope => cloud::npm_scope(v),
            Format::MavenId => cloud::maven_id(v),
            Format::SnowflakeAccount => cloud::snowflake_account(v),
            Format::Any
            | Format::NonEmpty
            | Format::Base64
            | Format::Pem
            | Format::PemCertificates
            | Format::Kubeconfig
            | Format::GcpServiceAccountJson => Ok(()),
        }
    }
}

/// Shorthand for the checkers: a failed check with a fixed message.
fn fail(message: &str) -> Result<(), String> {
    Err(message.to_owned())
}

/// Succeeds when `ok`, otherwise fails with `message`.
fn ensure(ok: bool, message: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        fail(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_formats_reject_surrounding_whitespace() {
        let err = Format::AwsAccountId.check("123456789012\n").unwrap_err();
        assert!(err.contains("whitespace"), "{err}");
        assert!(Format::AwsAccountId.check("123456789012").is_ok());
    }

    #[test]
    fn any_accepts_everything_and_non_empty_rejects_blank() {
        assert!(Format::Any.check("").is_ok());
        assert!(Format::Any.check(" pass word ").is_ok());
        assert!(Format::NonEmpty.check("  ").is_err());
        assert!(Format::NonEmpty.check("x").is_ok());
    }

    #[test]
    fn gcp_zones_are_a_region_and_a_letter() {
        for good in ["europe-west1-b", "us-central1-a"] {
            assert!(Format::GcpZone.check(good).is_ok(), "{good}");
        }
        for bad in ["europe-west1", "us-b", "europe-west1-bb", "Europe-west1-b"] {
            assert!(Format::GcpZone.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn messages_never_echo_the_value() {
        let planted = "SECRET-PLANTED-VALUE-123";
        for format in [
            Format::Token { min_len: 100 },
            Format::Uuid,
            Format::AwsAccessKeyId,
            Format::GcpServiceAccountJson,
            Format::Kubeconfig,
            Format::Pem,
            Format::PemCertificates,
            Format::Email,
            Format::Url,
            Format::GithubToken,
        ] {
            let err = format.check(planted).unwrap_err();
            assert!(!err.contains(planted), "{format:?} echoed the value: {err}");
        }
    }
}
