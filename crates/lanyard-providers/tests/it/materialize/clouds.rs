//! Clouds, clusters, git hosts and managed services: the variables each one sets.

use base64::Engine as _;
use lanyard_providers::{AuthMode, EnvValue, ResolvedFields};
use secrecy::ExposeSecret;

use super::{file_of, names, plain, run, secret, secret_values};
use crate::fixtures::{kubeconfig, sa_key_base64, sa_key_json, AWS_KEY_ID, AWS_SECRET, KUBE_TOKEN};

#[test]
fn aws_in_each_mode() {
    let values = ResolvedFields::new()
        .with("account_id", "123456789012")
        .with("region", "eu-west-1")
        .with("access_key_id", AWS_KEY_ID)
        .with("secret_access_key", AWS_SECRET)
        .with("session_token", "FwoGZXIvYXdzEPLANTEDsessiontoken");
    let inline = run("aws", None, AuthMode::Inline, &values);
    assert_eq!(
        names(&inline),
        [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN"
        ]
    );
    assert_eq!(secret(&inline, "AWS_ACCESS_KEY_ID"), AWS_KEY_ID);
    assert_eq!(secret(&inline, "AWS_SECRET_ACCESS_KEY"), AWS_SECRET);
    assert_eq!(plain(&inline, "AWS_REGION"), "eu-west-1");
    assert!(inline.assume_role.is_none());

    let runner = run("aws", None, AuthMode::Runner, &values.with("runner", "ops"));
    assert_eq!(names(&runner), ["AWS_REGION", "AWS_DEFAULT_REGION"]);

    let cross = ResolvedFields::new()
        .with("account_id", "123456789012")
        .with(
            "iam_role_arn",
            "arn:aws:iam::123456789012:role/lanyard-deployer",
        )
        .with("external_id", "4f1b6b6e-1f7e-4a53-9d2c-0c6c3a1b2e3f");
    let cross = run("aws", None, AuthMode::CrossAccountTrust, &cross);
    assert!(cross.env.is_empty());
    let role = cross.assume_role.as_ref().unwrap();
    assert_eq!(
        role.role_arn,
        "arn:aws:iam::123456789012:role/lanyard-deployer"
    );
    assert_eq!(
        role.external_id.as_ref().unwrap().expose_secret(),
        "4f1b6b6e-1f7e-4a53-9d2c-0c6c3a1b2e3f"
    );
    assert!(secret_values(&cross).contains("4f1b6b6e-1f7e-4a53-9d2c-0c6c3a1b2e3f"));
}

#[test]
fn gcp_key_raw_or_base64_is_written_as_raw_json() {
    for key in [sa_key_json(), sa_key_base64()] {
        let m = run(
            "gcp",
            None,
            AuthMode::Inline,
            &ResolvedFields::new().with("service_account_key", key),
        );
        let (name, contents) = file_of(&m, "GOOGLE_APPLICATION_CREDENTIALS");
        assert_eq!(name, "credentials.json");
        assert_eq!(contents, sa_key_json().trim());
        assert_eq!(secret(&m, "GOOGLE_CREDENTIALS"), sa_key_json().trim());
        assert!(matches!(
            m.env_var("CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE"),
            Some(EnvValue::FilePath(_))
        ));
        // The project comes out of the key, but it is an identifier: readable.
        assert_eq!(plain(&m, "CLOUDSDK_CORE_PROJECT"), "demo-project-1");
        assert_eq!(plain(&m, "GOOGLE_PROJECT"), "demo-project-1");
        // The key's PEM body is masked even when printed JSON-escaped on one line; the
        // identifiers in the key are not masked, and neither is the key file whole.
        let masks = secret_values(&m);
        assert!(masks.contains(crate::fixtures::PRIVATE_KEY_BODY));
        for identifier in [
            "demo-project-1",
            "deployer@demo-project-1.iam.gserviceaccount.com",
            "0123456789abcdef0123456789abcdef01234567",
        ] {
            assert!(
                masks.iter().all(|mask| !mask.contains(identifier)),
                "{identifier} is masked"
            );
        }
    }
    let explicit = ResolvedFields::new()
        .with("service_account_key", sa_key_json())
        .with("project_id", "other-project");
    let m = run("gcp", None, AuthMode::Inline, &explicit);
    assert_eq!(plain(&m, "GOOGLE_CLOUD_PROJECT"), "other-project");
    let located = ResolvedFields::new()
        .with("service_account_key", sa_key_json())
        .with("region", "europe-west1")
        .with("zone", "europe-west1-b");
    let m = run("gcp", None, AuthMode::Inline, &located);
    for (variable, value) in [
        ("CLOUDSDK_COMPUTE_REGION", "europe-west1"),
        ("GOOGLE_REGION", "europe-west1"),
        ("CLOUDSDK_COMPUTE_ZONE", "europe-west1-b"),
        ("GOOGLE_ZONE", "europe-west1-b"),
    ] {
        assert_eq!(plain(&m, variable), value, "{variable}");
    }
}

#[test]
fn kubernetes_gets_a_kubeconfig_file() {
    let m = run(
        "kubernetes",
        None,
        AuthMode::Inline,
        &ResolvedFields::new().with("kubeconfig", kubeconfig()),
    );
    assert_eq!(names(&m), ["KUBECONFIG", "KUBE_CONFIG_PATH"]);
    assert_eq!(file_of(&m, "KUBE_CONFIG_PATH"), file_of(&m, "KUBECONFIG"));
    let (name, contents) = file_of(&m, "KUBECONFIG");
    assert_eq!(name, "config");
    assert_eq!(contents, kubeconfig().trim());
    // The token is masked; the cluster, its address and the contexts are not.
    let masks = secret_values(&m);
    assert!(masks.contains(KUBE_TOKEN));
    for identifier in [
        "https://203.0.113.10:6443",
        "current-context: prod",
        "deployer",
    ] {
        assert!(
            masks.iter().all(|mask| !mask.contains(identifier)),
            "{identifier} is masked"
        );
    }

    let encoded = base64::engine::general_purpose::STANDARD.encode(kubeconfig());
    let m = run(
        "kubernetes",
        None,
        AuthMode::Inline,
        &ResolvedFields::new().with("kubeconfig", encoded),
    );
    assert_eq!(file_of(&m, "KUBECONFIG").1, kubeconfig().trim());
}

#[test]
fn self_hosted_git_hosts() {
    let gitlab = ResolvedFields::new()
        .with("host", "https://gitlab.example.com/")
        .with("group_id", "acme")
        .with("access_token", "glpat-0123456789abcdefghij");
    let m = run("gitlab", None, AuthMode::Inline, &gitlab);
    assert_eq!(
        plain(&m, "GITLAB_BASE_URL"),
        "https://gitlab.example.com/api/v4/"
    );
    assert_eq!(plain(&m, "CI_SERVER_URL"), "https://gitlab.example.com");

    let github = ResolvedFields::new()
        .with("token", "ghs_0123456789abcdefghijABCDEFGHIJ012345")
        .with("host", "https://github.example.com");
    let m = run("github", None, AuthMode::Inline, &github);
    assert_eq!(plain(&m, "GH_HOST"), "github.example.com");
    assert_eq!(
        secret(&m, "GH_ENTERPRISE_TOKEN"),
        "ghs_0123456789abcdefghijABCDEFGHIJ012345"
    );
    assert_eq!(plain(&m, "GITHUB_BASE_URL"), "https://github.example.com/");

    let public = run(
        "github",
        None,
        AuthMode::Inline,
        &ResolvedFields::new().with("token", "ghs_0123456789abcdefghijABCDEFGHIJ012345"),
    );
    assert_eq!(names(&public), ["GITHUB_TOKEN", "GH_TOKEN"]);
}

#[test]
fn managed_services_use_their_providers_variables() {
    let m = run(
        "snowflake",
        None,
        AuthMode::Inline,
        &ResolvedFields::new()
            .with("account", "acme-analytics")
            .with("username", "svc")
            .with("private_key", crate::fixtures::PEM_KEY)
            .with("warehouse", "ci"),
    );
    assert_eq!(plain(&m, "SNOWFLAKE_ORGANIZATION_NAME"), "acme");
    assert_eq!(plain(&m, "SNOWFLAKE_ACCOUNT_NAME"), "analytics");
    assert_eq!(plain(&m, "SNOWFLAKE_AUTHENTICATOR"), "SNOWFLAKE_JWT");
    assert_eq!(
        secret(&m, "SNOWFLAKE_PRIVATE_KEY"),
        crate::fixtures::PEM_KEY
    );
    assert!(m.env_var("SNOWFLAKE_PASSWORD").is_none());

    let fga = ResolvedFields::new()
        .with("api_url", "https://api.us1.fga.dev")
        .with("api_token", "preshared-PLANTED")
        .with("client_id", "id")
        .with("client_secret", "client-secret-PLANTED")
        .with("api_token_issuer", "auth.fga.dev");
    let m = run("openfga", None, AuthMode::Inline, &fga);
    assert_eq!(names(&m), ["FGA_API_URL", "FGA_API_TOKEN"]);

    let atlas = ResolvedFields::new()
        .with("public_key", "abcdefgh")
        .with("private_key", "11111111-2222-4333-8444-555566667777");
    let m = run("mongodb-atlas", None, AuthMode::Inline, &atlas);
    assert_eq!(plain(&m, "MONGODB_ATLAS_PUBLIC_KEY"), "abcdefgh");
    assert_eq!(
        secret(&m, "MONGODB_ATLAS_PRIVATE_API_KEY"),
        "11111111-2222-4333-8444-555566667777"
    );
}

#[test]
fn azure_names_its_application_in_clear_and_its_cloud() {
    let fields = ResolvedFields::new()
        .with("client_id", "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
        .with("client_secret", "azure-client-secret-PLANTED-0123")
        .with("tenant_id", "11111111-2222-4333-8444-555566667777")
        .with("subscription_id", "99999999-8888-4777-8666-555544443333")
        .with("cloud", "usgovernment");
    let m = run("azure", None, AuthMode::Inline, &fields);
    for variable in ["ARM_CLIENT_ID", "AZURE_CLIENT_ID"] {
        assert_eq!(plain(&m, variable), "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
    }
    assert_eq!(
        secret(&m, "ARM_CLIENT_SECRET"),
        "azure-client-secret-PLANTED-0123"
    );
    assert_eq!(plain(&m, "ARM_ENVIRONMENT"), "usgovernment");
    assert_eq!(
        plain(&m, "AZURE_AUTHORITY_HOST"),
        "https://login.microsoftonline.us/"
    );
    // The public cloud is the tools' default: nothing to say.
    let public = run(
        "azure",
        None,
        AuthMode::Inline,
        &fields.with("cloud", "public"),
    );
    assert_eq!(plain(&public, "ARM_ENVIRONMENT"), "public");
}
