//! Invariants every materialization keeps: secrets stay secret, runner mode injects no
//! credentials, resolved values are checked again.

use std::collections::BTreeSet;
use std::path::Path;

use lanyard_providers::{find, materialize, AuthMode, EnvValue, MaterializeError, ResolvedFields};
use secrecy::ExposeSecret;

use super::{names, secret_values};
use crate::fixtures::{cases, AWS_KEY_ID};

#[test]
fn every_case_materializes_with_secrets_kept_secret() {
    for case in cases() {
        let spec = find(case.provider).unwrap();
        let m = materialize(spec, case.kind, AuthMode::Inline, &case.resolved())
            .unwrap_or_else(|e| panic!("{}: {e}", case.label()));
        assert!(!m.env.is_empty(), "{}", case.label());
        let unique: BTreeSet<&str> = names(&m).into_iter().collect();
        assert_eq!(
            unique.len(),
            m.env.len(),
            "{}: duplicate variables",
            case.label()
        );

        let secrets = secret_values(&m);
        for var in &m.env {
            match &var.value {
                EnvValue::Plain(value) => {
                    for (name, field_value) in &case.fields {
                        if spec.field(name).unwrap().secret && field_value.len() >= 6 {
                            assert!(
                                !value.contains(field_value.as_str()),
                                "{}: {} carries secret field {name} as plain",
                                case.label(),
                                var.name
                            );
                        }
                    }
                }
                EnvValue::Secret(value) => {
                    // Masked whole, or a document masked by its secret parts.
                    let structured = m.structured().contains(&format!("env:{}", var.name));
                    assert!(
                        structured || secrets.contains(value.expose_secret()),
                        "{}: {}",
                        case.label(),
                        var.name
                    )
                }
                EnvValue::FilePath(id)
                | EnvValue::FileDir(id)
                | EnvValue::FileArg { file: id, .. } => {
                    assert!(
                        m.file(id).is_some(),
                        "{}: {} -> {id}",
                        case.label(),
                        var.name
                    )
                }
            }
        }
        for file in &m.files {
            let structured = m.structured().contains(&format!("file:{}", file.id));
            assert!(
                structured || secrets.contains(file.contents.expose_secret()),
                "{}",
                case.label()
            );
        }
        // Whatever is masked by parts: every secret field's value is still masked, whole or
        // (for documents) by the secrets inside, so masking the output hides all of it.
        if !m.structured().is_empty() {
            let redactor = lanyard_redact::Redactor::new(
                m.secret_values()
                    .iter()
                    .map(|s| s.expose_secret().as_bytes()),
            );
            for file in &m.files {
                let shown = redactor.redact(file.contents.expose_secret().as_bytes());
                for (name, value) in &case.fields {
                    let field = spec.field(name).unwrap();
                    if field.secret && !is_document(name) && value.len() >= 6 {
                        assert!(
                            !contains(&shown, value.as_bytes()),
                            "{}: file {} shows secret field {name}",
                            case.label(),
                            file.id
                        );
                    }
                }
            }
        }
        assert!(
            m.render_env(Path::new("/run/lanyard/job-1")).is_ok(),
            "{}",
            case.label()
        );
    }
}

#[test]
fn runner_mode_injects_no_credentials() {
    for case in cases() {
        let spec = find(case.provider).unwrap();
        if !spec.allows(AuthMode::Runner) {
            continue;
        }
        // Stale inline values stored on the connection must be ignored, not injected.
        let values = case.resolved().with("runner", "build-runner-1");
        let m = materialize(spec, case.kind, AuthMode::Runner, &values)
            .unwrap_or_else(|e| panic!("{}: {e}", case.label()));
        assert!(
            !m.env.iter().any(|v| matches!(v.value, EnvValue::Secret(_))),
            "{}: {:?}",
            case.label(),
            names(&m)
        );
        let rendered: Vec<String> = m
            .render_env(Path::new("/job"))
            .unwrap()
            .into_iter()
            .map(|(_, v)| v.expose_secret().to_owned())
            .chain(
                m.files
                    .iter()
                    .map(|f| f.contents.expose_secret().to_owned()),
            )
            .collect();
        for (name, value) in &case.fields {
            if spec.field(name).unwrap().secret {
                assert!(
                    rendered.iter().all(|r| !r.contains(value.as_str())),
                    "{}: {name} leaked in runner mode",
                    case.label()
                );
            }
        }
    }
}

#[test]
fn materialize_rechecks_resolved_values() {
    let values = ResolvedFields::new()
        .with("account_id", "123456789012")
        .with("access_key_id", AWS_KEY_ID)
        .with("secret_access_key", "rotated-into-something-else");
    let err = materialize(find("aws").unwrap(), None, AuthMode::Inline, &values).unwrap_err();
    let MaterializeError::Invalid(errors) = err else {
        panic!("{err}")
    };
    assert!(errors.mentions("secret_access_key"));
    assert!(!errors.to_string().contains("rotated-into-something-else"));
}

/// Fields whose value is itself a document with secrets inside (masked by its parts).
fn is_document(field: &str) -> bool {
    matches!(field, "kubeconfig" | "service_account_key")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
