//! Organizations: the tenant boundary. A token sees its own organization and nothing else.

use lanyard_domain::{Action, Principal, Role, Slug};
use lanyard_store::{NewOrg, NewToken, OrgRecord};

use crate::{new_id, now, tokens::IssuedToken, CoreError, CoreResult, Lanyard};

impl Lanyard {
    /// The organizations the caller can see: its own.
    pub async fn list_organizations(&self, principal: &Principal) -> CoreResult<Vec<OrgRecord>> {
        principal.authorize(Action::Read, "list organizations")?;
        Ok(vec![self.own_org(principal, &principal.org.clone()).await?])
    }

    /// One organization, if it is the caller's.
    pub async fn get_organization(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<OrgRecord> {
        principal.authorize(Action::Read, "read organizations")?;
        self.own_org(principal, org).await
    }

    /// Creates a new organization with its own first admin token. The caller's token does not
    /// gain access to it: organizations are isolated, and the new token is the only key.
    pub async fn create_organization(
        &self,
        principal: &Principal,
        name: Slug,
    ) -> CoreResult<(OrgRecord, IssuedToken)> {
        principal.authorize(Action::Manage, "create organizations")?;
        let (org, admin) = new_org_with_admin(name, "first admin token");
        let token_id = admin.1.id.clone();
        let audit = self.change_entry(
            principal,
            &org.id,
            "organization.create",
            format!("organization/{}", org.slug),
            serde_json::json!({ "admin_token": admin.1.id }),
        );
        let record = self.store.create_org(&org, &admin.1, &audit).await?;
        tracing::info!(org.id = %record.id, "organization created");
        let token_record = self
            .store
            .list_tokens(&record.id)
            .await?
            .into_iter()
            .find(|t| t.id == token_id)
            .ok_or_else(|| CoreError::Internal("new admin token vanished".into()))?;
        Ok((
            record,
            IssuedToken {
                record: token_record,
                token: admin.0,
            },
        ))
    }

    /// Sets (or, with `None`, clears) how long the organization's jobs may run when they do
    /// not say; a job's own `--timeout` wins, and without either the runner's default applies.
    pub async fn set_job_timeout(
        &self,
        principal: &Principal,
        org: &Slug,
        timeout: Option<std::time::Duration>,
    ) -> CoreResult<OrgRecord> {
        principal.authorize(Action::Manage, "change the organization's job timeout")?;
        let record = self.own_org(principal, org).await?;
        let seconds = timeout
            .map(crate::jobs::checked_timeout)
            .transpose()?
            .map(|s| i64::try_from(s).unwrap_or(i64::MAX));
        let audit = self.change_entry(
            principal,
            &record.id,
            "organization.job_timeout",
            format!("organization/{}", record.slug),
            serde_json::json!({ "job_timeout_secs": seconds }),
        );
        self.store
            .set_org_job_timeout(&record.id, seconds, &audit)
            .await?;
        Ok(OrgRecord {
            job_timeout_secs: seconds,
            ..record
        })
    }

    /// Deletes the caller's organization and everything in it, its tokens included.
    pub async fn delete_organization(&self, principal: &Principal, org: &Slug) -> CoreResult<()> {
        principal.authorize(Action::Manage, "delete organizations")?;
        let record = self.own_org(principal, org).await?;
        self.store.delete_org(&record.id).await?;
        // Its tokens are gone: forget them now, not a cache lifetime from now. (The deletion
        // is not audited: the organization's trail goes with it.)
        self.caches.clear();
        tracing::info!(org.id = %record.id, "organization deleted");
        Ok(())
    }
}

/// A new organization and the admin token that will own it.
pub(crate) fn new_org_with_admin(
    name: Slug,
    description: &str,
) -> (NewOrg, (lanyard_crypto::ApiToken, NewToken)) {
    let org = NewOrg {
        id: new_id(),
        slug: name,
        created_at: now(),
    };
    let token = lanyard_crypto::ApiToken::generate(lanyard_crypto::TokenKind::User);
    let record = NewToken {
        id: new_id(),
        org_id: org.id.clone(),
        hash_hex: token.hash().to_hex(),
        role: Role::Admin,
        environments: Vec::new(),
        description: description.to_owned(),
        created_at: org.created_at,
    };
    (org, (token, record))
}
