//! Nothing that holds a secret prints it through `Debug` or `Display`.

use lanyard_providers::{find, materialize, validate, AuthMode, FieldInputs, ResolvedFields};

use crate::fixtures::{cases, AWS_KEY_ID};

/// A well-formed AWS secret access key (40 characters), so materialization accepts it.
const PLANTED: &str = "PLANTEDSECRETxq7ZtV0p9QwErTy1/+abcdefghi";

#[test]
fn debug_of_inputs_and_outputs_hides_secrets() {
    let inputs = FieldInputs::new()
        .with_literal("account_id", "123456789012")
        .with_literal("access_key_id", AWS_KEY_ID)
        .with_literal("secret_access_key", PLANTED);
    assert!(!format!("{inputs:?}").contains(PLANTED));
    assert!(!format!("{inputs:#?}").contains(PLANTED));

    let resolved = ResolvedFields::new()
        .with("account_id", "123456789012")
        .with("access_key_id", AWS_KEY_ID)
        .with("secret_access_key", PLANTED);
    assert!(!format!("{resolved:?}").contains(PLANTED));

    let m = materialize(find("aws").unwrap(), None, AuthMode::Inline, &resolved).unwrap();
    let shown = format!("{m:?} {m:#?}");
    assert!(!shown.contains(PLANTED), "{shown}");
    assert!(!shown.contains(AWS_KEY_ID), "{shown}");
}

#[test]
fn debug_of_every_materialization_hides_secret_fields() {
    for case in cases() {
        let spec = find(case.provider).unwrap();
        let m = materialize(spec, case.kind, AuthMode::Inline, &case.resolved()).unwrap();
        let shown = format!("{m:?}");
        for (name, value) in &case.fields {
            if spec.field(name).unwrap().secret {
                assert!(
                    !shown.contains(value.as_str()),
                    "{}: Debug shows {name}",
                    case.label()
                );
            }
        }
    }
}

#[test]
fn validation_errors_never_contain_values() {
    let aws = find("aws").unwrap();
    let inputs = FieldInputs::new()
        .with_literal("account_id", PLANTED)
        .with_literal("access_key_id", PLANTED)
        .with_literal("secret_access_key", PLANTED)
        .with_literal("session_token", format!("{PLANTED} with spaces"))
        .with_literal("region", PLANTED);
    let err = validate(aws, None, AuthMode::Inline, &inputs).unwrap_err();
    assert_eq!(err.errors().len(), 4, "{err}");
    assert!(!format!("{err} {err:?}").contains(PLANTED));
}
