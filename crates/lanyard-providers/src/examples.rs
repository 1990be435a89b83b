//! Example connections: a valid inline field set for every provider and kind, with one required
//! field and one malformed value each. Tests across the workspace use them to connect every
//! provider, and they document what a real field set looks like. All values are fakes.

use crate::{FieldInputs, ResolvedFields};

pub const AWS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const PRIVATE_KEY_BODY: &str =
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";

/// A service account key with a fake private key; only its shape matters here.
pub fn sa_key_json() -> String {
    format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo-project-1\",\n  \
         \"private_key_id\": \"0123456789abcdef0123456789abcdef01234567\",\n  \
         \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{PRIVATE_KEY_BODY}\\n-----END PRIVATE KEY-----\\n\",\n  \
         \"client_email\": \"deployer@demo-project-1.iam.gserviceaccount.com\",\n  \
         \"client_id\": \"123456789012345678901\"\n}}\n"
    )
}

pub fn sa_key_base64() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(sa_key_json())
}

pub const KUBE_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImxhbnlhcmQifQ.planted";

pub fn kubeconfig() -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: \
         https://203.0.113.10:6443\n    certificate-authority-data: LS0tLS1CRUdJTg==\n\
         contexts:\n- name: prod\n  context:\n    cluster: prod\n    user: deployer\n\
         current-context: prod\nusers:\n- name: deployer\n  user:\n    token: {KUBE_TOKEN}\n"
    )
}

pub const PEM_KEY: &str = "-----BEGIN PRIVATE KEY-----\n\
    MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n\
    -----END PRIVATE KEY-----\n";

/// One provider (and kind) with a valid inline field set.
pub struct Case {
    pub provider: &'static str,
    pub kind: Option<&'static str>,
    pub fields: Vec<(&'static str, String)>,
    /// A field that is required inline; removing it must be reported.
    pub required: &'static str,
    /// A field and a value of the wrong shape for it.
    pub malformed: (&'static str, &'static str),
}

impl Case {
    pub fn label(&self) -> String {
        match self.kind {
            Some(kind) => format!("{}/{kind}", self.provider),
            None => self.provider.to_owned(),
        }
    }

    pub fn inputs(&self) -> FieldInputs {
        self.fields.iter().fold(FieldInputs::new(), |acc, (k, v)| {
            acc.with_literal(*k, v.clone())
        })
    }

    pub fn resolved(&self) -> ResolvedFields {
        self.fields
            .iter()
            .fold(ResolvedFields::new(), |acc, (k, v)| acc.with(*k, v.clone()))
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn case(
    provider: &'static str,
    kind: Option<&'static str>,
    fields: &[(&'static str, &str)],
    required: &'static str,
    malformed: (&'static str, &'static str),
) -> Case {
    Case {
        provider,
        kind,
        fields: fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        required,
        malformed,
    }
}

const TENANT: &str = "6f1c2a3b-0000-4def-8abc-0123456789ab";
const CLIENT: &str = "0a1b2c3d-1111-4222-8333-444455556666";
const SUBSCRIPTION: &str = "9e8d7c6b-5a49-4382-9100-aabbccddeeff";
const GH_TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const CF_ACCOUNT: &str = "0123456789abcdef0123456789abcdef";

pub fn cases() -> Vec<Case> {
    let sa = sa_key_json();
    let sa64 = sa_key_base64();
    let kube = kubeconfig();
    let gar = |provider, sa: &str| {
        case(
            provider,
            Some("gar"),
            &[
                ("gcp_project_id", "demo-project-1"),
                ("gcp_region", "us-central1"),
                ("gcp_artifact_registry_repo_name", "builds"),
                ("service_account_key", sa),
            ],
            "gcp_artifact_registry_repo_name",
            ("gcp_region", "Central US"),
        )
    };
    let jfrog = |provider| {
        case(
            provider,
            Some("jfrog"),
            &[
                ("server_url", "https://acme.jfrog.io/artifactory"),
                ("repo_key", "libs-release"),
                ("username", "ci-bot"),
                ("access_token", "cmVmdGtuOjAxOjE3MDAwMDAwMDA6planted"),
            ],
            "access_token",
            ("server_url", "jfrog.acme.internal"),
        )
    };
    let ghp = |provider| {
        case(
            provider,
            Some("github-packages"),
            &[
                ("github_username", "octo-cat"),
                ("personal_access_token", GH_TOKEN),
            ],
            "personal_access_token",
            ("github_username", "-octo"),
        )
    };
    vec![
        case(
            "aws",
            None,
            &[
                ("account_id", "123456789012"),
                ("region", "eu-west-1"),
                ("access_key_id", AWS_KEY_ID),
                ("secret_access_key", AWS_SECRET),
            ],
            "secret_access_key",
            ("account_id", "12-34"),
        ),
        case(
            "gcp",
            None,
            &[("service_account_key", &sa64)],
            "service_account_key",
            ("service_account_key", "{\"type\": \"authorized_user\"}"),
        ),
        case(
            "azure",
            None,
            &[
                ("client_id", CLIENT),
                ("client_secret", "planted~azure~client~secret"),
                ("tenant_id", TENANT),
                ("subscription_id", SUBSCRIPTION),
            ],
            "subscription_id",
            ("tenant_id", "contoso.onmicrosoft.com"),
        ),
        case(
            "digitalocean",
            None,
            &[
                (
                    "api_token",
                    "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef",
                ),
                ("default_region", "nyc3"),
            ],
            "default_region",
            ("default_region", "New York 3"),
        ),
        case(
            "civo",
            None,
            &[
                ("api_token", "civo0123456789abcdefPLANTED"),
                ("default_region", "LON1"),
            ],
            "api_token",
            ("default_region", "london"),
        ),
        case(
            "cloudflare",
            None,
            &[
                ("api_token", "cf-token-0123456789abcdefPLANTED"),
                ("account_id", CF_ACCOUNT),
            ],
            "api_token",
            ("account_id", "not-hex"),
        ),
        case(
            "kubernetes",
            None,
            &[("kubeconfig", &kube)],
            "kubeconfig",
            ("kubeconfig", "server: https://x"),
        ),
        case(
            "github",
            None,
            &[("token", GH_TOKEN), ("owner", "acme")],
            "token",
            ("token", "password123"),
        ),
        case(
            "gitlab",
            None,
            &[
                ("host", "https://gitlab.example.com"),
                ("group_id", "acme/platform"),
                ("access_token", "glpat-0123456789abcdefPLANTED"),
            ],
            "group_id",
            ("host", "gitlab.acme.internal"),
        ),
        gar("container-registry", &sa),
        case(
            "container-registry",
            Some("ecr"),
            &[
                ("account_id", "123456789012"),
                ("region", "us-east-1"),
                ("access_key_id", AWS_KEY_ID),
                ("secret_access_key", AWS_SECRET),
            ],
            "region",
            ("access_key_id", "AKIA-short"),
        ),
        case(
            "container-registry",
            Some("acr"),
            &[
                ("login_server_url", "acme.azurecr.io"),
                ("tenant_id", TENANT),
                ("client_id", CLIENT),
                ("client_secret", "planted~acr~secret"),
            ],
            "client_secret",
            ("client_id", "acme-sp"),
        ),
        jfrog("container-registry"),
        case(
            "container-registry",
            Some("ghcr"),
            &[
                ("github_username", "Octo-Cat"),
                ("personal_access_token", GH_TOKEN),
            ],
            "github_username",
            ("personal_access_token", "hunter2"),
        ),
        case(
            "container-registry",
            Some("generic"),
            &[
                ("registry_url", "https://registry.example.com:5000"),
                ("registry_username", "robot$ci"),
                ("registry_password", "registry-password-0123456789"),
            ],
            "registry_password",
            ("registry_url", "ftp://registry.example.com"),
        ),
        gar("npm", &sa64),
        jfrog("npm"),
        ghp("npm"),
        case(
            "npm",
            Some("generic"),
            &[
                ("registry_url", "https://npm.example.com/"),
                ("token", "npm_0123456789abcdefPLANTEDtoken0123"),
            ],
            "token",
            ("registry_url", "ftp://npm.example.com/"),
        ),
        gar("maven", &sa),
        jfrog("maven"),
        ghp("maven"),
        case(
            "maven",
            Some("generic"),
            &[
                (
                    "repository_url",
                    "https://nexus.example.com/repository/maven-releases/",
                ),
                ("repository_username", "ci"),
                ("repository_password", "nexus-password-PLANTED-0123456789"),
            ],
            "repository_password",
            (
                "repository_url",
                "ftp://nexus.example.com/repository/maven-releases/",
            ),
        ),
        case(
            "cloudflare-r2",
            None,
            &[
                ("bucket_name", "worker-bundles"),
                ("account_id", CF_ACCOUNT),
                ("access_key_id", "r2keyid0123456789abcdef0123456789"),
                (
                    "secret_access_key",
                    "r2secret0123456789abcdef0123456789abcdef0123456789abcdefPLANTED",
                ),
            ],
            "bucket_name",
            ("account_id", "12345"),
        ),
        case(
            "pulumi-backend",
            Some("http"),
            &[
                ("pulumi_organization", "acme"),
                (
                    "access_token",
                    "pul-0123456789abcdef0123456789abcdef01234567",
                ),
            ],
            "access_token",
            ("api_url", "http://api.pulumi.com"),
        ),
        case(
            "pulumi-backend",
            Some("s3"),
            &[
                ("s3_bucket", "acme-pulumi-state"),
                ("region", "us-east-1"),
                ("aws_access_key_id", AWS_KEY_ID),
                ("aws_secret_access_key", AWS_SECRET),
                ("secrets_passphrase", "correct horse battery staple"),
            ],
            "secrets_passphrase",
            ("s3_bucket", "Acme_State"),
        ),
        case(
            "pulumi-backend",
            Some("gcs"),
            &[
                ("gcs_bucket", "acme-pulumi-state"),
                ("service_account_key", &sa),
                ("secrets_passphrase", "correct horse battery staple"),
            ],
            "gcs_bucket",
            ("service_account_key", "e30="),
        ),
        case(
            "pulumi-backend",
            Some("azurerm"),
            &[
                ("blob_storage_container", "pulumi-state"),
                ("storage_account_name", "acmestate"),
                (
                    "storage_account_key",
                    "c3RvcmFnZS1hY2NvdW50LWtleS1wbGFudGVkLXZhbHVlLTAxMjM0NTY3ODk=",
                ),
                ("secrets_passphrase", "correct horse battery staple"),
            ],
            "storage_account_key",
            ("storage_account_name", "Acme-State"),
        ),
        case(
            "terraform-backend",
            Some("s3"),
            &[
                ("bucket", "acme-tf-state"),
                ("key", "network/terraform.tfstate"),
                ("region", "us-east-1"),
                ("dynamodb_table", "tf-locks"),
                ("aws_access_key_id", AWS_KEY_ID),
                ("aws_secret_access_key", AWS_SECRET),
            ],
            "region",
            ("skip_region_validation", "yes"),
        ),
        case(
            "terraform-backend",
            Some("gcs"),
            &[
                ("gcs_bucket", "acme-tf-state"),
                ("prefix", "network"),
                ("service_account_key", &sa64),
            ],
            "service_account_key",
            ("gcs_bucket", "x!"),
        ),
        case(
            "terraform-backend",
            Some("azurerm"),
            &[
                ("resource_group_name", "rg-state"),
                ("storage_account_name", "acmetfstate"),
                ("container_name", "tfstate"),
                ("client_id", CLIENT),
                ("client_secret", "planted~tf~azure~secret"),
                ("tenant_id", TENANT),
                ("subscription_id", SUBSCRIPTION),
            ],
            "container_name",
            ("tenant_id", "tenant-x"),
        ),
        case(
            "auth0",
            None,
            &[
                ("domain", "acme.eu.auth0.com"),
                ("client_id", "AbCdEfGhIjKlMnOpQrStUvWxYz012345"),
                ("client_secret", "auth0-client-secret-PLANTED-0123456789"),
            ],
            "domain",
            ("domain", "https://acme.eu.auth0.com"),
        ),
        case(
            "openfga",
            None,
            &[
                ("api_url", "https://api.us1.fga.dev"),
                ("store_id", "01HVMMBCMGZNT3SED4Z17ECXCA"),
                ("api_token", "fga-preshared-key-PLANTED"),
            ],
            "api_url",
            ("api_url", "fga.internal:8080"),
        ),
        case(
            "mongodb-atlas",
            None,
            &[
                ("public_key", "abcdefgh"),
                ("private_key", "11111111-2222-4333-8444-555566667777"),
            ],
            "private_key",
            ("private_key", "not-a-uuid"),
        ),
        case(
            "snowflake",
            None,
            &[
                ("account", "acme-analytics"),
                ("username", "TERRAFORM_SVC"),
                ("password", "snowflake-password-PLANTED"),
                ("role", "SYSADMIN"),
            ],
            "username",
            ("account", "acme.snowflakecomputing.com"),
        ),
        case(
            "confluent",
            None,
            &[
                ("api_key", "ABCDEFGHIJKLMNOP"),
                ("api_secret", "confluent-secret-PLANTED-0123456789abcdef"),
            ],
            "api_secret",
            ("api_key", "has spaces in it"),
        ),
    ]
}
