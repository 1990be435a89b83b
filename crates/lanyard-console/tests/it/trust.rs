//! Keyless connections in the console: what jobs get, and the trust set-up page with the
//! issuer, audience, subjects and the cloud's template or commands.

use lanyard_testkit::{backend_tests, Backend, TestServer};

use crate::support::Visitor;

backend_tests!(an_oidc_connection_page_leads_to_its_trust_setup);

async fn an_oidc_connection_page_leads_to_its_trust_setup(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "prod").await.unwrap();
    let request = serde_json::json!({"name": "aws-keyless", "provider": "aws", "auth_mode": "oidc",
        "fields": {"account_id": {"value": "123456789012"},
                   "iam_role_arn": {"value": "arn:aws:iam::123456789012:role/lanyard-aws-keyless"}}});
    server.connect_authorized(request, &["prod"]).await;
    let mut visitor = Visitor::new(&server);
    visitor.login(server.admin_token()).await;

    let details = visitor.get("/connections/aws-keyless").await;
    assert_eq!(details.status, 200);
    assert!(
        details.body.contains("short-lived credentials"),
        "{}",
        details.body
    );
    assert!(details
        .body
        .contains(r#"href="/connections/aws-keyless/trust""#));
    let matrix = visitor.get("/connections/matrix").await;
    assert!(matrix.body.contains("short-lived credentials"));

    let trust = visitor.get("/connections/aws-keyless/trust").await;
    assert_eq!(trust.status, 200);
    for expected in [
        format!(r#"<code id="issuer">{}</code>"#, server.public_url),
        r#"<code id="audience">sts.amazonaws.com</code>"#.to_owned(),
        "org:acme:env:prod:connection:aws-keyless".to_owned(),
        "download-trust-template".to_owned(),
    ] {
        assert!(trust.body.contains(&expected), "{expected}\n{}", trust.body);
    }
    let template = visitor.get("/connections/aws-keyless/trust.json").await;
    let template: serde_json::Value = serde_json::from_str(&template.body).unwrap();
    let statement =
        &template["Resources"]["Role"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(statement["Action"], "sts:AssumeRoleWithWebIdentity");

    // An inline connection has no trust to set up, and says so.
    let request = serde_json::json!({"name": "aws-keys", "provider": "aws",
        "fields": {"account_id": {"value": "123456789012"},
                   "access_key_id": {"value": "AKIAIOSFODNN7EXAMPLE"},
                   "secret_access_key": {"value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}});
    admin
        .create_connection("acme", &serde_json::from_value(request).unwrap())
        .await
        .unwrap();
    let inline = visitor.get("/connections/aws-keys").await;
    assert!(inline.body.contains("long-lived credentials"));
    assert!(!inline.body.contains("trust-link"));
    let refused = visitor.get("/connections/aws-keys/trust").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("not oidc"), "{}", refused.body);
}
