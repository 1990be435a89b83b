//! Every console form is protected against cross-site request forgery: a POST without the
//! session's token, or with another one, is refused before anything changes.

use lanyard_testkit::{backend_tests, Backend, TestServer};

use crate::support::Visitor;

backend_tests!(every_form_refuses_a_post_without_its_token);

/// Every POST route of the console, with a form that would otherwise do something.
const FORMS: &[(&str, &[(&str, &str)])] = &[
    ("/logout", &[]),
    ("/environments", &[("name", "forged")]),
    ("/environments/dev/delete", &[]),
    ("/secrets", &[("name", "forged"), ("value", "x")]),
    ("/secrets/aws-dev-secret-access-key/delete", &[]),
    ("/variables", &[("name", "forged"), ("value", "x")]),
    ("/variables/region/delete", &[]),
    (
        "/connections/new/aws",
        &[("name", "forged"), ("field.account_id", "123456789012")],
    ),
    ("/connections/aws-dev/test", &[]),
    (
        "/connections/aws-dev/role",
        &[("iam_role_arn", "arn:aws:iam::123456789012:role/forged")],
    ),
    ("/connections/aws-dev/delete", &[]),
    (
        "/connections/aws-dev/authorization",
        &[("scope", "organization")],
    ),
    ("/connections/aws-dev/authorization/remove", &[]),
    ("/connections/aws-dev/default", &[("environment", "dev")]),
    ("/connections/aws-dev/default/unset", &[]),
    (
        "/connections/aws-dev/fields/secret_access_key",
        &[("value", "x")],
    ),
    (
        "/connections/matrix/default",
        &[
            ("provider", "aws"),
            ("connection", "aws-dev"),
            ("environment", "dev"),
        ],
    ),
    (
        "/connections/matrix/authorize",
        &[
            ("provider", "aws"),
            ("connection", "aws-dev"),
            ("environment", "dev"),
        ],
    ),
    (
        "/connections/matrix/remove",
        &[
            ("provider", "aws"),
            ("connection", "aws-dev"),
            ("environment", "dev"),
        ],
    ),
    ("/runners/r1/default", &[]),
    ("/jobs/0/cancel", &[]),
];

async fn every_form_refuses_a_post_without_its_token(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;
    let created = v
        .submit(
            "/connections/new/aws",
            "/connections/new/aws",
            &[
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
    assert_eq!(created.status, 303, "{}", created.body);
    let before = admin
        .audit_events("acme", None, None, None)
        .await
        .unwrap()
        .len();

    // The console's own forms all carry the token.
    let page = v.get("/connections/aws-dev").await;
    assert_eq!(
        page.body.matches("<form method=\"post\"").count(),
        page.body.matches(r#"name="csrf""#).count(),
        "every POST form on the page has a csrf field"
    );

    for (action, fields) in FORMS {
        let missing = v.post(action, fields).await;
        assert_eq!(missing.status, 403, "{action} without a token");
        let mut forged = vec![("csrf", "0".repeat(64))];
        forged.extend(fields.iter().map(|(k, val)| (*k, (*val).to_owned())));
        let forged: Vec<(&str, &str)> = forged.iter().map(|(k, val)| (*k, val.as_str())).collect();
        let wrong = v.post(action, &forged).await;
        assert_eq!(wrong.status, 403, "{action} with another token");
    }
    // Nothing changed, and the session is still there.
    assert_eq!(
        admin
            .audit_events("acme", None, None, None)
            .await
            .unwrap()
            .len(),
        before
    );
    assert_eq!(admin.list_environments("acme").await.unwrap().len(), 1);
    assert_eq!(v.get("/connections").await.status, 200);

    // The login form has its own token (there is no session yet).
    let mut stranger = Visitor::new(&server);
    let refused = stranger
        .post("/login", &[("token", server.admin_token())])
        .await;
    assert_eq!(refused.status, 403);
    assert!(stranger.cookie("lanyard_session").is_none());
}
