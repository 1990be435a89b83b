//! Console sessions as stored: a hashed id, the token the session acts as, its CSRF token, a
//! pending message, and sealed cross-account setups. Kept in the database so that every replica
//! serves every request.

use async_trait::async_trait;
use lanyard_crypto::SealedBlob;

use crate::{AuditEntry, StoreResult, TokenRecord};

/// A session to open.
pub struct NewSession {
    /// SHA-256 (hex) of the id in the cookie.
    pub id_hash: String,
    pub token_id: String,
    pub csrf: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    pub expires_at: i64,
}

/// A live session with the live token it acts as.
pub struct SessionRecord {
    pub token: TokenRecord,
    pub csrf: String,
    pub expires_at: i64,
    /// The message left for the next page, if any.
    pub flash: Option<String>,
}

/// A cross-account setup kept for one session.
pub struct SessionSetup {
    pub role_name: String,
    /// The template and console link, sealed by the master key.
    pub sealed: SealedBlob,
}

/// Console sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Opens a session (and records the login in the same transaction).
    async fn create_session(&self, session: &NewSession, audit: &AuditEntry) -> StoreResult<()>;
    /// The session with this id hash, if it has not expired at `now` and its token is live.
    async fn find_session(&self, id_hash: &str, now: i64) -> StoreResult<Option<SessionRecord>>;
    /// Ends a session (recording the logout, if given); ending one that is gone is not an error.
    async fn end_session(&self, id_hash: &str, audit: Option<&AuditEntry>) -> StoreResult<()>;
    /// Leaves (or with `None`, clears) the message for the session's next page.
    async fn set_session_flash(&self, id_hash: &str, flash: Option<&str>) -> StoreResult<()>;
    /// Keeps a setup for the session (a new one for the same connection replaces the old).
    async fn put_session_setup(
        &self,
        id_hash: &str,
        connection: &str,
        setup: &SessionSetup,
    ) -> StoreResult<()>;
    /// The session's setup for `connection`, if any.
    async fn session_setup(
        &self,
        id_hash: &str,
        connection: &str,
    ) -> StoreResult<Option<SessionSetup>>;
    /// Forgets a setup.
    async fn drop_session_setup(&self, id_hash: &str, connection: &str) -> StoreResult<()>;
    /// Deletes sessions expired before `now` or whose token was revoked; returns how many.
    async fn purge_sessions(&self, now: i64) -> StoreResult<u64>;
}
