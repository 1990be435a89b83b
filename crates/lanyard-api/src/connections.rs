//! Wire types for providers (the catalog) and connections.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::WireSecret;

/// A provider as the catalog describes it: what a connection to it needs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Provider {
    pub id: String,
    pub display_name: String,
    /// `infrastructure`, `devops-pipeline`, `infrastructure-as-code` or `managed-services`.
    pub category: String,
    pub category_name: String,
    pub description: String,
    /// `inline`, `runner`, `cross-account-trust`.
    pub auth_modes: Vec<String>,
    pub kinds: Vec<ProviderKind>,
    pub fields: Vec<ProviderField>,
}

/// A variant of a provider, e.g. the `ecr` kind of `container-registry`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ProviderKind {
    pub id: String,
    pub display_name: String,
}

/// One field of a provider's connections.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ProviderField {
    pub name: String,
    pub label: String,
    pub help: String,
    /// Secret fields are write-only and stored encrypted.
    pub secret: bool,
    /// Modes in which a secret field is a plain identifier instead (e.g. Azure's client id
    /// with a federated token).
    #[serde(default)]
    pub public_in: Vec<String>,
    /// The auth modes in which the field is required (empty: optional).
    pub required_in: Vec<String>,
    /// The kinds the field applies to (absent: all).
    pub kinds: Option<Vec<String>>,
    /// The auth modes the field is used in (absent: all).
    pub modes: Option<Vec<String>>,
    pub multiline: bool,
}

/// Where a field's value comes from, as sent: a value, or a reference by name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldInput {
    /// A literal value; for a secret field it becomes the secret `<connection>-<field>`.
    Value(WireSecret),
    /// The name of an organization secret.
    Secret(String),
    /// The name of an organization variable.
    Variable(String),
}

/// Where a stored field's value comes from, as shown: never a secret's value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldView {
    /// A non-secret literal.
    Value(String),
    /// An organization secret and its current version.
    Secret { name: String, version: i64 },
    /// An organization variable and its current value.
    Variable { name: String, value: String },
}

/// A connection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Connection {
    pub name: String,
    pub provider: String,
    pub kind: Option<String>,
    pub auth_mode: String,
    pub fields: BTreeMap<String, FieldView>,
    /// Cross-account trust waiting for its IAM role (`connection update NAME --field
    /// iam_role_arn=ARN` completes it); not usable until then.
    #[serde(default)]
    pub pending: bool,
    /// When it was last verified against its provider (RFC 3339), and the verdict
    /// (`ok`, `trusted`, `unchecked`; failing: `wrong_credentials`, `expired`,
    /// `missing_permission`, `not_found`, `unreachable`, `failed`).
    #[serde(default)]
    pub last_verified_at: Option<String>,
    #[serde(default)]
    pub verdict: Option<String>,
    /// What the last check said: who the credential belongs to, or what is wrong and how to
    /// fix it.
    #[serde(default)]
    pub verification_message: Option<String>,
    /// The last check failed: jobs using it will fail.
    #[serde(default)]
    pub failing: bool,
    /// What its jobs receive: `short-lived` (STS sessions, identity tokens), `long-lived` (the
    /// stored credentials as they are) or `runner identity`.
    #[serde(default)]
    pub credentials: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /orgs/{org}/connections/{name}/cross-account-setup`: start (or restart) the AWS
/// cross-account trust setup of connection `name`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CrossAccountSetupRequest {
    /// The 12-digit account the role is created in.
    pub account_id: String,
    #[serde(default)]
    pub region: Option<String>,
    /// The runner that assumes the role for jobs (default: the built-in one).
    #[serde(default)]
    pub runner: Option<String>,
    /// What the role may do (eks, ecs, vpc-networking, s3-storage, ...); empty: all.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// More principals to trust besides the server's own, e.g. an external runner's role.
    #[serde(default)]
    pub trusted_principals: Vec<String>,
    /// Where the template will be published (S3), for the console's Quick Create link.
    #[serde(default)]
    pub template_url: Option<String>,
}

/// The pending connection and its CloudFormation template. The external id appears here
/// (and in the template and link) once; afterwards it is a stored secret.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CrossAccountSetup {
    pub connection: Connection,
    pub external_id: WireSecret,
    pub trusted_principals: Vec<String>,
    pub role_name: String,
    /// CloudFormation JSON.
    pub template: WireSecret,
    /// The console's Quick Create link (or its create-stack page without `template_url`).
    pub console_link: WireSecret,
}

/// `POST /orgs/{org}/connections/{name}/test`: the outcome, also stored on the connection.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConnectionTestResult {
    pub ok: bool,
    pub verdict: String,
    /// The caller ARN the provider answered with.
    pub identity: Option<String>,
    pub message: Option<String>,
    pub last_verified_at: Option<String>,
}

/// `POST /orgs/{org}/connections`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreateConnection {
    pub name: String,
    pub provider: String,
    #[serde(default)]
    pub kind: Option<String>,
    /// Default: `inline`.
    #[serde(default)]
    pub auth_mode: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldInput>,
}

/// `PATCH /orgs/{org}/connections/{name}`: fields to set or remove; a new kind or mode.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct UpdateConnection {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub auth_mode: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldInput>,
    #[serde(default)]
    pub remove: Vec<String>,
}
