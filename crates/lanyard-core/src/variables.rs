//! Variables: plain organization-level values (a default region, an account id) that connections
//! reference, so changing one changes every connection that uses it.

use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{NewVariable, VariableRecord};

use crate::secrets::in_use;
use crate::{new_id, now, CoreError, CoreResult, Lanyard};

impl Lanyard {
    /// Creates or overwrites a variable.
    pub async fn set_variable(
        &self,
        principal: &Principal,
        org: &Slug,
        name: Slug,
        value: String,
    ) -> CoreResult<VariableRecord> {
        principal.authorize(Action::Manage, "set variables")?;
        let org = self.own_org(principal, org).await?;
        let record = self
            .store
            .set_variable(
                &NewVariable {
                    id: new_id(),
                    org_id: org.id.clone(),
                    name: name.clone(),
                    value,
                    at: now(),
                },
                &self.change_entry(
                    principal,
                    &org.id,
                    "variable.set",
                    format!("variable/{name}"),
                    serde_json::json!({}),
                ),
            )
            .await?;
        tracing::info!(variable.id = %record.id, "variable set");
        Ok(record)
    }

    /// Every variable of the organization.
    pub async fn list_variables(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<Vec<VariableRecord>> {
        principal.authorize(Action::Read, "list variables")?;
        let org = self.own_org(principal, org).await?;
        Ok(self.store.list_variables(&org.id).await?)
    }

    /// Deletes a variable, unless a connection still references it.
    pub async fn delete_variable(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "delete variables")?;
        let org = self.own_org(principal, org).await?;
        let variable = self
            .store
            .find_variable(&org.id, name)
            .await?
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "variable `{name}` not found in organization `{}`; see `lanyard variable list`",
                    org.slug
                ))
            })?;
        let users = self.store.connections_using_variable(&variable.id).await?;
        if !users.is_empty() {
            return Err(in_use("variable", name, &users));
        }
        let audit = self.change_entry(
            principal,
            &org.id,
            "variable.delete",
            format!("variable/{name}"),
            serde_json::json!({}),
        );
        self.store.delete_variable(&org.id, name, &audit).await?;
        Ok(())
    }
}
