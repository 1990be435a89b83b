//! The audit trail: building events for every change, resolve and release, and reading and
//! verifying an organization's chain.

use lanyard_domain::{Action, Principal, Slug};
use lanyard_store::{AuditEntry, AuditEvent, ChainCheck, ChainVerdict, PruneRecord, PRUNE_ACTION};

/// Events read per page while verifying: memory stays the same for any length of trail.
const VERIFY_PAGE: i64 = 1000;

use crate::{now, Checkpoint, CoreError, CoreResult, Lanyard};

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

    /// Removes the oldest events, up to and including `through` (after they were exported:
    /// `lanyard audit export` says the last one it wrote), so the database need not keep
    /// years of them. An `audit.prune` event records the last removed event's link, which
    /// lets the rest of the chain verify from there and makes deleting more of its start
    /// detectable. The newest event always stays. Admins only.
    pub async fn prune_audit(
        &self,
        principal: &Principal,
        org: &Slug,
        through: i64,
    ) -> CoreResult<PruneRecord> {
        principal.authorize(Action::Manage, "prune the audit trail")?;
        let org = self.own_org(principal, org).await?;
        let head = self
            .store
            .audit_head(&org.id)
            .await?
            .map_or(0, |(seq, _)| seq);
        if through < 1 || through >= head {
            return Err(CoreError::Invalid(format!(
                "cannot prune through event {through}: the trail's events run up to {head}, \
                 and the newest stays; give a sequence number from 1 to {}, e.g. the last one \
                 `lanyard audit export` wrote",
                head - 1
            )));
        }
        let oldest = self.store.audit_page(&org.id, 0, 1).await?;
        let first = oldest.first().map_or(head, |e| e.seq);
        if through < first {
            return Err(CoreError::Conflict(format!(
                "events through {through} were already pruned: the oldest event left is {first}"
            )));
        }
        let last_removed = self.store.audit_page(&org.id, through - 1, 1).await?;
        let link = match last_removed.first() {
            Some(event) if event.seq == through => event.hash.clone(),
            _ => {
                return Err(CoreError::Conflict(format!(
                    "event {through} is missing from the trail; run `lanyard audit verify`"
                )))
            }
        };
        let record = PruneRecord {
            through,
            link,
            removed: through - first + 1,
        };
        let details = serde_json::to_value(&record).unwrap_or_default();
        let entry = self.change_entry(principal, &org.id, PRUNE_ACTION, "audit", details);
        self.store.prune_audit(&org.id, through, &entry).await?;
        Ok(record)
    }

    /// Recomputes the organization's hash chain and says whether it is intact: in pages, in
    /// constant memory, up to the head recorded when it started (events appended meanwhile are
    /// left for the next verification). Admins only: it reads the whole trail.
    pub async fn verify_audit(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<ChainVerdict> {
        self.verify_audit_against(principal, org, None).await
    }

    /// [`Lanyard::verify_audit`], also against a checkpoint taken earlier: an event it saw
    /// must still be there, unchanged.
    pub async fn verify_audit_against(
        &self,
        principal: &Principal,
        org: &Slug,
        checkpoint: Option<&Checkpoint>,
    ) -> CoreResult<ChainVerdict> {
        self.verify_audit_pages(principal, org, checkpoint, false)
            .await
    }

    /// Verifies only what came after a checkpoint this installation signed: the events up to
    /// it were verified when it was taken, so a long trail need not be read from its start.
    pub async fn verify_audit_since(
        &self,
        principal: &Principal,
        org: &Slug,
        checkpoint: &Checkpoint,
    ) -> CoreResult<ChainVerdict> {
        self.verify_audit_pages(principal, org, Some(checkpoint), true)
            .await
    }

    async fn verify_audit_pages(
        &self,
        principal: &Principal,
        org: &Slug,
        checkpoint: Option<&Checkpoint>,
        resume: bool,
    ) -> CoreResult<ChainVerdict> {
        principal.authorize(Action::Manage, "verify the whole audit trail")?;
        let org = self.own_org(principal, org).await?;
        if let Some(checkpoint) = checkpoint {
            self.check_checkpoint(&org.id, checkpoint)?;
        }
        let head = self.store.audit_head(&org.id).await?;
        let until = head.as_ref().map_or(i64::MAX, |(seq, _)| *seq);
        let mut check = match self.audit_key.get() {
            Some(key) => ChainCheck::keyed(key.clone(), key.since),
            None => ChainCheck::new(),
        };
        if let Some(checkpoint) = checkpoint {
            check = if resume {
                check.resuming_after(checkpoint.seq, checkpoint.hash.clone())
            } else {
                check.expecting(checkpoint.seq, checkpoint.hash.clone())
            };
        }
        loop {
            let page = self
                .store
                .audit_page(&org.id, check.last(), VERIFY_PAGE)
                .await?;
            let full = page.len() == usize::try_from(VERIFY_PAGE).unwrap_or(usize::MAX);
            let before = check.last();
            for event in page.iter().filter(|e| e.seq <= until) {
                if let Err(broken) = check.feed(event) {
                    return Ok(broken);
                }
            }
            if !full || check.last() >= until || check.last() == before {
                break;
            }
        }
        Ok(check.finish(head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()))))
    }
}
