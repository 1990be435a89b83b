//! The JSON Schema (draft-07) of every document, for editors (yaml-language-server's
//! `# yaml-language-server: $schema=…`) and CI linters. Served by the server and committed as
//! `docs/manifest.schema.json`; a test keeps the two equal.

use serde_json::{json, Value};

use crate::document::{Kind, API_VERSION, KINDS};

/// The schema: one document of any kind.
pub fn schema() -> Value {
    let kinds: Vec<Value> = KINDS.into_iter().map(document).collect();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://lanyard.dev/schemas/manifest-v1.json",
        "title": "Lanyard manifest",
        "description": "One Lanyard object (lanyard.dev/v1). Secret values never appear: secrets are referenced by name.",
        "oneOf": kinds,
        "definitions": {
            "name": {
                "type": "string",
                "pattern": "^[a-z][a-z0-9-]{0,62}$",
                "description": "Lowercase letters, digits and hyphens, starting with a letter."
            },
            "field": {
                "description": "A plain value, {secret: NAME} or {variable: NAME}.",
                "oneOf": [
                    { "type": "string" },
                    {
                        "type": "object",
                        "properties": { "secret": { "$ref": "#/definitions/name" } },
                        "required": ["secret"],
                        "additionalProperties": false
                    },
                    {
                        "type": "object",
                        "properties": { "variable": { "$ref": "#/definitions/name" } },
                        "required": ["variable"],
                        "additionalProperties": false
                    }
                ]
            }
        }
    })
}

fn document(kind: Kind) -> Value {
    let (spec, spec_required) = spec(kind);
    let name = match kind {
        Kind::Default | Kind::Token => json!({ "type": "string", "minLength": 1 }),
        _ => json!({ "$ref": "#/definitions/name" }),
    };
    let mut required = vec!["apiVersion", "kind", "metadata"];
    if spec_required {
        required.push("spec");
    }
    json!({
        "title": kind.as_str(),
        "type": "object",
        "properties": {
            "apiVersion": { "const": API_VERSION },
            "kind": { "const": kind.as_str() },
            "metadata": {
                "type": "object",
                "properties": { "name": name },
                "required": ["name"],
                "additionalProperties": false,
                "description": format!("metadata.name is {}.", kind.name_means())
            },
            "spec": spec
        },
        "required": required,
        "additionalProperties": false
    })
}

/// A kind's spec, and whether a document must have one.
fn spec(kind: Kind) -> (Value, bool) {
    let object = |properties: Value, required: &[&str]| {
        json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false
        })
    };
    let names = json!({ "type": "array", "items": { "$ref": "#/definitions/name" } });
    match kind {
        Kind::Environment => (object(json!({}), &[]), false),
        Kind::Variable => (
            object(json!({ "value": { "type": "string" } }), &["value"]),
            true,
        ),
        Kind::Runner => (
            object(
                json!({ "default": { "type": "boolean", "description": "Jobs without --runner go here." } }),
                &[],
            ),
            false,
        ),
        Kind::Connection => (
            object(
                json!({
                    "provider": { "type": "string", "description": "A provider id (lanyard provider list)." },
                    "kind": { "type": "string" },
                    "authMode": { "enum": ["inline", "runner", "cross-account-trust", "oidc"] },
                    "fields": { "type": "object", "additionalProperties": { "$ref": "#/definitions/field" } }
                }),
                &["provider"],
            ),
            true,
        ),
        Kind::Authorization => (
            object(
                json!({ "scope": { "enum": ["organization", "environment"] }, "environments": names }),
                &["scope"],
            ),
            true,
        ),
        Kind::Default => (
            object(
                json!({
                    "environment": { "$ref": "#/definitions/name" },
                    "connection": { "$ref": "#/definitions/name" }
                }),
                &["connection"],
            ),
            true,
        ),
        Kind::Token => (
            object(
                json!({
                    "role": { "enum": ["admin", "deployer", "viewer"] },
                    "environments": names,
                    "description": { "type": "string" }
                }),
                &["role"],
            ),
            true,
        ),
    }
}
