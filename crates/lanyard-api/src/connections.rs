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
    pub created_at: String,
    pub updated_at: String,
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
