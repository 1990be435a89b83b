//! Environments: the places a deployment runs (dev, staging, production), per organization.

use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{EnvironmentRecord, NewEnvironment};

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
        self.store
            .find_environment(&org.id, name)
            .await?
            .ok_or_else(|| env_not_found(name, &org.slug))
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
        self.store
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
            .await
            .map_err(|e| match e {
                lanyard_store::StoreError::NotFound(_) => env_not_found(name, &org.slug),
                other => other.into(),
            })?;
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

fn env_not_found(name: &Slug, org: &Slug) -> CoreError {
    CoreError::NotFound(format!(
        "environment `{name}` not found in organization `{org}`; see `lanyard env list`"
    ))
}
