//! No console page ever contains a secret value: secrets are planted through the API (directly,
//! as a connection's literal field, and in a job's output), then every page is read.

use std::collections::BTreeMap;
use std::time::Duration;

use lanyard_api::{CreateConnection, CreateJob, FieldInput, WireSecret};
use lanyard_testkit::{backend_tests, Backend};

use crate::support::Visitor;

backend_tests!(no_page_contains_a_secret_value);

const PLANTED: &str = "planted-Secret-9f3c1b7e2d";
const KEY: &str = "wJalrXUtnFEMI/K7MDENG/plantedSECRETkey42";

fn literal(value: &str) -> FieldInput {
    FieldInput::Value(WireSecret::new(value.to_owned().into()))
}

async fn no_page_contains_a_secret_value(backend: Backend) {
    // "Test connection" asks AWS; it must not leave the machine.
    let server = crate::aws::server_reaching(backend, crate::aws::UNREACHABLE_AWS, None).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    admin
        .set_secret("acme", "deploy-key", PLANTED.to_owned().into())
        .await
        .unwrap();
    admin
        .set_variable("acme", "region", "eu-west-1")
        .await
        .unwrap();
    let fields: BTreeMap<String, FieldInput> = [
        ("account_id", literal("123456789012")),
        ("region", FieldInput::Variable("region".into())),
        ("access_key_id", literal("AKIAIOSFODNN7EXAMPLE")),
        ("secret_access_key", literal(KEY)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    admin
        .create_connection(
            "acme",
            &CreateConnection {
                name: "aws-dev".into(),
                provider: "aws".into(),
                kind: None,
                auth_mode: None,
                fields,
            },
        )
        .await
        .unwrap();
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;
    let done = v
        .submit(
            "/connections/aws-dev",
            "/connections/aws-dev/authorization",
            &[("scope", "organization")],
        )
        .await;
    assert_eq!(done.status, 303);

    // A job that prints the secret: its stored output is redacted, and so is the page.
    let job = admin
        .create_job(
            "acme",
            &CreateJob {
                environment: "dev".into(),
                providers: vec![],
                connections: vec!["aws-dev".into()],
                runner: None,
                git: None,
                timeout_secs: None,
                upload: None,
                artifacts: vec![],
                command: vec![
                    "sh".into(),
                    "-c".into(),
                    "echo key=$AWS_SECRET_ACCESS_KEY".into(),
                ],
            },
        )
        .await
        .unwrap();
    for _ in 0..200 {
        let now = admin.get_job("acme", &job.id).await.unwrap();
        if ["succeeded", "failed", "canceled"].contains(&now.status.as_str()) {
            assert_eq!(now.status, "succeeded", "{now:?}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut bodies = Vec::new();
    for path in [
        "/login",
        "/connections",
        "/connections?tab=connected",
        "/connections/matrix",
        "/connections/aws-dev",
        "/connections/new/aws",
        "/environments",
        "/secrets",
        "/variables",
        "/runners",
        "/jobs",
        &format!("/jobs/{}", job.id),
        &format!("/jobs/{}/output", job.id),
        "/audit",
        "/audit?verify=1",
        "/static/console.js",
    ] {
        let page = v.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        bodies.push((path.to_owned(), page.body));
    }
    let output = &bodies
        .iter()
        .find(|(p, _)| p.ends_with("/output"))
        .unwrap()
        .1;
    assert!(
        output.contains("key="),
        "the job's output is there: {output}"
    );

    // Forms that fail or succeed with a secret in them do not echo it either.
    let wizard = v
        .submit(
            "/connections/new/aws",
            "/connections/new/aws",
            &[
                ("name", "aws-other"),
                ("field.account_id", "not-an-account"),
                ("field.secret_access_key", KEY),
            ],
        )
        .await;
    assert_eq!(wizard.status, 400);
    bodies.push(("wizard error".into(), wizard.body));
    let replaced = v
        .submit(
            "/connections/aws-dev",
            "/connections/aws-dev/fields/secret_access_key",
            &[("value", PLANTED)],
        )
        .await;
    bodies.push(("replace".into(), v.follow(replaced).await.body));
    let set = v
        .submit(
            "/secrets",
            "/secrets",
            &[("name", "deploy-key"), ("value", KEY)],
        )
        .await;
    bodies.push(("set secret".into(), v.follow(set).await.body));
    let tested = v
        .submit("/connections/aws-dev", "/connections/aws-dev/test", &[])
        .await;
    bodies.push(("test".into(), tested.body));

    for (path, body) in &bodies {
        assert!(!body.contains(PLANTED), "{path} shows a planted secret");
        assert!(!body.contains(KEY), "{path} shows a connection's secret");
    }
    assert!(bodies
        .iter()
        .any(|(p, b)| p == "/secrets" && b.contains("deploy-key")));
}
