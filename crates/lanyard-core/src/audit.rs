//! The audit trail: building events for every change, resolve and release, and reading and
//! verifying an organization's chain.

use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{verify_chain, AuditEntry, AuditEvent, ChainVerdict};

use crate::{now, CoreResult, Lanyard};

/// Builds an audit event for something `principal` did in organization `org_id`.
pub(crate) fn entry(
    principal: &Principal,
    org_id: &str,
    action: &str,
    target: impl std::fmt::Display,
    details: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        org_id: org_id.to_owned(),
        at: now().millis(),
        actor: principal.token_id.clone(),
        source: principal.source.clone(),
        action: action.to_owned(),
        target: target.to_string(),
        details: details.to_string(),
    }
}

impl Lanyard {
    /// The audit event for a change made through this server; building it also clears the
    /// read caches, since every change is audited.
    pub(crate) fn change_entry(
        &self,
        principal: &Principal,
        org_id: &str,
        action: &str,
        target: impl std::fmt::Display,
        details: serde_json::Value,
    ) -> AuditEntry {
        self.caches.clear();
        entry(principal, org_id, action, target, details)
    }

    /// Records that `principal` signed in to (`started`) or out of the web console. The audit
    /// trail shows who used the console when, as it shows every API change.
    pub async fn record_console_session(
        &self,
        principal: &Principal,
        started: bool,
    ) -> CoreResult<()> {
        let action = if started {
            "console.login"
        } else {
            "console.logout"
        };
        let event = entry(
            principal,
            &principal.org_id,
            action,
            "console",
            serde_json::json!({}),
        );
        self.store.append_audit(&event).await?;
        Ok(())
    }

    /// Events since `since` (ms since the epoch), newest first, optionally about one connection.
    pub async fn audit_events(
        &self,
        principal: &Principal,
        org: &Slug,
        since: i64,
        connection: Option<&Slug>,
        limit: i64,
    ) -> CoreResult<Vec<AuditEvent>> {
        principal.authorize(Action::Read, "read the audit trail")?;
        let org = self.own_org(principal, org).await?;
        let target = connection.map(|c| format!("connection/{c}"));
        Ok(self
            .store
            .list_audit(&org.id, since, target.as_deref(), limit.clamp(1, 10_000))
            .await?)
    }

    /// A page of the trail for export, oldest first after sequence number `after`: each event
    /// with its chain hash, so that an export can be verified (and truncation detected) away
    /// from the database. Admins only: the trail names every token and address.
    pub async fn export_audit(
        &self,
        principal: &Principal,
        org: &Slug,
        after: i64,
        limit: i64,
    ) -> CoreResult<Vec<AuditEvent>> {
        principal.authorize(Action::Manage, "export the audit trail")?;
        let org = self.own_org(principal, org).await?;
        Ok(self
            .store
            .audit_page(&org.id, after.max(0), limit.clamp(1, 10_000))
            .await?)
    }

    /// Recomputes the organization's hash chain and says whether it is intact.
    pub async fn verify_audit(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<ChainVerdict> {
        principal.authorize(Action::Read, "verify the audit trail")?;
        let org = self.own_org(principal, org).await?;
        let (events, head) = self.store.audit_chain(&org.id).await?;
        Ok(verify_chain(
            &events,
            head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
        ))
    }
}
