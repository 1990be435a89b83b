//! Resolution, the heart of the product: which connection a deployment of provider P in
//! environment E gets, and whether it may use it. One function serves `resolve` and jobs.
//!
//! Order: an explicit connection, else the environment default, else the organization default,
//! else an error naming what is missing and the command that fixes it. Then the chosen
//! connection must be authorized for E. There is never a fallback to "some other authorized
//! connection".

use std::collections::BTreeMap;

use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{AuthorizationRecord, DefaultRecord};

use crate::authorizations::authorize_command;
use crate::connections::find_provider;
use crate::{CoreError, CoreResult, Lanyard};

/// Where the resolved connection came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Explicit,
    EnvironmentDefault,
    OrganizationDefault,
}

impl Source {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Explicit => "explicit",
            Self::EnvironmentDefault => "environment_default",
            Self::OrganizationDefault => "organization_default",
        }
    }
}

/// One layer resolution looked at, and what it found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub layer: Source,
    pub found: Option<Slug>,
}

/// The outcome of resolving (provider, environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub provider: String,
    pub environment: Slug,
    pub connection: Option<Slug>,
    pub connection_id: Option<String>,
    pub source: Option<Source>,
    pub authorized: bool,
    pub checked: Vec<Checked>,
    /// Why it cannot be used, with the command that fixes it; `None` when usable.
    pub problem: Option<String>,
}

impl Resolution {
    /// The resolution if usable, else the error that names what is missing and how to fix it.
    pub fn usable(self) -> CoreResult<Self> {
        match &self.problem {
            None => Ok(self),
            Some(problem) if self.connection.is_none() => Err(CoreError::NotFound(problem.clone())),
            Some(problem) => Err(CoreError::Unauthorized(problem.clone())),
        }
    }
}

/// A cell of the provider matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    NotAuthorized,
    Authorized,
    /// The connection resolves by default here and is authorized.
    Default,
    /// The connection resolves by default here but is not authorized: deployments will fail.
    Misconfigured,
    /// Authorized (or the default) here, but its last check failed: deployments will fail.
    Failing,
}

impl Cell {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAuthorized => "not_authorized",
            Self::Authorized => "authorized",
            Self::Default => "default",
            Self::Misconfigured => "misconfigured",
            Self::Failing => "failing",
        }
    }
}

/// Connections × environments.
pub struct Matrix {
    pub environments: Vec<Slug>,
    pub rows: Vec<MatrixLine>,
}

/// One connection's row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixLine {
    pub connection: Slug,
    pub provider: String,
    /// What its jobs get: `short-lived`, `long-lived` or `runner identity`.
    pub credentials: &'static str,
    /// One per environment, in the matrix's order.
    pub cells: Vec<Cell>,
}

/// What a connection's jobs receive (see `lanyard_providers::federation::credential_lifetime`).
pub fn credential_lifetime(connection: &lanyard_store::ConnectionRecord) -> &'static str {
    connection
        .auth_mode
        .parse()
        .map(|mode| {
            lanyard_providers::federation::credential_lifetime(&connection.provider, mode, |f| {
                connection.fields.contains_key(f)
            })
        })
        .unwrap_or("unknown")
}

impl Lanyard {
    /// Resolves the connection for `provider` in `environment`. Returns a resolution even when it
    /// is not usable (`problem` says why), so callers can show the layers checked.
    pub async fn resolve(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: &str,
        environment: &Slug,
        explicit: Option<&Slug>,
    ) -> CoreResult<Resolution> {
        principal.authorize(Action::Read, "resolve connections")?;
        let org = self.own_org(principal, org).await?;
        // The endpoint may answer from the short-lived cache; credential release never does.
        let key = (
            org.id.clone(),
            provider.to_owned(),
            environment.clone(),
            explicit.cloned(),
        );
        let resolution = match self.caches.resolutions.get(&key) {
            Some(cached) => cached,
            None => {
                let fresh = self
                    .resolve_in(&org, provider, environment, explicit)
                    .await?;
                self.caches.resolutions.insert(key, fresh.clone());
                fresh
            }
        };
        let target = resolution.connection.as_ref().map_or_else(
            || format!("provider/{provider}"),
            |c| format!("connection/{c}"),
        );
        let details = serde_json::json!({
            "provider": provider,
            "environment": environment.as_str(),
            "source": resolution.source.map(Source::as_str),
            "authorized": resolution.authorized,
            "explicit": explicit.map(Slug::as_str),
        });
        let audit = crate::audit::entry(principal, &org.id, "connection.resolve", target, details);
        // A resolve changes nothing: its event is queued for the next group commit rather than
        // waited for (reads of the trail wait for it), and identical ones within a window are
        // counted into one event (`read_audit.rs`).
        for entry in self.read_audit.admit(audit) {
            self.store.queue_audit(&entry).await?;
        }
        Ok(resolution)
    }

    /// Resolution without the access check and the audit event, for callers that did both.
    pub(crate) async fn resolve_in(
        &self,
        org: &lanyard_store::OrgRecord,
        provider: &str,
        environment: &Slug,
        explicit: Option<&Slug>,
    ) -> CoreResult<Resolution> {
        find_provider(provider)?;
        let env = self.environment_of(org, environment).await?;
        let facts = self
            .store
            .resolution_facts(&org.id, provider, &env.id, explicit)
            .await?;
        let mut resolution = Resolution {
            provider: provider.to_owned(),
            environment: environment.clone(),
            connection: None,
            connection_id: None,
            source: None,
            authorized: false,
            checked: Vec::new(),
            problem: None,
        };
        let chosen = if let Some(name) = explicit {
            resolution.checked.push(Checked {
                layer: Source::Explicit,
                found: facts.explicit.as_ref().map(|e| e.1.clone()),
            });
            match facts.explicit {
                None => {
                    resolution.problem = Some(format!(
                        "connection `{name}` not found in organization `{}`; see `lanyard connection list --provider {provider}`",
                        org.slug
                    ));
                    return Ok(resolution);
                }
                Some((_, _, ref other)) if other != provider => {
                    resolution.problem = Some(format!(
                        "connection `{name}` is a {other} connection, not {provider}"
                    ));
                    return Ok(resolution);
                }
                Some((id, name, _)) => Some((id, name, Source::Explicit)),
            }
        } else {
            resolution.checked.push(Checked {
                layer: Source::EnvironmentDefault,
                found: facts.environment_default.as_ref().map(|d| d.1.clone()),
            });
            resolution.checked.push(Checked {
                layer: Source::OrganizationDefault,
                found: facts.organization_default.as_ref().map(|d| d.1.clone()),
            });
            if let (None, Some(deleted)) = (&facts.environment_default, &facts.vacated_default) {
                // Deployments here went to `deleted`; the organization default may point
                // somewhere else entirely (production, say), so it is not taken silently.
                resolution.problem = Some(format!(
                    "the default {provider} connection of environment `{environment}`, `{deleted}`, \
                     was deleted; set another with `lanyard connection default set --provider \
                     {provider} --connection NAME --env {environment}`, or use the organization \
                     default there with `lanyard connection default unset --provider {provider} \
                     --env {environment}`"
                ));
                return Ok(resolution);
            }
            facts
                .environment_default
                .map(|(id, name)| (id, name, Source::EnvironmentDefault))
                .or(facts
                    .organization_default
                    .map(|(id, name)| (id, name, Source::OrganizationDefault)))
        };
        let Some((id, name, source)) = chosen else {
            resolution.problem = Some(format!(
                "no default {provider} connection for environment `{environment}`: checked the \
                 environment default (none) and the organization default (none); set one with \
                 `lanyard connection default set --provider {provider} --connection NAME --env {environment}` \
                 (or without --env for every environment)"
            ));
            return Ok(resolution);
        };
        resolution.authorized = self.store.is_authorized(&id, &env.id).await?;
        if !resolution.authorized {
            let exists = self.store.find_authorization(&id).await?.is_some();
            resolution.problem = Some(format!(
                "connection `{name}` ({}) is not authorized for environment `{environment}`; \
                 authorize it with {}",
                source.as_str().replace('_', " "),
                authorize_command(provider, &name, Some(environment), exists)
            ));
        }
        resolution.connection = Some(name);
        resolution.connection_id = Some(id);
        resolution.source = Some(source);
        Ok(resolution)
    }

    /// The provider matrix: every connection (of one provider, or all) × every environment.
    pub async fn matrix(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: Option<&str>,
    ) -> CoreResult<Matrix> {
        let org = self
            .readable_org(principal, org, provider, "read the provider matrix")
            .await?;
        let environments: Vec<Slug> = self
            .store
            .list_environments(&org.id)
            .await?
            .into_iter()
            .map(|e| e.name)
            .collect();
        let connections = self.store.list_connections(&org.id, provider).await?;
        let authorizations: BTreeMap<String, AuthorizationRecord> = self
            .store
            .list_authorizations(&org.id, provider)
            .await?
            .into_iter()
            .map(|a| (a.connection_id.clone(), a))
            .collect();
        let defaults = self.store.list_defaults(&org.id, provider).await?;
        let effective_default = |provider: &str, env: &Slug| -> Option<&DefaultRecord> {
            defaults
                .iter()
                .find(|d| d.provider == provider && d.environment.as_ref() == Some(env))
                .or_else(|| {
                    defaults
                        .iter()
                        .find(|d| d.provider == provider && d.environment.is_none())
                })
        };
        let rows = connections
            .into_iter()
            .map(|c| {
                let auth = authorizations.get(&c.id);
                let cells = environments
                    .iter()
                    .map(|env| {
                        let authorized = auth.is_some_and(|a| {
                            a.environments
                                .as_ref()
                                .is_none_or(|listed| listed.contains(env))
                        });
                        let is_default = effective_default(&c.provider, env)
                            .is_some_and(|d| d.connection_id == c.id);
                        let failing = c.verdict.as_deref().is_some_and(crate::is_failing);
                        match (is_default, authorized) {
                            (true, true) | (false, true) if failing => Cell::Failing,
                            (true, true) => Cell::Default,
                            (true, false) => Cell::Misconfigured,
                            (false, true) => Cell::Authorized,
                            (false, false) => Cell::NotAuthorized,
                        }
                    })
                    .collect();
                MatrixLine {
                    credentials: credential_lifetime(&c),
                    connection: c.name,
                    provider: c.provider,
                    cells,
                }
            })
            .collect();
        Ok(Matrix { environments, rows })
    }
}
