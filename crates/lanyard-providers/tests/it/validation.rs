//! Validation of every provider and kind, and of the error reporting itself.

use std::collections::BTreeSet;

use lanyard_providers::{
    catalog, find, validate, AuthMode, FieldInput, FieldInputs, ValidationError, ValidationErrors,
};

use crate::fixtures::{cases, Case, AWS_KEY_ID, AWS_SECRET};

fn check(case: &Case, mode: AuthMode, inputs: &FieldInputs) -> Result<(), ValidationErrors> {
    validate(find(case.provider).unwrap(), case.kind, mode, inputs)
}

#[test]
fn fixtures_cover_every_provider_and_kind() {
    let covered: BTreeSet<(String, Option<String>)> = cases()
        .iter()
        .map(|c| (c.provider.to_owned(), c.kind.map(str::to_owned)))
        .collect();
    for spec in catalog() {
        if spec.kinds.is_empty() {
            assert!(covered.contains(&(spec.id.to_owned(), None)), "{}", spec.id);
        }
        for kind in spec.kinds {
            let key = (spec.id.to_owned(), Some(kind.id.to_owned()));
            assert!(covered.contains(&key), "{}/{}", spec.id, kind.id);
        }
    }
}

#[test]
fn valid_inline_field_sets_pass() {
    for case in cases() {
        if let Err(e) = check(&case, AuthMode::Inline, &case.inputs()) {
            panic!("{}: {e}", case.label());
        }
    }
}

#[test]
fn missing_required_field_is_reported_by_name_with_help() {
    for case in cases() {
        let mut inputs = case.inputs();
        inputs.remove(case.required);
        let err = check(&case, AuthMode::Inline, &inputs).expect_err(&case.label());
        // Either a plain missing field, or a missing one-of alternative that includes it.
        let missing = err.iter().find(|e| match e {
            ValidationError::MissingAlternative { alternatives, .. } => {
                alternatives.iter().flatten().any(|f| f == case.required)
            }
            other => other.field() == Some(case.required),
        });
        let missing = missing.unwrap_or_else(|| panic!("{}: {err}", case.label()));
        let help = find(case.provider)
            .unwrap()
            .field(case.required)
            .unwrap()
            .help;
        assert!(
            missing.help().is_some_and(|h| h.contains(help)),
            "{}",
            case.label()
        );
        assert!(err.to_string().contains(case.required), "{}", case.label());
        assert!(
            !err.to_string().ends_with('.'),
            "{}: message ends with a period",
            case.label()
        );
    }
}

#[test]
fn malformed_value_is_reported_by_name() {
    for case in cases() {
        let (field, bad) = case.malformed;
        let mut inputs = case.inputs();
        inputs.insert(field, FieldInput::literal(bad));
        let err = check(&case, AuthMode::Inline, &inputs).expect_err(&case.label());
        assert!(
            err.iter()
                .any(|e| matches!(e, ValidationError::Malformed { field: f, .. } if f == field)),
            "{}: {err}",
            case.label()
        );
        assert!(
            !err.to_string().contains(bad),
            "{}: the message echoes the value",
            case.label()
        );
    }
}

#[test]
fn disallowed_mode_is_refused_listing_the_allowed_ones() {
    for case in cases() {
        let spec = find(case.provider).unwrap();
        let Some(mode) = AuthMode::ALL.into_iter().find(|m| !spec.allows(*m)) else {
            assert_eq!(case.provider, "aws", "only AWS allows every mode");
            continue;
        };
        let err = check(&case, mode, &case.inputs()).expect_err(&case.label());
        let [ValidationError::ModeNotAllowed { allowed, .. }] = err.errors() else {
            panic!("{}: {err}", case.label());
        };
        let expected: Vec<String> = spec
            .auth_modes
            .iter()
            .map(|m| m.slug().to_owned())
            .collect();
        assert_eq!(allowed, &expected, "{}", case.label());
        let text = err.to_string();
        assert!(
            text.contains(&format!("allowed modes: {}", expected.join(", "))),
            "{text}"
        );
    }
}

#[test]
fn runner_mode_needs_only_the_runner_and_non_secret_fields() {
    for case in cases() {
        let spec = find(case.provider).unwrap();
        if !spec.allows(AuthMode::Runner) {
            continue;
        }
        let mut inputs = FieldInputs::new();
        for (name, value) in &case.fields {
            if spec
                .field(name)
                .unwrap()
                .applies(case.kind, AuthMode::Runner)
            {
                inputs.insert(*name, FieldInput::literal(value.clone()));
            }
        }
        let err = check(&case, AuthMode::Runner, &inputs).expect_err(&case.label());
        assert_eq!(
            err.missing_fields().collect::<Vec<_>>(),
            ["runner"],
            "{}",
            case.label()
        );
        inputs.insert("runner", FieldInput::literal("build-runner-1"));
        if let Err(e) = check(&case, AuthMode::Runner, &inputs) {
            panic!("{}: {e}", case.label());
        }
    }
}

#[test]
fn every_missing_field_is_listed() {
    let aws = find("aws").unwrap();
    let err = validate(aws, None, AuthMode::Inline, &FieldInputs::new()).unwrap_err();
    assert_eq!(
        err.missing_fields().collect::<Vec<_>>(),
        ["account_id", "access_key_id", "secret_access_key"]
    );
    let cross = validate(aws, None, AuthMode::CrossAccountTrust, &FieldInputs::new()).unwrap_err();
    // The external id is generated by the server, so it is never reported missing.
    assert_eq!(
        cross.missing_fields().collect::<Vec<_>>(),
        ["account_id", "iam_role_arn"]
    );
}

#[test]
fn references_count_as_present_and_are_not_shape_checked() {
    let aws = find("aws").unwrap();
    let inputs = FieldInputs::new()
        .with_reference("account_id")
        .with_reference("access_key_id")
        .with_reference("secret_access_key")
        .with_reference("region");
    assert!(validate(aws, None, AuthMode::Inline, &inputs).is_ok());
}

#[test]
fn empty_literals_count_as_absent() {
    let aws = find("aws").unwrap();
    let inputs = FieldInputs::new()
        .with_literal("account_id", "123456789012")
        .with_literal("access_key_id", AWS_KEY_ID)
        .with_literal("secret_access_key", "")
        .with_literal("region", "");
    let err = validate(aws, None, AuthMode::Inline, &inputs).unwrap_err();
    assert_eq!(
        err.missing_fields().collect::<Vec<_>>(),
        ["secret_access_key"]
    );
}

#[test]
fn unknown_field_lists_the_valid_ones() {
    let aws = find("aws").unwrap();
    let inputs = FieldInputs::new().with_literal("acount_id", "123456789012");
    let err = validate(aws, None, AuthMode::Runner, &inputs).unwrap_err();
    let unknown = err.iter().find_map(|e| match e {
        ValidationError::UnknownField { field, valid, .. } => Some((field, valid)),
        _ => None,
    });
    let (field, valid) = unknown.expect("unknown field reported");
    assert_eq!(field, "acount_id");
    assert_eq!(
        valid,
        &[
            "account_id",
            "region",
            "endpoint_url",
            "ca_bundle",
            "runner"
        ]
    );
}

#[test]
fn inline_credentials_are_refused_in_runner_mode() {
    let aws = find("aws").unwrap();
    let inputs = FieldInputs::new()
        .with_literal("account_id", "123456789012")
        .with_literal("runner", "ops")
        .with_literal("secret_access_key", AWS_SECRET);
    let err = validate(aws, None, AuthMode::Runner, &inputs).unwrap_err();
    assert!(matches!(
        err.errors(),
        [ValidationError::NotApplicable { field, reason }]
            if field == "secret_access_key" && reason.contains("runner mode")
    ));
}

#[test]
fn kind_errors() {
    let registry = find("container-registry").unwrap();
    let err = validate(
        registry,
        Some("dockerhub"),
        AuthMode::Inline,
        &FieldInputs::new(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("allowed kinds: gar, ecr, acr, jfrog, ghcr"),
        "{err}"
    );
    let err = validate(registry, None, AuthMode::Inline, &FieldInputs::new()).unwrap_err();
    assert!(matches!(
        err.errors(),
        [ValidationError::KindRequired { .. }]
    ));
    let err = validate(
        find("aws").unwrap(),
        Some("s3"),
        AuthMode::Inline,
        &FieldInputs::new(),
    )
    .unwrap_err();
    assert!(matches!(
        err.errors(),
        [ValidationError::KindNotAllowed { .. }]
    ));
}

#[test]
fn fields_of_another_kind_are_refused() {
    let inputs = FieldInputs::new()
        .with_literal("gcs_bucket", "state")
        .with_reference("s3_bucket")
        .with_reference("service_account_key")
        .with_reference("secrets_passphrase");
    let err = validate(
        find("pulumi-backend").unwrap(),
        Some("gcs"),
        AuthMode::Inline,
        &inputs,
    )
    .unwrap_err();
    assert!(matches!(
        err.errors(),
        [ValidationError::NotApplicable { field, reason }]
            if field == "s3_bucket" && reason.contains("belongs to kind s3")
    ));
}

#[test]
fn cloudflare_needs_exactly_one_credential_scheme() {
    let cf = find("cloudflare").unwrap();
    let none = validate(cf, None, AuthMode::Inline, &FieldInputs::new()).unwrap_err();
    assert!(
        matches!(none.errors(), [ValidationError::MissingAlternative { .. }]),
        "{none}"
    );
    assert!(
        none.to_string().contains("api_token, or api_key + email"),
        "{none}"
    );

    let partial = FieldInputs::new().with_reference("api_key");
    let err = validate(cf, None, AuthMode::Inline, &partial).unwrap_err();
    assert!(err.mentions("email"), "{err}");

    let both = FieldInputs::new()
        .with_reference("api_token")
        .with_reference("api_key")
        .with_literal("email", "ops@example.com");
    let err = validate(cf, None, AuthMode::Inline, &both).unwrap_err();
    assert!(
        matches!(
            err.errors(),
            [ValidationError::ConflictingAlternatives { .. }]
        ),
        "{err}"
    );

    let legacy = FieldInputs::new()
        .with_reference("api_key")
        .with_literal("email", "ops@example.com");
    assert!(validate(cf, None, AuthMode::Inline, &legacy).is_ok());
}

#[test]
fn grouped_fields_must_come_together() {
    let fga = find("openfga").unwrap();
    let inputs = FieldInputs::new()
        .with_literal("api_url", "http://localhost:8080")
        .with_literal("client_id", "lanyard")
        .with_literal("api_scopes", "read write");
    let err = validate(fga, None, AuthMode::Inline, &inputs).unwrap_err();
    let mentioned: Vec<&str> = err.iter().filter_map(|e| e.field()).collect();
    assert_eq!(mentioned, ["client_secret", "api_token_issuer"], "{err}");
    // An OpenFGA server without authentication is fine.
    let open = FieldInputs::new().with_literal("api_url", "http://localhost:8080");
    assert!(validate(fga, None, AuthMode::Inline, &open).is_ok());

    let snowflake = find("snowflake").unwrap();
    let inputs = FieldInputs::new()
        .with_literal("account", "acme-analytics")
        .with_literal("username", "svc")
        .with_reference("password")
        .with_reference("private_key_passphrase");
    let err = validate(snowflake, None, AuthMode::Inline, &inputs).unwrap_err();
    assert!(matches!(
        err.errors(),
        [ValidationError::MissingPrerequisite { field, needs }]
            if field == "private_key_passphrase" && needs == "private_key"
    ));
}

/// Plain http:// to another machine sends the password in the clear: refused (naming the field
/// and the opt-in) unless `insecure=true`; loopback needs no opt-in; every generic kind alike.
#[test]
fn plain_http_to_another_machine_needs_insecure() {
    let generic = |provider: &str| {
        cases()
            .into_iter()
            .find(|c| c.provider == provider && c.kind == Some("generic"))
            .unwrap()
    };
    let table: &[(&str, &str, &str, Option<&str>, bool)] = &[
        // provider, url field, url, insecure, accepted
        (
            "container-registry",
            "registry_url",
            "http://10.0.0.5:5000",
            None,
            false,
        ),
        (
            "container-registry",
            "registry_url",
            "http://10.0.0.5:5000",
            Some("true"),
            true,
        ),
        (
            "container-registry",
            "registry_url",
            "http://127.0.0.1:5000",
            None,
            true,
        ),
        (
            "container-registry",
            "registry_url",
            "https://10.0.0.5",
            Some("false"),
            true,
        ),
        (
            "npm",
            "registry_url",
            "http://npm.internal:4873/",
            None,
            false,
        ),
        (
            "npm",
            "registry_url",
            "http://npm.internal:4873/",
            Some("true"),
            true,
        ),
        ("npm", "registry_url", "http://localhost:4873/", None, true),
        (
            "maven",
            "repository_url",
            "http://nexus.internal/repository/releases/",
            None,
            false,
        ),
        (
            "maven",
            "repository_url",
            "http://nexus.internal/repository/releases/",
            Some("false"),
            false,
        ),
        (
            "maven",
            "repository_url",
            "http://nexus.internal/repository/releases/",
            Some("true"),
            true,
        ),
        (
            "maven",
            "snapshot_repository_url",
            "http://nexus.internal/snapshots/",
            None,
            false,
        ),
    ];
    for &(provider, field, url, insecure, accepted) in table {
        let case = generic(provider);
        let mut inputs = case.inputs();
        inputs.insert(field, FieldInput::literal(url));
        if let Some(value) = insecure {
            inputs.insert("insecure", FieldInput::literal(value));
        }
        let label = format!("{provider} {field}={url} insecure={insecure:?}");
        match check(&case, AuthMode::Inline, &inputs) {
            Ok(()) => assert!(accepted, "{label}: accepted"),
            Err(err) => {
                assert!(!accepted, "{label}: {err}");
                assert!(
                    err.iter().any(|e| matches!(
                        e,
                        ValidationError::Cleartext { field: f, .. } if f == field
                    )),
                    "{label}: {err}"
                );
                assert!(err.to_string().contains("insecure=true"), "{label}: {err}");
            }
        }
    }
    // The opt-in is a boolean, not any word.
    let case = generic("npm");
    let mut inputs = case.inputs();
    inputs.insert("insecure", FieldInput::literal("yes"));
    let err = check(&case, AuthMode::Inline, &inputs).unwrap_err();
    assert!(err.to_string().contains("insecure"), "{err}");
}
