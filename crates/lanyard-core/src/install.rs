//! First start and every start after: bind the master key to the database, or prove it matches.

use std::fmt;
use std::path::PathBuf;

use lanyard_crypto::{ApiToken, KeyCheckValue, Keyring};
use lanyard_domain::Slug;
use lanyard_store::{BootstrapRecord, OrgRecord, Store, StoreError};

use crate::organizations::new_org_with_admin;
use crate::{CoreError, CoreResult};

pub(crate) const KEY_CHECK: &str = "master_key_check";
pub(crate) const KEY_ID: &str = "master_key_id";

/// Where the master key came from; named in errors so an operator knows what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `LANYARD_MASTER_KEY`.
    Environment,
    /// A file named by `LANYARD_MASTER_KEY_FILE` or the config.
    File(PathBuf),
    /// The key file in the data directory (generated on first start).
    DataDir(PathBuf),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Environment => f.write_str("environment variable LANYARD_MASTER_KEY"),
            Self::File(path) => write!(f, "file {} (LANYARD_MASTER_KEY_FILE)", path.display()),
            Self::DataDir(path) => write!(f, "file {} (in the data directory)", path.display()),
        }
    }
}

/// What a start found.
pub enum Installation {
    /// The database was set up before and the key matches it.
    Verified,
    /// The database was empty: it now holds the first organization and its admin token.
    Fresh {
        org: OrgRecord,
        admin_token: ApiToken,
    },
}

/// Whether this database was set up by an earlier start.
pub async fn is_installed(store: &dyn Store) -> CoreResult<bool> {
    Ok(store.get_meta(KEY_CHECK).await?.is_some())
}

/// Verifies `key` against the database, or on an empty database writes the key's check value,
/// the first organization and its admin token, all in one transaction.
pub async fn install_or_verify(
    store: &dyn Store,
    keyring: &Keyring,
    source: &KeySource,
    first_org: &Slug,
) -> CoreResult<Installation> {
    let key = keyring.active();
    if verify_key(store, keyring, source).await? {
        return Ok(Installation::Verified);
    }
    let (org, (admin_token, admin)) =
        new_org_with_admin(first_org.clone(), "bootstrap admin", true);
    let record = BootstrapRecord {
        meta: vec![
            (KEY_CHECK.to_owned(), key.check_value().to_hex()),
            (KEY_ID.to_owned(), key.key_id().to_string()),
        ],
        org,
        admin,
    };
    let audit = lanyard_store::AuditEntry {
        org_id: record.org.id.clone(),
        at: record.org.created_at.millis(),
        actor: "bootstrap".to_owned(),
        source: "local".to_owned(),
        action: "organization.create".to_owned(),
        target: format!("organization/{}", record.org.slug),
        details: serde_json::json!({ "admin_token": record.admin.id, "key_id": key.key_id().to_string() }).to_string(),
    };
    match store.bootstrap(&record, &audit).await {
        Ok(org) => Ok(Installation::Fresh { org, admin_token }),
        // Another server bootstrapped the same database a moment ago: verify against it.
        Err(StoreError::Conflict(_)) if verify_key(store, keyring, source).await? => {
            Ok(Installation::Verified)
        }
        Err(err) => Err(err.into()),
    }
}

/// `Ok(true)` if the database has a check value and the key matches it, `Ok(false)` if the
/// database has none yet.
/// During a rotation the database's check value may still be a retired key's; that key is in
/// the keyring, so the start is accepted and `keys rotate` finishes the move.
async fn verify_key(store: &dyn Store, keyring: &Keyring, source: &KeySource) -> CoreResult<bool> {
    let Some(stored) = store.get_meta(KEY_CHECK).await? else {
        return Ok(false);
    };
    let stored = KeyCheckValue::from_hex(&stored)
        .map_err(|e| CoreError::Internal(format!("corrupt key check value: {e}").into()))?;
    let active = keyring.active();
    if active.verify_check_value(&stored)
        || keyring.retired().any(|k| k.verify_check_value(&stored))
    {
        Ok(true)
    } else {
        Err(CoreError::KeyMismatch {
            key_source: source.to_string(),
        })
    }
}
