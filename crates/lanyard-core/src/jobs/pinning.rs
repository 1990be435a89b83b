//! Which runner a job goes to when its connections name one. A connection's `runner` field
//! pins its jobs to that runner; in runner mode the runner's own identity is the credential,
//! so its jobs go nowhere else (never to the built-in runner) and are refused while that
//! runner is not online.

use lanyard_domain::Slug;
use lanyard_providers::AuthMode;
use lanyard_store::{ConnectionRecord, FieldSource, OrgRecord, RunnerRecord};

use super::JobConnection;
use crate::{now, CoreError, CoreResult, Lanyard};

/// A runner named by one of a job's connections.
pub(crate) struct Pin {
    pub runner: Slug,
    pub connection: Slug,
    pub mode: AuthMode,
}

/// The connection's `runner` field, if it has one.
pub(crate) fn runner_field(record: &ConnectionRecord) -> CoreResult<Option<Slug>> {
    let raw = match record.fields.get("runner") {
        Some(FieldSource::Literal(v)) => v.clone(),
        Some(FieldSource::Variable { value, .. }) => value.clone(),
        Some(FieldSource::Secret { .. }) | None => return Ok(None),
    };
    Slug::parse(&raw).map(Some).map_err(|e| {
        CoreError::Invalid(format!(
            "connection `{}` names runner `{raw}`, which is not a valid runner name ({e}); fix it \
             with `lanyard connection update {} --field runner=NAME`",
            record.name, record.name
        ))
    })
}

pub(crate) fn mode_of(record: &ConnectionRecord) -> CoreResult<AuthMode> {
    record
        .auth_mode
        .parse()
        .map_err(|_| CoreError::Internal(format!("stored auth mode `{}`", record.auth_mode).into()))
}

impl Lanyard {
    /// The one runner the job's connections pin it to, if any; two different ones are refused,
    /// and so are a connection still pending and an oidc connection on a server without an
    /// issuer URL.
    pub(crate) async fn pinned_runner(
        &self,
        org: &OrgRecord,
        connections: &[JobConnection],
    ) -> CoreResult<Option<Pin>> {
        let mut pin: Option<Pin> = None;
        for connection in connections.iter().filter(|c| !c.git_only) {
            let record = self.require_connection(org, &connection.connection).await?;
            if record.pending {
                return Err(CoreError::Conflict(format!(
                    "connection `{0}` is waiting for its IAM role: create the role from the \
                     template `lanyard connect` wrote, then `lanyard connection update {0} --field \
                     iam_role_arn=ARN`",
                    record.name
                )));
            }
            // Checked here, where every record is at hand: an oidc connection's job would
            // otherwise fail only once a runner claimed it.
            if mode_of(&record)? == AuthMode::Oidc {
                self.require_issuer_url()?;
            }
            let Some(runner) = runner_field(&record)? else {
                continue;
            };
            let candidate = Pin {
                runner,
                connection: record.name.clone(),
                mode: mode_of(&record)?,
            };
            match &pin {
                Some(p) if p.runner != candidate.runner => {
                    return Err(CoreError::Invalid(format!(
                        "connection `{}` runs only on runner `{}` and connection `{}` only on \
                         runner `{}`; one job cannot use both, so run them as two jobs",
                        p.connection, p.runner, candidate.connection, candidate.runner
                    )))
                }
                Some(p) if p.mode == AuthMode::Runner => {}
                _ => pin = Some(candidate),
            }
        }
        Ok(pin)
    }

    /// The pinned runner, checked against `--runner` and, in runner mode, required online.
    pub(crate) async fn pinned_runner_record(
        &self,
        org: &OrgRecord,
        named: Option<&Slug>,
        pin: &Pin,
    ) -> CoreResult<RunnerRecord> {
        if let Some(named) = named.filter(|n| **n != pin.runner) {
            return Err(CoreError::Invalid(format!(
                "connection `{}` runs only on runner `{}`, not `{named}`; drop --runner or pass \
                 --runner {}",
                pin.connection, pin.runner, pin.runner
            )));
        }
        let runner = self
            .store
            .find_runner(&org.id, &pin.runner)
            .await?
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "connection `{}` runs on runner `{}`, which is not registered in organization \
                 `{}`; register it with `lanyard runner register {}` and start it with `lanyard \
                 runner start`",
                    pin.connection, pin.runner, org.slug, pin.runner
                ))
            })?;
        if pin.mode == AuthMode::Runner && !self.is_online(&runner) {
            let seen = runner.last_seen_at.map_or_else(
                || "it has never connected".to_owned(),
                |t| format!("last seen {} s ago", (now().millis() - t.millis()) / 1000),
            );
            return Err(CoreError::Conflict(format!(
                "runner `{}` is not online ({seen}); connection `{}` uses that runner's own \
                 identity (runner mode), so its jobs run only there: start it with `lanyard runner \
                 start` on its host, then run the job again",
                runner.name, pin.connection
            )));
        }
        Ok(runner)
    }

    /// Whether the runner has been heard from within the runner timeout.
    pub fn is_online(&self, runner: &RunnerRecord) -> bool {
        let timeout = i64::try_from(self.runner_timeout().as_millis()).unwrap_or(i64::MAX);
        runner
            .last_seen_at
            .is_some_and(|t| now().millis() - t.millis() <= timeout)
    }
}
