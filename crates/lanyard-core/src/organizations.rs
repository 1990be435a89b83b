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
        principal.authorize_instance("create organizations")?;
        let (org, admin) = new_org_with_admin(name, "first admin token", false);
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

    /// Sets the limits of directories uploaded for the organization's jobs; `None` restores
    /// the server's default for that limit.
    pub async fn set_upload_limits(
        &self,
        principal: &Principal,
        org: &Slug,
        max_bytes: Option<u64>,
        max_files: Option<u64>,
    ) -> CoreResult<OrgRecord> {
        principal.authorize(Action::Manage, "change the organization's upload limits")?;
        let record = self.own_org(principal, org).await?;
        let ceiling = lanyard_bundle::Limits::CEILING;
        let within = |value: Option<u64>, most: u64, what: &str| match value {
            Some(0) => Err(CoreError::Invalid(format!("{what} must be at least 1"))),
            Some(v) if v > most => Err(CoreError::Invalid(format!(
                "{what} may be at most {most}; larger directories belong in a repository \
                 (`lanyard run --git`)"
            ))),
            v => Ok(v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))),
        };
        let bytes = within(max_bytes, ceiling.max_bytes, "the byte limit")?;
        let files = within(max_files, ceiling.max_files, "the file limit")?;
        let audit = self.change_entry(
            principal,
            &record.id,
            "organization.upload_limits",
            format!("organization/{}", record.slug),
            serde_json::json!({ "max_bytes": bytes, "max_files": files }),
        );
        self.store
            .set_org_upload_limits(&record.id, bytes, files, &audit)
            .await?;
        Ok(OrgRecord {
            upload_max_bytes: bytes,
            upload_max_files: files,
            ..record
        })
    }

    /// Organization `org`, for an instance administrator about to delete it.
    pub(crate) async fn organization_to_delete(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<OrgRecord> {
        principal.authorize(Action::Manage, "delete organizations")?;
        principal.authorize_instance("delete organizations")?;
        self.store.find_org(org).await?.ok_or_else(|| {
            CoreError::NotFound(format!(
                "organization `{org}` not found; see `lanyard org list`"
            ))
        })
    }

    /// Deletes the caller's organization and everything in it, its tokens included.
    pub async fn delete_organization(&self, principal: &Principal, org: &Slug) -> CoreResult<()> {
        let record = self.organization_to_delete(principal, org).await?;
        if record.id == principal.org_id {
            return Err(CoreError::Conflict(format!(
                "organization `{org}` holds the instance administrator's token; it cannot be \
                 deleted with that token"
            )));
        }
        self.store.delete_org(&record.id).await?;
        // Its own trail goes with it: the deletion is recorded in the administrator's.
        let audit = self.change_entry(
            principal,
            &principal.org_id,
            "organization.delete",
            format!("organization/{org}"),
            serde_json::json!({ "organization_id": record.id }),
        );
        self.store.queue_audit(&audit).await?;
        // Its tokens are gone: forget them now, not a cache lifetime from now.
        self.caches.clear();
        tracing::info!(org.id = %record.id, "organization deleted");
        Ok(())
    }
}

/// A new organization and the admin token that will own it.
pub(crate) fn new_org_with_admin(
    name: Slug,
    description: &str,
    instance_admin: bool,
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
        instance_admin,
    };
    (org, (token, record))
}
