//! Request and response bodies, one group per resource.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::WireSecret;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for a person (`message`) and for a program (`code`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code: `unauthenticated`, `forbidden`, `not_found`,
    /// `conflict`, `invalid`, `unavailable`, `internal`.
    pub code: String,
    /// A one-line explanation that says how to fix the problem.
    pub message: String,
}

/// A list of items; a wrapper so lists can gain paging fields without breaking clients.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// An organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Organization {
    pub name: String,
    pub created_at: String,
    /// Default wall-clock limit of its jobs in seconds; `None`: the runner's default.
    #[serde(default)]
    pub job_timeout_secs: Option<u64>,
    /// The most a directory uploaded for a job (`lanyard run --dir`) may hold.
    #[serde(default)]
    pub upload_limits: Option<UploadLimits>,
}

/// Limits of a directory uploaded for a job; also the body of `PUT /orgs/{org}/upload-limits`,
/// where a `null` restores the server's default.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct UploadLimits {
    /// Bytes of file content.
    pub max_bytes: Option<u64>,
    /// Files, directories and symlinks.
    pub max_files: Option<u64>,
}

/// `PUT /orgs/{org}/job-timeout`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SetJobTimeout {
    /// Seconds (1 to 7 days); `null` clears the default.
    pub seconds: Option<u64>,
}

/// `PUT /orgs/{org}/check-interval`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SetCheckInterval {
    /// Seconds between scheduled checks of each connection (at least 1); `null`: daily.
    pub seconds: Option<u64>,
}

/// `POST /orgs`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateOrganization {
    /// Lowercase letters, digits and hyphens, starting with a letter.
    pub name: String,
}

/// The new organization and its first admin token, shown only in this response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedOrganization {
    pub organization: Organization,
    pub admin_token: CreatedToken,
}

/// An environment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub created_at: String,
}

/// `POST /orgs/{org}/environments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateEnvironment {
    /// Lowercase letters, digits and hyphens, starting with a letter.
    pub name: String,
}

/// A token role.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Admin,
    Deployer,
    Viewer,
}

/// An API token's metadata; the token itself is never stored, so it is never listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Token {
    pub id: String,
    pub role: RoleName,
    /// For deployers limited to some environments; empty means all.
    pub environments: Vec<String>,
    pub description: String,
    pub created_at: String,
}

/// `POST /orgs/{org}/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateToken {
    pub role: RoleName,
    /// Limit a deployer token to these environments.
    #[serde(default)]
    pub environments: Vec<String>,
    #[serde(default)]
    pub description: String,
}

/// A newly issued token: its metadata and, this once, the token itself.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: Token,
    /// The bearer token. Shown once; store it now.
    pub secret: WireSecret,
}

/// `GET /whoami`: the caller's token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    pub organization: String,
    pub token_id: String,
    pub role: RoleName,
    pub environments: Vec<String>,
}

/// A secret's metadata. Its value is write-only: no response ever carries it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Secret {
    pub name: String,
    /// The current version; every set makes a new one.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Connections whose fields reference this secret.
    #[serde(default)]
    pub used_by: Vec<String>,
}

/// `PUT /orgs/{org}/secrets/{name}`: a new value (a new version).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SetSecret {
    pub value: WireSecret,
}

/// One version of a secret: when, by which token, under which key. Never the value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SecretVersion {
    pub version: i64,
    pub created_at: String,
    /// The id of the token that wrote it.
    pub created_by: String,
    /// That token's description and role, e.g. `CI for prod (deployer)`.
    #[serde(default)]
    pub created_by_label: Option<String>,
    /// The id of the master key that wraps it.
    pub key_id: String,
}

/// A plain organization-level value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub value: String,
    pub updated_at: String,
}

/// `PUT /orgs/{org}/variables/{name}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetVariable {
    pub value: String,
}

/// What deleting something would remove besides it (defaults, authorizations, usage, pinned
/// connections; for an organization, everything in it), one phrase each.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct DeletionImpact {
    pub removes: Vec<String>,
}
