//! Records for what an organization keeps: secrets (sealed, versioned), variables and connections.

use std::collections::BTreeMap;

use lanyard_crypto::SealedBlob;
use lanyard_domain::{Slug, Timestamp};

/// A secret's metadata; its values live sealed in versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    pub current_version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A secret to create (its first version comes with it).
#[derive(Debug, Clone)]
pub struct NewSecret {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    pub created_at: Timestamp,
}

/// One version of a secret, sealed. The store never sees the plaintext.
#[derive(Debug, Clone)]
pub struct NewSecretVersion {
    pub secret_id: String,
    pub version: i64,
    pub sealed: SealedBlob,
    pub created_at: Timestamp,
    /// The token id that wrote it.
    pub created_by: String,
}

/// A version's metadata: when, by whom, under which key. Never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVersionRecord {
    pub version: i64,
    pub key_id: String,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// A sealed version with what is needed to open it (the context ids) — for release and rotation.
#[derive(Debug, Clone)]
pub struct SealedVersion {
    pub org_id: String,
    pub secret_id: String,
    pub version: i64,
    pub sealed: SealedBlob,
}

/// Stored blobs per key id: what `keys status` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    pub key_id: String,
    pub versions: i64,
}

/// A plain organization-level value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableRecord {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    pub value: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A variable to create or overwrite.
#[derive(Debug, Clone)]
pub struct NewVariable {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    pub value: String,
    pub at: Timestamp,
}

/// Where a stored connection field gets its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldSource {
    /// A non-secret literal.
    Literal(String),
    /// A secret, by reference; the value is never here.
    Secret {
        id: String,
        name: Slug,
        current_version: i64,
    },
    /// A variable, with its current value.
    Variable {
        id: String,
        name: Slug,
        value: String,
    },
}

/// A field to store: a literal, or a reference by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewFieldSource {
    Literal(String),
    Secret(String),
    Variable(String),
}

/// A stored connection with its fields resolved to names (never secret values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    pub provider: String,
    pub kind: Option<String>,
    pub auth_mode: String,
    pub fields: BTreeMap<String, FieldSource>,
    /// Cross-account trust: waiting for its IAM role (not usable yet).
    pub pending: bool,
    /// When the last `connection test` (or the completion check) ran, and what it found.
    pub last_verified_at: Option<Timestamp>,
    pub verdict: Option<String>,
    /// What the last check said (one or two sentences, never a secret).
    pub verification_message: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A connection to create or replace, with the secrets written for its literal secret fields —
/// all saved in one transaction, so a failure leaves no orphan secret behind.
#[derive(Debug, Clone)]
pub struct ConnectionWrite {
    pub id: String,
    pub org_id: String,
    pub name: Slug,
    pub provider: String,
    pub kind: Option<String>,
    pub auth_mode: String,
    pub fields: BTreeMap<String, NewFieldSource>,
    /// Saved as pending (see [`ConnectionRecord::pending`]).
    pub pending: bool,
    /// A verification made while saving (a cross-account completion check); `None` clears the
    /// previous one, which no longer describes the changed connection.
    pub verification: Option<(Timestamp, String)>,
    pub at: Timestamp,
    /// `true` to create (conflict if the name is taken), `false` to replace an existing one.
    pub create: bool,
    /// New secrets (with their first version) to create first.
    pub new_secrets: Vec<(NewSecret, NewSecretVersion)>,
    /// New versions of existing secrets to add first.
    pub new_versions: Vec<NewSecretVersion>,
}

/// A version re-wrapped under a new key, to store if it is still under `old_key_id`.
#[derive(Debug, Clone)]
pub struct RewrappedVersion {
    pub secret_id: String,
    pub version: i64,
    pub old_key_id: String,
    pub sealed: SealedBlob,
}
