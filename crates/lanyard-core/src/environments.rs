//! Environments: the places a deployment runs (dev, staging, production), per organization.

use lanyard_domain::{suggest, Action, Principal, Slug};
use lanyard_store::{EnvironmentRecord, NewEnvironment, OrgRecord};

use crate::{new_id, now, CoreError, CoreResult, Lanyard};

impl Lanyard {
    /// Creates an environment.
    pub async fn create_environment(
        &self,
        principal: &Principal,
        org: &Slug,
        name: Slug,
    ) -> CoreResult<EnvironmentRecord> {
        principal.authorize(Action::Manage, "create environments")?;
        let org = self.own_org(principal, org).await?;
        let new = NewEnvironment {
            id: new_id(),
            org_id: org.id,
            name,
            created_at: now(),
        };
        let audit = self.change_entry(
            principal,
            &new.org_id,
            "environment.create",
            format!("environment/{}", new.name),
            serde_json::json!({}),
        );
        let record = self.store.create_environment(&new, &audit).await?;
        tracing::info!(environment.id = %record.id, "environment created");
        Ok(record)
    }

    /// Every environment of the organization, by name.
    pub async fn list_environments(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<Vec<EnvironmentRecord>> {
        principal.authorize(Action::Read, "list environments")?;
        let org = self.own_org(principal, org).await?;
        Ok(self.store.list_environments(&org.id).await?)
    }

    /// One environment.
    pub async fn get_environment(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<EnvironmentRecord> {
        principal.authorize(Action::Read, "read environments")?;
        let org = self.own_org(principal, org).await?;
        match self.store.find_environment(&org.id, name).await? {
            Some(env) => Ok(env),
            None => Err(self.missing_environment(&org, name).await),
        }
    }

    /// Deletes an environment.
    pub async fn delete_environment(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "delete environments")?;
        let org = self.own_org(principal, org).await?;
        let deleted = self
            .store
            .delete_environment(
                &org.id,
                name,
                &self.change_entry(
                    principal,
                    &org.id,
                    "environment.delete",
                    format!("environment/{name}"),
                    serde_json::json!({}),
                ),
            )
            .await;
        match deleted {
            Err(lanyard_store::StoreError::NotFound(_)) => {
                return Err(self.missing_environment(&org, name).await)
            }
            other => other?,
        }
        tracing::info!(org.id = %org.id, "environment deleted");
        Ok(())
    }

    /// Checks that every named environment exists, naming the unknown ones and the known ones.
    pub(crate) async fn require_environments(
        &self,
        org_id: &str,
        org: &Slug,
        names: &[Slug],
    ) -> CoreResult<()> {
        let known = self.store.list_environments(org_id).await?;
        let unknown: Vec<&str> = names
            .iter()
            .filter(|n| !known.iter().any(|k| &k.name == *n))
            .map(Slug::as_str)
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let known: Vec<&str> = known.iter().map(|k| k.name.as_str()).collect();
        Err(CoreError::Invalid(format!(
            "unknown environment{} {} in organization `{org}`; known: [{}]; create one with \
             `lanyard env create NAME`",
            if unknown.len() > 1 { "s" } else { "" },
            unknown
                .iter()
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", "),
            known.join(", ")
        )))
    }
}

impl Lanyard {
    /// "Not found", with the environment the name is likely a typo of (it is not created by
    /// mistake then), else how to list or create one.
    pub(crate) async fn missing_environment(&self, org: &OrgRecord, name: &Slug) -> CoreError {
        let known: Vec<String> = match self.store.list_environments(&org.id).await {
            Ok(envs) => envs.into_iter().map(|e| e.name.to_string()).collect(),
            Err(e) => return e.into(),
        };
        let hint = match suggest::closest(name.as_str(), known.iter().map(String::as_str)) {
            Some(close) => format!("did you mean `{close}`? (`lanyard env list` shows them all)"),
            None => {
                format!("see `lanyard env list`, or create it with `lanyard env create {name}`")
            }
        };
        CoreError::NotFound(format!(
            "environment `{name}` not found in organization `{}`; {hint}",
            org.slug
        ))
    }
}
