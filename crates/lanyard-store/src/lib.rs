//! Lanyard's storage: narrow traits per aggregate, and one SQL implementation behind them that runs
//! on embedded SQLite and on PostgreSQL.
//!
//! Callers hold an `Arc<dyn Store>` and never learn which database is in use; only the server's
//! start-up code picks a [`DatabaseUrl`]. The store never sees plaintext secrets: it stores token
//! hashes and sealed ciphertext, never the values they protect.

mod error;
mod records;
mod sql;
mod url;

use async_trait::async_trait;
use lanyard_domain::Slug;

pub use error::{StoreError, StoreResult};
pub use records::{
    BootstrapRecord, EnvironmentRecord, NewEnvironment, NewOrg, NewToken, OrgRecord, TokenRecord,
};
pub use sql::{SqlStore, SCHEMA_VERSION};
pub use url::{DatabaseUrl, DatabaseUrlError};

/// Organizations. Creating one always creates its first admin token in the same transaction.
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Creates an organization and its first admin token atomically.
    async fn create_org(&self, org: &NewOrg, admin: &NewToken) -> StoreResult<OrgRecord>;
    /// Finds an organization by slug.
    async fn find_org(&self, slug: &Slug) -> StoreResult<Option<OrgRecord>>;
    /// Deletes an organization and everything in it.
    async fn delete_org(&self, org_id: &str) -> StoreResult<()>;
}

/// Environments inside an organization.
#[async_trait]
pub trait EnvironmentStore: Send + Sync {
    /// Creates an environment; [`StoreError::Conflict`] if the name is taken.
    async fn create_environment(&self, env: &NewEnvironment) -> StoreResult<EnvironmentRecord>;
    /// Every environment of an organization, by name.
    async fn list_environments(&self, org_id: &str) -> StoreResult<Vec<EnvironmentRecord>>;
    /// One environment by name.
    async fn find_environment(
        &self,
        org_id: &str,
        name: &Slug,
    ) -> StoreResult<Option<EnvironmentRecord>>;
    /// Deletes an environment; [`StoreError::NotFound`] if there is none by that name.
    async fn delete_environment(&self, org_id: &str, name: &Slug) -> StoreResult<()>;
}

/// API tokens, stored by hash only.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new token.
    async fn create_token(&self, token: &NewToken) -> StoreResult<TokenRecord>;
    /// The live (not revoked) token with this SHA-256 hash (lowercase hex), if any.
    async fn find_token_by_hash(&self, hash_hex: &str) -> StoreResult<Option<TokenRecord>>;
    /// The live tokens of an organization, oldest first.
    async fn list_tokens(&self, org_id: &str) -> StoreResult<Vec<TokenRecord>>;
    /// Revokes a token; [`StoreError::NotFound`] if the organization has no live token by that id.
    async fn revoke_token(&self, org_id: &str, token_id: &str, at: i64) -> StoreResult<()>;
}

/// Installation-wide facts, such as the master key's check value.
#[async_trait]
pub trait MetaStore: Send + Sync {
    /// Reads one installation fact.
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>>;
    /// First start: writes the facts, the first organization and its admin token in one
    /// transaction. [`StoreError::Conflict`] if the database was bootstrapped already.
    async fn bootstrap(&self, record: &BootstrapRecord) -> StoreResult<OrgRecord>;
}

/// Everything the server needs from storage.
pub trait Store: OrgStore + EnvironmentStore + TokenStore + MetaStore {
    /// The backend's name for logs and `healthz` ("sqlite" or "postgres").
    fn backend(&self) -> &'static str;
}
