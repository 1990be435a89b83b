//! Secret hygiene: a planted secret never comes back out of an API response, the server log or
//! the database; damaged or misplaced ciphertext fails closed with a clear error.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use lanyard_api::{CreateConnection, FieldInput, WireSecret};
use lanyard_domain::Slug;
use lanyard_testkit::{backend_tests, Backend, TestServer};
use sqlx::Connection;

const PLANTED: &str = "pl4nted/SECRET/valueXYZ0123456789abcdefg";

/// Everything every test in this binary logs, at every level.
fn log_buffer() -> Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let writer = Capture(buffer.clone());
            let _ = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .try_init();
            buffer
        })
        .clone()
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn database_text(server: &TestServer) -> Vec<u8> {
    match server.database().url() {
        None => {
            let dir = server.database().data_dir();
            let mut bytes = Vec::new();
            for file in ["lanyard.db", "lanyard.db-wal"] {
                bytes.extend(std::fs::read(dir.join(file)).unwrap_or_default());
            }
            bytes
        }
        Some(url) => {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let mut text = Vec::new();
            for table in [
                "secrets",
                "secret_versions",
                "variables",
                "connections",
                "connection_fields",
                "api_tokens",
                "lanyard_meta",
            ] {
                let rows: Vec<(String,)> =
                    sqlx::query_as(&format!("SELECT t::text FROM {table} t"))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                for (row,) in rows {
                    text.extend(row.into_bytes());
                }
            }
            text
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn planted_secret_never_comes_back_out(backend: Backend) {
    let logs = log_buffer();
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin
        .set_secret("acme", "planted", PLANTED.to_owned().into())
        .await
        .unwrap();
    let fields = [
        ("account_id", "123456789012"),
        ("access_key_id", "AKIAIOSFODNN7EXAMPLE"),
        (
            "secret_access_key",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_owned(),
            FieldInput::Value(WireSecret::new(v.to_owned().into())),
        )
    })
    .collect();
    let request = CreateConnection {
        name: "aws".into(),
        provider: "aws".into(),
        kind: None,
        auth_mode: None,
        fields,
    };
    admin.create_connection("acme", &request).await.unwrap();
    let inline_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    // A bad request carrying the secret must not echo it in the error either.
    let bad = CreateConnection {
        name: "bad".into(),
        provider: "aws".into(),
        kind: None,
        auth_mode: None,
        fields: [(
            "account_id".to_owned(),
            FieldInput::Value(WireSecret::new(PLANTED.to_owned().into())),
        )]
        .into(),
    };
    let err = admin
        .create_connection("acme", &bad)
        .await
        .unwrap_err()
        .to_string();
    assert!(!err.contains(PLANTED), "{err}");
    let http = reqwest::Client::new();
    for path in [
        "/orgs/acme/secrets",
        "/orgs/acme/secrets/planted/versions",
        "/orgs/acme/secrets/aws-secret-access-key/versions",
        "/orgs/acme/connections",
        "/orgs/acme/connections/aws",
        "/orgs/acme/variables",
        "/orgs/acme/tokens",
        "/whoami",
    ] {
        let body = http
            .get(format!("{}/api/v1{path}", server.url))
            .bearer_auth(server.admin_token())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !body.contains(PLANTED) && !body.contains(inline_secret),
            "{path} leaked: {body}"
        );
    }
    let stored = database_text(&server).await;
    assert!(
        !contains(&stored, PLANTED),
        "the planted secret is in the database in the clear"
    );
    assert!(
        !contains(&stored, inline_secret),
        "the inline secret is in the database in the clear"
    );
    let logged = logs.lock().unwrap().clone();
    assert!(!logged.is_empty(), "the log capture works");
    assert!(
        !contains(&logged, PLANTED) && !contains(&logged, inline_secret),
        "a secret reached the log"
    );
}

async fn damaged_or_moved_ciphertext_fails_closed(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    for (secret, connection) in [("key-a", "conn-a"), ("key-b", "conn-b")] {
        admin
            .set_secret(
                "acme",
                secret,
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned().into(),
            )
            .await
            .unwrap();
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
                FieldInput::Secret(secret.to_owned()),
            ),
        ]
        .into();
        let request = CreateConnection {
            name: connection.into(),
            provider: "aws".into(),
            kind: None,
            auth_mode: None,
            fields,
        };
        admin.create_connection("acme", &request).await.unwrap();
    }
    let core = server.core().await;
    let me = core.authenticate(server.admin_token()).await.unwrap();
    let (org, dev) = (Slug::parse("acme").unwrap(), Slug::parse("dev").unwrap());
    let use_conn = |name: &'static str| {
        let core = core.clone();
        let me = me.clone();
        let (org, dev) = (org.clone(), dev.clone());
        async move {
            core.materialize_connection(&me, &org, &Slug::parse(name).unwrap(), &dev)
                .await
        }
    };
    use_conn("conn-b").await.expect("intact secrets open");

    let url = server.database().sqlx_url();
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    let id_of = "(SELECT id FROM secrets WHERE slug = $1)";
    // A's ciphertext copied onto B's row: bound to A's context, so it must not open as B.
    sqlx::query(&format!(
        "UPDATE secret_versions SET sealed = (SELECT sealed FROM secret_versions WHERE secret_id = {id_of}) WHERE secret_id = {}",
        id_of.replace("$1", "$2")
    ))
    .bind("key-a")
    .bind("key-b")
    .execute(&mut db)
    .await
    .unwrap();
    let err = use_conn("conn-b").await.unwrap_err().to_string();
    assert!(
        err.contains("secret `key-b` (version 1) cannot be decrypted"),
        "{err}"
    );
    // A truncated blob.
    let truncate = match backend {
        Backend::Sqlite => {
            "UPDATE secret_versions SET sealed = substr(sealed, 1, 40) WHERE secret_id = "
        }
        Backend::Postgres => {
            "UPDATE secret_versions SET sealed = substring(sealed from 1 for 40) WHERE secret_id = "
        }
    };
    sqlx::query(&format!("{truncate}{id_of}"))
        .bind("key-a")
        .execute(&mut db)
        .await
        .unwrap();
    let err = use_conn("conn-a").await.unwrap_err();
    assert!(err.to_string().contains("secret `key-a`"), "{err}");
    db.close().await.unwrap();
    // A server with another key cannot open anything (and would not start: see startup tests).
    let stranger_key = lanyard_crypto::Keyring::new(lanyard_crypto::MasterKey::generate());
    let url = match server.database().url() {
        Some(url) => lanyard_store::DatabaseUrl::parse(&url).unwrap(),
        None => lanyard_store::DatabaseUrl::sqlite_in(server.database().data_dir()),
    };
    let store = lanyard_store::SqlStore::open(&url).await.unwrap();
    let wrong = lanyard_core::Lanyard::new(Arc::new(store), Arc::new(stranger_key));
    admin
        .set_secret(
            "acme",
            "key-b",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned().into(),
        )
        .await
        .unwrap();
    let err = wrong
        .materialize_connection(&me, &org, &Slug::parse("conn-b").unwrap(), &dev)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("sealed under a master key this server does not have"),
        "{err}"
    );
}

backend_tests!(
    planted_secret_never_comes_back_out,
    damaged_or_moved_ciphertext_fails_closed
);
