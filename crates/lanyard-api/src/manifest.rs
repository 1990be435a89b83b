//! Declarative manifests: a connection as a document to keep in git, with secrets only as
//! references. `lanyard get connection NAME -o yaml` writes one; `lanyard apply -f` reads it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Connection, FieldView};

/// The manifest format's version.
pub const MANIFEST_API_VERSION: &str = "lanyard.dev/v1";

/// A connection manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionManifest {
    pub api_version: String,
    pub kind: String,
    pub metadata: ManifestMetadata,
    pub spec: ConnectionManifestSpec,
}

/// Who the manifest describes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ManifestMetadata {
    pub name: String,
}

/// What the connection is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionManifestSpec {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default = "inline")]
    pub auth_mode: String,
    #[serde(default)]
    pub fields: BTreeMap<String, ManifestField>,
}

fn inline() -> String {
    "inline".to_owned()
}

/// A field in a manifest: a plain value, or a reference. Secret values never appear.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ManifestField {
    /// A non-secret literal.
    Value(String),
    /// `{secret: NAME}`: an organization secret.
    Secret { secret: String },
    /// `{variable: NAME}`: an organization variable.
    Variable { variable: String },
}

impl From<&Connection> for ConnectionManifest {
    fn from(connection: &Connection) -> Self {
        let fields = connection
            .fields
            .iter()
            .map(|(name, view)| {
                let field = match view {
                    FieldView::Value(value) => ManifestField::Value(value.clone()),
                    FieldView::Secret { name, .. } => ManifestField::Secret {
                        secret: name.clone(),
                    },
                    FieldView::Variable { name, .. } => ManifestField::Variable {
                        variable: name.clone(),
                    },
                };
                (name.clone(), field)
            })
            .collect();
        Self {
            api_version: MANIFEST_API_VERSION.to_owned(),
            kind: "Connection".to_owned(),
            metadata: ManifestMetadata {
                name: connection.name.clone(),
            },
            spec: ConnectionManifestSpec {
                provider: connection.provider.clone(),
                kind: connection.kind.clone(),
                auth_mode: connection.auth_mode.clone(),
                fields,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_through_yaml_with_references_only() {
        let text = "apiVersion: lanyard.dev/v1\nkind: Connection\nmetadata:\n  name: aws-prod\n\
                    spec:\n  provider: aws\n  fields:\n    account_id: '123456789012'\n    \
                    secret_access_key:\n      secret: aws-key\n    region:\n      variable: region\n";
        let manifest: ConnectionManifest = serde_yaml::from_str(text).unwrap();
        assert_eq!(manifest.spec.auth_mode, "inline");
        assert_eq!(
            manifest.spec.fields["secret_access_key"],
            ManifestField::Secret {
                secret: "aws-key".into()
            }
        );
        let again: ConnectionManifest =
            serde_yaml::from_str(&serde_yaml::to_string(&manifest).unwrap()).unwrap();
        assert_eq!(again, manifest);
        let typo = text.replace("provider:", "providr:");
        assert!(serde_yaml::from_str::<ConnectionManifest>(&typo).is_err());
    }
}
