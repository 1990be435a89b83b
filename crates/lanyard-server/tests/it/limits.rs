//! Large input never wedges the server: secret values are bounded and refused before anything
//! is built from them, and the largest accepted value does not hold up other requests.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lanyard_api::{CreateConnection, FieldInput, WireSecret};
use lanyard_testkit::{backend_tests, Backend, TestServer};

backend_tests!(
    oversized_secret_values_are_refused_with_the_limit,
    the_largest_secret_does_not_hold_up_other_requests,
);

/// `n` bytes of base64-looking text, different on every call.
fn value(n: usize, seed: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..n)
        .map(|i| ALPHABET[(i * 7919 + seed * 104_729 + i / 5) % 64] as char)
        .collect()
}

async fn oversized_secret_values_are_refused_with_the_limit(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    // Each way a secret value arrives: a secret of its own, a connection's literal field.
    let too_big = value(1024 * 1024 + 1, 1);
    let refused = admin
        .set_secret("acme", "huge", too_big.clone().into())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(413), "{refused}");
    let message = refused.to_string();
    assert!(message.contains("at most 64 KiB"), "{message}");
    assert!(!message.contains(&too_big[..64]), "{message}");
    let fields = BTreeMap::from([(
        "kubeconfig".to_owned(),
        FieldInput::Value(WireSecret::new(value(65 * 1024, 2).into())),
    )]);
    let connection = CreateConnection {
        name: "cluster".to_owned(),
        provider: "kubernetes".to_owned(),
        kind: None,
        auth_mode: None,
        fields,
    };
    let refused = admin
        .create_connection("acme", &connection)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(413), "{refused}");
    assert!(
        refused.to_string().contains("field `kubeconfig`"),
        "{refused}"
    );
    // Nothing was half-written.
    assert!(admin.list_secrets("acme").await.unwrap().is_empty());
    assert!(admin
        .list_connections("acme", None)
        .await
        .unwrap()
        .is_empty());
}

async fn the_largest_secret_does_not_hold_up_other_requests(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    let largest = value(64 * 1024, 3);
    let writer = {
        let admin = server.admin();
        let largest = largest.clone();
        tokio::spawn(async move { admin.set_secret("acme", "kubeconfig", largest.into()).await })
    };
    // While it is written (and its masks are built), other requests keep answering, error
    // responses included: those pass through the server's masks.
    let began = Instant::now();
    let mut slowest = Duration::ZERO;
    let answer = || async {
        let started = Instant::now();
        let missing = admin.get_environment("acme", "nowhere").await.unwrap_err();
        assert_eq!(missing.status(), Some(404));
        admin.list_providers().await.unwrap();
        started.elapsed()
    };
    while !writer.is_finished() {
        slowest = slowest.max(answer().await);
    }
    writer.await.unwrap().expect("a 64 KiB secret is accepted");
    let written = began.elapsed();
    for _ in 0..20 {
        slowest = slowest.max(answer().await);
    }
    assert!(
        written < Duration::from_secs(10),
        "writing a 64 KiB secret took {written:?}"
    );
    assert!(
        slowest < Duration::from_secs(2),
        "a request waited {slowest:?} behind a large secret"
    );
}
