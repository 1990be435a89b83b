//! Rows as the store hands them in and out: plain values, no secrets (only hashes).

use lanyard_domain::{Role, Slug, Timestamp};

/// A stored organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: String,
    pub slug: Slug,
    pub created_at: Timestamp,
    /// Default wall-clock limit of its jobs, in seconds.
    pub job_timeout_secs: Option<i64>,
    /// Limits of directories uploaded for its jobs; `None`: the server's defaults.
    pub upload_max_bytes: Option<i64>,
    pub upload_max_files: Option<i64>,
}

/// An organization to create.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub id: String,
    pub slug: Slug,
    pub created_at: Timestamp,
}

/// A stored environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentRecord {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    pub created_at: Timestamp,
}

/// An environment to create.
#[derive(Debug, Clone)]
pub struct NewEnvironment {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    pub created_at: Timestamp,
}

/// A stored API token: its hash and what it may do, never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: String,
    pub org_id: String,
    pub org: Slug,
    /// SHA-256 of the token, lowercase hex.
    pub hash_hex: String,
    pub role: Role,
    pub environments: Vec<Slug>,
    pub description: String,
    pub created_at: Timestamp,
    /// The instance administrator's token (the first start's): it alone creates and deletes
    /// organizations.
    pub instance_admin: bool,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub org_id: String,
    pub hash_hex: String,
    pub role: Role,
    pub environments: Vec<Slug>,
    pub description: String,
    pub created_at: Timestamp,
    pub instance_admin: bool,
}

/// What a first start writes, all at once.
#[derive(Debug, Clone)]
pub struct BootstrapRecord {
    /// Installation facts, e.g. the master key check value.
    pub meta: Vec<(String, String)>,
    pub org: NewOrg,
    pub admin: NewToken,
}
