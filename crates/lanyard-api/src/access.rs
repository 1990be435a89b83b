//! Wire types for authorizations, defaults, resolution and the provider matrix.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a connection may be used.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Authorization {
    pub provider: String,
    pub connection: String,
    /// `organization` (every environment, including future ones) or `environment`.
    pub scope: String,
    /// For `environment` scope: the environments (empty means none).
    #[serde(default)]
    pub environments: Vec<String>,
}

/// `POST /orgs/{org}/authorizations` and `PUT /orgs/{org}/authorizations/{connection}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthorizationRequest {
    pub provider: String,
    /// Ignored in a `PUT`, where the path names the connection.
    #[serde(default)]
    pub connection: String,
    pub scope: String,
    #[serde(default)]
    pub environments: Vec<String>,
}

/// A default connection for a provider, organization-wide or for one environment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct DefaultConnection {
    pub provider: String,
    /// Absent for the organization default.
    pub environment: Option<String>,
    pub connection: String,
}

/// `PUT /orgs/{org}/defaults/{provider}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetDefault {
    pub connection: String,
    /// Absent for the organization default.
    #[serde(default)]
    pub environment: Option<String>,
}

/// A default that was saved, with a warning (and its fix) when it cannot be used yet.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SavedDefault {
    #[serde(flatten)]
    pub default: DefaultConnection,
    pub warning: Option<String>,
}

/// One layer resolution checked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CheckedLayer {
    /// `explicit`, `environment_default` or `organization_default`.
    pub layer: String,
    /// The connection found there, if any.
    pub connection: Option<String>,
}

/// The outcome of resolving a provider in an environment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Resolution {
    pub provider: String,
    pub environment: String,
    pub connection: Option<String>,
    /// `explicit`, `environment_default` or `organization_default`.
    pub source: Option<String>,
    pub authorized: bool,
    pub checked: Vec<CheckedLayer>,
    /// Why it cannot be used, with the command that fixes it; absent when usable.
    pub error: Option<String>,
}

/// The provider matrix: connections × environments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ProviderMatrix {
    pub environments: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

/// One connection's row: a cell per environment, in the order of `environments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct MatrixRow {
    pub connection: String,
    pub provider: String,
    /// What its jobs get: `short-lived`, `long-lived` or `runner identity`.
    #[serde(default)]
    pub credentials: String,
    /// `not_authorized`, `authorized`, `default`, `misconfigured` (a default that is not
    /// authorized) or `failing` (usable here, but its last check failed).
    pub cells: Vec<String>,
}

/// One audit event: who did what, when, from where. Never a secret value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    /// The token id that acted (or `bootstrap`, `runner:NAME`).
    pub actor: String,
    /// The token's description and role, e.g. `CI for prod (deployer)`, when it is a token.
    #[serde(default)]
    pub actor_label: Option<String>,
    /// The client address.
    pub source: String,
    pub action: String,
    pub target: String,
    /// The particulars, as a JSON object.
    pub details: serde_json::Value,
    pub hash: String,
}

/// `GET /orgs/{org}/audit/verify`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AuditVerification {
    pub intact: bool,
    /// Events checked (when intact).
    pub events: i64,
    /// Where the chain breaks, and why (when not intact).
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

/// `GET /orgs/{org}/audit/checkpoint`: the chain's head as it is now, with a MAC under the
/// chain's key. Kept outside the database (a file, an object-locked bucket), it later proves
/// that no event up to it was deleted or rewritten (`POST /orgs/{org}/audit/verify`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AuditCheckpoint {
    pub org: String,
    pub seq: i64,
    pub hash: String,
    pub taken_at: String,
    /// HMAC-SHA256 (hex) of the fields above under the chain's key.
    pub mac: String,
}

/// `POST /orgs/{org}/audit/prune`: remove the oldest events, through `through` (after an
/// export).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct PruneAudit {
    /// The last event to remove, e.g. the last one `lanyard audit export` wrote.
    pub through: i64,
}

/// What a prune removed; the `audit.prune` event that records it keeps the trail verifiable.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AuditPruned {
    /// The last removed event.
    pub through: i64,
    /// How many events were removed.
    pub removed: i64,
    /// The removed event's link, which the first remaining event names.
    pub link: String,
}

/// `GET /keys`: which master keys wrap how many sealed secret versions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct KeyStatus {
    pub active_key_id: String,
    pub keys: Vec<KeyUse>,
    /// Whether the database's key check value is the active key's (no rotation pending).
    pub check_value_is_active: bool,
}

/// One key id's use.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct KeyUse {
    pub key_id: String,
    pub versions: i64,
    /// `active`, `retired` (loaded) or `unknown` (not loaded: its versions cannot be opened).
    pub state: String,
}

/// `POST /keys/rotate`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RotateKeys {
    /// Versions to re-wrap in this call (default 1000, at most 10000).
    #[serde(default)]
    pub batch: Option<i64>,
}

/// One rotation step.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RotationStep {
    pub rewrapped: i64,
    pub remaining: i64,
    pub done: bool,
}
