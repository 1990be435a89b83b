//! Runners: registering them (a runner token shown once), choosing the default, and
//! authenticating a runner's requests. A runner token can take jobs and nothing else.

use lanyard_crypto::{ApiToken, TokenKind};
use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{NewRunner, RunnerRecord, StoreError};

use crate::{new_id, now, CoreError, CoreResult, Lanyard};

/// An authenticated runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerIdentity {
    pub id: String,
    pub org_id: String,
    pub org: Slug,
    pub name: Slug,
}

/// A freshly registered runner and its token, which is never shown again.
pub struct RegisteredRunner {
    pub record: RunnerRecord,
    pub token: ApiToken,
}

impl Lanyard {
    /// Registers a runner in the caller's organization.
    pub async fn register_runner(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<RegisteredRunner> {
        principal.authorize(Action::Manage, "register runners")?;
        let org = self.own_org(principal, org).await?;
        let token = ApiToken::generate(TokenKind::Runner);
        let new = NewRunner {
            id: new_id(),
            org_id: org.id.clone(),
            name: name.clone(),
            token_hash: token.hash().to_hex(),
            created_at: now(),
        };
        let audit = self.change_entry(
            principal,
            &org.id,
            "runner.register",
            format!("runner/{name}"),
            serde_json::json!({}),
        );
        let record = self
            .store
            .create_runner(&new, &audit)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => CoreError::Conflict(format!(
                    "runner `{name}` already exists in organization `{}`; pick another name, or \
                     `lanyard runner delete {name}` first",
                    org.slug
                )),
                other => other.into(),
            })?;
        Ok(RegisteredRunner { record, token })
    }

    /// The organization's runners.
    pub async fn list_runners(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<Vec<RunnerRecord>> {
        let org = self
            .readable_org(principal, org, None, "list runners")
            .await?;
        Ok(self.store.list_runners(&org.id).await?)
    }

    /// Deletes a runner; its token stops working at once.
    pub async fn delete_runner(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "delete runners")?;
        let org = self.own_org(principal, org).await?;
        let audit = self.change_entry(
            principal,
            &org.id,
            "runner.delete",
            format!("runner/{name}"),
            serde_json::json!({}),
        );
        self.store
            .delete_runner(&org.id, name, &audit)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => runner_not_found(name, &org.slug),
                other => other.into(),
            })
    }

    /// Makes `name` the default runner, or with `None` goes back to the built-in runner.
    pub async fn set_default_runner(
        &self,
        principal: &Principal,
        org: &Slug,
        name: Option<&Slug>,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "set the default runner")?;
        let org = self.own_org(principal, org).await?;
        let runner = match name {
            Some(name) => Some(self.require_runner(&org, name).await?),
            None => None,
        };
        let audit = self.change_entry(
            principal,
            &org.id,
            "runner.default",
            name.map_or_else(|| "runner/built-in".to_owned(), |n| format!("runner/{n}")),
            serde_json::json!({}),
        );
        self.store
            .set_default_runner(&org.id, runner.as_ref().map(|r| r.id.as_str()), &audit)
            .await?;
        Ok(())
    }

    /// Turns a presented runner token into the runner it belongs to, or refuses it.
    pub async fn authenticate_runner(&self, presented: &str) -> CoreResult<RunnerIdentity> {
        let token = ApiToken::parse(presented.trim())
            .map_err(|e| CoreError::Unauthenticated(format!("invalid runner token: {e}")))?;
        if token.kind() != TokenKind::Runner {
            return Err(CoreError::Unauthenticated(
                "this endpoint takes a runner token (lyr_...), from `lanyard runner register`"
                    .to_owned(),
            ));
        }
        let record = self
            .store
            .find_runner_by_token(&token.hash().to_hex())
            .await?
            .ok_or_else(|| {
                CoreError::Unauthenticated(
                    "this runner token is not valid (its runner was deleted, or it is for another \
                     server); register the runner again with `lanyard runner register`"
                        .to_owned(),
                )
            })?;
        self.store.touch_runner(&record.id, now().millis()).await?;
        Ok(RunnerIdentity {
            id: record.id,
            org_id: record.org_id,
            org: record.org,
            name: record.name,
        })
    }

    /// Records that a runner waiting for a job is still connected, so that it stays online
    /// through a long claim.
    pub async fn runner_alive(&self, runner: &RunnerIdentity) -> CoreResult<()> {
        Ok(self.store.touch_runner(&runner.id, now().millis()).await?)
    }

    /// Records the AWS identity a runner found in its own environment (runner-mode
    /// connections are tested with it). Anything but a plausible ARN is ignored.
    pub async fn runner_reports_aws_identity(
        &self,
        runner: &RunnerIdentity,
        identity: &str,
    ) -> CoreResult<()> {
        let plausible = identity.starts_with("arn:")
            && identity.len() <= 2048
            && identity.split(':').count() >= 6
            && !identity.chars().any(char::is_whitespace);
        if plausible {
            self.store
                .set_runner_aws_identity(&runner.id, identity)
                .await?;
        }
        Ok(())
    }

    /// Records how a runner isolates its jobs, as it reports with its claims.
    pub async fn runner_reports_isolation(
        &self,
        runner: &RunnerIdentity,
        isolation: &str,
    ) -> CoreResult<()> {
        let plausible = isolation.len() <= 512 && !isolation.chars().any(char::is_control);
        if plausible {
            self.store
                .set_runner_isolation(&runner.id, isolation)
                .await?;
        }
        Ok(())
    }

    pub(crate) async fn require_runner(
        &self,
        org: &lanyard_store::OrgRecord,
        name: &Slug,
    ) -> CoreResult<RunnerRecord> {
        self.store
            .find_runner(&org.id, name)
            .await?
            .ok_or_else(|| runner_not_found(name, &org.slug))
    }
}

fn runner_not_found(name: &Slug, org: &Slug) -> CoreError {
    CoreError::NotFound(format!(
        "runner `{name}` not found in organization `{org}`; see `lanyard runner list`, or \
         register it with `lanyard runner register {name}`"
    ))
}
