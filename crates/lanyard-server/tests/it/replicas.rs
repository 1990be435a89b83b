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

backend_tests!(
    data_survives_a_restart,
    two_servers_on_one_database_see_each_others_writes
);
