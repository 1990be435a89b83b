//! The OIDC issuer's signing keys as stored: sealed private keys, installation-wide.

use async_trait::async_trait;
use lanyard_crypto::SealedBlob;

use crate::{AuditEntry, StoreResult};

/// One signing key.
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    /// The key's public thumbprint (what tokens carry as `kid`).
    pub kid: String,
    /// The PKCS#1 private key, sealed by the master key.
    pub sealed: SealedBlob,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// When a newer key took over; `None` while it is the one that signs.
    pub retired_at: Option<i64>,
}

/// Signing keys: every replica reads the same set, so all sign with the same key and publish
/// the same JWKS.
#[async_trait]
pub trait SigningKeyStore: Send + Sync {
    /// Every stored key, newest first.
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Adds a key. With `retire_others`, every key that still signs is retired at the new
    /// key's creation time, in the same transaction (a rotation); the audit entry, if any, is
    /// appended there too.
    async fn add_signing_key(
        &self,
        key: &SigningKeyRecord,
        retire_others: bool,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()>;
    /// Deletes keys retired before `retired_before` (ms); returns how many.
    async fn purge_signing_keys(&self, retired_before: i64) -> StoreResult<u64>;
    /// Replaces a key's sealed form (a master-key rotation re-wraps it).
    async fn reseal_signing_key(&self, kid: &str, sealed: &SealedBlob) -> StoreResult<()>;
}
