//! The organization pages' forms: environments, secrets (write-only), variables, runners, jobs
//! and the audit trail, checked against what the API then reports.

use lanyard_testkit::{backend_tests, Backend, TestServer};

use crate::support::Visitor;

backend_tests!(organization_pages_change_what_the_api_sees);

async fn organization_pages_change_what_the_api_sees(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;

    let done = v
        .submit("/environments", "/environments", &[("name", "staging")])
        .await;
    let page = v.follow(done).await;
    assert!(page.body.contains("Environment staging created."));
    assert!(page.body.contains("<td>staging</td>"));
    let bad = v
        .submit("/environments", "/environments", &[("name", "Not A Slug")])
        .await;
    let page = v.follow(bad).await;
    assert!(
        page.body.contains(r#"class="flash error""#),
        "{}",
        page.body
    );
    assert_eq!(admin.list_environments("acme").await.unwrap().len(), 1);

    let done = v
        .submit(
            "/secrets",
            "/secrets",
            &[("name", "deploy-key"), ("value", "first value")],
        )
        .await;
    assert!(v.follow(done).await.body.contains("saved as version 1"));
    let done = v
        .submit(
            "/secrets",
            "/secrets",
            &[("name", "deploy-key"), ("value", "second value")],
        )
        .await;
    let page = v.follow(done).await;
    assert!(page.body.contains("saved as version 2"));
    assert!(!page.body.contains("second value"));
    assert_eq!(
        admin
            .secret_versions("acme", "deploy-key")
            .await
            .unwrap()
            .len(),
        2
    );

    let done = v
        .submit(
            "/variables",
            "/variables",
            &[("name", "region"), ("value", "eu-west-1")],
        )
        .await;
    let page = v.follow(done).await;
    assert!(page.body.contains("<td>eu-west-1</td>"));
    assert_eq!(admin.list_variables("acme").await.unwrap().len(), 1);

    // The delete buttons ask with what else goes (the server's deletion impact).
    server
        .connect_authorized(
            serde_json::json!({"name": "aws-staging", "provider": "aws", "fields": {
                "account_id": {"value": "123456789012"},
                "access_key_id": {"value": "AKIAIOSFODNN7EXAMPLE"},
                "secret_access_key": {"value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}}),
            &["staging"],
        )
        .await;
    let envs = v.get("/environments").await;
    assert!(
        envs.body.contains(
            "Delete environment staging? It also removes the only authorization of connection \
             `aws-staging`"
        ),
        "{}",
        envs.body
    );
    let connection = v.get("/connections/aws-staging").await;
    assert!(
        connection.body.contains(
            "Delete connection aws-staging? It also removes its authorization for staging. Its \
             secrets stay"
        ),
        "{}",
        connection.body
    );
    admin
        .delete_connection("acme", "aws-staging")
        .await
        .unwrap();
    for secret in admin.list_secrets("acme").await.unwrap() {
        if secret.name.starts_with("aws-staging") {
            admin.delete_secret("acme", &secret.name).await.unwrap();
        }
    }

    for (page_path, action) in [
        ("/variables", "/variables/region/delete"),
        ("/secrets", "/secrets/deploy-key/delete"),
        ("/environments", "/environments/staging/delete"),
    ] {
        let done = v.submit(page_path, action, &[]).await;
        let page = v.follow(done).await;
        assert!(page.body.contains("deleted."), "{action}: {}", page.body);
    }
    assert!(admin.list_variables("acme").await.unwrap().is_empty());
    assert!(admin.list_secrets("acme").await.unwrap().is_empty());
    assert!(admin.list_environments("acme").await.unwrap().is_empty());

    // A runner registered from the CLI can be made the default here.
    let builder = admin.register_runner("acme", "builder").await.unwrap();
    let done = v.submit("/runners", "/runners/builder/default", &[]).await;
    let page = v.follow(done).await;
    assert!(page.body.contains("Runner builder is now the default."));
    assert!(admin.list_runners("acme").await.unwrap()[0].is_default);
    // Each runner's isolation shows: the built-in runner's as its sandbox described it, a
    // registered runner's as unknown until it reports.
    let runners = v.get("/runners").await;
    assert!(
        runners.body.contains("Built-in runner isolation:"),
        "{}",
        runners.body
    );
    assert!(runners.body.contains(">sandbox</span>"), "{}", runners.body);
    assert!(runners.body.contains("bubblewrap"), "{}", runners.body);
    assert!(runners.body.contains(">unknown</span>"), "{}", runners.body);
    // And what it found when it checked its own identities: a refusal stands out, finding
    // nothing does not, the message is the badge's title.
    let check = |provider: &str, verdict: &str, message: &str| lanyard_api::IdentityCheck {
        provider: provider.to_owned(),
        verdict: verdict.to_owned(),
        identity: None,
        message: message.to_owned(),
        checked_at: None,
    };
    let token = builder.token.expose_secret().to_owned();
    server
        .client(&token)
        .report_identity_checks(&lanyard_api::IdentityCheckReport {
            checks: vec![
                check("azure", "wrong_credentials", "AADSTS7000215 said Entra"),
                check("kubernetes", "failed", "not inside a Kubernetes cluster"),
            ],
        })
        .await
        .unwrap();
    let runners = v.get("/runners").await;
    for shown in [
        r#"<span class="badge bad" title="AADSTS7000215 said Entra">azure: wrong_credentials</span>"#,
        r#"<span class="badge none" title="not inside a Kubernetes cluster">kubernetes: failed</span>"#,
    ] {
        assert!(runners.body.contains(shown), "{shown}: {}", runners.body);
    }

    // Every change above is in the audit trail, whose chain verifies.
    let audit = v.get("/audit?verify=1").await;
    assert!(audit.body.contains("The chain is intact"), "{}", audit.body);
    for action in [
        "environment.create",
        "secret.set",
        "variable.set",
        "runner.register",
    ] {
        assert!(audit.body.contains(action), "{action}");
    }

    // Unknown objects are a readable 404, not a crash.
    let missing = v.get("/connections/nope").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("connection `nope` not found"));
    assert_eq!(v.get("/jobs/nope").await.status, 404);
    assert_eq!(v.get("/connections/new/nope").await.status, 404);
}
