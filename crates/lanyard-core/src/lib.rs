//! Lanyard's use cases: each operation the API offers, its access check and its rules, written once
//! over the store traits.
//!
//! Handlers in the server call exactly one function here. Every function that takes a
//! [`Principal`] checks it first, so forgetting an access check means writing a new function here,
//! where review looks. The core never names a database and never does HTTP.

mod audit;
mod audit_key;
mod authorizations;
mod bundles;
mod cache;
mod changes;
mod checks;
mod connections;
mod cross_account;
mod deletion;
mod environments;
mod error;
mod federation;
mod install;
mod issuer;
mod jobs;
mod keys;
mod organizations;
mod read_audit;
mod release;
mod resolve;
mod runner_identity;
mod runners;
mod secrets;
mod sessions;
mod tokens;
mod variables;
mod verify;

use std::sync::Arc;

use lanyard_crypto::Keyring;
use lanyard_domain::{Principal, Slug, Timestamp};
use lanyard_store::{OrgRecord, Store};

pub use audit_key::Checkpoint;
pub use authorizations::{SavedDefault, Scope};
pub use bundles::{
    org_limits, BundleReader, BundleWriter, ARTIFACT_RETENTION, PART_BYTES, UPLOAD_RETENTION,
};
pub use cache::TTL as CACHE_TTL;
pub use checks::is_failing;
pub use connections::{find_provider, ConnectionChanges, ConnectionSpec, FieldValue};
pub use cross_account::{CrossAccountSetup, CrossAccountStarted};
pub use deletion::Doomed;
pub use error::{CoreError, CoreResult};
pub use federation::TrustSetup;
pub use install::{install_or_verify, is_installed, Installation, KeySource};
pub use issuer::{IssuerSettings, SigningKeyStatus};
pub use jobs::{
    Claimant, GitSource, JobConnection, JobControl, JobRequest, JobSpec, JobStatus,
    ReleasedConnection, UploadRef, UsageReport,
};
pub use keys::{KeyStatus, KeyUse, RotationStep};
pub use lanyard_bundle::Limits as UploadLimits;
pub use read_audit::DEFAULT_READ_WINDOW;
pub use resolve::{credential_lifetime, Cell, Checked, Matrix, MatrixLine, Resolution, Source};
pub use runner_identity::ReportedCheck;
pub use runners::{RegisteredRunner, RunnerIdentity};
pub use secrets::SecretSummary;
pub use sessions::{ActiveSession, KeptSetup, OpenedSession, SESSION_LIFETIME};
pub use tokens::{IssuedToken, TokenRequest};
pub use verify::{AwsFailure, CloudVerifier, ConnectionTest, LiveCheck, TrustCheck};

/// The application: the store plus the rules. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Lanyard {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    caches: Arc<cache::Caches>,
    /// Secret values this process has handled, so its logs and errors can mask them.
    secrets_seen: lanyard_redact::SecretRegistry,
    /// Whether jobs without a runner run inside the server.
    builtin_runner: bool,
    /// How the built-in runner isolates jobs, as its sandbox described it at start.
    builtin_isolation: Option<Arc<str>>,
    /// Wakes the built-in runner and output followers.
    signals: Arc<jobs::Signals>,
    /// A running job whose runner is silent this long is failed.
    runner_timeout: std::time::Duration,
    /// Counts identical reads into one audit event per window.
    read_audit: Arc<read_audit::ReadAudit>,
    /// Reaches cloud providers for verification; plugged in by the server.
    verifier: Option<Arc<dyn verify::CloudVerifier>>,
    /// The audit chain's key, once `key_the_audit_chain` loaded it.
    audit_key: Arc<std::sync::OnceLock<Arc<audit_key::ChainKey>>>,
    /// The OIDC issuer's settings and opened keys.
    issuer: Arc<issuer::Issuer>,
}

impl Lanyard {
    /// Wraps a store that was already opened and migrated, and the keys that seal its secrets.
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>) -> Self {
        let feed = store.changes();
        Self {
            store,
            keyring,
            caches: Arc::new(cache::Caches::new(&feed)),
            secrets_seen: lanyard_redact::SecretRegistry::new(),
            builtin_runner: true,
            builtin_isolation: None,
            read_audit: Arc::new(read_audit::ReadAudit::new(read_audit::DEFAULT_READ_WINDOW)),
            signals: Arc::new(jobs::Signals::default()),
            runner_timeout: std::time::Duration::from_secs(30),
            verifier: None,
            audit_key: Arc::default(),
            issuer: Arc::default(),
        }
    }

    /// Shares a secret registry with the process's log writer.
    pub fn with_secret_registry(mut self, registry: lanyard_redact::SecretRegistry) -> Self {
        self.secrets_seen = registry;
        self
    }

    /// Turns the built-in runner on or off (off: every job needs a registered runner).
    pub fn with_builtin_runner(mut self, enabled: bool) -> Self {
        self.builtin_runner = enabled;
        self
    }

    /// Sets the window in which identical reads are counted into one audit event.
    pub fn with_read_audit_window(mut self, window: std::time::Duration) -> Self {
        self.read_audit = Arc::new(read_audit::ReadAudit::new(window));
        self
    }

    /// Records the counts of read windows that have ended (every open one with `all`); the
    /// server calls it every second and when it stops.
    pub async fn flush_read_audit(&self, all: bool) -> CoreResult<()> {
        for entry in self.read_audit.ended(all) {
            self.store.queue_audit(&entry).await?;
        }
        Ok(())
    }

    /// Records how the built-in runner isolates jobs, for `runner list` and the console.
    pub fn with_builtin_isolation(mut self, isolation: String) -> Self {
        self.builtin_isolation = Some(isolation.into());
        self
    }

    /// How the built-in runner isolates jobs, if it said.
    pub fn builtin_isolation(&self) -> Option<&str> {
        self.builtin_isolation.as_deref()
    }

    /// Sets how long a runner may be silent before its running jobs are failed.
    pub fn with_runner_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.runner_timeout = timeout;
        self
    }

    /// How long a runner may be silent before its running jobs are failed.
    pub fn runner_timeout(&self) -> std::time::Duration {
        self.runner_timeout
    }

    /// Whether the built-in runner is on.
    pub fn builtin_runner_enabled(&self) -> bool {
        self.builtin_runner
    }

    /// The secret values this process has handled.
    pub fn secret_registry(&self) -> &lanyard_redact::SecretRegistry {
        &self.secrets_seen
    }

    /// The storage backend's name, for health reports.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The caller's organization for a read filtered by an optional provider, which must exist.
    async fn readable_org(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: Option<&str>,
        what: &str,
    ) -> CoreResult<OrgRecord> {
        principal.authorize(lanyard_domain::Action::Read, what)?;
        let org = self.own_org(principal, org).await?;
        if let Some(provider) = provider {
            connections::find_provider(provider)?;
        }
        Ok(org)
    }

    /// The caller's own organization, if `org` names it. Any other name is "not found", whether or
    /// not it exists: one organization learns nothing about another.
    async fn own_org(&self, principal: &Principal, org: &Slug) -> CoreResult<OrgRecord> {
        if &principal.org != org {
            return Err(CoreError::org_not_found(org));
        }
        if let Some(record) = self.caches.orgs.get(org) {
            return Ok(record);
        }
        let record = self
            .store
            .find_org(org)
            .await?
            .ok_or_else(|| CoreError::org_not_found(org))?;
        self.caches.orgs.insert(org.clone(), record.clone());
        Ok(record)
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
}
