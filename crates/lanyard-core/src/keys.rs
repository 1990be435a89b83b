//! Master-key rotation, online and resumable: re-wrap every data key under the active key.
//!
//! The operator starts the servers with the new key active and the old one retired
//! (`LANYARD_RETIRED_MASTER_KEY_FILES`); `lanyard keys rotate` then re-wraps sealed versions in
//! batches. Only the 48-byte wrapped data key of each version changes, never its ciphertext. Each
//! re-wrap is a compare-and-swap on the key id, so concurrent or interrupted rotations are safe
//! and running it again resumes. When nothing is left under an old key, the stored key check
//! value moves to the active key and the retired key can be dropped from the configuration.
//!
//! Every replica must run with the new key active before the rotation starts: one still
//! running with the old key active keeps sealing new versions under it.

use lanyard_crypto::{rewrap, KeyCheckValue, SecretContext};
use lanyard_domain::{Action, Principal};
use lanyard_store::{KeyUsage, RewrappedVersion};

use crate::install::{KEY_CHECK, KEY_ID};
use crate::{CoreError, CoreResult, Lanyard};

/// The most versions one rotation step re-wraps: bounds the transaction and the request time.
const MAX_BATCH: i64 = 10_000;

/// How one key id is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub key_id: String,
    pub versions: i64,
    /// `active`, `retired` (loaded, can be opened) or `unknown` (not loaded: cannot be opened).
    pub state: &'static str,
}

/// What `keys status` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    pub active_key_id: String,
    pub keys: Vec<KeyUse>,
    /// Whether the database's key check value is the active key's (rotation complete).
    pub check_value_is_active: bool,
}

/// One batch's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationStep {
    pub rewrapped: i64,
    pub remaining: i64,
}

impl Lanyard {
    /// Which keys wrap how many sealed versions. Installation-wide: any organization's admin may
    /// ask, and learns only key ids and counts.
    pub async fn key_status(&self, principal: &Principal) -> CoreResult<KeyStatus> {
        principal.authorize(Action::Manage, "read the master key status")?;
        principal.authorize_instance("read the master key status")?;
        let active = self.keyring.active().key_id();
        let keys = self
            .store
            .key_usage()
            .await?
            .into_iter()
            .map(|usage| {
                let state = match usage.key_id.parse() {
                    Ok(id) if id == active => "active",
                    Ok(id) if self.keyring.get(id).is_some() => "retired",
                    _ => "unknown",
                };
                KeyUse {
                    key_id: usage.key_id,
                    versions: usage.versions,
                    state,
                }
            })
            .collect();
        Ok(KeyStatus {
            active_key_id: active.to_string(),
            keys,
            check_value_is_active: self.check_value_is_active().await?,
        })
    }

    /// Whether the stored key check value is the active key's. Compares the check value itself
    /// (not the stored key id) because that is what start-up verifies.
    async fn check_value_is_active(&self) -> CoreResult<bool> {
        let Some(stored) = self.store.get_meta(KEY_CHECK).await? else {
            return Ok(false);
        };
        let stored = KeyCheckValue::from_hex(&stored)
            .map_err(|e| CoreError::Internal(format!("corrupt key check value: {e}").into()))?;
        Ok(self.keyring.active().verify_check_value(&stored))
    }

    /// Fails, before anything is re-wrapped, if some versions are under keys this server lacks:
    /// rotating around them would finish with versions nobody can open.
    fn refuse_unknown_keys(&self, usage: &[KeyUsage]) -> CoreResult<()> {
        let unknown: Vec<String> = usage
            .iter()
            .filter(|u| {
                u.key_id
                    .parse()
                    .map_or(true, |id| self.keyring.get(id).is_none())
            })
            .map(|u| format!("{} ({} versions)", u.key_id, u.versions))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(CoreError::Unreadable(format!(
            "secret versions are sealed under master key {}, which this server does not have; add \
             that key's file to LANYARD_RETIRED_MASTER_KEY_FILES, restart the server and run the \
             rotation again",
            unknown.join(", ")
        )))
    }

    /// Re-wraps up to `batch` versions under the active key. Installation-wide and value-neutral
    /// (it never reveals or changes a secret), so any organization's admin may run it.
    pub async fn rotate_keys(&self, principal: &Principal, batch: i64) -> CoreResult<RotationStep> {
        principal.authorize(Action::Manage, "rotate the master key")?;
        principal.authorize_instance("rotate the master key")?;
        if !(1..=MAX_BATCH).contains(&batch) {
            return Err(CoreError::Invalid(format!(
                "batch must be between 1 and {MAX_BATCH} versions, not {batch}"
            )));
        }
        let active = self.keyring.active().key_id().to_string();
        let usage = self.store.key_usage().await?;
        self.refuse_unknown_keys(&usage)?;
        let before = not_under(&usage, &active);
        let pending = self.store.versions_not_under(&active, batch).await?;
        let mut batch_out = Vec::with_capacity(pending.len());
        for version in &pending {
            let old = version.sealed.key_id();
            let context = SecretContext::new(
                &version.org_id,
                &version.secret_id,
                u32::try_from(version.version).unwrap_or(u32::MAX),
            );
            let sealed = rewrap(&self.keyring, &context, &version.sealed).map_err(|e| {
                CoreError::Unreadable(format!(
                    "a sealed version of secret id {} (version {}) cannot be re-wrapped: {e}",
                    version.secret_id, version.version
                ))
            })?;
            batch_out.push(RewrappedVersion {
                secret_id: version.secret_id.clone(),
                version: version.version,
                old_key_id: old.to_string(),
                sealed,
            });
        }
        let rewrapped = self.store.rewrap_versions(&batch_out).await?;
        // The audit chain's key goes along on the first step.
        self.rewrap_chain_key().await?;
        self.rewrap_signing_keys().await?;
        // Counted once per step, not re-counted after it: the count scans every version. A
        // concurrent rotation only makes this an overestimate, which costs one more step.
        let mut remaining = (before - rewrapped).max(0);
        // Only once nothing needs an old key does the database stop accepting it at start-up;
        // that move is re-checked against the database, since nothing undoes it.
        if remaining == 0 {
            remaining = not_under(&self.store.key_usage().await?, &active);
        }
        if remaining == 0 && !self.check_value_is_active().await? {
            let key = self.keyring.active();
            self.store
                .set_meta(&[
                    (KEY_CHECK, key.check_value().to_hex()),
                    (KEY_ID, key.key_id().to_string()),
                ])
                .await?;
        }
        tracing::info!(rewrapped, remaining, "master key rotation step");
        // Installation-wide, recorded in the trail of the administrator who ran it.
        let audit = crate::audit::entry(
            principal,
            &principal.org_id,
            "keys.rotate",
            format!("master-key/{active}"),
            serde_json::json!({ "rewrapped": rewrapped, "remaining": remaining }),
        );
        self.store.append_audit(&audit).await?;
        Ok(RotationStep {
            rewrapped,
            remaining,
        })
    }
}

/// How many versions `usage` counts under keys other than `active`.
fn not_under(usage: &[KeyUsage], active: &str) -> i64 {
    usage
        .iter()
        .filter(|u| u.key_id != active)
        .map(|u| u.versions)
        .sum()
}
