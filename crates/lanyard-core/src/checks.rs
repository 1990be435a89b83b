//! Live checks of connections against their providers: on demand (`connection test`, and on
//! save), on a schedule (each organization's interval, daily by default, a few connections per
//! tick so that checks spread out), and soon after a secret a connection uses changes.
//!
//! The provider calls themselves are the server's (`CloudVerifier::check`): the core decides
//! what to check and records what was found.

use std::time::Duration;

use lanyard_domain::{Action, Principal, Slug};
use lanyard_providers::AuthMode;
use lanyard_store::{ConnectionRecord, OrgRecord};

use crate::verify::LiveCheck;
use crate::{now, CoreError, CoreResult, Lanyard};

/// How many due connections one scheduler tick checks.
const PER_TICK: i64 = 5;
/// How long a claimed check stays this server's: far longer than checking `PER_TICK`
/// connections takes (each times out quickly), short enough that a dead server's claims return.
const CHECK_LEASE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Verdicts that mean jobs using the connection will fail. `unreachable` is not one: a server
/// without a route to the provider (a locked-down network, where only runners reach out) says
/// nothing about the credential.
pub fn is_failing(verdict: &str) -> bool {
    matches!(
        verdict,
        "failed"
            | "wrong_credentials"
            | "expired"
            | "missing_permission"
            | "not_found"
            | "assume_failed"
            | "confused_deputy"
    )
}

/// Verdicts `connection test` passes: the provider accepted the credential, or the server has
/// nothing it could try. Neither failing nor passing: `unreachable` (no answer).
pub(crate) fn passes(verdict: &str) -> bool {
    matches!(verdict, "ok" | "trusted" | "unchecked")
}

impl Lanyard {
    /// A non-AWS connection's live check. Runner-mode connections are checked by their runner
    /// (its own identity is their credential); oidc connections hold no credential the server
    /// could try: their cloud is the test.
    pub(crate) async fn live_check(
        &self,
        org: &OrgRecord,
        record: &ConnectionRecord,
    ) -> CoreResult<LiveCheck> {
        let mode = crate::jobs::mode_of(record)?;
        if mode == AuthMode::Runner {
            return self.runner_mode_check(org, record).await;
        }
        if mode == AuthMode::Oidc {
            return Ok(LiveCheck {
                verdict: "unchecked".to_owned(),
                identity: None,
                message: format!(
                    "{} connections have no credential the server could try; a job is the test",
                    mode.slug()
                ),
            });
        }
        let (values, _) = self.open_values(&org.id, record, None).await?;
        let mut check = self
            .verifier()?
            .check(&record.provider, record.kind.as_deref(), &values)
            .await;
        check.message = self
            .secrets_seen
            .redactor()
            .redact_str(&check.message)
            .into_owned();
        Ok(check)
    }

    /// Checks up to a few connections that are due, across organizations, and records what
    /// each check found. The server's background loop calls it; returns how many it checked.
    pub async fn check_due_connections(&self) -> CoreResult<usize> {
        let at = now().millis();
        let lease = i64::try_from(CHECK_LEASE.as_millis()).unwrap_or(i64::MAX);
        // Claimed, so that replicas never check one connection twice.
        let due = self
            .store
            .claim_due_checks(at, at.saturating_add(lease), PER_TICK)
            .await?;
        let mut checked = 0;
        for (org_id, org_slug, name) in due {
            let Some(org) = self.store.find_org(&org_slug).await? else {
                continue;
            };
            if org.id != org_id {
                continue;
            }
            let Some(record) = self.store.find_connection(&org.id, &name).await? else {
                continue;
            };
            let check = match self.check_now(&org, &record).await {
                Ok(check) => check,
                // A connection that cannot even be opened is failing, and says why.
                Err(e) => LiveCheck {
                    verdict: "failed".to_owned(),
                    identity: None,
                    message: self
                        .secrets_seen
                        .redactor()
                        .redact_str(&e.to_string())
                        .into_owned(),
                },
            };
            if is_failing(&check.verdict) {
                tracing::warn!(org = %org.slug, connection = %record.name, verdict = %check.verdict,
                    "scheduled connection check failed");
            }
            self.record_verification(None, &org, &record, &check)
                .await?;
            checked += 1;
        }
        Ok(checked)
    }

    /// Sets how often the organization's connections are re-checked (admins); `None`: daily.
    pub async fn set_check_interval(
        &self,
        principal: &Principal,
        org: &Slug,
        interval: Option<Duration>,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "set the connection check interval")?;
        let org = self.own_org(principal, org).await?;
        let seconds = match interval {
            Some(d) if d < Duration::from_secs(1) => {
                return Err(CoreError::Invalid(
                    "the check interval must be at least 1s".to_owned(),
                ))
            }
            Some(d) => Some(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            None => None,
        };
        let audit = self.change_entry(
            principal,
            &org.id,
            "org.check_interval",
            format!("org/{}", org.slug),
            serde_json::json!({ "seconds": seconds }),
        );
        self.store
            .set_org_check_interval(&org.id, seconds, &audit)
            .await?;
        Ok(())
    }
}
