//! The key of the audit chain. Each event's link is an HMAC-SHA256 under a random 256-bit key
//! that exists in the clear only in this process: the database holds it sealed by the master
//! key (like a secret version, so `lanyard keys rotate` re-wraps it and rotation never breaks
//! the chain). Someone who can write the database but lacks the master key can no longer
//! rewrite events and recompute the chain.
//!
//! The sealed value also holds when the key was made: every event written from then on must be
//! keyed, so rewriting recent events as an old-style unkeyed chain is detected too.

use std::sync::Arc;

use hmac::{Hmac, Mac as _};
use lanyard_crypto::{open, rewrap, seal, SealedBlob, SecretBytes, SecretContext};
use lanyard_store::AuditKey;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{now, CoreError, CoreResult, Lanyard};

/// Where the sealed key lives in the meta table.
const META_KEY: &str = "audit_chain_key";

fn context() -> SecretContext {
    SecretContext::new("", "audit-chain-key", 1)
}

/// The chain's key, and when it was made (ms since the epoch).
pub(crate) struct ChainKey {
    key: Zeroizing<[u8; 32]>,
    pub(crate) since: i64,
}

impl AuditKey for ChainKey {
    fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(message);
        mac.finalize().into_bytes().into()
    }
}

impl Lanyard {
    /// Loads the audit chain's key (making it on first use) and keys every event from now on.
    /// Called once at start-up, after the master key was verified.
    pub async fn key_the_audit_chain(&self) -> CoreResult<()> {
        let stored = match self.store.get_meta(META_KEY).await? {
            Some(stored) => stored,
            None => {
                let mut material = Zeroizing::new(vec![0u8; 40]);
                lanyard_crypto::random::bytes(&mut material[..32]);
                material[32..].copy_from_slice(&now().millis().to_be_bytes());
                let sealed = seal(
                    &self.keyring,
                    &context(),
                    &SecretBytes::copy_from_slice(&material),
                )
                .map_err(|e| CoreError::Internal(Box::new(e)))?;
                // Several replicas may start at once: the first key stored is everyone's.
                let stored = self
                    .store
                    .meta_or_insert(META_KEY, hex::encode(sealed.to_vec()))
                    .await?;
                tracing::info!("the audit chain is keyed");
                stored
            }
        };
        let key = Arc::new(self.open_chain_key(&stored)?);
        self.audit_key.set(key.clone()).ok();
        self.store.set_audit_key(key);
        Ok(())
    }

    fn open_chain_key(&self, stored: &str) -> CoreResult<ChainKey> {
        let unreadable = |what: String| {
            CoreError::Unreadable(format!(
                "the audit chain's key {what}; it is sealed by the master key, so start with the \
                 key (or keys, during a rotation) this database uses"
            ))
        };
        let blob = hex::decode(stored)
            .ok()
            .and_then(|bytes| SealedBlob::from_vec(bytes).ok())
            .ok_or_else(|| unreadable("is damaged".to_owned()))?;
        let opened = open(&self.keyring, &context(), &blob)
            .map_err(|e| unreadable(format!("cannot be opened ({e})")))?;
        let bytes = opened.expose_secret();
        if bytes.len() != 40 {
            return Err(unreadable("has the wrong length".to_owned()));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&bytes[..32]);
        let mut since = [0u8; 8];
        since.copy_from_slice(&bytes[32..]);
        Ok(ChainKey {
            key,
            since: i64::from_be_bytes(since),
        })
    }

    /// Re-wraps the sealed chain key under the active master key (part of a rotation step).
    pub(crate) async fn rewrap_chain_key(&self) -> CoreResult<()> {
        let Some(stored) = self.store.get_meta(META_KEY).await? else {
            return Ok(());
        };
        let Some(blob) = hex::decode(&stored)
            .ok()
            .and_then(|bytes| SealedBlob::from_vec(bytes).ok())
        else {
            return Ok(());
        };
        if blob.key_id() == self.keyring.active().key_id() {
            return Ok(());
        }
        let rewrapped = rewrap(&self.keyring, &context(), &blob).map_err(|e| {
            CoreError::Unreadable(format!("the audit chain's key cannot be re-wrapped: {e}"))
        })?;
        self.store
            .set_meta(&[(META_KEY, hex::encode(rewrapped.to_vec()))])
            .await?;
        Ok(())
    }
}

/// The chain's head at one moment, with a MAC under the chain's key: kept outside the database,
/// it shows later whether events up to it were deleted or rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// Milliseconds since the epoch.
    pub taken_at: i64,
    /// Hex HMAC-SHA256 of the rest, bound to the organization.
    pub mac: String,
}

fn checkpoint_message(org_id: &str, seq: i64, hash: &str, taken_at: i64) -> Vec<u8> {
    serde_json::json!(["lanyard audit checkpoint v1", org_id, seq, hash, taken_at])
        .to_string()
        .into_bytes()
}

impl Lanyard {
    /// A checkpoint of the organization's audit chain as it is now (admins).
    pub async fn audit_checkpoint(
        &self,
        principal: &lanyard_domain::Principal,
        org: &lanyard_domain::Slug,
    ) -> CoreResult<Checkpoint> {
        principal.authorize(lanyard_domain::Action::Manage, "take audit checkpoints")?;
        let org = self.own_org(principal, org).await?;
        let (seq, hash) = self
            .store
            .audit_head(&org.id)
            .await?
            .unwrap_or((0, lanyard_store::GENESIS_HASH.to_owned()));
        let key = self.chain_key()?;
        let taken_at = now().millis();
        let mac = hex::encode(key.mac(&checkpoint_message(&org.id, seq, &hash, taken_at)));
        Ok(Checkpoint {
            seq,
            hash,
            taken_at,
            mac,
        })
    }

    /// Refuses a checkpoint this installation's key did not make for this organization.
    pub(crate) fn check_checkpoint(&self, org_id: &str, checkpoint: &Checkpoint) -> CoreResult<()> {
        let key = self.chain_key()?;
        let message = checkpoint_message(
            org_id,
            checkpoint.seq,
            &checkpoint.hash,
            checkpoint.taken_at,
        );
        if hex::encode(key.mac(&message)) != checkpoint.mac {
            return Err(CoreError::Invalid(
                "this checkpoint was not taken by this installation for this organization (its \
                 MAC does not match); use a checkpoint from `lanyard audit checkpoint`"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    fn chain_key(&self) -> CoreResult<&ChainKey> {
        self.audit_key
            .get()
            .map(Arc::as_ref)
            .ok_or_else(|| CoreError::Unavailable("the audit chain's key is not loaded".to_owned()))
    }
}
