//! Master-key rotation: online, in batches, resumable; afterwards only the new key is needed and
//! the old one is refused.

use lanyard_api::{CreateConnection, FieldInput, WireSecret};
use lanyard_crypto::{ExposeSecret, MasterKey, SecretString};
use lanyard_domain::Slug;
use lanyard_providers::EnvValue;
use lanyard_testkit::{backend_tests, Backend, TestServer};

fn copy(key: &SecretString) -> SecretString {
    SecretString::from(key.expose_secret().to_owned())
}

async fn rotation_rewraps_everything_and_retires_the_old_key(backend: Backend) {
    let first = TestServer::start(backend).await;
    let token = first.admin_token().to_owned();
    let admin = first.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    for n in 0..5 {
        for version in 0..2 {
            let value = format!("value-{n}-{version}-wJalrXUtnFEMI/K7MDENG/bPxRfi");
            admin
                .set_secret("acme", &format!("s{n}"), value.into())
                .await
                .unwrap();
        }
    }
    let fields = [
        (
            "account_id".to_owned(),
            FieldInput::Value(WireSecret::new("123456789012".to_owned().into())),
        ),
        (
            "access_key_id".to_owned(),
            FieldInput::Value(WireSecret::new("AKIAIOSFODNN7EXAMPLE".to_owned().into())),
        ),
        (
            "secret_access_key".to_owned(),
            FieldInput::Value(WireSecret::new(
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned().into(),
            )),
        ),
    ]
    .into();
    let request = CreateConnection {
        name: "aws".into(),
        provider: "aws".into(),
        kind: None,
        auth_mode: None,
        fields,
    };
    admin.create_connection("acme", &request).await.unwrap();
    let status = admin.key_status().await.unwrap();
    assert_eq!(status.keys.len(), 1);
    assert_eq!(
        (status.keys[0].versions, status.keys[0].state.as_str()),
        (12, "active")
    );
    let old_key = copy(first.master_key());
    let database = first.database().clone();
    first.stop().await;

    // Restart with a new active key and the old one retired.
    let new_key = MasterKey::generate().to_base64();
    let rotating = TestServer::start_rotating(database.clone(), copy(&new_key), &[copy(&old_key)])
        .await
        .unwrap();
    let admin = rotating.client(&token);
    let status = admin.key_status().await.unwrap();
    assert!(!status.check_value_is_active);
    assert_eq!(status.keys[0].state, "retired");
    let step = admin.rotate_keys(5).await.unwrap();
    assert_eq!((step.rewrapped, step.remaining, step.done), (5, 7, false));
    // Interrupted here: a restart (same keys) resumes where it left off.
    rotating.stop().await;
    let resumed = TestServer::start_rotating(database.clone(), copy(&new_key), &[copy(&old_key)])
        .await
        .unwrap();
    let admin = resumed.client(&token);
    let mut step = admin.rotate_keys(5).await.unwrap();
    assert_eq!(step.remaining, 2);
    while !step.done {
        step = admin.rotate_keys(5).await.unwrap();
    }
    let status = admin.key_status().await.unwrap();
    assert!(status.check_value_is_active);
    assert_eq!(
        status
            .keys
            .iter()
            .map(|k| (k.state.as_str(), k.versions))
            .collect::<Vec<_>>(),
        [("active", 12)]
    );
    resumed.stop().await;

    // Only the new key is needed now, and every value still opens with it.
    let after = TestServer::start_on_existing(database.clone(), copy(&new_key)).await;
    let core = after.core().await;
    let me = core.authenticate(&token).await.unwrap();
    let (org, conn, dev) = (
        Slug::parse("acme").unwrap(),
        Slug::parse("aws").unwrap(),
        Slug::parse("dev").unwrap(),
    );
    let m = core
        .materialize_connection(&me, &org, &conn, &dev)
        .await
        .unwrap();
    match m.env_var("AWS_SECRET_ACCESS_KEY") {
        Some(EnvValue::Secret(v)) => assert_eq!(
            v.expose_secret(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        ),
        other => panic!("{other:?}"),
    }
    after.stop().await;
    // The old key alone is refused.
    let refused = TestServer::prepare(&database, &old_key)
        .await
        .err()
        .expect("old key refused");
    assert!(
        refused.to_string().contains("does not match this database"),
        "{refused}"
    );
}

async fn only_admins_rotate(backend: Backend) {
    let server = TestServer::start(backend).await;
    let req = lanyard_api::CreateToken {
        role: lanyard_api::RoleName::Deployer,
        environments: vec![],
        description: String::new(),
    };
    let deployer = server.admin().create_token("acme", &req).await.unwrap();
    let deployer = server.client(deployer.secret.expose_secret());
    assert_eq!(
        deployer.rotate_keys(10).await.unwrap_err().status(),
        Some(403)
    );
    assert_eq!(deployer.key_status().await.unwrap_err().status(), Some(403));
    let step = server.admin().rotate_keys(10).await.unwrap();
    assert!(step.done && step.rewrapped == 0);
}

backend_tests!(
    rotation_rewraps_everything_and_retires_the_old_key,
    only_admins_rotate
);
