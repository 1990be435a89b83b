//! Connections over the API: every provider connects with its real field set, bad input names
//! the field, secrets are write-only and one secret change reaches every connection using it.

use std::collections::BTreeMap;

use lanyard_api::{CreateConnection, FieldInput, FieldView, UpdateConnection, WireSecret};
use lanyard_client::Client;
use lanyard_providers::examples::{cases, AWS_KEY_ID, AWS_SECRET};
use lanyard_providers::{EnvValue, Materialization};
use lanyard_testkit::{backend_tests, Backend, TestServer};

fn literal(value: &str) -> FieldInput {
    FieldInput::Value(WireSecret::new(value.to_owned().into()))
}

fn aws_fields(secret: &str) -> BTreeMap<String, FieldInput> {
    [
        ("account_id", literal("123456789012")),
        ("region", literal("eu-west-1")),
        ("access_key_id", literal(AWS_KEY_ID)),
        ("secret_access_key", literal(secret)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

async fn create(
    client: &Client,
    name: &str,
    provider: &str,
    kind: Option<&str>,
    fields: BTreeMap<String, FieldInput>,
) -> Result<lanyard_api::Connection, lanyard_client::ClientError> {
    let request = CreateConnection {
        name: name.to_owned(),
        provider: provider.to_owned(),
        kind: kind.map(str::to_owned),
        auth_mode: None,
        fields,
    };
    client.create_connection("acme", &request).await
}

async fn every_provider_connects_and_names_bad_fields(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    let mut providers_seen = std::collections::BTreeSet::new();
    for (n, case) in cases().into_iter().enumerate() {
        let fields = || {
            case.fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), literal(v)))
                .collect::<BTreeMap<_, _>>()
        };
        let created = create(&admin, &format!("c{n}"), case.provider, case.kind, fields()).await;
        let created = created.unwrap_or_else(|e| panic!("{}: {e}", case.label()));
        providers_seen.insert(case.provider);
        // Secret fields come back as references, never as values.
        for (field, view) in &created.fields {
            let spec = lanyard_providers::find(case.provider)
                .unwrap()
                .field(field)
                .unwrap();
            assert_eq!(
                spec.secret,
                matches!(view, FieldView::Secret { .. }),
                "{}: {field}",
                case.label()
            );
        }
        let mut missing = fields();
        missing.remove(case.required);
        let err = create(&admin, &format!("m{n}"), case.provider, case.kind, missing)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{}", case.label());
        assert!(
            err.to_string().contains(case.required),
            "{}: {err}",
            case.label()
        );
        let mut malformed = fields();
        malformed.insert(case.malformed.0.to_owned(), literal(case.malformed.1));
        let err = create(
            &admin,
            &format!("x{n}"),
            case.provider,
            case.kind,
            malformed,
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains(case.malformed.0),
            "{}: {err}",
            case.label()
        );
    }
    let all: Vec<&str> = lanyard_providers::catalog().iter().map(|p| p.id).collect();
    assert_eq!(
        providers_seen.into_iter().collect::<Vec<_>>().len(),
        all.len(),
        "every provider is covered"
    );
    // Nothing half-written: only the valid connections exist.
    assert_eq!(
        admin.list_connections("acme", None).await.unwrap().len(),
        cases().len()
    );
}

async fn modes_and_providers_are_checked(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    let request = CreateConnection {
        name: "g".into(),
        provider: "gcp".into(),
        kind: None,
        auth_mode: Some("cross-account-trust".into()),
        fields: BTreeMap::new(),
    };
    let err = admin
        .create_connection("acme", &request)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("allowed modes: inline, runner"), "{err}");
    let request = CreateConnection {
        provider: "aws2".into(),
        auth_mode: None,
        ..request
    };
    let err = admin
        .create_connection("acme", &request)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown provider `aws2`") && err.contains("lanyard provider list"),
        "{err}"
    );
    let mut fields = aws_fields(AWS_SECRET);
    fields.insert(
        "secret_access_key".into(),
        FieldInput::Secret("nope".into()),
    );
    let err = create(&admin, "a", "aws", None, fields)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("lanyard secret set nope"), "{err}");
    assert!(
        admin.list_secrets("acme").await.unwrap().is_empty(),
        "a refused connection left secrets"
    );
}

fn secret_env(m: &Materialization, name: &str) -> String {
    match m.env_var(name) {
        Some(EnvValue::Secret(value)) => {
            lanyard_crypto::ExposeSecret::expose_secret(value).to_owned()
        }
        other => panic!("{name}: {other:?}"),
    }
}

async fn one_secret_change_reaches_every_connection(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    admin
        .set_secret("acme", "shared-key", AWS_SECRET.to_owned().into())
        .await
        .unwrap();
    admin
        .set_variable("acme", "region", "eu-central-1")
        .await
        .unwrap();
    for name in ["one", "two"] {
        let mut fields = aws_fields("unused-0123456789012345678901234567890123");
        fields.insert(
            "secret_access_key".into(),
            FieldInput::Secret("shared-key".into()),
        );
        fields.insert("region".into(), FieldInput::Variable("region".into()));
        create(&admin, name, "aws", None, fields).await.unwrap();
    }
    let core = server.core().await;
    let me = core.authenticate(server.admin_token()).await.unwrap();
    let (org, dev) = (
        lanyard_domain::Slug::parse("acme").unwrap(),
        lanyard_domain::Slug::parse("dev").unwrap(),
    );
    let rotated = "rotated0K7MDENG/bPxRfiCYEXAMPLEKEYrotate";
    admin
        .set_secret("acme", "shared-key", rotated.to_owned().into())
        .await
        .unwrap();
    admin
        .set_variable("acme", "region", "us-west-2")
        .await
        .unwrap();
    for name in ["one", "two"] {
        let conn = lanyard_domain::Slug::parse(name).unwrap();
        let m = core
            .materialize_connection(&me, &org, &conn, &dev)
            .await
            .unwrap();
        assert_eq!(secret_env(&m, "AWS_SECRET_ACCESS_KEY"), rotated);
        assert!(matches!(m.env_var("AWS_REGION"), Some(EnvValue::Plain(r)) if r == "us-west-2"));
        let view = admin.get_connection("acme", name).await.unwrap();
        assert_eq!(
            view.fields["secret_access_key"],
            FieldView::Secret {
                name: "shared-key".into(),
                version: 2
            }
        );
    }
    let versions = admin.secret_versions("acme", "shared-key").await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    // Still in use: deleting is refused, naming both connections.
    let err = admin.delete_secret("acme", "shared-key").await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert!(err.to_string().contains("`one`, `two`"), "{err}");
    let err = admin.delete_variable("acme", "region").await.unwrap_err();
    assert!(err.to_string().contains("`one`"), "{err}");
    // Updating a literal secret field adds a version of the connection's own secret.
    let update = UpdateConnection {
        fields: [("secret_access_key".to_owned(), literal(AWS_SECRET))].into(),
        ..Default::default()
    };
    let updated = admin
        .update_connection("acme", "one", &update)
        .await
        .unwrap();
    assert_eq!(
        updated.fields["secret_access_key"],
        FieldView::Secret {
            name: "one-secret-access-key".into(),
            version: 1
        }
    );
    admin.delete_connection("acme", "one").await.unwrap();
    admin.delete_connection("acme", "two").await.unwrap();
    admin.delete_secret("acme", "shared-key").await.unwrap();
}

backend_tests!(
    every_provider_connects_and_names_bad_fields,
    modes_and_providers_are_checked,
    one_secret_change_reaches_every_connection,
);
