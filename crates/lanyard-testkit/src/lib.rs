//! Test support: start the real server on port 0, over a temporary SQLite file or a fresh
//! PostgreSQL database, and talk to it through the real client.
//!
//! Every suite runs on both backends: [`backend_tests!`] turns each `async fn case(Backend)` into
//! a `sqlite` and a `postgres` test. PostgreSQL is found at `LANYARD_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test gets its own database, dropped after.

pub mod azure_cloud;
mod database;
pub mod haproxy;
pub mod load;
pub mod maven_repo;
pub mod moto;
mod nginx;
mod probe;
pub mod registry;
pub mod tls;
pub mod tls_proxy;
pub mod verdaccio;
pub mod webdriver;

use std::net::SocketAddr;

use lanyard_client::Client;
use lanyard_crypto::{ExposeSecret, MasterKey, SecretString};
use lanyard_server::{PreparedServer, RawServerConfig};
use tokio::sync::oneshot;

pub use database::{Backend, TestDatabase};
use probe::http_status;
pub use probe::{free_port, wait_for_listener};

/// Runs each named `async fn(Backend)` as two tests, one per backend.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    )*};
}

/// A running server with its data. Dropping it stops the server and removes the data.
pub struct TestServer {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The OIDC issuer URL its tokens carry (its own address, or its first replica's; empty
    /// when a test took it away).
    pub public_url: String,
    /// The first organization, `acme`.
    pub org: String,
    admin_token: Option<SecretString>,
    master_key: SecretString,
    database: std::sync::Arc<TestDatabase>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on an empty database of the given backend.
    pub async fn start(backend: Backend) -> Self {
        let database = std::sync::Arc::new(TestDatabase::create(backend).await);
        let key = MasterKey::generate().to_base64();
        Self::start_on_existing(database, key).await
    }

    /// Like [`TestServer::start`], with the prepared server adjusted before it serves (e.g.
    /// pointed at an AWS emulator with `PreparedServer::with_aws_origin`).
    pub async fn start_adjusted(
        backend: Backend,
        adjust: impl FnOnce(PreparedServer) -> PreparedServer,
    ) -> Self {
        let database = std::sync::Arc::new(TestDatabase::create(backend).await);
        let key = MasterKey::generate().to_base64();
        let prepared = Self::prepare(&database, &key)
            .await
            .expect("test server starts");
        Self::serve_prepared(adjust(prepared), database, key)
    }

    /// Starts another server process-alike on the same database and key: a second replica, or
    /// the same installation after a restart.
    pub async fn start_another(&self) -> Self {
        self.start_another_adjusted(|p| p).await
    }

    /// Like [`TestServer::start_another`], with the prepared server adjusted before it serves.
    pub async fn start_another_adjusted(
        &self,
        adjust: impl FnOnce(PreparedServer) -> PreparedServer,
    ) -> Self {
        let key = SecretString::from(self.master_key.expose_secret().to_owned());
        let prepared = Self::prepare(&self.database, &key)
            .await
            .expect("test server starts")
            .with_public_url(self.public_url.clone());
        let mut other = Self::serve_prepared(adjust(prepared), self.database.clone(), key);
        other.admin_token = self
            .admin_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned().into());
        other
    }

    /// Starts a server on a database that may already hold an installation (a restart).
    pub async fn start_on_existing(
        database: std::sync::Arc<TestDatabase>,
        key: SecretString,
    ) -> Self {
        let prepared = Self::prepare(&database, &key)
            .await
            .expect("test server starts");
        Self::serve_prepared(prepared, database, key)
    }

    fn serve_prepared(
        prepared: PreparedServer,
        database: std::sync::Arc<TestDatabase>,
        key: SecretString,
    ) -> Self {
        let url = format!("http://{}", prepared.local_addr);
        let public_url = prepared.public_url().unwrap_or_default().to_owned();
        let admin_token = prepared
            .first_start
            .as_ref()
            .map(|f| f.admin_token.expose_secret().to_owned().into());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let _ = prepared.serve(async { drop(stopped.await) }).await;
        });
        Self {
            url,
            public_url,
            org: "acme".to_owned(),
            admin_token,
            master_key: key,
            database,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Prepares (but does not serve) a server on `database` with `key`; for start-up tests.
    pub async fn prepare(
        database: &TestDatabase,
        key: &SecretString,
    ) -> Result<PreparedServer, lanyard_server::StartError> {
        Self::prepare_with_retired(database, key, &[]).await
    }

    /// Starts a server whose active key is `key`, with `retired` keys loaded for a rotation.
    pub async fn start_rotating(
        database: std::sync::Arc<TestDatabase>,
        key: SecretString,
        retired: &[SecretString],
    ) -> Result<Self, lanyard_server::StartError> {
        let prepared = Self::prepare_with_retired(&database, &key, retired).await?;
        Ok(Self::serve_prepared(prepared, database, key))
    }

    /// Like [`TestServer::prepare`], with retired keys written to files as an operator would.
    pub async fn prepare_with_retired(
        database: &TestDatabase,
        key: &SecretString,
        retired: &[SecretString],
    ) -> Result<PreparedServer, lanyard_server::StartError> {
        let mut files = Vec::new();
        for (n, old) in retired.iter().enumerate() {
            let path = database.data_dir().join(format!("retired-{n}.key"));
            std::fs::write(&path, old.expose_secret()).expect("write retired key");
            files.push(path);
        }
        let raw = RawServerConfig {
            listen: Some("127.0.0.1:0".to_owned()),
            database_url: database.url(),
            data_dir: Some(database.data_dir().to_path_buf()),
            org: Some("acme".to_owned()),
            master_key: Some(key.expose_secret().to_owned().into()),
            retired_master_key_files: Some(files),
            // Tests drive servers harder than any person; the rate-limit tests set their own.
            rate_limit: Some(0),
            ..RawServerConfig::default()
        };
        // Its public URL (the OIDC issuer) is its own address; replicas are given the first
        // one's instead, as behind a load balancer.
        let prepared = lanyard_server::prepare(raw.validate().expect("valid test config")).await?;
        let own = format!("http://{}", prepared.local_addr);
        Ok(prepared.with_public_url(own))
    }

    /// The application core over this server's database and key, for tests that check what the
    /// HTTP API deliberately does not expose (e.g. what a connection would inject).
    pub async fn core(&self) -> lanyard_core::Lanyard {
        let url = match self.database.url() {
            Some(url) => lanyard_store::DatabaseUrl::parse(&url).expect("database url"),
            None => lanyard_store::DatabaseUrl::sqlite_in(self.database.data_dir()),
        };
        let store = lanyard_store::SqlStore::open(&url)
            .await
            .expect("open store");
        let key = MasterKey::from_base64(&self.master_key).expect("test key");
        let keyring = lanyard_crypto::Keyring::new(key);
        let core =
            lanyard_core::Lanyard::new(std::sync::Arc::new(store), std::sync::Arc::new(keyring));
        core.key_the_audit_chain()
            .await
            .expect("the audit chain's key");
        core
    }

    /// The database this server runs on.
    pub fn database(&self) -> &std::sync::Arc<TestDatabase> {
        &self.database
    }

    /// The base64 master key, for starting more servers on the same data.
    pub fn master_key(&self) -> &SecretString {
        &self.master_key
    }

    /// A client with the first admin token.
    pub fn admin(&self) -> Client {
        let token = self
            .admin_token
            .as_ref()
            .expect("this server did the first start");
        self.client(token.expose_secret())
    }

    /// The first admin token.
    pub fn admin_token(&self) -> &str {
        self.admin_token
            .as_ref()
            .expect("this server did the first start")
            .expose_secret()
    }

    /// A client with the given token.
    pub fn client(&self, token: &str) -> Client {
        Client::new(&self.url, Some(token.to_owned().into())).expect("valid url")
    }

    /// Creates a connection in `acme` from a `CreateConnection` body (JSON) and authorizes it in
    /// `environments`, or organization-wide when there are none.
    pub async fn connect_authorized(&self, request: serde_json::Value, environments: &[&str]) {
        let admin = self.admin();
        let request: lanyard_api::CreateConnection =
            serde_json::from_value(request).expect("a CreateConnection body");
        let created = admin
            .create_connection("acme", &request)
            .await
            .expect("the connection is created");
        let scope = if environments.is_empty() {
            "organization"
        } else {
            "environment"
        };
        admin
            .create_authorization(
                "acme",
                &lanyard_api::AuthorizationRequest {
                    provider: created.provider,
                    connection: created.name,
                    scope: scope.into(),
                    environments: environments.iter().map(|e| (*e).to_owned()).collect(),
                },
            )
            .await
            .expect("the connection is authorized");
    }

    /// Issues a viewer token (every environment) with the admin token; returns its secret.
    pub async fn viewer_token(&self) -> String {
        let request = lanyard_api::CreateToken {
            role: lanyard_api::RoleName::Viewer,
            environments: vec![],
            description: String::new(),
        };
        self.admin()
            .create_token(&self.org, &request)
            .await
            .expect("the admin issues a viewer token")
            .secret
            .expose_secret()
            .to_owned()
    }

    /// A client without a token.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.url, None).expect("valid url")
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.url
            .trim_start_matches("http://")
            .parse()
            .expect("socket address")
    }

    /// Stops the server gracefully and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
