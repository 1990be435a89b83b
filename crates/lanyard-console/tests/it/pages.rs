//! Login, sessions and the connection flows over HTTP: what a browser without JavaScript sees.

use lanyard_testkit::{backend_tests, Backend, TestServer};

use crate::support::Visitor;

backend_tests!(
    login_starts_a_session_that_logout_ends,
    revoking_the_token_ends_its_sessions,
    a_session_is_served_by_every_replica,
    wizard_authorize_default_and_matrix,
    viewers_read_but_cannot_change,
);

async fn login_starts_a_session_that_logout_ends(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut visitor = Visitor::new(&server);
    assert_eq!(
        visitor.get("/").await.location.as_deref(),
        Some("/connections")
    );
    for path in ["/connections", "/secrets", "/audit"] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        let expected = format!("/login?next=%2F{}", &path[1..]);
        assert_eq!(page.location.as_deref(), Some(expected.as_str()), "{path}");
    }
    // Logging in leads back to the page asked for, but never to another site.
    let asked = visitor.get("/connections/matrix?provider=aws").await;
    let login_path = asked.location.unwrap();
    let mut returning = Visitor::new(&server);
    let form = returning.get(&login_path).await;
    assert!(form
        .body
        .contains(r#"name="next" value="/connections/matrix?provider=aws""#));
    let back = returning
        .post(
            "/login",
            &[
                ("csrf", &form.csrf()),
                ("token", server.admin_token()),
                ("next", "/connections/matrix?provider=aws"),
            ],
        )
        .await;
    assert_eq!(
        back.location.as_deref(),
        Some("/connections/matrix?provider=aws")
    );
    let mut phished = Visitor::new(&server);
    let form = phished.get("/login?next=//evil.example/").await;
    let away = phished
        .post(
            "/login",
            &[
                ("csrf", &form.csrf()),
                ("token", server.admin_token()),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(away.location.as_deref(), Some("/connections"));

    let login = visitor.get("/login").await;
    assert_eq!(login.status, 200);
    assert!(login.body.contains(r#"name="token""#));
    let wrong = visitor
        .post(
            "/login",
            &[("csrf", &login.csrf()), ("token", "lyd_not-a-token")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("not valid"), "{}", wrong.body);

    let page = visitor.login(server.admin_token()).await;
    assert_eq!(page.location.as_deref(), Some("/connections"));
    let cookie = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("lanyard_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert!(
        !cookie.contains(server.admin_token()),
        "the cookie never holds the token"
    );

    let home = visitor.get("/connections").await;
    assert_eq!(home.status, 200);
    for category in [
        "Infrastructure",
        "DevOps Pipeline",
        "Infrastructure as Code",
        "Managed Services",
    ] {
        assert!(home.body.contains(category), "{category}");
    }
    assert!(home.body.contains(r#"href="/connections/new/aws""#));

    let csrf = home.csrf();
    let out = visitor.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    // Both ends of the session are on the audit trail, by the token that logged in.
    let admin = server.admin();
    let token_id = admin.list_tokens("acme").await.unwrap()[0].id.clone();
    let events = admin.audit_events("acme", None, None, None).await.unwrap();
    let console_events: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.target == "console")
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert!(
        console_events.contains(&("console.login", token_id.as_str()))
            && console_events.contains(&("console.logout", token_id.as_str())),
        "{console_events:?}"
    );
    let trail = serde_json::to_string(&events).unwrap();
    assert!(
        !trail.contains(server.admin_token()),
        "the token a session signed in with never reaches the audit trail"
    );
    // The old cookie no longer opens anything, even if replayed.
    let mut replay = Visitor::new(&server);
    replay.get("/login").await;
    let page = replay.get("/connections").await;
    assert_eq!(page.status, 303);
    assert_eq!(visitor.get("/connections").await.status, 303);

    // A peer that is not a trusted proxy cannot claim TLS (nor a client address).
    let session_cookie = |page: &crate::support::Page| {
        page.set_cookies
            .iter()
            .find(|c| c.starts_with("lanyard_session="))
            .cloned()
            .unwrap_or_default()
    };
    let mut claims = Visitor::new(&server);
    claims.headers.push(("x-forwarded-proto", "https"));
    claims.headers.push(("x-forwarded-for", "198.51.100.23"));
    let page = claims.login(server.admin_token()).await;
    assert!(!session_cookie(&page).contains("; Secure"));
    let trail = serde_json::to_string(&admin.audit_events("acme", None, None, None).await.unwrap())
        .unwrap();
    assert!(
        !trail.contains("198.51.100.23"),
        "an untrusted peer's X-Forwarded-For is ignored"
    );

    // Through a trusted proxy that reports TLS, the cookie is Secure and the trail names the
    // client the proxy forwarded.
    let proxied = TestServer::start_adjusted(backend, |p| {
        p.with_trusted_proxies(&["127.0.0.1/32"])
            .expect("valid CIDR")
    })
    .await;
    let mut tls = Visitor::new(&proxied);
    tls.headers.push(("x-forwarded-proto", "https"));
    tls.headers
        .push(("x-forwarded-for", "6.6.6.6, 198.51.100.23"));
    let page = tls.login(proxied.admin_token()).await;
    assert!(session_cookie(&page).contains("; Secure"));
    let events = proxied
        .admin()
        .audit_events("acme", None, None, None)
        .await
        .unwrap();
    let login = events
        .iter()
        .find(|e| e.action == "console.login")
        .expect("the login is audited");
    assert_eq!(login.source, "198.51.100.23");
}

async fn revoking_the_token_ends_its_sessions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let issued = server
        .admin()
        .create_token(
            "acme",
            &lanyard_api::CreateToken {
                role: lanyard_api::RoleName::Viewer,
                environments: vec![],
                description: "console".into(),
            },
        )
        .await
        .unwrap();
    let mut visitor = Visitor::new(&server);
    visitor.login(issued.secret.expose_secret()).await;
    assert_eq!(visitor.get("/environments").await.status, 200);
    server
        .admin()
        .revoke_token("acme", &issued.token.id)
        .await
        .unwrap();
    // Core caches token checks for at most a second.
    let deadline = std::time::Instant::now() + lanyard_core::CACHE_TTL * 5;
    loop {
        let page = visitor.get("/environments").await;
        if page.status == 303 {
            assert_eq!(
                page.location.as_deref(),
                Some("/login?next=%2Fenvironments")
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the session outlived its token"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The session is gone for good, not just refused once.
    assert!(visitor.cookie("lanyard_session").is_some());
    assert_eq!(visitor.get("/connections").await.status, 303);
}

async fn wizard_authorize_default_and_matrix(backend: Backend) {
    // "Test connection" asks AWS; it must not leave the machine.
    let server = crate::aws::server_reaching(backend, crate::aws::UNREACHABLE_AWS, None).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    admin.create_environment("acme", "prod").await.unwrap();
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;

    let wizard = v.get("/connections/new/aws").await;
    assert_eq!(wizard.status, 200);
    for field in ["account_id", "access_key_id", "secret_access_key", "region"] {
        assert!(
            wizard.body.contains(&format!(r#"name="field.{field}""#)),
            "{field}"
        );
    }
    assert!(wizard
        .body
        .contains(r#"type="password" autocomplete="new-password""#));
    let cross = v.get("/connections/new/aws?mode=cross-account-trust").await;
    assert!(
        cross.body.contains(r#"id="cap-s3-storage""#),
        "{}",
        cross.body
    );
    assert!(
        !cross.body.contains("field.external_id"),
        "generated by the server"
    );
    let github = v.get("/connections/new/github").await;
    assert!(!github.body.contains(r#"value="cross-account-trust""#));

    // A bad field is named next to its input.
    let csrf = wizard.csrf();
    let bad = v
        .post(
            "/connections/new/aws",
            &[
                ("csrf", &csrf),
                ("mode", "inline"),
                ("name", "aws-dev"),
                ("field.account_id", "12345"),
                ("field.region", "eu-west-1"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains(r#"id="error-account_id""#),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains(r#"value="eu-west-1""#),
        "non-secret values are kept"
    );

    let created = v
        .post(
            "/connections/new/aws",
            &[
                ("csrf", &csrf),
                ("mode", "inline"),
                ("name", "aws-dev"),
                ("field.account_id", "123456789012"),
                ("field.region", "eu-west-1"),
                ("field.access_key_id", "AKIAIOSFODNN7EXAMPLE"),
                (
                    "field.secret_access_key",
                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                ),
            ],
        )
        .await;
    assert_eq!(created.location.as_deref(), Some("/connections/aws-dev"));
    let details = v.follow(created).await;
    assert!(details.body.contains("Connection aws-dev created"));
    assert!(details.body.contains("aws-dev-secret-access-key"));
    assert!(details.body.contains("version 1"));

    let done = v
        .submit(
            "/connections/aws-dev",
            "/connections/aws-dev/authorization",
            &[("scope", "environment"), ("environments", "dev")],
        )
        .await;
    let details = v.follow(done).await;
    assert!(
        details.body.contains("Environments: dev"),
        "{}",
        details.body
    );
    let done = v
        .submit(
            "/connections/aws-dev",
            "/connections/aws-dev/default",
            &[("environment", "")],
        )
        .await;
    let details = v.follow(done).await;
    assert!(details.body.contains("Organization default"));

    let matrix = v.get("/connections/matrix").await;
    assert!(matrix
        .body
        .contains(r#"data-connection="aws-dev" data-environment="dev" data-state="default""#));
    assert!(matrix.body.contains(
        r#"data-connection="aws-dev" data-environment="prod" data-state="misconfigured""#
    ));

    // Matrix actions: authorize prod, then remove dev.
    let done = v
        .submit(
            "/connections/matrix",
            "/connections/matrix/authorize",
            &[
                ("provider", "aws"),
                ("connection", "aws-dev"),
                ("environment", "prod"),
            ],
        )
        .await;
    let matrix = v.follow(done).await;
    assert!(matrix
        .body
        .contains(r#"data-environment="prod" data-state="default""#));
    let done = v
        .submit(
            "/connections/matrix",
            "/connections/matrix/remove",
            &[
                ("provider", "aws"),
                ("connection", "aws-dev"),
                ("environment", "dev"),
            ],
        )
        .await;
    let matrix = v.follow(done).await;
    assert!(matrix
        .body
        .contains(r#"data-environment="dev" data-state="misconfigured""#));
    let auth = admin
        .get_authorization("acme", "aws", "aws-dev")
        .await
        .unwrap();
    assert_eq!(auth.environments, vec!["prod".to_owned()]);
    let home = v.get("/connections").await;
    assert!(
        home.body
            .contains("1 environment has a default connection that is not authorized"),
        "{}",
        home.body
    );

    // Replacing a secret makes a new version; the page shows the version, not the value.
    let done = v
        .submit(
            "/connections/aws-dev",
            "/connections/aws-dev/fields/secret_access_key",
            &[("value", "bPxRfiCYEXAMPLEKEYwJalrXUtnFEMI/K7MDENGx")],
        )
        .await;
    let details = v.follow(done).await;
    assert!(details.body.contains("version 2"), "{}", details.body);
    let versions = admin
        .secret_versions("acme", "aws-dev-secret-access-key")
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);

    let tested = v
        .submit("/connections/aws-dev", "/connections/aws-dev/test", &[])
        .await;
    assert_eq!(tested.status, 200);
    assert!(tested.body.contains("Test results"));
    assert!(
        tested.body.contains("The test against AWS failed")
            && tested.body.contains("check the network path to STS"),
        "the unreachable endpoint is reported: {}",
        tested.body
    );
    assert!(tested.body.contains("not authorized for environment `dev`"));

    let list = v.get("/connections?tab=connected").await;
    assert!(list.body.contains("Environments: prod"));
    assert!(list.body.contains("Organization default"));

    // Removing one environment from an organization-wide authorization lists the others, and
    // says that later environments are no longer covered.
    let done = v
        .submit(
            "/connections/aws-dev",
            "/connections/aws-dev/authorization",
            &[("scope", "organization")],
        )
        .await;
    assert!(v.follow(done).await.body.contains("Organization-wide"));
    let done = v
        .submit(
            "/connections/matrix",
            "/connections/matrix/remove",
            &[
                ("provider", "aws"),
                ("connection", "aws-dev"),
                ("environment", "prod"),
            ],
        )
        .await;
    let matrix = v.follow(done).await;
    assert!(matrix
        .body
        .contains("environments created later are not included"));
    let auth = admin
        .get_authorization("acme", "aws", "aws-dev")
        .await
        .unwrap();
    assert_eq!(auth.environments, vec!["dev".to_owned()]);

    // The connection's own audit trail.
    let audit = v.get("/audit?connection=aws-dev").await;
    assert!(audit.body.contains("authorization.update"));
    assert!(audit.body.contains("connection/aws-dev"));
    assert!(!audit.body.contains("environment.create"));

    // Deleting the connection keeps its secrets as organization secrets.
    let done = v
        .submit("/connections/aws-dev", "/connections/aws-dev/delete", &[])
        .await;
    assert_eq!(done.location.as_deref(), Some("/connections?tab=connected"));
    let list = v.follow(done).await;
    assert!(list.body.contains("Connection aws-dev deleted"));
    assert!(admin
        .list_connections("acme", None)
        .await
        .unwrap()
        .is_empty());
    let secrets = v.get("/secrets").await;
    assert!(secrets.body.contains("aws-dev-secret-access-key"));
}

async fn viewers_read_but_cannot_change(backend: Backend) {
    let server = TestServer::start(backend).await;
    let viewer = server
        .admin()
        .create_token(
            "acme",
            &lanyard_api::CreateToken {
                role: lanyard_api::RoleName::Viewer,
                environments: vec![],
                description: "read only".into(),
            },
        )
        .await
        .unwrap();
    let mut v = Visitor::new(&server);
    v.login(viewer.secret.expose_secret()).await;
    let done = v
        .submit("/environments", "/environments", &[("name", "qa")])
        .await;
    let page = v.follow(done).await;
    assert!(
        page.body.contains(r#"class="flash error""#),
        "{}",
        page.body
    );
    assert!(server
        .admin()
        .list_environments("acme")
        .await
        .unwrap()
        .is_empty());
}

/// Sessions live in the database: a login on one replica is a login on every replica, a
/// message left by one is shown by the other, and a logout anywhere ends it everywhere.
async fn a_session_is_served_by_every_replica(backend: Backend) {
    let a = TestServer::start(backend).await;
    let b = a.start_another().await;
    let mut browser = Visitor::new(&a);
    browser.login(a.admin_token()).await;

    browser.switch_to(&b);
    assert_eq!(
        browser.get("/connections").await.status,
        200,
        "B knows A's session"
    );
    let done = browser
        .submit("/environments", "/environments", &[("name", "staging")])
        .await;
    browser.switch_to(&a);
    let page = browser.follow(done).await;
    assert!(
        page.body.contains("Environment staging created."),
        "the message B left is shown by A"
    );
    let page = browser.get("/environments").await;
    assert!(
        !page.body.contains("Environment staging created."),
        "shown once"
    );

    let id = browser
        .cookie("lanyard_session")
        .expect("a session")
        .to_owned();
    let csrf = page.csrf();
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    // Replayed at B, the ended session's cookie opens nothing.
    let mut replay = Visitor::new(&b);
    replay.set_cookie("lanyard_session", &id);
    assert_eq!(replay.get("/connections").await.status, 303);
}
