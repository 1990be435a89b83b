//! Authorizations, defaults, resolution and the matrix: the product page's Getting Started flow,
//! its refusals, and the race between replicas.

use lanyard_api::{AuthorizationRequest, CreateConnection, FieldInput, SetDefault, WireSecret};
use lanyard_client::Client;
use lanyard_testkit::{backend_tests, Backend, TestServer};

async fn aws(client: &Client, name: &str) {
    let fields = [
        ("account_id", "123456789012"),
        ("access_key_id", "AKIAIOSFODNN7EXAMPLE"),
        (
            "secret_access_key",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_owned(),
            FieldInput::Value(WireSecret::new(v.to_owned().into())),
        )
    })
    .collect();
    let request = CreateConnection {
        name: name.into(),
        provider: "aws".into(),
        kind: None,
        auth_mode: None,
        fields,
    };
    client.create_connection("acme", &request).await.unwrap();
}

fn authorize(connection: &str, scope: &str, environments: &[&str]) -> AuthorizationRequest {
    AuthorizationRequest {
        provider: "aws".into(),
        connection: connection.into(),
        scope: scope.into(),
        environments: environments.iter().map(|e| (*e).to_owned()).collect(),
    }
}

fn default(connection: &str, env: Option<&str>) -> SetDefault {
    SetDefault {
        connection: connection.into(),
        environment: env.map(str::to_owned),
    }
}

async fn getting_started_flow_with_its_refusals(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for env in ["dev", "staging", "prod"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    aws(&admin, "aws-shared").await;
    aws(&admin, "aws-prod").await;

    // Nothing resolves yet: the error names both layers and the command that fixes it.
    let r = admin.resolve("acme", "aws", "dev", None).await.unwrap();
    assert_eq!(r.connection, None);
    let layers: Vec<&str> = r.checked.iter().map(|c| c.layer.as_str()).collect();
    assert_eq!(layers, ["environment_default", "organization_default"]);
    let error = r.error.unwrap();
    assert!(
        error.contains("lanyard connection default set --provider aws --connection NAME --env dev"),
        "{error}"
    );

    // An organization default that is not authorized is saved, with a warning and the fix.
    let saved = admin
        .set_default("acme", "aws", &default("aws-shared", None))
        .await
        .unwrap();
    let warning = saved.warning.unwrap();
    assert!(warning.contains("lanyard connection authorization create --provider aws --connection aws-shared --scope organization"), "{warning}");
    let r = admin.resolve("acme", "aws", "dev", None).await.unwrap();
    assert_eq!(
        (r.connection.as_deref(), r.source.as_deref(), r.authorized),
        (Some("aws-shared"), Some("organization_default"), false)
    );
    assert!(r
        .error
        .unwrap()
        .contains("--scope environment --environments dev"));

    // Authorized for dev and staging only; unknown environments are rejected.
    let err = admin
        .create_authorization(
            "acme",
            &authorize("aws-shared", "environment", &["dev", "qa"]),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown environment `qa`"),
        "{err}"
    );
    admin
        .create_authorization(
            "acme",
            &authorize("aws-shared", "environment", &["dev", "staging"]),
        )
        .await
        .unwrap();
    let dup = admin
        .create_authorization("acme", &authorize("aws-shared", "organization", &[]))
        .await
        .unwrap_err();
    assert_eq!(dup.status(), Some(409));
    let r = admin.resolve("acme", "aws", "dev", None).await.unwrap();
    assert!(r.authorized && r.error.is_none());
    let r = admin.resolve("acme", "aws", "prod", None).await.unwrap();
    assert!(!r.authorized, "never falls back to another connection");

    // The environment default wins over the organization default; an explicit connection wins
    // over both, and is checked for authorization too.
    admin
        .create_authorization("acme", &authorize("aws-prod", "environment", &["prod"]))
        .await
        .unwrap();
    let saved = admin
        .set_default("acme", "aws", &default("aws-prod", Some("prod")))
        .await
        .unwrap();
    assert!(saved.warning.is_none());
    let r = admin.resolve("acme", "aws", "prod", None).await.unwrap();
    assert_eq!(
        (r.connection.as_deref(), r.source.as_deref(), r.authorized),
        (Some("aws-prod"), Some("environment_default"), true)
    );
    let r = admin
        .resolve("acme", "aws", "prod", Some("aws-shared"))
        .await
        .unwrap();
    assert_eq!(
        (r.source.as_deref(), r.authorized),
        (Some("explicit"), false)
    );
    let r = admin
        .resolve("acme", "aws", "dev", Some("nope"))
        .await
        .unwrap();
    assert!(r.error.unwrap().contains("connection `nope` not found"));

    // A connection of another provider cannot be an aws default.
    let gh = CreateConnection {
        name: "gh".into(),
        provider: "github".into(),
        kind: None,
        auth_mode: None,
        fields: [(
            "token".to_owned(),
            FieldInput::Value(WireSecret::new(
                "ghp_0123456789abcdefghijABCDEFGHIJ012345".to_owned().into(),
            )),
        )]
        .into(),
    };
    admin.create_connection("acme", &gh).await.unwrap();
    let err = admin
        .set_default("acme", "aws", &default("gh", None))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("is a github connection, not aws"),
        "{err}"
    );

    // The matrix shows all four states.
    let m = admin.matrix("acme", Some("aws")).await.unwrap();
    assert_eq!(m.environments, ["dev", "prod", "staging"]);
    let row = |name: &str| {
        m.rows
            .iter()
            .find(|r| r.connection == name)
            .unwrap()
            .cells
            .clone()
    };
    assert_eq!(row("aws-shared"), ["default", "not_authorized", "default"]);
    assert_eq!(
        row("aws-prod"),
        ["not_authorized", "default", "not_authorized"]
    );
    admin
        .set_default("acme", "aws", &default("aws-prod", Some("dev")))
        .await
        .unwrap();
    let m = admin.matrix("acme", Some("aws")).await.unwrap();
    let cells = &m
        .rows
        .iter()
        .find(|r| r.connection == "aws-prod")
        .unwrap()
        .cells;
    assert_eq!(cells[0], "misconfigured");

    // Deleting an environment removes it from every authorization list.
    admin.delete_environment("acme", "staging").await.unwrap();
    let auth = admin
        .get_authorization("acme", "aws", "aws-shared")
        .await
        .unwrap();
    assert_eq!(auth.environments, ["dev"]);
    // Unset, and resolution reports the gap again.
    admin
        .unset_default("acme", "aws", Some("prod"))
        .await
        .unwrap();
    admin.unset_default("acme", "aws", None).await.unwrap();
    let r = admin.resolve("acme", "aws", "prod", None).await.unwrap();
    assert!(r.connection.is_none());
    assert_eq!(
        admin
            .unset_default("acme", "aws", None)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    // A future environment is covered by organization scope.
    admin
        .update_authorization("acme", &authorize("aws-shared", "organization", &[]))
        .await
        .unwrap();
    admin
        .set_default("acme", "aws", &default("aws-shared", None))
        .await
        .unwrap();
    admin.create_environment("acme", "later").await.unwrap();
    let r = admin.resolve("acme", "aws", "later", None).await.unwrap();
    assert!(r.authorized && r.error.is_none(), "{r:?}");
}

async fn replicas_racing_to_set_a_default_leave_one(backend: Backend) {
    let one = TestServer::start(backend).await;
    let two = one.start_another().await;
    let (a, b) = (one.admin(), two.client(one.admin_token()));
    a.create_environment("acme", "dev").await.unwrap();
    aws(&a, "first").await;
    aws(&a, "second").await;
    for _ in 0..5 {
        let (first, second) = (
            default("first", Some("dev")),
            default("second", Some("dev")),
        );
        let (x, y) = tokio::join!(
            a.set_default("acme", "aws", &first),
            b.set_default("acme", "aws", &second),
        );
        x.unwrap();
        y.unwrap();
        let defaults = a.list_defaults("acme", Some("aws")).await.unwrap();
        assert_eq!(defaults.len(), 1, "{defaults:?}");
        assert_eq!(
            b.list_defaults("acme", Some("aws")).await.unwrap(),
            defaults
        );
    }
}

/// Polls `check` every 10 ms until it holds or `limit` passes; returns whether it held.
async fn holds_within<F, Fut>(limit: std::time::Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

/// A revocation or a default changed through one replica holds on another at once, even where
/// that one had just cached the old answer (its caches live up to a second): the database
/// announces every change (LISTEN/NOTIFY) and every replica clears its caches on hearing it.
async fn a_change_on_one_replica_holds_on_the_other_at_once(backend: Backend) {
    if backend == Backend::Sqlite {
        // An embedded SQLite database has one server; replicas need PostgreSQL.
        return;
    }
    let one = TestServer::start(backend).await;
    let two = one.start_another().await;
    let (a, b) = (one.admin(), two.client(one.admin_token()));
    // Both replicas must be listening before the race starts.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    a.create_environment("acme", "dev").await.unwrap();
    aws(&a, "first").await;
    aws(&a, "second").await;
    for name in ["first", "second"] {
        a.create_authorization("acme", &authorize(name, "organization", &[]))
            .await
            .unwrap();
    }
    a.set_default("acme", "aws", &default("first", Some("dev")))
        .await
        .unwrap();

    let limit = std::time::Duration::from_millis(250);
    let resolved = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .resolve("acme", "aws", "dev", None)
                .await
                .unwrap()
                .connection
        }
    };
    assert_eq!(
        resolved(&b).await.as_deref(),
        Some("first"),
        "cached on two"
    );
    a.set_default("acme", "aws", &default("second", Some("dev")))
        .await
        .unwrap();
    assert!(
        holds_within(limit, || async {
            resolved(&b).await.as_deref() == Some("second")
        })
        .await,
        "two still resolves the old default"
    );

    let req = lanyard_api::CreateToken {
        role: lanyard_api::RoleName::Viewer,
        environments: vec![],
        description: String::new(),
    };
    let created = a.create_token("acme", &req).await.unwrap();
    let viewer = two.client(created.secret.expose_secret());
    viewer.whoami().await.expect("cached on two");
    a.revoke_token("acme", &created.token.id).await.unwrap();
    assert!(
        holds_within(limit, || async {
            viewer
                .whoami()
                .await
                .is_err_and(|e| e.status() == Some(401))
        })
        .await,
        "two still accepts the revoked token"
    );
}

/// What deleting each thing takes with it, as the API says it (the CLI asks with this list and
/// the console's delete buttons show it): a table of things and the phrases each must name.
async fn deletion_impact_names_what_goes_with_each_thing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for env in ["dev", "prod"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    aws(&admin, "aws-dev").await;
    admin
        .create_authorization("acme", &authorize("aws-dev", "environment", &["dev"]))
        .await
        .unwrap();
    admin
        .set_default("acme", "aws", &default("aws-dev", Some("dev")))
        .await
        .unwrap();
    admin.register_runner("acme", "edge").await.unwrap();
    admin
        .set_default_runner("acme", Some("edge"))
        .await
        .unwrap();
    let pinned: CreateConnection = serde_json::from_value(serde_json::json!({
        "name": "aws-edge", "provider": "aws",
        "fields": {
            "account_id": {"value": "123456789012"},
            "access_key_id": {"value": "AKIAIOSFODNN7EXAMPLE"},
            "secret_access_key": {"value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
            "runner": {"value": "edge"}
        }
    }))
    .unwrap();
    admin.create_connection("acme", &pinned).await.unwrap();

    let viewer = server.client(&server.viewer_token().await);
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "environment",
            "dev",
            &[
                "its default aws connection (`aws-dev`)",
                "the only authorization of connection `aws-dev`",
            ],
        ),
        ("environment", "prod", &[]),
        (
            "connection",
            "aws-dev",
            &[
                "the default aws connection of environment dev",
                "its authorization for dev",
            ],
        ),
        ("connection", "aws-edge", &[]),
        (
            "runner",
            "edge",
            &[
                "its place as the default runner",
                "connection(s) `aws-edge`",
            ],
        ),
    ];
    for (what, name, says) in cases {
        let goes = viewer
            .deletion_impact("acme", Some((what, name)))
            .await
            .unwrap();
        assert_eq!(goes.len(), says.len(), "{what} {name}: {goes:?}");
        let all = goes.join("\n");
        for phrase in says {
            assert!(all.contains(phrase), "{what} {name}: {all}");
        }
    }
    // Missing things are missing, as their deletion would say.
    for (what, name) in [
        ("environment", "nope"),
        ("connection", "nope"),
        ("runner", "nope"),
    ] {
        let missing = viewer.deletion_impact("acme", Some((what, name))).await;
        assert_eq!(missing.unwrap_err().status(), Some(404), "{what}");
    }
    // One thing at a time.
    let both = reqwest::Client::new()
        .get(format!(
            "http://{}/api/v1/orgs/acme/deletion-impact?environment=dev&runner=edge",
            server.addr()
        ))
        .bearer_auth(server.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), reqwest::StatusCode::BAD_REQUEST);
    // An organization: counted, for the instance administrator only.
    admin.create_organization("beta").await.unwrap();
    let org = admin.deletion_impact("beta", None).await.unwrap();
    assert!(org.iter().any(|g| g == "1 API token"), "{org:?}");
    assert!(org.iter().any(|g| g.contains("audit export")), "{org:?}");
    let refused = viewer.deletion_impact("acme", None).await.unwrap_err();
    assert_eq!(refused.status(), Some(403));
}

backend_tests!(
    deletion_impact_names_what_goes_with_each_thing,
    getting_started_flow_with_its_refusals,
    replicas_racing_to_set_a_default_leave_one,
    a_change_on_one_replica_holds_on_the_other_at_once
);
