//! Start-up: bind the port, open and migrate the database, load the master key, and on an empty
//! database create the first organization and its admin token.
//!
//! The order is chosen so that a bad start writes nothing: the port is bound first (a port in use
//! fails before any database work), the key is checked before anything is served, and the first
//! organization, its token and the key check value are written in a single transaction.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt as _;
use lanyard_core::{CoreError, Installation, Lanyard};
use lanyard_crypto::{ApiToken, Keyring};
use lanyard_domain::Slug;
use lanyard_store::{DatabaseUrl, SqlStore, Store, StoreError};

use crate::config::ServerConfig;
use crate::master_key;

/// Why the server could not start. Each message is one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Another process holds the port.
    #[error(
        "cannot listen on {0}: the address is already in use; stop the other process or pass \
         --listen 127.0.0.1:PORT"
    )]
    PortInUse(SocketAddr),
    /// Any other failure to bind.
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, #[source] std::io::Error),
    /// The database cannot be opened, migrated or read.
    #[error("{0}")]
    Database(#[from] StoreError),
    /// The master key is missing, malformed or wrong for this database.
    #[error("{0}")]
    MasterKey(String),
    /// A start-up use case failed.
    #[error("{0}")]
    Core(#[from] CoreError),
    /// The server failed while serving.
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
    /// The built-in runner's job settings or directories are unusable.
    #[error("{0}")]
    Jobs(String),
}

/// What a first start created, to be shown once.
pub struct FirstStart {
    /// The first organization's name.
    pub org: Slug,
    /// Its admin token; never shown again.
    pub admin_token: ApiToken,
}

/// A server that has its port, database and key, and is ready to serve.
pub struct PreparedServer {
    listener: tokio::net::TcpListener,
    app: Lanyard,
    store: SqlStore,
    /// How the built-in runner runs jobs; `None` when it is off.
    runner: Option<lanyard_runner::RunnerOptions>,
    /// Per-token API rate limits; `None` when off.
    rate_limits: Option<crate::rate_limit::RateLimits>,
    /// Whose forwarding headers are believed.
    trusted_proxies: crate::origin::TrustedProxies,
    /// How often this server tells the others it is alive (rate limits are split among the
    /// live ones).
    replica_heartbeat: std::time::Duration,
    /// The address actually bound (useful with port 0).
    pub local_addr: SocketAddr,
    /// Present only when this start set up an empty database.
    pub first_start: Option<FirstStart>,
    /// Where the data lives, with any password hidden.
    pub database: String,
}

/// Prepares a server from a validated configuration.
pub async fn prepare(config: ServerConfig) -> Result<PreparedServer, StartError> {
    prepare_with(config, lanyard_redact::SecretRegistry::new()).await
}

/// Like [`prepare`], sharing `registry` (the secret values the process handles) with the
/// process's log writer so that logs mask them.
pub async fn prepare_with(
    config: ServerConfig,
    registry: lanyard_redact::SecretRegistry,
) -> Result<PreparedServer, StartError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                StartError::PortInUse(config.listen)
            } else {
                StartError::Listen(config.listen, e)
            }
        })?;
    let local_addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(config.listen, e))?;
    if config.database.is_none() {
        create_private_dir(&config.data_dir)?;
    }
    let url = config
        .database
        .clone()
        .unwrap_or_else(|| DatabaseUrl::sqlite_in(&config.data_dir));
    let store = SqlStore::open(&url).await?;
    if config.database.is_none() {
        crate::data_dir::make_private(&config.data_dir);
    }
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let installed = lanyard_core::is_installed(shared.as_ref()).await?;
    let (key, source) = master_key::load(&config.master_key, !installed)
        .map_err(|e| StartError::MasterKey(format!("{e:#}")))?;
    let retired = master_key::load_retired(&config.retired_keys)
        .map_err(|e| StartError::MasterKey(format!("{e:#}")))?;
    let keyring = Arc::new(
        retired
            .into_iter()
            .fold(Keyring::new(key), Keyring::with_retired),
    );
    let installation =
        lanyard_core::install_or_verify(shared.as_ref(), &keyring, &source, &config.first_org)
            .await;
    let first_start = match installation {
        Ok(Installation::Verified) => None,
        Ok(Installation::Fresh { org, admin_token }) => {
            tracing::info!(org = %org.slug, "first start: created the first organization");
            Some(FirstStart {
                org: org.slug,
                admin_token,
            })
        }
        Err(CoreError::KeyMismatch { key_source }) => {
            return Err(StartError::MasterKey(
                CoreError::KeyMismatch { key_source }.to_string(),
            ))
        }
        Err(other) => return Err(other.into()),
    };
    let mut app = Lanyard::new(shared, keyring.clone())
        .with_secret_registry(registry)
        .with_builtin_runner(config.builtin_runner)
        .with_runner_timeout(config.runner_timeout)
        .with_read_audit_window(config.audit_read_window)
        .with_issuer(config.issuer.clone())
        .with_verifier(std::sync::Arc::new(crate::verifier::AwsVerifier::new(
            Default::default(),
        )));
    app.key_the_audit_chain().await?;
    let runner = if config.builtin_runner {
        let own = crate::builtin::own_secrets(&keyring, first_start.as_ref());
        let options = crate::builtin::options(&config, &url, own).await?;
        app = app.with_builtin_isolation(options.sandbox.isolation().to_string());
        Some(options)
    } else {
        None
    };
    Ok(PreparedServer {
        listener,
        app,
        runner,
        rate_limits: config.rate_limit.map(crate::rate_limit::RateLimits::new),
        trusted_proxies: config.trusted_proxies.clone(),
        replica_heartbeat: std::time::Duration::from_secs(5),
        store,
        local_addr,
        first_start,
        database: url.to_string(),
    })
}

impl PreparedServer {
    /// Makes the server's own AWS calls (connection tests, the cross-account trust check) go to
    /// `origin` instead of where its environment points: for embedders and tests, which must not
    /// change the process environment of a multi-threaded program.
    pub fn with_aws_origin(mut self, origin: lanyard_aws::session::AwsOrigin) -> Self {
        let verifier = crate::verifier::AwsVerifier::new(origin);
        self.app = self.app.with_verifier(std::sync::Arc::new(verifier));
        self
    }

    /// Limits each token to `per_second` API requests per second (bursts of twice that).
    pub fn with_rate_limit(mut self, per_second: std::num::NonZeroU32) -> Self {
        self.rate_limits = Some(crate::rate_limit::RateLimits::new(per_second));
        self
    }

    /// Says this server is alive every `interval` (tests shorten it; default 5 s).
    pub fn with_replica_heartbeat(mut self, interval: std::time::Duration) -> Self {
        self.replica_heartbeat = interval;
        self
    }

    /// Believes forwarding headers from these proxies (addresses or CIDR networks).
    pub fn with_trusted_proxies(mut self, proxies: &[&str]) -> Result<Self, String> {
        self.trusted_proxies = crate::origin::TrustedProxies::parse(proxies)?;
        Ok(self)
    }

    /// Replaces the OIDC issuer's settings (tests shorten its lifetimes).
    pub fn with_issuer(mut self, settings: lanyard_core::IssuerSettings) -> Self {
        self.app = self.app.with_issuer(settings);
        self
    }

    /// The OIDC issuer's settings.
    pub fn issuer_settings(&self) -> &lanyard_core::IssuerSettings {
        self.app.issuer_settings()
    }

    /// The public URL (the OIDC issuer), if one is set.
    pub fn public_url(&self) -> Option<&str> {
        self.app.issuer_url()
    }

    /// Sets the public URL (the OIDC issuer), e.g. to the address a test server was given.
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        let settings = lanyard_core::IssuerSettings {
            url: Some(url.into()),
            ..self.app.issuer_settings().clone()
        };
        self.app = self.app.with_issuer(settings);
        self
    }

    /// Counts identical reads into one audit event per `window` (default one minute).
    pub fn with_read_audit_window(mut self, window: std::time::Duration) -> Self {
        self.app = self.app.with_read_audit_window(window);
        self
    }

    /// Serves the API until `shutdown` completes, then finishes in-flight requests and closes the
    /// database.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        tracing::info!(address = %self.local_addr, database = %self.database, "serving");
        let dirs = self.runner.as_ref().map(|r| r.dirs.clone());
        let background = tokio::spawn(crate::builtin::background(self.app.clone(), self.runner));
        let follower = self.app.follow_changes();
        let app = self.app.clone();
        let mut router = crate::router(self.app);
        let mut forgetting = None;
        let heartbeat = self.rate_limits.clone().map(|limits| {
            tokio::spawn(share_rate_limits(
                app.clone(),
                limits,
                self.replica_heartbeat,
            ))
        });
        if let Some(limits) = self.rate_limits {
            let idle = limits.clone();
            forgetting = Some(tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
                loop {
                    tick.tick().await;
                    idle.forget_idle();
                }
            }));
            router = router.layer(axum::middleware::from_fn_with_state(
                limits,
                crate::rate_limit::limit,
            ));
        }
        // Outermost: every layer and handler sees the client's origin.
        router = router.layer(axum::middleware::from_fn_with_state(
            self.trusted_proxies,
            crate::origin::attach,
        ));
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        // Small responses and streamed job events must not wait for Nagle's algorithm to meet
        // the client's delayed ACK (a fixed ~40 ms per exchange on Linux).
        let listener = self.listener.tap_io(|stream| {
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let result = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(StartError::Serve);
        background.abort();
        follower.abort();
        if let Some(task) = heartbeat {
            task.abort();
        }
        if let Some(dirs) = dirs {
            dirs.release();
        }
        if let Some(task) = forgetting {
            task.abort();
        }
        if let Err(e) = app.flush_read_audit(true).await {
            tracing::warn!(error = %e, "could not record counted reads");
        }
        self.store.close().await;
        result
    }
}

/// The data directory holds the database and the generated key: owner access only.
fn create_private_dir(dir: &std::path::Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            StartError::Database(StoreError::Unavailable(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            )))
        })
}

/// Tells the other servers on the database that this one is alive, and splits the API rate
/// limits among the live ones, every `interval`.
async fn share_rate_limits(
    app: Lanyard,
    limits: crate::rate_limit::RateLimits,
    interval: std::time::Duration,
) {
    let mut id = [0u8; 16];
    lanyard_crypto::random::bytes(&mut id);
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        match app.replica_heartbeat(&id, interval).await {
            Ok(replicas) => limits.split_among(replicas),
            Err(e) => tracing::warn!(error = %e, "could not record that this server is alive"),
        }
    }
}
