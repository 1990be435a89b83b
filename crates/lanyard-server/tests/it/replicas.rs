//! Restarts and replicas: data outlives a server, and servers sharing a database agree at once.

use lanyard_testkit::{backend_tests, Backend, TestServer};

async fn data_survives_a_restart(backend: Backend) {
    let first = TestServer::start(backend).await;
    first
        .admin()
        .create_environment("acme", "dev")
        .await
        .unwrap();
    let token = first.admin_token().to_owned();
    let database = first.database().clone();
    let key = lanyard_crypto::SecretString::from(
        lanyard_crypto::ExposeSecret::expose_secret(first.master_key()).to_owned(),
    );
    first.stop().await;
    let prepared = TestServer::prepare(&database, &key).await.unwrap();
    assert!(
        prepared.first_start.is_none(),
        "a restart must not bootstrap again"
    );
    drop(prepared);
    let again = TestServer::start_on_existing(database, key).await;
    let envs = again
        .client(&token)
        .list_environments("acme")
        .await
        .unwrap();
    assert_eq!(
        envs.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["dev"]
    );
}

async fn two_servers_on_one_database_see_each_others_writes(backend: Backend) {
    let one = TestServer::start(backend).await;
    let two = one.start_another().await;
    let a = one.admin();
    let b = two.client(one.admin_token());
    a.create_environment("acme", "from-one").await.unwrap();
    b.create_environment("acme", "from-two").await.unwrap();
    for client in [&a, &b] {
        let names: Vec<String> = client
            .list_environments("acme")
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["from-one", "from-two"]);
    }
    // A token issued on one server works on the other at once, and a revocation too.
    let req = lanyard_api::CreateToken {
        role: lanyard_api::RoleName::Viewer,
        environments: vec![],
        description: String::new(),
    };
    let created = a.create_token("acme", &req).await.unwrap();
    two.client(created.secret.expose_secret())
        .whoami()
        .await
        .unwrap();
    b.revoke_token("acme", &created.token.id).await.unwrap();
    assert_eq!(
        one.client(created.secret.expose_secret())
            .whoami()
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );
    // The same name created on both at once: exactly one wins.
    let (x, y) = tokio::join!(
        a.create_environment("acme", "race"),
        b.create_environment("acme", "race")
    );
    assert!(
        x.is_ok() != y.is_ok(),
        "exactly one create must succeed: {x:?} {y:?}"
    );
}

/// An npm registry stand-in that answers every request 401 and counts them.
fn counting_registry() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (port, hits)
}

/// Scheduled checks are claimed: two replicas checking at the same moment never take the same
/// connection, and between them every due connection is checked with one request.
async fn scheduled_checks_are_claimed_once_across_replicas(backend: Backend) {
    use lanyard_store::ConnectionStore as _;
    use sqlx::Connection as _;
    let one = TestServer::start(backend).await;
    let _two = one.start_another().await;
    let admin = one.admin();
    let (port, hits) = counting_registry();
    for n in 0..6 {
        let fields = [
            ("registry_url", format!("http://127.0.0.1:{port}")),
            (
                "token",
                format!("npm_{n}abcdefghijklmnopqrstuvwxyz0123456789"),
            ),
        ]
        .into_iter()
        .map(|(k, v)| {
            (
                k.to_owned(),
                lanyard_api::FieldInput::Value(lanyard_api::WireSecret::new(v.into())),
            )
        })
        .collect();
        let request = lanyard_api::CreateConnection {
            name: format!("npm-{n}"),
            provider: "npm".into(),
            kind: Some("generic".into()),
            auth_mode: None,
            fields,
        };
        admin.create_connection("acme", &request).await.unwrap();
    }
    let url = one.database().sqlx_url();
    let store_url = lanyard_store::DatabaseUrl::parse(&url).unwrap();
    let (a, b) = (
        lanyard_store::SqlStore::open(&store_url).await.unwrap(),
        lanyard_store::SqlStore::open(&store_url).await.unwrap(),
    );
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    // Two claimers at once, each asking for five of the six: never the same one twice.
    sqlx::query("UPDATE connections SET check_due = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    let lease = now + 60_000;
    let (x, y) = tokio::join!(
        a.claim_due_checks(now, lease, 5),
        b.claim_due_checks(now, lease, 5)
    );
    let rest = a.claim_due_checks(now, lease, 5).await.unwrap();
    let mut all: Vec<_> = [x.unwrap(), y.unwrap(), rest].concat();
    let claims = all.len();
    all.sort();
    all.dedup();
    // (The replicas' own schedulers may have claimed some meanwhile: those are simply absent.)
    assert_eq!(all.len(), claims, "a connection was claimed twice");

    // The replicas' own schedulers then check each connection once, one request each.
    sqlx::query("UPDATE connections SET check_lease_until = NULL")
        .execute(&mut conn)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let listed = admin.list_connections("acme", None).await.unwrap();
        if listed.iter().all(|c| c.last_verified_at.is_some()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all checked: {listed:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        6,
        "one request each"
    );
}

backend_tests!(
    data_survives_a_restart,
    two_servers_on_one_database_see_each_others_writes,
    scheduled_checks_are_claimed_once_across_replicas
);
