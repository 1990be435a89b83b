//! The published JSON Schema: the committed copy is what the code generates, and an independent
//! validator (Python's `jsonschema`, Draft 7) accepts every document Lanyard writes and rejects
//! the mistakes it should.

use std::path::PathBuf;
use std::process::Command;

use lanyard_manifest::schema;

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/manifest.schema.json")
}

#[test]
fn the_committed_schema_is_current() {
    let generated = serde_json::to_string_pretty(&schema()).unwrap() + "\n";
    if std::env::var_os("LANYARD_UPDATE_SCHEMA").is_some() {
        std::fs::write(committed(), &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(committed()).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/manifest.schema.json is stale: run `LANYARD_UPDATE_SCHEMA=1 cargo test -p lanyard-manifest --test schema`"
    );
}

const GOOD: &str = r#"[
 {"apiVersion": "lanyard.dev/v1", "kind": "Environment", "metadata": {"name": "dev"}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Variable", "metadata": {"name": "region"}, "spec": {"value": "eu-west-1"}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Runner", "metadata": {"name": "edge"}, "spec": {"default": true}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Connection", "metadata": {"name": "aws"}, "spec": {"provider": "aws", "authMode": "inline",
   "fields": {"account_id": "123456789012", "secret_access_key": {"secret": "aws-key"}, "region": {"variable": "region"}}}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Authorization", "metadata": {"name": "aws"}, "spec": {"scope": "environment", "environments": ["dev"]}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Default", "metadata": {"name": "aws"}, "spec": {"environment": "dev", "connection": "aws"}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Token", "metadata": {"name": "tok_1"}, "spec": {"role": "deployer", "environments": ["dev"]}}
]"#;

const BAD: &str = r#"[
 {"apiVersion": "lanyard.dev/v2", "kind": "Environment", "metadata": {"name": "dev"}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Conection", "metadata": {"name": "aws"}, "spec": {"provider": "aws"}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Connection", "metadata": {"name": "aws"}, "spec": {"provider": "aws", "fields": {"k": {"secret": "x", "value": "y"}}}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Authorization", "metadata": {"name": "aws"}, "spec": {"scope": "everywhere"}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Environment", "metadata": {"name": "Dev"}},
 {"apiVersion": "lanyard.dev/v1", "kind": "Variable", "metadata": {"name": "region"}, "spec": {}}
]"#;

#[test]
fn an_independent_validator_agrees() {
    let dir = std::env::temp_dir().join(format!("lanyard-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let schema_path = dir.join("schema.json");
    std::fs::write(&schema_path, serde_json::to_string(&schema()).unwrap()).unwrap();
    // Lanyard's own parser and the schema agree on the good documents.
    let parsed = lanyard_manifest::parse("good.json", GOOD).expect("the good documents parse");
    let written = serde_json::to_string(&parsed).unwrap();
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema)
for label, docs in (("good", json.loads(sys.argv[2])), ("written", json.loads(sys.argv[3]))):
    for d in docs:
        errors = list(v.iter_errors(d))
        assert not errors, (label, d, [e.message for e in errors])
for d in json.loads(sys.argv[4]):
    assert list(v.iter_errors(d)), ("accepted", d)
print("ok")
"#;
    let out = Command::new(lanyard_testkit::moto::venv_bin("python"))
        .args(["-c", script])
        .arg(&schema_path)
        .args([GOOD, written.as_str(), BAD])
        .output()
        .expect("the test virtualenv's python (scripts/test-deps makes it)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success() && out.stdout.starts_with(b"ok"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Each bad document is refused by Lanyard's parser too (or by the plan: a name's case).
    for bad in serde_json::from_str::<Vec<serde_json::Value>>(BAD).unwrap() {
        let text = bad.to_string();
        let refused = lanyard_manifest::parse("bad.json", &text).is_err();
        let bad_name = bad["metadata"]["name"] == "Dev";
        assert!(refused || bad_name, "parsed: {text}");
    }
}
