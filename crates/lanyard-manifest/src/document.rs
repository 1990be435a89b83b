//! The documents: one per organization object, `apiVersion: lanyard.dev/v1`, a `kind`, a
//! `metadata.name` and a `spec`. None can hold a secret value: secrets appear only as
//! references (`{secret: NAME}`), runners without their credentials, tokens as metadata.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The manifest format's version.
pub const API_VERSION: &str = "lanyard.dev/v1";

/// The kinds, in the order they are applied (each may refer only to kinds before it).
pub const KINDS: [Kind; 7] = [
    Kind::Environment,
    Kind::Variable,
    Kind::Runner,
    Kind::Connection,
    Kind::Authorization,
    Kind::Default,
    Kind::Token,
];

/// What a document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    Environment,
    Variable,
    Runner,
    Connection,
    Authorization,
    Default,
    Token,
}

impl Kind {
    /// The name in documents (`Connection`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Environment => "Environment",
            Self::Variable => "Variable",
            Self::Runner => "Runner",
            Self::Connection => "Connection",
            Self::Authorization => "Authorization",
            Self::Default => "Default",
            Self::Token => "Token",
        }
    }

    /// The name on the command line and in plans (`connection`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Environment => "environment",
            Self::Variable => "variable",
            Self::Runner => "runner",
            Self::Connection => "connection",
            Self::Authorization => "authorization",
            Self::Default => "default",
            Self::Token => "token",
        }
    }

    /// The kind named `name` in a document or on the command line (either spelling, or a
    /// plural there).
    pub fn parse(name: &str) -> Option<Self> {
        let singular = name.strip_suffix('s').unwrap_or(name);
        // The CLI's own short names for these commands.
        let singular = match singular {
            "env" => "environment",
            "var" => "variable",
            "auth" => "authorization",
            other => other,
        };
        KINDS
            .into_iter()
            .find(|k| k.as_str() == name || k.cli_name() == name || k.cli_name() == singular)
    }

    /// What `metadata.name` is for this kind.
    pub fn name_means(self) -> &'static str {
        match self {
            Self::Authorization => "the connection's name",
            Self::Default => "the provider id",
            Self::Token => "the token's id",
            _ => "its name",
        }
    }
}

/// One document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub api_version: String,
    pub kind: Kind,
    pub metadata: Metadata,
    pub spec: Spec,
}

/// Which object a document describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub name: String,
}

/// A document's body, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Spec {
    Environment(EnvironmentSpec),
    Variable(VariableSpec),
    Runner(RunnerSpec),
    Connection(ConnectionSpec),
    Authorization(AuthorizationSpec),
    Default(DefaultSpec),
    Token(TokenSpec),
}

/// An environment has nothing but its name (yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {}

/// An organization variable: a plain value connections may reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    pub value: String,
}

/// A registered runner, without its credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunnerSpec {
    /// Jobs without `--runner` go to this runner.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
}

/// A connection: its provider, kind, auth mode and fields (secrets as references).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionSpec {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default = "inline")]
    pub auth_mode: String,
    #[serde(default)]
    pub fields: BTreeMap<String, Field>,
}

fn inline() -> String {
    "inline".to_owned()
}

/// A connection field: a plain value, or a reference. Secret values never appear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Field {
    /// A non-secret literal.
    Value(String),
    /// `{secret: NAME}`: an organization secret.
    Secret { secret: String },
    /// `{variable: NAME}`: an organization variable.
    Variable { variable: String },
}

impl Field {
    /// How a plan shows it.
    pub fn shown(&self) -> String {
        match self {
            Self::Value(v) => format!("{v:?}"),
            Self::Secret { secret } => format!("secret:{secret}"),
            Self::Variable { variable } => format!("var:{variable}"),
        }
    }
}

/// Where the connection named by `metadata.name` may be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationSpec {
    pub scope: Scope,
    /// With `scope: environment`: the environments (none when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
}

/// An authorization's reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Every environment, including future ones.
    Organization,
    /// The listed environments.
    Environment,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Environment => "environment",
        }
    }
}

/// The default connection for the provider named by `metadata.name`, organization-wide or in
/// one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultSpec {
    /// Absent for the organization default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    pub connection: String,
}

/// An API token's metadata. Tokens are issued with `lanyard token create` (the secret is shown
/// once); a Token document records and checks one, it never creates one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    pub role: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl Document {
    /// A document of `kind` named `name`.
    pub fn new(kind: Kind, name: impl Into<String>, spec: Spec) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind,
            metadata: Metadata { name: name.into() },
            spec,
        }
    }

    /// What identifies the object: its kind and name, plus the environment for a default.
    pub fn key(&self) -> Key {
        let scope = match &self.spec {
            Spec::Default(d) => d.environment.clone(),
            _ => None,
        };
        Key {
            kind: self.kind,
            name: self.metadata.name.clone(),
            environment: scope,
        }
    }
}

/// The identity of an object across files and the server.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub kind: Kind,
    pub name: String,
    /// For a default: its environment (`None`: the organization's).
    pub environment: Option<String>,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind.cli_name(), self.name)?;
        if let Some(env) = &self.environment {
            write!(f, "@{env}")?;
        }
        Ok(())
    }
}
