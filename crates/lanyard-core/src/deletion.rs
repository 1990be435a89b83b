//! What a deletion takes with it, said before it happens: defaults that point at the thing,
//! authorizations that name it, jobs its credentials went to, connections pinned to a runner,
//! everything in an organization. The CLI asks (or wants `--yes`) with this list, the console
//! shows it in its confirmation, and the API serves it, so all three say the same.

use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{AuthorizationRecord, DefaultRecord, EnvironmentRecord};

use crate::jobs::pinning::runner_field;
use crate::{CoreError, CoreResult, Lanyard};

/// The thing about to be deleted inside an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doomed {
    Environment(Slug),
    Connection(Slug),
    Runner(Slug),
}

/// How many releases of a connection are counted for its impact.
const USAGE_LIMIT: i64 = 1000;

impl Lanyard {
    /// What deleting `doomed` removes besides it, one phrase each ("its default aws
    /// connection (`x`)"); empty when nothing else goes. Fails as the deletion would when the
    /// thing does not exist.
    pub async fn deletion_impact(
        &self,
        principal: &Principal,
        org: &Slug,
        doomed: &Doomed,
    ) -> CoreResult<Vec<String>> {
        principal.authorize(Action::Read, "see what a deletion removes")?;
        match doomed {
            Doomed::Environment(name) => self.environment_impact(principal, org, name).await,
            Doomed::Connection(name) => self.connection_impact(principal, org, name).await,
            Doomed::Runner(name) => self.runner_impact(principal, org, name).await,
        }
    }

    async fn environment_impact(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<Vec<String>> {
        self.get_environment(principal, org, name).await?;
        let org = self.own_org(principal, org).await?;
        let defaults = self.store.list_defaults(&org.id, None).await?;
        let authorizations = self.store.list_authorizations(&org.id, None).await?;
        Ok(environment_goes(name, &defaults, &authorizations))
    }

    /// Every environment with what deleting it would remove, from one read of the defaults and
    /// authorizations (the console's environment list asks for all of them at once).
    pub async fn environments_with_deletion_impact(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<Vec<(EnvironmentRecord, Vec<String>)>> {
        principal.authorize(Action::Read, "see what a deletion removes")?;
        let environments = self.list_environments(principal, org).await?;
        let org = self.own_org(principal, org).await?;
        let defaults = self.store.list_defaults(&org.id, None).await?;
        let authorizations = self.store.list_authorizations(&org.id, None).await?;
        Ok(environments
            .into_iter()
            .map(|env| {
                let goes = environment_goes(&env.name, &defaults, &authorizations);
                (env, goes)
            })
            .collect())
    }

    async fn connection_impact(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<Vec<String>> {
        let org = self.own_org(principal, org).await?;
        let connection = self.require_connection(&org, name).await?;
        let provider = Some(connection.provider.as_str());
        let mut goes = Vec::new();
        for default in self.store.list_defaults(&org.id, provider).await? {
            if &default.connection == name {
                let scope = default
                    .environment
                    .map_or("the organization".to_owned(), |e| {
                        format!("environment {e}")
                    });
                goes.push(format!(
                    "the default {} connection of {scope}: jobs there fail until another is set",
                    default.provider
                ));
            }
        }
        for auth in self.store.list_authorizations(&org.id, provider).await? {
            if &auth.connection == name {
                let scope = auth
                    .environments
                    .map_or("every environment".to_owned(), |e| {
                        e.iter().map(Slug::as_str).collect::<Vec<_>>().join(", ")
                    });
                goes.push(format!("its authorization for {scope}"));
            }
        }
        let releases = self
            .store
            .list_releases(&org.id, &connection.id, USAGE_LIMIT)
            .await?;
        if !releases.is_empty() {
            let mut environments: Vec<&str> =
                releases.iter().map(|r| r.environment.as_str()).collect();
            environments.sort_unstable();
            environments.dedup();
            let jobs = if releases.len() as i64 == USAGE_LIMIT {
                format!("{USAGE_LIMIT} or more job(s)")
            } else {
                format!("{} job(s)", releases.len())
            };
            goes.push(format!(
                "its use by {jobs} in {} (the audit trail keeps the record)",
                environments.join(", ")
            ));
        }
        Ok(goes)
    }

    async fn runner_impact(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<Vec<String>> {
        let org = self.own_org(principal, org).await?;
        let runners = self.store.list_runners(&org.id).await?;
        let Some(runner) = runners.iter().find(|r| &r.name == name) else {
            return Err(CoreError::NotFound(format!(
                "runner `{name}` not found; see `lanyard runner list`"
            )));
        };
        let mut goes = Vec::new();
        if runner.is_default {
            goes.push(
                "its place as the default runner: jobs without --runner go to the built-in runner"
                    .to_owned(),
            );
        }
        let mut pinned = Vec::new();
        for connection in self.store.list_connections(&org.id, None).await? {
            // A runner field that is not a runner name pins nothing: it is its own error.
            if runner_field(&connection).ok().flatten().as_ref() == Some(name) {
                pinned.push(format!("`{}`", connection.name));
            }
        }
        if !pinned.is_empty() {
            goes.push(format!(
                "the runner of connection(s) {}, whose jobs are refused until they name another \
                 (`lanyard connection update NAME --field runner=OTHER`)",
                pinned.join(", ")
            ));
        }
        Ok(goes)
    }

    /// What deleting organization `org` removes: counts of everything in it. For instance
    /// administrators, as the deletion itself.
    pub async fn organization_deletion_impact(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<Vec<String>> {
        let record = self.organization_to_delete(principal, org).await?;
        let id = &record.id;
        let counts = [
            (self.store.list_environments(id).await?.len(), "environment"),
            (
                self.store.list_connections(id, None).await?.len(),
                "connection",
            ),
            (self.store.list_secrets(id).await?.len(), "secret"),
            (self.store.list_variables(id).await?.len(), "variable"),
            (self.store.list_runners(id).await?.len(), "runner"),
            (self.store.list_tokens(id).await?.len(), "API token"),
        ];
        let mut goes: Vec<String> = counts
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}{}", if n == 1 { "" } else { "s" }))
            .collect();
        goes.push("its audit trail (export it first: `lanyard audit export`)".to_owned());
        Ok(goes)
    }
}

/// What deleting environment `name` removes: its defaults, and its place in authorizations.
fn environment_goes(
    name: &Slug,
    defaults: &[DefaultRecord],
    authorizations: &[AuthorizationRecord],
) -> Vec<String> {
    let mut goes = Vec::new();
    for default in defaults {
        if default.environment.as_ref() == Some(name) {
            goes.push(format!(
                "its default {} connection (`{}`)",
                default.provider, default.connection
            ));
        }
    }
    for auth in authorizations {
        let Some(environments) = &auth.environments else {
            continue;
        };
        if !environments.contains(name) {
            continue;
        }
        goes.push(if environments.len() == 1 {
            format!(
                "the only authorization of connection `{}`, which becomes unusable until \
                 authorized again",
                auth.connection
            )
        } else {
            format!(
                "connection `{}`'s authorization for {name}",
                auth.connection
            )
        });
    }
    goes
}
