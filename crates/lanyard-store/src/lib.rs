//! Lanyard's storage: narrow traits per aggregate, and one SQL implementation behind them that runs
//! on embedded SQLite and on PostgreSQL.
//!
//! Callers hold an `Arc<dyn Store>` and never learn which database is in use; only the server's
//! start-up code picks a [`DatabaseUrl`]. The store never sees plaintext secrets: it stores token
//! hashes and sealed ciphertext, never the values they protect.

mod access;
mod audit;
mod bundles;
mod changes;
mod content;
mod error;
mod jobs;
mod records;
mod sessions;
mod signing_keys;
mod sql;
mod url;

use async_trait::async_trait;
use lanyard_domain::{Slug, Timestamp};

pub use access::{AuthorizationRecord, AuthorizationScope, DefaultRecord, ResolutionFacts};
pub use audit::{
    audit_hash, audit_link, verify_chain, AuditEntry, AuditEvent, AuditKey, ChainCheck,
    ChainVerdict, PruneRecord, GENESIS_HASH, KEYED_PREFIX, PRUNE_ACTION,
};
pub use bundles::{BundleKind, BundlePart, BundleRecord, BundleStats, NewBundle};
pub use changes::{Change, ChangeFeed};
pub use content::{
    ConnectionRecord, ConnectionWrite, FieldSource, KeyUsage, NewFieldSource, NewSecret,
    NewSecretVersion, NewVariable, RewrappedVersion, SealedVersion, SecretRecord,
    SecretVersionRecord, VariableRecord,
};
pub use error::{StoreError, StoreResult};
pub use jobs::{
    IdentityCheck, JobOutcome, JobRecord, NewJob, NewRunner, OutputChunk, ReleaseRecord,
    RunnerRecord,
};
pub use records::{
    BootstrapRecord, EnvironmentRecord, NewEnvironment, NewOrg, NewToken, OrgRecord, TokenRecord,
};
pub use sessions::{NewSession, SessionRecord, SessionSetup, SessionStore};
pub use signing_keys::{SigningKeyRecord, SigningKeyStore};
pub use sql::{SqlStore, SCHEMA_VERSION};
pub use url::{DatabaseUrl, DatabaseUrlError};

/// Organizations. Creating one always creates its first admin token in the same transaction.
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Creates an organization and its first admin token atomically.
    async fn create_org(
        &self,
        org: &NewOrg,
        admin: &NewToken,
        audit: &AuditEntry,
    ) -> StoreResult<OrgRecord>;
    /// Finds an organization by slug.
    async fn find_org(&self, slug: &Slug) -> StoreResult<Option<OrgRecord>>;
    /// Sets (or, with `None`, clears) the organization's default job timeout.
    async fn set_org_job_timeout(
        &self,
        org_id: &str,
        seconds: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Sets how often the organization's connections are re-checked (`None`: daily).
    async fn set_org_check_interval(
        &self,
        org_id: &str,
        seconds: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Sets (or with `None`, clears) the limits of directories uploaded for its jobs.
    async fn set_org_upload_limits(
        &self,
        org_id: &str,
        max_bytes: Option<i64>,
        max_files: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Deletes an organization and everything in it.
    async fn delete_org(&self, org_id: &str) -> StoreResult<()>;
}

/// Environments inside an organization.
#[async_trait]
pub trait EnvironmentStore: Send + Sync {
    /// Creates an environment; [`StoreError::Conflict`] if the name is taken.
    async fn create_environment(
        &self,
        env: &NewEnvironment,
        audit: &AuditEntry,
    ) -> StoreResult<EnvironmentRecord>;
    /// Every environment of an organization, by name.
    async fn list_environments(&self, org_id: &str) -> StoreResult<Vec<EnvironmentRecord>>;
    /// One environment by name.
    async fn find_environment(
        &self,
        org_id: &str,
        name: &Slug,
    ) -> StoreResult<Option<EnvironmentRecord>>;
    /// Deletes an environment; [`StoreError::NotFound`] if there is none by that name.
    async fn delete_environment(
        &self,
        org_id: &str,
        name: &Slug,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
}

/// API tokens, stored by hash only.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new token.
    async fn create_token(&self, token: &NewToken, audit: &AuditEntry) -> StoreResult<TokenRecord>;
    /// The live (not revoked) token with this SHA-256 hash (lowercase hex), if any.
    async fn find_token_by_hash(&self, hash_hex: &str) -> StoreResult<Option<TokenRecord>>;
    /// The live tokens of an organization, oldest first.
    async fn list_tokens(&self, org_id: &str) -> StoreResult<Vec<TokenRecord>>;
    /// Every token the organization ever had, revoked ones included, as (id, role,
    /// description, revoked): what audit events and secret versions name their actors by.
    async fn token_labels(&self, org_id: &str) -> StoreResult<Vec<(String, String, String, bool)>>;
    /// Revokes a token; [`StoreError::NotFound`] if the organization has no live token by that id.
    async fn revoke_token(
        &self,
        org_id: &str,
        token_id: &str,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
}

/// Installation-wide facts, such as the master key's check value.
#[async_trait]
pub trait MetaStore: Send + Sync {
    /// Reads one installation fact.
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>>;
    /// Writes installation facts (e.g. the new key check value after a rotation), atomically.
    async fn set_meta(&self, facts: &[(&str, String)]) -> StoreResult<()>;
    /// Writes one fact unless it is there already, and returns the fact as it stands: when
    /// several servers make one at once, they all end up with the same.
    async fn meta_or_insert(&self, key: &str, value: String) -> StoreResult<String>;
    /// Records that server `id` is alive at `now`, forgets servers not seen since
    /// `alive_since`, and returns how many are alive (this one included).
    async fn replica_heartbeat(&self, id: &str, now: i64, alive_since: i64) -> StoreResult<u32>;
    /// First start: writes the facts, the first organization and its admin token in one
    /// transaction. [`StoreError::Conflict`] if the database was bootstrapped already.
    async fn bootstrap(
        &self,
        record: &BootstrapRecord,
        audit: &AuditEntry,
    ) -> StoreResult<OrgRecord>;
}

/// Secrets: metadata in the clear, every version sealed.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Creates a secret with its first version; [`StoreError::Conflict`] if the name is taken.
    async fn create_secret(
        &self,
        secret: &NewSecret,
        first: &NewSecretVersion,
        audit: &AuditEntry,
    ) -> StoreResult<SecretRecord>;
    /// Adds the next version; [`StoreError::Conflict`] if that version number was taken by a
    /// concurrent writer (the caller re-reads and retries).
    async fn add_secret_version(
        &self,
        version: &NewSecretVersion,
        audit: &AuditEntry,
    ) -> StoreResult<SecretRecord>;
    /// One secret by name.
    async fn find_secret(&self, org_id: &str, name: &Slug) -> StoreResult<Option<SecretRecord>>;
    /// Every secret of an organization, by name.
    async fn list_secrets(&self, org_id: &str) -> StoreResult<Vec<SecretRecord>>;
    /// A secret's versions, newest first.
    async fn list_secret_versions(&self, secret_id: &str) -> StoreResult<Vec<SecretVersionRecord>>;
    /// One sealed version, for release to a runner.
    async fn sealed_version(
        &self,
        secret_id: &str,
        version: i64,
    ) -> StoreResult<Option<SealedVersion>>;
    /// Deletes a secret and its versions; [`StoreError::Conflict`] while a connection references it.
    async fn delete_secret(&self, org_id: &str, name: &Slug, audit: &AuditEntry)
        -> StoreResult<()>;
    /// How many sealed versions each key id wraps, across every organization.
    async fn key_usage(&self) -> StoreResult<Vec<KeyUsage>>;
    /// Up to `limit` versions not wrapped by `key_id`, for rotation.
    async fn versions_not_under(&self, key_id: &str, limit: i64)
        -> StoreResult<Vec<SealedVersion>>;
    /// Replaces each version's blob if it is still wrapped by the key id given with it
    /// (compare-and-swap, so concurrent rotations never undo each other), in one transaction.
    /// Returns how many were replaced.
    async fn rewrap_versions(&self, rewrapped: &[RewrappedVersion]) -> StoreResult<i64>;
}

/// Variables: plain organization-level values.
#[async_trait]
pub trait VariableStore: Send + Sync {
    /// Creates or overwrites a variable.
    async fn set_variable(
        &self,
        variable: &NewVariable,
        audit: &AuditEntry,
    ) -> StoreResult<VariableRecord>;
    /// Every variable of an organization, by name.
    async fn list_variables(&self, org_id: &str) -> StoreResult<Vec<VariableRecord>>;
    /// One variable by name.
    async fn find_variable(&self, org_id: &str, name: &Slug)
        -> StoreResult<Option<VariableRecord>>;
    /// Deletes a variable; [`StoreError::Conflict`] while a connection references it.
    async fn delete_variable(
        &self,
        org_id: &str,
        name: &Slug,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
}

/// Connections and their fields.
#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Creates or replaces a connection, with any secrets it brings, in one transaction.
    async fn save_connection(
        &self,
        write: &ConnectionWrite,
        audit: &AuditEntry,
    ) -> StoreResult<ConnectionRecord>;
    /// One connection by name.
    async fn find_connection(
        &self,
        org_id: &str,
        name: &Slug,
    ) -> StoreResult<Option<ConnectionRecord>>;
    /// The organization's connections, optionally of one provider, by name.
    async fn list_connections(
        &self,
        org_id: &str,
        provider: Option<&str>,
    ) -> StoreResult<Vec<ConnectionRecord>>;
    /// Deletes a connection.
    async fn delete_connection(
        &self,
        org_id: &str,
        name: &Slug,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Names of the connections whose fields reference this secret.
    async fn connections_using_secret(&self, secret_id: &str) -> StoreResult<Vec<Slug>>;
    /// Names of the connections whose fields reference this variable.
    async fn connections_using_variable(&self, variable_id: &str) -> StoreResult<Vec<Slug>>;
    /// Claims up to `limit` connections due for a scheduled check (checked longer ago than
    /// their organization's interval, default daily, or marked due; never-checked ones are
    /// checked when saved), oldest check first, until `lease_until` (ms): no other server is
    /// handed them before then. Returns (organization id, organization, connection).
    async fn claim_due_checks(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<(String, Slug, Slug)>>;
    /// Marks the connections that use a secret as due for a check (its value changed).
    async fn mark_check_due(&self, secret_id: &str) -> StoreResult<()>;
    /// Records the outcome of a verification (`connection test`, or a scheduled re-check) and
    /// what it said, with its audit entry when a person asked for it; a claimed check's lease
    /// ends with it.
    async fn record_verification(
        &self,
        org_id: &str,
        connection_id: &str,
        at: Timestamp,
        verdict: &str,
        message: Option<&str>,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()>;
}

/// Authorizations (where a connection may be used) and defaults (which one is used).
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Creates or replaces a connection's authorization.
    async fn put_authorization(
        &self,
        org_id: &str,
        connection_id: &str,
        scope: &AuthorizationScope,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// A connection's authorization, if it has one.
    async fn find_authorization(
        &self,
        connection_id: &str,
    ) -> StoreResult<Option<AuthorizationRecord>>;
    /// The organization's authorizations, optionally for one provider.
    async fn list_authorizations(
        &self,
        org_id: &str,
        provider: Option<&str>,
    ) -> StoreResult<Vec<AuthorizationRecord>>;
    /// Removes a connection's authorization; [`StoreError::NotFound`] if it had none.
    async fn delete_authorization(
        &self,
        connection_id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Whether the connection may be used in the environment.
    async fn is_authorized(&self, connection_id: &str, environment_id: &str) -> StoreResult<bool>;
    /// Sets the default for a provider, organization-wide or for one environment (by id).
    async fn set_default(
        &self,
        org_id: &str,
        provider: &str,
        environment_id: Option<&str>,
        connection_id: &str,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Removes a default; [`StoreError::NotFound`] if there was none.
    async fn unset_default(
        &self,
        org_id: &str,
        provider: &str,
        environment_id: Option<&str>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// The organization's defaults, optionally for one provider.
    async fn list_defaults(
        &self,
        org_id: &str,
        provider: Option<&str>,
    ) -> StoreResult<Vec<DefaultRecord>>;
    /// The facts resolution weighs for (provider, environment), in one round trip.
    async fn resolution_facts(
        &self,
        org_id: &str,
        provider: &str,
        environment_id: &str,
        explicit: Option<&Slug>,
    ) -> StoreResult<ResolutionFacts>;
}

/// The audit trail: one hash chain per organization.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an event that records no stored change (a credential release), returning once it
    /// is committed.
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// Queues an event that records no change and needs no wait (a resolve): it is committed
    /// with the next group, and any read of the trail through this store waits for it.
    async fn queue_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// Events since `since` (ms), newest first, optionally for one target.
    async fn list_audit(
        &self,
        org_id: &str,
        since: i64,
        target: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// Up to `limit` events after sequence number `after`, oldest first: a page of an export.
    async fn audit_page(
        &self,
        org_id: &str,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// The recorded head of the organization's chain: its last sequence number and hash.
    async fn audit_head(&self, org_id: &str) -> StoreResult<Option<(i64, String)>>;
    /// Deletes the organization's events up to and including `through` and appends `audit`
    /// (an `audit.prune` event naming the last removed event and its link), in one
    /// transaction; returns how many events were deleted.
    async fn prune_audit(&self, org_id: &str, through: i64, audit: &AuditEntry)
        -> StoreResult<i64>;
    /// The whole chain in order, and the recorded head, read consistently.
    async fn audit_chain(
        &self,
        org_id: &str,
    ) -> StoreResult<(Vec<AuditEvent>, Option<(i64, String)>)>;
}

/// Runners: agents that take jobs, authenticated by a runner token.
#[async_trait]
pub trait RunnerStore: Send + Sync {
    /// Registers a runner; [`StoreError::Conflict`] if the name is taken.
    async fn create_runner(
        &self,
        runner: &NewRunner,
        audit: &AuditEntry,
    ) -> StoreResult<RunnerRecord>;
    /// The organization's runners, by name.
    async fn list_runners(&self, org_id: &str) -> StoreResult<Vec<RunnerRecord>>;
    /// One runner by name.
    async fn find_runner(&self, org_id: &str, name: &Slug) -> StoreResult<Option<RunnerRecord>>;
    /// The runner whose token has this SHA-256 hash (lowercase hex), if any.
    async fn find_runner_by_token(&self, hash_hex: &str) -> StoreResult<Option<RunnerRecord>>;
    /// Deletes a runner (its token stops working); [`StoreError::NotFound`] if absent.
    async fn delete_runner(&self, org_id: &str, name: &Slug, audit: &AuditEntry)
        -> StoreResult<()>;
    /// Makes this runner (or, with `None`, the built-in runner) the organization's default.
    async fn set_default_runner(
        &self,
        org_id: &str,
        runner_id: Option<&str>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Records that the runner was heard from.
    /// Asks the runner to check its identities now (its next claim takes the request).
    async fn request_identity_recheck(&self, runner_id: &str, at: i64) -> StoreResult<()>;
    /// Takes a pending request to check identities: true once per request.
    async fn take_identity_recheck(&self, runner_id: &str) -> StoreResult<bool>;
    async fn touch_runner(&self, runner_id: &str, at: i64) -> StoreResult<()>;
    /// Records the AWS identity a runner reports (its caller ARN).
    async fn set_runner_aws_identity(&self, runner_id: &str, identity: &str) -> StoreResult<()>;
    /// Records how the runner isolates its jobs (only written when it changed).
    async fn set_runner_isolation(&self, runner_id: &str, isolation: &str) -> StoreResult<()>;
    /// Replaces what the runner found when it checked its own identities.
    async fn set_runner_identity_checks(
        &self,
        runner_id: &str,
        checks: &[IdentityCheck],
    ) -> StoreResult<()>;
}

/// Jobs, their output, and the credential releases made for them.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Creates a queued job.
    async fn create_job(&self, job: &NewJob, audit: &AuditEntry) -> StoreResult<JobRecord>;
    /// One job of an organization.
    async fn find_job(&self, org_id: &str, id: &str) -> StoreResult<Option<JobRecord>>;
    /// The organization's most recent jobs, newest first.
    async fn list_jobs(&self, org_id: &str, limit: i64) -> StoreResult<Vec<JobRecord>>;
    /// Atomically takes the oldest queued job for this runner (`None`: the built-in runner)
    /// and marks it running. Two claimers never get the same job.
    async fn claim_job(&self, runner_id: Option<&str>, at: i64) -> StoreResult<Option<JobRecord>>;
    /// Records that the runner of these running jobs is alive; returns the ids among them
    /// whose cancellation was requested.
    async fn heartbeat_jobs(&self, ids: &[String], at: i64) -> StoreResult<Vec<String>>;
    /// Asks for a job to stop: a queued job is canceled at once, a running one flagged for
    /// its runner. Returns the job as it is now; [`StoreError::NotFound`] if absent.
    async fn request_cancel(
        &self,
        org_id: &str,
        id: &str,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<JobRecord>;
    /// Ends a running job. Returns false if it was not running (already ended or reaped).
    async fn finish_job(&self, id: &str, outcome: &JobOutcome, at: i64) -> StoreResult<bool>;
    /// Fails every running job not heard from since `stale_before` and every queued job of
    /// the built-in runner created before it (its server went away); returns their ids.
    async fn reap_jobs(&self, stale_before: i64, at: i64) -> StoreResult<Vec<String>>;
    /// Stores output chunks; a chunk whose sequence number is stored already is skipped.
    async fn append_output(&self, job_id: &str, chunks: &[OutputChunk]) -> StoreResult<()>;
    /// Output after sequence number `after` (-1 for all), in order, at most `limit` chunks.
    async fn read_output(
        &self,
        job_id: &str,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutputChunk>>;
    /// Records a credential release and its audit event in one transaction.
    async fn record_release(&self, release: &ReleaseRecord, audit: &AuditEntry) -> StoreResult<()>;
    /// The releases of one connection, newest first.
    async fn list_releases(
        &self,
        org_id: &str,
        connection_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<ReleaseRecord>>;
}

/// Archives that travel with jobs, stored in sealed parts.
#[async_trait]
pub trait BundleStore: Send + Sync {
    /// Starts an archive; its parts follow, then [`BundleStore::complete_bundle`].
    async fn create_bundle(&self, bundle: &NewBundle) -> StoreResult<()>;
    /// Stores one sealed part.
    async fn put_bundle_part(&self, bundle_id: &str, part: &BundlePart) -> StoreResult<()>;
    /// Marks an archive complete with what it holds and records its audit event, in one
    /// transaction.
    async fn complete_bundle(
        &self,
        bundle_id: &str,
        stats: &BundleStats,
        audit: &AuditEntry,
    ) -> StoreResult<BundleRecord>;
    /// One archive of an organization.
    async fn find_bundle(&self, org_id: &str, id: &str) -> StoreResult<Option<BundleRecord>>;
    /// The complete archive of this kind that belongs to a job.
    async fn job_bundle(&self, job_id: &str, kind: BundleKind)
        -> StoreResult<Option<BundleRecord>>;
    /// One sealed part.
    async fn bundle_part(&self, bundle_id: &str, seq: i64) -> StoreResult<Option<BundlePart>>;
    /// Deletes an archive and its parts.
    async fn delete_bundle(&self, bundle_id: &str) -> StoreResult<()>;
    /// Deletes archives past their expiry and the uploads of jobs that ended; returns how many.
    async fn purge_bundles(&self, now: i64) -> StoreResult<u64>;
}

/// Everything the server needs from storage.
pub trait Store:
    OrgStore
    + EnvironmentStore
    + TokenStore
    + MetaStore
    + SecretStore
    + VariableStore
    + ConnectionStore
    + AccessStore
    + AuditStore
    + RunnerStore
    + JobStore
    + BundleStore
    + SigningKeyStore
    + SessionStore
{
    /// Other servers' changes to this database, as they commit.
    fn changes(&self) -> ChangeFeed;
    /// The backend's name for logs and `healthz` ("sqlite" or "postgres").
    fn backend(&self) -> &'static str;
    /// Keys every audit event appended from now on (set once, at start-up; later calls are
    /// ignored).
    fn set_audit_key(&self, key: std::sync::Arc<dyn AuditKey>);
}
