//! The OIDC issuer: signing keys kept sealed in the database (so every replica signs with the
//! same key and publishes the same set), rotation by command and by age, and the identity
//! tokens minted for jobs whose connections use the `oidc` mode.
//!
//! A key signs until a newer one replaces it, then stays published for a grace period, the
//! longest a token it signed can live plus a margin for clocks and caches, and is deleted after.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lanyard_crypto::{open, rewrap, seal, SecretBytes, SecretContext, SecretString};
use lanyard_domain::{Action, Principal, Slug};
use lanyard_oidc::{IdentityClaims, JobIdentity, PublicJwk, SigningKey};
use lanyard_store::SigningKeyRecord;

use crate::{now, CoreError, CoreResult, Lanyard};

/// How the issuer behaves; the server reads it from its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerSettings {
    /// The issuer URL (`iss`): where clouds fetch `/.well-known/openid-configuration`. Without
    /// it, `oidc` connections cannot be used.
    pub url: Option<String>,
    /// How long a job's token lives at most (capped at one hour and by the job's deadline).
    pub token_lifetime: Duration,
    /// A signing key older than this is replaced.
    pub key_rotation: Duration,
    /// Added to a retired key's grace period (the longest a token lives): replicas' clocks
    /// differ, and clouds cache the JWKS. Five minutes unless a test shortens it.
    pub grace_margin: Duration,
}

impl Default for IssuerSettings {
    fn default() -> Self {
        Self {
            url: None,
            token_lifetime: Duration::from_secs(3600),
            key_rotation: Duration::from_secs(30 * 24 * 3600),
            grace_margin: Duration::from_secs(300),
        }
    }
}

/// The issuer's state in one process: settings and the keys it has opened, by `kid`.
#[derive(Default)]
pub(crate) struct Issuer {
    pub(crate) settings: IssuerSettings,
    opened: Mutex<HashMap<String, Arc<SigningKey>>>,
}

impl Issuer {
    pub(crate) fn new(settings: IssuerSettings) -> Self {
        Self {
            settings,
            opened: Mutex::default(),
        }
    }

    fn grace(&self) -> i64 {
        millis(
            self.settings.token_lifetime.min(Duration::from_secs(3600))
                + self.settings.grace_margin,
        )
    }
}

/// One signing key as `keys signing` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyStatus {
    pub kid: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    pub retired_at: Option<i64>,
    /// `active` (signs), `published` (retired, still in the JWKS) or `expired` (to be deleted).
    pub state: &'static str,
}

/// Who a token is for: the job (or connection test) and the connection it reaches.
pub(crate) struct TokenHolder<'a> {
    pub(crate) org: &'a str,
    pub(crate) environment: &'a str,
    pub(crate) connection: &'a lanyard_store::ConnectionRecord,
    pub(crate) runner: &'a str,
    pub(crate) job_id: &'a str,
    /// Seconds since the epoch.
    pub(crate) now: i64,
    /// When the holder stops needing it (the job's deadline), if known.
    pub(crate) deadline: Option<i64>,
}

/// The connection's `audience` field, else what its cloud expects by default.
pub(crate) fn audience_of(connection: &lanyard_store::ConnectionRecord) -> CoreResult<String> {
    if let Some(audience) = crate::verify::field_text(connection, "audience") {
        return Ok(audience);
    }
    let pool = crate::verify::field_text(connection, "workload_identity_provider");
    lanyard_providers::federation::default_audience(&connection.provider, pool.as_deref())
        .ok_or_else(|| {
            CoreError::Invalid(format!(
                "connection `{}` has no token audience; set its audience field",
                connection.name
            ))
        })
}

/// A token minted for a job's connection, and the claims it carries (for the audit trail).
pub(crate) struct MintedToken {
    pub(crate) token: SecretString,
    pub(crate) claims: IdentityClaims,
    pub(crate) kid: String,
}

fn context(kid: &str) -> SecretContext {
    SecretContext::new("oidc-signing-key", kid, 1)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Lanyard {
    /// Configures the OIDC issuer.
    pub fn with_issuer(mut self, settings: IssuerSettings) -> Self {
        self.issuer = Arc::new(Issuer::new(settings));
        self
    }

    /// The issuer's settings.
    pub fn issuer_settings(&self) -> &IssuerSettings {
        &self.issuer.settings
    }

    /// The issuer URL, if one is configured.
    pub fn issuer_url(&self) -> Option<&str> {
        self.issuer.settings.url.as_deref()
    }

    /// The issuer URL, or the error that says how to set it.
    pub(crate) fn require_issuer_url(&self) -> CoreResult<&str> {
        self.issuer_url().ok_or_else(|| {
            CoreError::Conflict(
                "this server has no public URL, so it cannot issue identity tokens for oidc \
                 connections; set public_url in the server's configuration (LANYARD_PUBLIC_URL), \
                 the https address clouds reach it at, and restart it"
                    .to_owned(),
            )
        })
    }

    /// The public keys a cloud checks tokens with: the key that signs and every retired key
    /// still in its grace period. Makes the first key when there is none. Public: no caller
    /// check.
    pub async fn public_signing_keys(&self) -> CoreResult<Vec<PublicJwk>> {
        let records = self.signing_key_records().await?;
        let cutoff = now().millis() - self.issuer.grace();
        let mut keys = Vec::new();
        for record in records
            .iter()
            .filter(|r| r.retired_at.is_none_or(|at| at > cutoff))
        {
            keys.push(self.opened_signing_key(record)?.public_jwk().clone());
        }
        Ok(keys)
    }

    /// Every stored key, making the first when there is none.
    async fn signing_key_records(&self) -> CoreResult<Vec<SigningKeyRecord>> {
        let records = self.store.signing_keys().await?;
        if !records.is_empty() {
            return Ok(records);
        }
        self.add_signing_key(false, None).await?;
        Ok(self.store.signing_keys().await?)
    }

    /// Generates a key (on a blocking thread: RSA generation takes a while), seals and stores
    /// it; with `retire_others`, it replaces the key that signs.
    async fn add_signing_key(
        &self,
        retire_others: bool,
        audit: Option<&lanyard_store::AuditEntry>,
    ) -> CoreResult<String> {
        let key = tokio::task::spawn_blocking(SigningKey::generate)
            .await
            .map_err(|e| CoreError::Internal(Box::new(e)))?
            .map_err(|e| CoreError::Internal(Box::new(e)))?;
        let kid = key.kid().to_owned();
        let sealed = seal(
            &self.keyring,
            &context(&kid),
            &SecretBytes::copy_from_slice(key.pkcs1_der().expose_secret()),
        )
        .map_err(|e| CoreError::Internal(Box::new(e)))?;
        let record = SigningKeyRecord {
            kid: kid.clone(),
            sealed,
            created_at: now().millis(),
            retired_at: None,
        };
        self.store
            .add_signing_key(&record, retire_others, audit)
            .await?;
        self.issuer
            .opened
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(kid.clone(), Arc::new(key));
        tracing::info!(kid = %kid, "new OIDC signing key");
        Ok(kid)
    }

    fn opened_signing_key(&self, record: &SigningKeyRecord) -> CoreResult<Arc<SigningKey>> {
        let mut opened = self.issuer.opened.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(key) = opened.get(&record.kid) {
            return Ok(key.clone());
        }
        let unreadable = |what: String| {
            CoreError::Unreadable(format!(
                "OIDC signing key {} {what}; it is sealed by the master key, so start with the \
                 key (or keys, during a rotation) this database uses, or rotate the signing key",
                record.kid
            ))
        };
        let der = open(&self.keyring, &context(&record.kid), &record.sealed)
            .map_err(|e| unreadable(format!("cannot be opened ({e})")))?;
        let key = SigningKey::from_pkcs1_der(der.expose_secret())
            .map_err(|e| unreadable(e.to_string()))?;
        if key.kid() != record.kid {
            return Err(unreadable("does not match its id".to_owned()));
        }
        let key = Arc::new(key);
        opened.insert(record.kid.clone(), key.clone());
        Ok(key)
    }

    /// The key that signs now: the newest one not retired (several may exist when replicas
    /// made the first at once; all are published).
    async fn active_signing_key(&self) -> CoreResult<Arc<SigningKey>> {
        let records = self.signing_key_records().await?;
        let active = records
            .iter()
            .find(|r| r.retired_at.is_none())
            .or_else(|| records.first())
            .ok_or_else(|| CoreError::Internal("no OIDC signing key".into()))?;
        self.opened_signing_key(active)
    }

    /// Signs the identity token `holder` gets for its connection: this server's issuer, the
    /// connection's audience (else its cloud's default), the configured lifetime capped by the
    /// holder's deadline and an hour.
    pub(crate) async fn mint_token(&self, holder: TokenHolder<'_>) -> CoreResult<MintedToken> {
        let issuer = self.require_issuer_url()?.to_owned();
        let audience = audience_of(holder.connection)?;
        let key = self.active_signing_key().await?;
        let claims = JobIdentity {
            issuer: &issuer,
            audience: &audience,
            org: holder.org,
            environment: holder.environment,
            connection: holder.connection.name.as_str(),
            runner: holder.runner,
            job_id: holder.job_id,
            now: holder.now,
            deadline: holder.deadline,
            lifetime_secs: i64::try_from(self.issuer.settings.token_lifetime.as_secs())
                .unwrap_or(i64::MAX),
        }
        .claims()
        .map_err(|e| CoreError::Invalid(e.to_string()))?;
        let token = key
            .sign(&claims)
            .map_err(|e| CoreError::Internal(Box::new(e)))?;
        self.secrets_seen
            .add(lanyard_crypto::ExposeSecret::expose_secret(&token).as_bytes());
        Ok(MintedToken {
            token,
            claims,
            kid: key.kid().to_owned(),
        })
    }

    /// The signing keys and their states (admins; installation-wide, only public facts).
    pub async fn signing_key_status(
        &self,
        principal: &Principal,
    ) -> CoreResult<Vec<SigningKeyStatus>> {
        principal.authorize(Action::Manage, "read the OIDC signing keys")?;
        principal.authorize_instance("read the OIDC signing keys")?;
        let records = self.signing_key_records().await?;
        let cutoff = now().millis() - self.issuer.grace();
        Ok(records
            .into_iter()
            .map(|r| SigningKeyStatus {
                state: match r.retired_at {
                    None => "active",
                    Some(at) if at > cutoff => "published",
                    Some(_) => "expired",
                },
                kid: r.kid,
                created_at: r.created_at,
                retired_at: r.retired_at,
            })
            .collect())
    }

    /// Replaces the signing key now (admins): new tokens are signed by a new key, and the old
    /// one stays published until every token it signed has expired. Recorded in the caller's
    /// organization's audit trail.
    pub async fn rotate_signing_key(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<Vec<SigningKeyStatus>> {
        principal.authorize(Action::Manage, "rotate the OIDC signing key")?;
        principal.authorize_instance("rotate the OIDC signing key")?;
        let org = self.own_org(principal, org).await?;
        let audit = crate::audit::entry(
            principal,
            &org.id,
            "signing_key.rotate",
            "installation/oidc-signing-key".to_owned(),
            serde_json::json!({}),
        );
        let kid = self.add_signing_key(true, Some(&audit)).await?;
        tracing::info!(kid = %kid, "OIDC signing key rotated by command");
        self.signing_key_status(principal).await
    }

    /// Rotates the signing key when it is older than the rotation period, and deletes keys
    /// past their grace period. The server's background loop calls it.
    pub async fn maintain_signing_keys(&self) -> CoreResult<()> {
        let records = self.store.signing_keys().await?;
        let at = now().millis();
        let newest = records.iter().map(|r| r.created_at).max();
        if newest.is_some_and(|t| at - t >= millis(self.issuer.settings.key_rotation)) {
            let kid = self.add_signing_key(true, None).await?;
            tracing::info!(kid = %kid, "OIDC signing key rotated on schedule");
        }
        let purged = self
            .store
            .purge_signing_keys(at - self.issuer.grace())
            .await?;
        if purged > 0 {
            tracing::info!(purged, "expired OIDC signing keys deleted");
        }
        Ok(())
    }

    /// Re-wraps sealed signing keys under the active master key (part of a rotation step).
    pub(crate) async fn rewrap_signing_keys(&self) -> CoreResult<()> {
        let active = self.keyring.active().key_id();
        for record in self.store.signing_keys().await? {
            if record.sealed.key_id() == active {
                continue;
            }
            let sealed =
                rewrap(&self.keyring, &context(&record.kid), &record.sealed).map_err(|e| {
                    CoreError::Unreadable(format!(
                        "OIDC signing key {} cannot be re-wrapped: {e}",
                        record.kid
                    ))
                })?;
            self.store.reseal_signing_key(&record.kid, &sealed).await?;
        }
        Ok(())
    }
}
