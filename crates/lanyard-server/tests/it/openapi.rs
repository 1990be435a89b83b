//! The committed OpenAPI document must match the one the code generates.

use std::path::PathBuf;

/// Regenerate with `LANYARD_UPDATE_OPENAPI=1 cargo test -p lanyard-server openapi`.
#[test]
fn committed_openapi_document_is_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = lanyard_server::openapi_json();
    if std::env::var_os("LANYARD_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is stale; run `LANYARD_UPDATE_OPENAPI=1 cargo test -p lanyard-server \
         openapi` and commit the result"
    );
}

#[tokio::test]
async fn served_document_is_the_generated_one() {
    let server = lanyard_testkit::TestServer::start(lanyard_testkit::Backend::Sqlite).await;
    let served: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated: serde_json::Value =
        serde_json::from_str(&lanyard_server::openapi_json()).unwrap();
    assert_eq!(served, generated);
    assert!(served["paths"]["/orgs/{org}/environments"]["post"].is_object());
}
