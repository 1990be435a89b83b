//! Master-key rotation: online, in batches, resumable; afterwards only the new key is needed and
//! the old one is refused.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lanyard_api::{CreateConnection, FieldInput, KeyStatus, WireSecret};
use lanyard_crypto::{open, ExposeSecret, Keyring, MasterKey, SecretContext, SecretString};
use lanyard_domain::Slug;
use lanyard_providers::EnvValue;
use lanyard_server::{RawServerConfig, KNOWN_ENV_VARS};
use lanyard_store::{DatabaseUrl, SecretStore, SqlStore};
use lanyard_testkit::{backend_tests, Backend, TestDatabase, TestServer};
use serde_json::json;

fn copy(key: &SecretString) -> SecretString {
    SecretString::from(key.expose_secret().to_owned())
}

fn key_id(key: &SecretString) -> String {
    MasterKey::from_base64(key).unwrap().key_id().to_string()
}

/// Key id → (state, sealed versions).
fn usage(status: &KeyStatus) -> BTreeMap<String, (String, i64)> {
    status
        .keys
        .iter()
        .map(|k| (k.key_id.clone(), (k.state.clone(), k.versions)))
        .collect()
}

/// The store under a test server, to check what is stored independently of the core.
async fn open_store(database: &TestDatabase) -> SqlStore {
    let url = match database.url() {
        Some(url) => DatabaseUrl::parse(&url).unwrap(),
        None => DatabaseUrl::sqlite_in(database.data_dir()),
    };
    SqlStore::open(&url).await.unwrap()
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
    let (old_id, new_id) = (key_id(&old_key), key_id(&new_key));
    assert_eq!(
        usage(&admin.key_status().await.unwrap()),
        BTreeMap::from([
            (old_id.clone(), ("retired".to_owned(), 7)),
            (new_id.clone(), ("active".to_owned(), 5)),
        ])
    );
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

    // Independently of the core: every stored blob opens with the new key and not the old one.
    let store = open_store(&database).await;
    // No blob is under this id, so this lists every version.
    let stored = store.versions_not_under("none", 1_000).await.unwrap();
    let (new_ring, old_ring) = (
        Keyring::new(MasterKey::from_base64(&new_key).unwrap()),
        Keyring::new(MasterKey::from_base64(&old_key).unwrap()),
    );
    let mut values = Vec::new();
    for v in &stored {
        assert_eq!(v.sealed.key_id().to_string(), new_id);
        let ctx = SecretContext::new(&v.org_id, &v.secret_id, u32::try_from(v.version).unwrap());
        let opened = open(&new_ring, &ctx, &v.sealed).expect("opens with the new key");
        values.push(String::from_utf8(opened.expose_secret().to_vec()).unwrap());
        assert!(open(&old_ring, &ctx, &v.sealed).is_err());
    }
    assert_eq!(stored.len(), 12);
    assert!(values.contains(&"value-4-1-wJalrXUtnFEMI/K7MDENG/bPxRfi".to_owned()));
    assert!(values.contains(&"AKIAIOSFODNN7EXAMPLE".to_owned()));
    store.close().await;

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
    for role in [
        lanyard_api::RoleName::Deployer,
        lanyard_api::RoleName::Viewer,
    ] {
        let req = lanyard_api::CreateToken {
            role,
            environments: vec![],
            description: String::new(),
        };
        let token = server.admin().create_token("acme", &req).await.unwrap();
        let client = server.client(token.secret.expose_secret());
        assert_eq!(
            client.rotate_keys(10).await.unwrap_err().status(),
            Some(403)
        );
        assert_eq!(client.key_status().await.unwrap_err().status(), Some(403));
    }
    let step = server.admin().rotate_keys(10).await.unwrap();
    assert!(step.done && step.rewrapped == 0);
}

/// A key dropped from the configuration too early: its versions show as `unknown`, and rotation
/// refuses (naming the key id and the fix) rather than finish with versions nobody can open.
async fn versions_under_an_unknown_key_stop_rotation(backend: Backend) {
    const PLANTED: &str = "planted-secret-value-Qx7mZ2";
    let first = TestServer::start(backend).await;
    let token = first.admin_token().to_owned();
    for n in 0..3 {
        let value = format!("{PLANTED}-a{n}");
        first
            .admin()
            .set_secret("acme", &format!("a{n}"), value.into())
            .await
            .unwrap();
    }
    let (old_key, database) = (copy(first.master_key()), first.database().clone());
    first.stop().await;
    let new_key = MasterKey::generate().to_base64();
    let rotating = TestServer::start_rotating(database.clone(), copy(&new_key), &[copy(&old_key)])
        .await
        .unwrap();
    let admin = rotating.client(&token);
    for n in 0..2 {
        let value = format!("{PLANTED}-b{n}");
        admin
            .set_secret("acme", &format!("b{n}"), value.into())
            .await
            .unwrap();
    }
    let (old_id, new_id) = (key_id(&old_key), key_id(&new_key));
    let before = admin.key_status().await.unwrap();
    assert_eq!(before.active_key_id, new_id);
    assert!(!before.check_value_is_active);
    assert_eq!(
        usage(&before),
        BTreeMap::from([
            (old_id.clone(), ("retired".to_owned(), 3)),
            (new_id.clone(), ("active".to_owned(), 2)),
        ])
    );
    rotating.stop().await;

    // Back to the old key alone: it still matches the check value, so the server starts.
    let back = TestServer::start_on_existing(database.clone(), copy(&old_key)).await;
    let admin = back.client(&token);
    let status = admin.key_status().await.unwrap();
    assert!(status.check_value_is_active);
    assert_eq!(usage(&status)[&new_id], ("unknown".to_owned(), 2));
    let err = admin.rotate_keys(100).await.unwrap_err();
    let message = err.to_string();
    assert_eq!(err.status(), Some(500), "{message}");
    assert!(
        message.contains(&new_id) && message.contains("LANYARD_RETIRED_MASTER_KEY_FILES"),
        "{message}"
    );
    // Nothing was re-wrapped.
    assert_eq!(usage(&admin.key_status().await.unwrap()), usage(&status));

    for text in [
        message,
        serde_json::to_string(&before).unwrap(),
        serde_json::to_string(&status).unwrap(),
    ] {
        for planted in [old_key.expose_secret(), new_key.expose_secret(), PLANTED] {
            assert!(!text.contains(planted), "{text}");
        }
    }
}

async fn batch_has_a_default_and_bounds(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for bad in [0, -1, 10_001] {
        let err = admin.rotate_keys(bad).await.unwrap_err();
        assert_eq!(err.status(), Some(400), "{err}");
        assert!(err.to_string().contains("between 1 and 10000"), "{err}");
    }
    assert!(admin.rotate_keys(10_000).await.unwrap().done);
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/keys/rotate", server.url))
        .bearer_auth(server.admin_token())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "rewrapped": 0, "remaining": 0, "done": true })
    );
}

backend_tests!(
    rotation_rewraps_everything_and_retires_the_old_key,
    only_admins_rotate,
    versions_under_an_unknown_key_stop_rotation,
    batch_has_a_default_and_bounds,
);

#[test]
fn retired_key_files_layer_like_the_other_settings() {
    let toml = "data_dir = \"/d\"\nretired_master_key_files = [\"/etc/lanyard/old.key\"]";
    let file: RawServerConfig = toml::from_str(toml).unwrap();
    let config = file.validate().unwrap();
    assert_eq!(config.retired_keys, [PathBuf::from("/etc/lanyard/old.key")]);

    let var = "LANYARD_RETIRED_MASTER_KEY_FILES";
    assert!(KNOWN_ENV_VARS.contains(&var));
    let env = RawServerConfig::from_env(|k| (k == var).then(|| " /a.key, /b.key ,".to_owned()));
    let file: RawServerConfig = toml::from_str(toml).unwrap();
    let config = file.merge(env.unwrap()).validate().unwrap();
    assert_eq!(
        config.retired_keys,
        [PathBuf::from("/a.key"), PathBuf::from("/b.key")]
    );
}

#[tokio::test]
async fn unreadable_retired_key_files_refuse_the_start_without_echoing_them() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let malformed = database.data_dir().join("old.key");
    std::fs::write(&malformed, "planted-not-a-key").unwrap();
    let missing = database.data_dir().join("missing.key");
    for (path, problem) in [(malformed, "not a valid key"), (missing, "cannot read")] {
        let raw = RawServerConfig {
            listen: Some("127.0.0.1:0".to_owned()),
            database_url: database.url(),
            data_dir: Some(database.data_dir().to_path_buf()),
            org: Some("acme".to_owned()),
            master_key: Some(MasterKey::generate().to_base64()),
            retired_master_key_files: Some(vec![path.clone()]),
            ..RawServerConfig::default()
        };
        let err = lanyard_server::prepare(raw.validate().unwrap())
            .await
            .err()
            .expect("refused")
            .to_string();
        for part in [
            path.display().to_string().as_str(),
            "LANYARD_RETIRED_MASTER_KEY_FILES",
            problem,
        ] {
            assert!(err.contains(part), "{err}");
        }
        assert!(!err.contains("planted"), "{err}");
    }
}
