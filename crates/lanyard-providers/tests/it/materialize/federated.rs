//! Keyless connections: an `oidc` connection's job gets its identity token as a file and the
//! variables each cloud's SDKs read to exchange it; an inline AWS connection with a session
//! duration asks the runner to trade its keys for temporary ones.

use std::path::Path;

use lanyard_providers::{
    find, validate, AuthMode, AwsExchange, FieldInputs, ResolvedFields, IDENTITY_TOKEN,
};
use secrecy::ExposeSecret;

use super::{file_of, names, plain, run, secret_values};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.PLANTED-signature";
const ROLE: &str = "arn:aws:iam::123456789012:role/lanyard-deployer";
const POOL: &str =
    "projects/123456789012/locations/global/workloadIdentityPools/lanyard/providers/acme";

fn with_token(values: ResolvedFields) -> ResolvedFields {
    values.with(IDENTITY_TOKEN, TOKEN)
}

#[test]
fn aws_oidc_points_the_sdks_at_the_role_and_the_token_file() {
    let values = with_token(
        ResolvedFields::new()
            .with("account_id", "123456789012")
            .with("iam_role_arn", ROLE),
    );
    let m = run("aws", None, AuthMode::Oidc, &values);
    assert_eq!(names(&m), ["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"]);
    assert_eq!(plain(&m, "AWS_ROLE_ARN"), ROLE);
    let (name, contents) = file_of(&m, "AWS_WEB_IDENTITY_TOKEN_FILE");
    assert_eq!((name, contents.as_str()), ("token.jwt", TOKEN));
    assert!(
        secret_values(&m).contains(TOKEN),
        "the token is masked whole"
    );
    assert!(m.assume_role.is_none() && m.exchange.is_none());
}

#[test]
fn an_oidc_connection_without_its_token_is_an_error_not_an_empty_file() {
    let values = ResolvedFields::new()
        .with("account_id", "123456789012")
        .with("iam_role_arn", ROLE);
    let error = lanyard_providers::materialize(find("aws").unwrap(), None, AuthMode::Oidc, &values)
        .unwrap_err();
    assert!(error.to_string().contains("identity token"), "{error}");
}

#[test]
fn gcp_oidc_writes_an_external_account_file_naming_the_token_file() {
    let values = with_token(
        ResolvedFields::new()
            .with("workload_identity_provider", POOL)
            .with(
                "service_account_email",
                "deployer@acme-prod.iam.gserviceaccount.com",
            )
            .with("project_id", "acme-prod"),
    );
    let m = run("gcp", None, AuthMode::Oidc, &values);
    let (_, template) = file_of(&m, "GOOGLE_APPLICATION_CREDENTIALS");
    assert!(template.contains("{{lanyard:path:oidc-token}}"));
    let dir = Path::new("/dev/shm/lanyard-r/job");
    let file = m.file("gcp-credentials").unwrap();
    let rendered = m.render_file(file, dir).unwrap();
    let config: serde_json::Value = serde_json::from_str(rendered.expose_secret()).unwrap();
    assert_eq!(config["type"], "external_account");
    assert_eq!(config["audience"], format!("//iam.googleapis.com/{POOL}"));
    assert_eq!(
        config["credential_source"]["file"],
        "/dev/shm/lanyard-r/job/oidc-token/token.jwt"
    );
    assert!(config["service_account_impersonation_url"]
        .as_str()
        .unwrap()
        .ends_with("deployer@acme-prod.iam.gserviceaccount.com:generateAccessToken"));
    assert_eq!(plain(&m, "GOOGLE_CLOUD_PROJECT"), "acme-prod");
    // The credentials document holds no secret; only the token is masked.
    assert_eq!(
        secret_values(&m).into_iter().collect::<Vec<_>>(),
        [TOKEN.to_owned()]
    );
    // Other files are written as they are.
    let token = m.file("oidc-token").unwrap();
    assert_eq!(m.render_file(token, dir).unwrap().expose_secret(), TOKEN);
}

#[test]
fn azure_oidc_sets_what_the_sdks_and_terraform_read() {
    let values = with_token(
        ResolvedFields::new()
            .with("client_id", "00000000-0000-4000-8000-00000000c1d0")
            .with("tenant_id", "00000000-0000-4000-8000-0000000000aa")
            .with("subscription_id", "00000000-0000-4000-8000-0000000000bb"),
    );
    let m = run("azure", None, AuthMode::Oidc, &values);
    for (variable, file) in [
        ("AZURE_FEDERATED_TOKEN_FILE", "oidc-token"),
        ("ARM_OIDC_TOKEN_FILE_PATH", "oidc-token"),
    ] {
        assert!(
            matches!(m.env_var(variable), Some(lanyard_providers::EnvValue::FilePath(id)) if id == file),
            "{variable}"
        );
    }
    assert_eq!(plain(&m, "ARM_USE_OIDC"), "true");
    for variable in [
        "AZURE_CLIENT_ID",
        "ARM_CLIENT_ID",
        "AZURE_TENANT_ID",
        "ARM_SUBSCRIPTION_ID",
    ] {
        assert!(m.env_var(variable).is_some(), "{variable}");
    }
    assert!(m.env_var("AZURE_CLIENT_SECRET").is_none());
}

#[test]
fn inline_aws_with_a_session_duration_asks_for_an_exchange() {
    let keys = || {
        ResolvedFields::new()
            .with("account_id", "123456789012")
            .with("access_key_id", "AKIAIOSFODNN7EXAMPLE")
            .with(
                "secret_access_key",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            )
    };
    let cases = [
        (keys().with("session_duration", "15m"), None, 900),
        (
            keys()
                .with("session_duration", "1h30m")
                .with("iam_role_arn", ROLE),
            Some(ROLE.to_owned()),
            5400,
        ),
    ];
    for (values, role_arn, duration_secs) in cases {
        let m = run("aws", None, AuthMode::Inline, &values);
        assert_eq!(
            m.exchange,
            Some(AwsExchange {
                role_arn,
                duration_secs
            })
        );
    }
    assert!(run("aws", None, AuthMode::Inline, &keys())
        .exchange
        .is_none());
}

#[test]
fn what_federation_refuses_at_save_time() {
    let aws = find("aws").unwrap();
    let gcp = find("gcp").unwrap();
    let inline_keys = || {
        FieldInputs::default()
            .with_literal("account_id", "123456789012")
            .with_literal("access_key_id", "AKIAIOSFODNN7EXAMPLE")
            .with_literal(
                "secret_access_key",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            )
    };
    let cases: [(&str, _, AuthMode, FieldInputs); 5] = [
        (
            "a role in inline mode without a session duration",
            aws,
            AuthMode::Inline,
            inline_keys().with_literal("iam_role_arn", ROLE),
        ),
        (
            "a session duration outside 15m..12h",
            aws,
            AuthMode::Inline,
            inline_keys().with_literal("session_duration", "5m"),
        ),
        (
            "keys on an oidc connection",
            aws,
            AuthMode::Oidc,
            FieldInputs::default()
                .with_literal("account_id", "123456789012")
                .with_literal("iam_role_arn", ROLE)
                .with_literal(
                    "secret_access_key",
                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                ),
        ),
        (
            "an oidc connection without its role",
            aws,
            AuthMode::Oidc,
            FieldInputs::default().with_literal("account_id", "123456789012"),
        ),
        (
            "a pool provider named by project id",
            gcp,
            AuthMode::Oidc,
            FieldInputs::default().with_literal(
                "workload_identity_provider",
                "projects/acme-prod/locations/global/workloadIdentityPools/lanyard/providers/acme",
            ),
        ),
    ];
    for (case, spec, mode, fields) in cases {
        let error = validate(spec, None, mode, &fields).expect_err(case);
        assert!(!error.to_string().contains("wJalrXUtn"), "{case}: {error}");
    }
    let saved = FieldInputs::default()
        .with_literal("account_id", "123456789012")
        .with_literal("iam_role_arn", ROLE);
    validate(aws, None, AuthMode::Oidc, &saved).unwrap();
    validate(aws, None, AuthMode::CrossAccountTrust, &saved).unwrap();
}
