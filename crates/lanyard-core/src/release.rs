//! Opening a connection's values for use: the only path that decrypts secrets.

use lanyard_crypto::{open, ExposeSecret, SecretContext, SecretString};
use lanyard_domain::{Action, Principal, Slug};
use lanyard_providers::{AuthMode, Materialization, ResolvedFields};
use lanyard_store::FieldSource;

use crate::connections::find_provider;
use crate::jobs::mode_of;
use crate::{CoreError, CoreResult, Lanyard};

impl Lanyard {
    /// Resolves every field of a connection to its current value (opening secrets) and
    /// materializes it as the provider's tools expect. Deployers and admins only; the result goes
    /// to a runner, never to a person.
    pub async fn materialize_connection(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
        environment: &Slug,
    ) -> CoreResult<Materialization> {
        principal.authorize_in(Action::Deploy, "use connections", Some(environment))?;
        let org = self.own_org(principal, org).await?;
        let connection = self.require_connection(&org, name).await?;
        let (materialized, versions) = self.open_connection(&org.id, &connection, None).await?;
        let audit = crate::audit::entry(
            principal,
            &org.id,
            "credential.release",
            format!("connection/{name}"),
            serde_json::json!({ "environment": environment.as_str(), "secrets": versions }),
        );
        self.store.append_audit(&audit).await?;
        Ok(materialized)
    }

    /// Opens every field of a connection (decrypting its secrets) and materializes it. Returns
    /// the secret versions used, for the audit trail. Every value opened is added to the
    /// process's secret registry so that its logs mask it. An `oidc` connection needs the
    /// job's `identity_token`; only jobs have one.
    pub(crate) async fn open_connection(
        &self,
        org_id: &str,
        connection: &lanyard_store::ConnectionRecord,
        identity_token: Option<SecretString>,
    ) -> CoreResult<(Materialization, Vec<serde_json::Value>)> {
        let name = &connection.name;
        let provider = find_provider(&connection.provider)?;
        let mode = mode_of(connection)?;
        let (values, versions) = self.open_values(org_id, connection, identity_token).await?;
        let materialized =
            lanyard_providers::materialize(provider, connection.kind.as_deref(), mode, &values)
                .map_err(|e| {
                    CoreError::Invalid(format!("connection `{name}` cannot be used: {e}"))
                })?;
        for secret in materialized.secret_values() {
            self.secrets_seen.add(secret.expose_secret().as_bytes());
        }
        Ok((materialized, versions))
    }

    /// Every field of a connection resolved to its value (secrets opened and registered for
    /// masking), and the secret versions used.
    pub(crate) async fn open_values(
        &self,
        org_id: &str,
        connection: &lanyard_store::ConnectionRecord,
        identity_token: Option<SecretString>,
    ) -> CoreResult<(ResolvedFields, Vec<serde_json::Value>)> {
        let name = &connection.name;
        let mut values = ResolvedFields::new();
        match identity_token {
            Some(token) => {
                values.insert(lanyard_providers::IDENTITY_TOKEN, token);
            }
            None if mode_of(connection)? == AuthMode::Oidc => {
                return Err(CoreError::Invalid(format!(
                    "connection `{name}` uses oidc: its credentials exist only inside a job, as \
                     the job's identity token; run a job with it (lanyard run)"
                )))
            }
            None => {}
        }
        for (field, source) in &connection.fields {
            let value = match source {
                FieldSource::Literal(v) => SecretString::from(v.clone()),
                FieldSource::Variable { value, .. } => SecretString::from(value.clone()),
                FieldSource::Secret {
                    id,
                    name: secret,
                    current_version,
                } => {
                    let value = self
                        .open_secret(org_id, id, secret, *current_version)
                        .await?;
                    self.secrets_seen.add(value.expose_secret().as_bytes());
                    value
                }
            };
            values.insert(field.clone(), value);
        }
        let versions = connection
            .fields
            .values()
            .filter_map(|f| match f {
                FieldSource::Secret {
                    name,
                    current_version,
                    ..
                } => {
                    Some(serde_json::json!({ "secret": name.as_str(), "version": current_version }))
                }
                _ => None,
            })
            .collect();
        Ok((values, versions))
    }

    /// Opens one secret version. Any failure is "cannot be decrypted", without detail: the
    /// details (wrong key, altered or moved ciphertext) go to the log only.
    pub(crate) async fn open_secret(
        &self,
        org_id: &str,
        secret_id: &str,
        secret: &Slug,
        version: i64,
    ) -> CoreResult<SecretString> {
        let unreadable = || {
            CoreError::Unreadable(format!(
                "secret `{secret}` (version {version}) cannot be decrypted: it was altered, moved, \
                 or sealed under a master key this server does not have"
            ))
        };
        let sealed = match self.store.sealed_version(secret_id, version).await {
            Ok(Some(sealed)) => sealed,
            Ok(None) => return Err(unreadable()),
            Err(lanyard_store::StoreError::Corrupt(detail)) => {
                tracing::error!(secret.id = %secret_id, version, %detail, "secret is damaged");
                return Err(unreadable());
            }
            Err(other) => return Err(other.into()),
        };
        let context = SecretContext::new(
            org_id,
            secret_id,
            u32::try_from(version).unwrap_or(u32::MAX),
        );
        let plaintext = open(&self.keyring, &context, &sealed.sealed).map_err(|e| {
            tracing::error!(secret.id = %secret_id, version, error = %e, "secret failed to open");
            unreadable()
        })?;
        plaintext.into_secret_string().ok_or_else(|| {
            CoreError::Invalid(format!(
                "secret `{secret}` (version {version}) is not UTF-8 text"
            ))
        })
    }
}
