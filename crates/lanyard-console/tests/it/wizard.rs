//! The wizard is generated from the catalog: every provider, kind and example field set of the
//! catalog connects through it, and its pages offer only the modes a provider allows.

use lanyard_providers::examples::cases;
use lanyard_testkit::{backend_tests, Backend, TestServer};

use crate::support::Visitor;

backend_tests!(
    every_catalog_example_connects_through_the_wizard,
    replacing_a_shared_secret_rotates_it_everywhere,
    runner_mode_offers_the_registered_runners,
);

async fn runner_mode_offers_the_registered_runners(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .admin()
        .register_runner("acme", "builder")
        .await
        .unwrap();
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;
    let page = v.get("/connections/new/aws?mode=runner").await;
    assert!(page
        .body
        .contains(r#"<select id="field-runner" name="field.runner""#));
    assert!(page.body.contains(r#"<option value="builder""#));
    assert!(
        !page.body.contains("field.secret_access_key"),
        "runner mode stores no keys"
    );
    let saved = v
        .submit(
            "/connections/new/aws?mode=runner",
            "/connections/new/aws",
            &[
                ("mode", "runner"),
                ("name", "aws-runner"),
                ("field.account_id", "123456789012"),
                ("field.runner", "builder"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let created = server
        .admin()
        .get_connection("acme", "aws-runner")
        .await
        .unwrap();
    assert_eq!(created.auth_mode, "runner");
}

async fn every_catalog_example_connects_through_the_wizard(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;
    for (n, case) in cases().into_iter().enumerate() {
        let label = case.label();
        let spec = lanyard_providers::find(case.provider).unwrap();
        let mut path = format!("/connections/new/{}", case.provider);
        if let Some(kind) = case.kind {
            path.push_str(&format!("?kind={kind}"));
        }
        let page = v.get(&path).await;
        assert_eq!(page.status, 200, "{label}");
        for mode in lanyard_providers::AuthMode::ALL {
            let offered = page.body.contains(&format!(r#"<option value="{mode}""#));
            assert_eq!(offered, spec.allows(mode), "{label}: mode {mode}");
        }
        let name = format!("c{n}");
        let mut form = vec![("mode", "inline".to_owned()), ("name", name.clone())];
        if let Some(kind) = case.kind {
            form.push(("kind", kind.to_owned()));
        }
        let keys: Vec<String> = case
            .fields
            .iter()
            .map(|(k, _)| format!("field.{k}"))
            .collect();
        for ((field, value), key) in case.fields.iter().zip(&keys) {
            assert!(
                page.body.contains(&format!(r#"name="{key}""#)),
                "{label}: the wizard lacks {field}"
            );
            form.push((key.as_str(), value.clone()));
        }
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, val)| (*k, val.as_str())).collect();
        let saved = v.submit(&path, &path, &fields).await;
        assert_eq!(saved.status, 303, "{label}: {}", saved.body);
        assert_eq!(
            saved.location,
            Some(format!("/connections/{name}")),
            "{label}"
        );
        // What was typed into secret fields never comes back.
        let details = v.get(&format!("/connections/{name}")).await;
        for (field, value) in &case.fields {
            if spec.field(field).is_some_and(|f| f.secret) {
                assert!(!details.body.contains(value.as_str()), "{label}: {field}");
            }
        }
    }
}

async fn replacing_a_shared_secret_rotates_it_everywhere(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin
        .set_secret("acme", "do-token", "dop_v1_first-value".to_owned().into())
        .await
        .unwrap();
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;
    for name in ["do-a", "do-b"] {
        let saved = v
            .submit(
                "/connections/new/digitalocean",
                "/connections/new/digitalocean",
                &[
                    ("mode", "inline"),
                    ("name", name),
                    ("field.api_token", "secret:do-token"),
                    ("field.default_region", "nyc3"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    let page = v.get("/connections/do-a").await;
    assert!(
        page.body
            .contains("shared secret <code>do-token</code> · version 1"),
        "{}",
        page.body
    );
    let done = v
        .submit(
            "/connections/do-a",
            "/connections/do-a/fields/api_token",
            &[("value", "dop_v1_second-value")],
        )
        .await;
    let page = v.follow(done).await;
    assert!(
        page.body.contains("do-token is now at version 2"),
        "{}",
        page.body
    );
    let other = v.get("/connections/do-b").await;
    assert!(other
        .body
        .contains("shared secret <code>do-token</code> · version 2"));
    assert!(!other.body.contains("second-value") && !other.body.contains("first-value"));
}
