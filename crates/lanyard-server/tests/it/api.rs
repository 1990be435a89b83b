//! The API's behaviour on good and bad input: clear errors, nothing half-written.

use lanyard_testkit::{backend_tests, Backend, TestServer};
use serde_json::Value;

async fn environments_round_trip(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for name in ["staging", "dev", "production"] {
        admin.create_environment("acme", name).await.unwrap();
    }
    let names: Vec<String> = admin
        .list_environments("acme")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["dev", "production", "staging"]);
    assert_eq!(
        admin.get_environment("acme", "dev").await.unwrap().name,
        "dev"
    );
    admin.delete_environment("acme", "dev").await.unwrap();
    let err = admin.get_environment("acme", "dev").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(err.to_string().contains("lanyard env list"), "{err}");
}

async fn bad_input_is_refused_with_a_fix(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    let dup = admin.create_environment("acme", "dev").await.unwrap_err();
    assert_eq!(dup.status(), Some(409));
    assert!(
        dup.to_string().contains("environment `dev` already exists"),
        "{dup}"
    );
    let bad = admin
        .create_environment("acme", "Prod EU")
        .await
        .unwrap_err();
    assert_eq!(bad.status(), Some(400));
    assert!(bad.to_string().contains("prod-eu"), "{bad}");
    let dup_org = admin.create_organization("acme").await.unwrap_err();
    assert_eq!(dup_org.status(), Some(409));
    // Nothing was half-written by the failures.
    assert_eq!(admin.list_environments("acme").await.unwrap().len(), 1);
    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/orgs/acme/environments", server.url))
        .bearer_auth(server.admin_token())
        .header("content-type", "application/json")
        .body("{\"nam\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("name"),
        "{body}"
    );
    // A malformed query string gets the same JSON error shape, saying which parameter.
    let raw = reqwest::Client::new()
        .get(format!("{}/api/v1/orgs/acme/audit?limit=many", server.url))
        .bearer_auth(server.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid", "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("limit"),
        "{body}"
    );
    let missing = reqwest::get(format!("{}/api/v1/nothing-here", server.url))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("openapi.json"));
    // The manifest schema is public, like the OpenAPI document: editors fetch it.
    let schema = reqwest::get(format!("{}/api/v1/manifests/schema.json", server.url))
        .await
        .unwrap();
    assert_eq!(schema.status(), 200);
    let schema: Value = schema.json().await.unwrap();
    assert_eq!(schema, lanyard_manifest::schema());
}

async fn issued_tokens_are_shown_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    let req = lanyard_api::CreateToken {
        role: lanyard_api::RoleName::Deployer,
        environments: vec![],
        description: "pipeline".into(),
    };
    let created = admin.create_token("acme", &req).await.unwrap();
    let secret = created.secret.expose_secret().to_owned();
    assert!(secret.starts_with("lyd_") && secret.len() > 40);
    // Listing shows metadata only: neither the new token nor the admin's appears anywhere.
    let listing = reqwest::Client::new()
        .get(format!("{}/api/v1/orgs/acme/tokens", server.url))
        .bearer_auth(server.admin_token())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listing.contains("pipeline"));
    assert!(!listing.contains(&secret), "a listed token leaked");
    assert!(
        !listing.contains(server.admin_token()),
        "the admin token leaked"
    );
    assert!(!listing.contains(&secret[4..20]), "a token fragment leaked");
}

async fn health_needs_no_token(backend: Backend) {
    let server = TestServer::start(backend).await;
    let health = server.anonymous().health().await.unwrap();
    assert_eq!(health.status, "ok");
    let err = server.anonymous().whoami().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("missing API token"), "{err}");
}

backend_tests!(
    environments_round_trip,
    bad_input_is_refused_with_a_fix,
    issued_tokens_are_shown_once,
    health_needs_no_token,
);
