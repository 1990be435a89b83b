//! Secrets: write-only, versioned values, sealed before they reach the store.

use lanyard_crypto::{seal, SecretBytes, SecretContext};
use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{NewSecret, NewSecretVersion, SecretRecord, SecretVersionRecord, StoreError};

use crate::{new_id, now, CoreError, CoreResult, Lanyard};

/// A secret's metadata and the connections that use it. Never its value.
pub struct SecretSummary {
    pub record: SecretRecord,
    pub used_by: Vec<Slug>,
}

/// The largest secret value: 64 KiB holds any key file, kubeconfig or service-account JSON
/// (they run to a few KiB) with room to spare, while every value is masked in every form a
/// program may print it in, and masking cost grows with the bytes masked.
pub const MAX_SECRET_BYTES: usize = 64 * 1024;

/// Refuses a value over [`MAX_SECRET_BYTES`] before anything is built from it.
pub(crate) fn check_secret_size(what: &str, len: usize) -> CoreResult<()> {
    if len > MAX_SECRET_BYTES {
        return Err(CoreError::TooLarge(format!(
            "{what} is {} KiB; secret values may be at most {} KiB (enough for any key file or \
             kubeconfig); store large files elsewhere and keep their credentials here",
            len.div_ceil(1024),
            MAX_SECRET_BYTES / 1024
        )));
    }
    Ok(())
}

/// How often a version write retries when a concurrent writer took the version number.
const VERSION_RACE_RETRIES: usize = 8;

impl Lanyard {
    /// Sets a secret: creates it at version 1, or adds the next version.
    pub async fn set_secret(
        &self,
        principal: &Principal,
        org: &Slug,
        name: Slug,
        value: &SecretBytes,
    ) -> CoreResult<SecretRecord> {
        principal.authorize(Action::Manage, "set secrets")?;
        check_secret_size(&format!("the value for secret `{name}`"), value.len())?;
        let org = self.own_org(principal, org).await?;
        if value.is_empty() {
            return Err(CoreError::Invalid(format!(
                "the value for secret `{name}` is empty"
            )));
        }
        for _ in 0..VERSION_RACE_RETRIES {
            let existing = self.store.find_secret(&org.id, &name).await?;
            let result = match existing {
                Some(secret) => {
                    let version = self.seal_version(
                        principal,
                        &org.id,
                        &secret.id,
                        secret.current_version + 1,
                        value,
                    )?;
                    let audit = self.change_entry(
                        principal,
                        &org.id,
                        "secret.set",
                        format!("secret/{name}"),
                        serde_json::json!({ "version": version.version }),
                    );
                    self.store.add_secret_version(&version, &audit).await
                }
                None => {
                    let secret = NewSecret {
                        id: new_id(),
                        org_id: org.id.clone(),
                        name: name.clone(),
                        created_at: now(),
                    };
                    let first = self.seal_version(principal, &org.id, &secret.id, 1, value)?;
                    let audit = self.change_entry(
                        principal,
                        &org.id,
                        "secret.set",
                        format!("secret/{name}"),
                        serde_json::json!({ "version": 1 }),
                    );
                    self.store.create_secret(&secret, &first, &audit).await
                }
            };
            match result {
                Ok(record) => {
                    tracing::info!(secret.id = %record.id, version = record.current_version, "secret set");
                    // Connections using the old value are checked again on the next tick.
                    if record.current_version > 1 {
                        if let Err(e) = self.store.mark_check_due(&record.id).await {
                            tracing::warn!(error = %e, "cannot mark connections for a check");
                        }
                    }
                    return Ok(record);
                }
                // Another writer got there first (a new secret or the same version): re-read.
                Err(StoreError::Conflict(_)) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(CoreError::Conflict(format!(
            "secret `{name}` is being changed concurrently; try again"
        )))
    }

    /// Seals one version of a secret, bound to its organization, id and version number.
    pub(crate) fn seal_version(
        &self,
        principal: &Principal,
        org_id: &str,
        secret_id: &str,
        version: i64,
        value: &SecretBytes,
    ) -> CoreResult<NewSecretVersion> {
        check_secret_size("this secret value", value.len())?;
        let context = SecretContext::new(org_id, secret_id, version_u32(version)?);
        self.secrets_seen.add(value.expose_secret());
        let sealed =
            seal(&self.keyring, &context, value).map_err(|e| CoreError::Internal(Box::new(e)))?;
        Ok(NewSecretVersion {
            secret_id: secret_id.to_owned(),
            version,
            sealed,
            created_at: now(),
            created_by: principal.token_id.clone(),
        })
    }

    /// Every secret's metadata, with the connections that use it.
    pub async fn list_secrets(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<Vec<SecretSummary>> {
        principal.authorize(Action::Read, "list secrets")?;
        let org = self.own_org(principal, org).await?;
        let mut summaries = Vec::new();
        for record in self.store.list_secrets(&org.id).await? {
            let used_by = self.store.connections_using_secret(&record.id).await?;
            summaries.push(SecretSummary { record, used_by });
        }
        Ok(summaries)
    }

    /// A secret's version history (metadata only).
    pub async fn secret_versions(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<(SecretRecord, Vec<SecretVersionRecord>)> {
        principal.authorize(Action::Read, "read secret versions")?;
        let org = self.own_org(principal, org).await?;
        let secret = self.require_secret(&org.id, &org.slug, name).await?;
        let versions = self.store.list_secret_versions(&secret.id).await?;
        Ok((secret, versions))
    }

    /// Deletes a secret, unless a connection still references it.
    pub async fn delete_secret(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "delete secrets")?;
        let org = self.own_org(principal, org).await?;
        let secret = self.require_secret(&org.id, &org.slug, name).await?;
        let users = self.store.connections_using_secret(&secret.id).await?;
        if !users.is_empty() {
            return Err(in_use("secret", name, &users));
        }
        // The foreign key still guards the race where a connection starts using it right now.
        let audit = self.change_entry(
            principal,
            &org.id,
            "secret.delete",
            format!("secret/{name}"),
            serde_json::json!({}),
        );
        self.store.delete_secret(&org.id, name, &audit).await?;
        tracing::info!(secret.id = %secret.id, "secret deleted");
        Ok(())
    }

    pub(crate) async fn require_secret(
        &self,
        org_id: &str,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<SecretRecord> {
        self.store.find_secret(org_id, name).await?.ok_or_else(|| {
            CoreError::NotFound(format!(
                "secret `{name}` not found in organization `{org}`; see `lanyard secret list`"
            ))
        })
    }
}

/// Refusal to delete something connections still use, naming them.
pub(crate) fn in_use(what: &str, name: &Slug, users: &[Slug]) -> CoreError {
    let names = users
        .iter()
        .map(|u| format!("`{u}`"))
        .collect::<Vec<_>>()
        .join(", ");
    CoreError::Conflict(format!(
        "{what} `{name}` is used by connection{} {names}; change or delete {} first",
        if users.len() > 1 { "s" } else { "" },
        if users.len() > 1 { "them" } else { "it" },
    ))
}

fn version_u32(version: i64) -> CoreResult<u32> {
    u32::try_from(version)
        .map_err(|_| CoreError::Internal(format!("version {version} out of range").into()))
}
