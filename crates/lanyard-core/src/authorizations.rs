//! Authorizations and defaults: where each connection may be used, and which one a deployment
//! gets when it names none.

use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{
    AuthorizationRecord, AuthorizationScope, ConnectionRecord, DefaultRecord, OrgRecord, StoreError,
};

use crate::connections::find_provider;
use crate::{now, CoreError, CoreResult, Lanyard};

/// How far an authorization reaches, by environment name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every environment, including ones created later.
    Organization,
    /// Only these environments (none when empty).
    Environments(Vec<Slug>),
}

/// A default that was saved, and a warning when it cannot be used yet.
pub struct SavedDefault {
    pub record: DefaultRecord,
    /// Set when the connection is not authorized where the default applies; says how to fix it.
    pub warning: Option<String>,
}

impl Lanyard {
    /// A connection of the organization that must be of `provider`.
    pub(crate) async fn connection_of(
        &self,
        org: &OrgRecord,
        provider: &str,
        name: &Slug,
    ) -> CoreResult<ConnectionRecord> {
        find_provider(provider)?;
        let connection = self.require_connection(org, name).await?;
        if connection.provider != provider {
            return Err(CoreError::Invalid(format!(
                "connection `{name}` is a {} connection, not {provider}",
                connection.provider
            )));
        }
        Ok(connection)
    }

    async fn scope_ids(&self, org: &OrgRecord, scope: &Scope) -> CoreResult<AuthorizationScope> {
        match scope {
            Scope::Organization => Ok(AuthorizationScope::Organization),
            Scope::Environments(names) => {
                self.require_environments(&org.id, &org.slug, names).await?;
                let known = self.store.list_environments(&org.id).await?;
                let ids = known
                    .into_iter()
                    .filter(|e| names.contains(&e.name))
                    .map(|e| e.id)
                    .collect();
                Ok(AuthorizationScope::Environments(ids))
            }
        }
    }

    /// Authorizes a connection; refused if it already has an authorization (update that).
    pub async fn create_authorization(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: &str,
        connection: &Slug,
        scope: Scope,
    ) -> CoreResult<AuthorizationRecord> {
        self.write_authorization(principal, org, provider, connection, scope, true)
            .await
    }

    /// Replaces a connection's authorization.
    pub async fn update_authorization(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: &str,
        connection: &Slug,
        scope: Scope,
    ) -> CoreResult<AuthorizationRecord> {
        self.write_authorization(principal, org, provider, connection, scope, false)
            .await
    }

    /// Creates (`create`, refused if one exists) or replaces (refused if none) an authorization.
    async fn write_authorization(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: &str,
        connection: &Slug,
        scope: Scope,
        create: bool,
    ) -> CoreResult<AuthorizationRecord> {
        principal.authorize(Action::Manage, "authorize connections")?;
        let org = self.own_org(principal, org).await?;
        let record = self.connection_of(&org, provider, connection).await?;
        let exists = self.store.find_authorization(&record.id).await?.is_some();
        if create && exists {
            return Err(CoreError::Conflict(format!(
                "connection `{connection}` already has an authorization; change it with \
                 `lanyard connection authorization update --provider {provider} --connection {connection} \
                 --add-environments ENV[,ENV]` (or --remove-environments, or --scope to replace it)"
            )));
        }
        if !create && !exists {
            return Err(no_authorization(provider, connection));
        }
        let ids = self.scope_ids(&org, &scope).await?;
        let environments = match &scope {
            Scope::Organization => serde_json::Value::Null,
            Scope::Environments(envs) => envs.iter().map(Slug::as_str).collect(),
        };
        let audit = self.change_entry(
            principal,
            &org.id,
            if create {
                "authorization.create"
            } else {
                "authorization.update"
            },
            format!("connection/{connection}"),
            serde_json::json!({ "provider": provider, "environments": environments }),
        );
        self.store
            .put_authorization(&org.id, &record.id, &ids, now().millis(), &audit)
            .await?;
        self.require_authorization(provider, connection, &record)
            .await
    }

    /// One connection's authorization.
    pub async fn get_authorization(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: &str,
        connection: &Slug,
    ) -> CoreResult<AuthorizationRecord> {
        principal.authorize(Action::Read, "read authorizations")?;
        let org = self.own_org(principal, org).await?;
        let record = self.connection_of(&org, provider, connection).await?;
        self.require_authorization(provider, connection, &record)
            .await
    }

    /// The organization's authorizations.
    pub async fn list_authorizations(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: Option<&str>,
    ) -> CoreResult<Vec<AuthorizationRecord>> {
        let org = self
            .readable_org(principal, org, provider, "list authorizations")
            .await?;
        Ok(self.store.list_authorizations(&org.id, provider).await?)
    }

    /// Removes a connection's authorization: it can no longer be used anywhere.
    pub async fn delete_authorization(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: &str,
        connection: &Slug,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "remove authorizations")?;
        let org = self.own_org(principal, org).await?;
        let record = self.connection_of(&org, provider, connection).await?;
        let audit = self.change_entry(
            principal,
            &org.id,
            "authorization.delete",
            format!("connection/{connection}"),
            serde_json::json!({ "provider": provider }),
        );
        self.store
            .delete_authorization(&record.id, &audit)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => no_authorization(provider, connection),
                other => other.into(),
            })
    }

    async fn require_authorization(
        &self,
        provider: &str,
        connection: &Slug,
        record: &ConnectionRecord,
    ) -> CoreResult<AuthorizationRecord> {
        self.store
            .find_authorization(&record.id)
            .await?
            .ok_or_else(|| no_authorization(provider, connection))
    }

    /// Sets the default connection for a provider, organization-wide or for one environment.
    /// It is saved even when the connection is not authorized there, with a warning that says
    /// how to authorize it.
    pub async fn set_default(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: &str,
        connection: &Slug,
        environment: Option<&Slug>,
    ) -> CoreResult<SavedDefault> {
        principal.authorize(Action::Manage, "set defaults")?;
        let org = self.own_org(principal, org).await?;
        let record = self.connection_of(&org, provider, connection).await?;
        let env = match environment {
            Some(name) => Some(self.environment_of(&org, name).await?),
            None => None,
        };
        self.store
            .set_default(
                &org.id,
                provider,
                env.as_ref().map(|e| e.id.as_str()),
                &record.id,
                now().millis(),
                &self.change_entry(
                    principal,
                    &org.id,
                    "default.set",
                    format!("connection/{connection}"),
                    serde_json::json!({ "provider": provider, "environment": environment.map(Slug::as_str) }),
                ),
            )
            .await?;
        let warning = self
            .unauthorized_warning(&org, provider, connection, &record, env.as_ref())
            .await?;
        let saved = DefaultRecord {
            provider: provider.to_owned(),
            environment: environment.cloned(),
            connection_id: record.id,
            connection: connection.clone(),
        };
        Ok(SavedDefault {
            record: saved,
            warning,
        })
    }

    /// Explains where a default cannot be used, with the command that fixes it.
    async fn unauthorized_warning(
        &self,
        org: &OrgRecord,
        provider: &str,
        connection: &Slug,
        record: &ConnectionRecord,
        environment: Option<&lanyard_store::EnvironmentRecord>,
    ) -> CoreResult<Option<String>> {
        let (place, fix) = match environment {
            Some(env) if self.store.is_authorized(&record.id, &env.id).await? => return Ok(None),
            Some(env) => {
                let exists = self.store.find_authorization(&record.id).await?.is_some();
                (
                    format!("environment `{}`", env.name),
                    authorize_command(provider, connection, Some(&env.name), exists),
                )
            }
            None => match self.store.find_authorization(&record.id).await? {
                Some(auth) => {
                    let Some(listed) = auth.environments else {
                        return Ok(None);
                    };
                    // An organization default is said to be unusable only where it is: the
                    // environments that exist and are not in the list.
                    let missing: Vec<Slug> = self
                        .store
                        .list_environments(&org.id)
                        .await?
                        .into_iter()
                        .map(|e| e.name)
                        .filter(|e| !listed.contains(e))
                        .collect();
                    if missing.is_empty() {
                        return Ok(None);
                    }
                    let names = missing
                        .iter()
                        .map(Slug::as_str)
                        .collect::<Vec<_>>()
                        .join(",");
                    (
                        format!("environment(s) {}", names.replace(',', ", ")),
                        format!(
                            "`lanyard connection authorization update --provider {provider} \
                             --connection {connection} --add-environments {names}` (or --scope \
                             organization for every environment)"
                        ),
                    )
                }
                None => (
                    format!("any environment of `{}`", org.slug),
                    authorize_command(provider, connection, None, false),
                ),
            },
        };
        Ok(Some(format!(
            "connection `{connection}` is not authorized for {place}, so deployments there will \
             fail until it is: {fix}"
        )))
    }

    /// The organization's defaults.
    pub async fn list_defaults(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: Option<&str>,
    ) -> CoreResult<Vec<DefaultRecord>> {
        principal.authorize(Action::Read, "list defaults")?;
        let org = self.own_org(principal, org).await?;
        Ok(self.store.list_defaults(&org.id, provider).await?)
    }

    /// Removes a default.
    pub async fn unset_default(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: &str,
        environment: Option<&Slug>,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "unset defaults")?;
        let org = self.own_org(principal, org).await?;
        find_provider(provider)?;
        let env = match environment {
            Some(name) => Some(self.environment_of(&org, name).await?),
            None => None,
        };
        self.store
            .unset_default(
                &org.id,
                provider,
                env.as_ref().map(|e| e.id.as_str()),
                &self.change_entry(
                    principal,
                    &org.id,
                    "default.unset",
                    format!("default/{provider}"),
                    serde_json::json!({ "provider": provider, "environment": environment.map(Slug::as_str) }),
                ),
            )
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => CoreError::NotFound(match environment {
                    Some(env) => {
                        format!("no default {provider} connection for environment `{env}`")
                    }
                    None => format!("no organization default {provider} connection"),
                }),
                other => other.into(),
            })
    }

    pub(crate) async fn environment_of(
        &self,
        org: &OrgRecord,
        name: &Slug,
    ) -> CoreResult<lanyard_store::EnvironmentRecord> {
        match self.store.find_environment(&org.id, name).await? {
            Some(env) => Ok(env),
            None => Err(self.missing_environment(org, name).await),
        }
    }
}

fn no_authorization(provider: &str, connection: &Slug) -> CoreError {
    CoreError::NotFound(format!(
        "connection `{connection}` has no authorization; create one with {}",
        authorize_command(provider, connection, None, false)
    ))
}

/// The exact command that authorizes a connection (for one environment, or organization-wide),
/// given whether it has an authorization already: `create` would then be refused, so the
/// command is an `update` that adds the environment to what is there.
pub(crate) fn authorize_command(
    provider: &str,
    connection: &Slug,
    environment: Option<&Slug>,
    has_authorization: bool,
) -> String {
    let target = format!("--provider {provider} --connection {connection}");
    match (environment, has_authorization) {
        (Some(env), true) => format!(
            "`lanyard connection authorization update {target} --add-environments {env}`"
        ),
        (Some(env), false) => format!(
            "`lanyard connection authorization create {target} --scope environment --environments {env}`"
        ),
        (None, true) => {
            format!("`lanyard connection authorization update {target} --scope organization`")
        }
        (None, false) => {
            format!("`lanyard connection authorization create {target} --scope organization`")
        }
    }
}
