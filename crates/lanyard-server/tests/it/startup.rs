//! Start-up refusals: a wrong key, a schema from the future, a race to bootstrap.

use lanyard_crypto::{MasterKey, SecretString};
use lanyard_testkit::{backend_tests, Backend, TestDatabase, TestServer};
use sqlx::Connection;

async fn wrong_master_key_is_refused_and_serves_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let database = server.database().clone();
    let addr = server.addr();
    server.stop().await;
    let wrong = MasterKey::generate().to_base64();
    let err = TestServer::prepare(&database, &wrong)
        .await
        .err()
        .expect("must refuse the key");
    let message = err.to_string();
    assert!(
        message.contains("environment variable LANYARD_MASTER_KEY"),
        "{message}"
    );
    assert!(
        message.contains("does not match this database"),
        "{message}"
    );
    // Nothing listens on the old port, and nothing listens anywhere for the refused start.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

async fn schema_newer_than_the_binary_is_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let database = server.database().clone();
    let key = SecretString::from(
        lanyard_crypto::ExposeSecret::expose_secret(server.master_key()).to_owned(),
    );
    server.stop().await;
    let url = database.sqlx_url();
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("INSERT INTO lanyard_schema (version, applied_at) VALUES (999, 0)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let err = TestServer::prepare(&database, &key)
        .await
        .err()
        .expect("must refuse the schema");
    let message = err.to_string();
    assert!(message.contains("schema is version 999"), "{message}");
    assert!(message.contains("upgrade lanyard"), "{message}");
}

async fn servers_racing_to_bootstrap_leave_one_installation(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let key = MasterKey::generate().to_base64();
    let (a, b) = tokio::join!(
        TestServer::prepare(&database, &key),
        TestServer::prepare(&database, &key)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let fresh = [a.first_start.is_some(), b.first_start.is_some()];
    assert_eq!(
        fresh.iter().filter(|f| **f).count(),
        1,
        "exactly one start bootstraps: {fresh:?}"
    );
}

backend_tests!(
    wrong_master_key_is_refused_and_serves_nothing,
    schema_newer_than_the_binary_is_refused,
    servers_racing_to_bootstrap_leave_one_installation,
);

#[test]
fn key_check_value_never_reveals_the_key() {
    let key = MasterKey::generate();
    let b64 = lanyard_crypto::ExposeSecret::expose_secret(&key.to_base64()).to_owned();
    let check = key.check_value().to_hex();
    assert!(!check.contains(&hex_of(&b64)));
    assert!(!format!("{key:?}").contains(&b64));
}

fn hex_of(b64: &str) -> String {
    b64.bytes().take(8).map(|b| format!("{b:02x}")).collect()
}
