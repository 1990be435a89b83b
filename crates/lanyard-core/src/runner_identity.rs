//! Runner mode's live check: a runner-mode connection holds no credential, its runner's own
//! identity is the credential, so the runner checks that identity (when it starts and every few
//! minutes) and reports what each provider said; a connection's check reads the report of its
//! runner for its provider.

use lanyard_domain::Slug;
use lanyard_store::{ConnectionRecord, IdentityCheck, OrgRecord, RunnerRecord};

use crate::verify::LiveCheck;
use crate::{now, CoreError, CoreResult, Lanyard, RunnerIdentity};

/// How long `connection test` waits for a runner's fresh identity checks.
const FRESH_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// The most providers one report may hold.
const MAX_CHECKS: usize = 16;
/// The longest message kept from a runner.
const MAX_MESSAGE: usize = 2000;

/// Verdicts a runner may report (those of the live checks, and `failed`: no identity found).
const VERDICTS: &[&str] = &[
    "ok",
    "wrong_credentials",
    "expired",
    "missing_permission",
    "not_found",
    "unreachable",
    "unchecked",
    "failed",
];

/// One provider's check as a runner reports it.
pub struct ReportedCheck {
    pub provider: String,
    pub verdict: String,
    pub identity: Option<String>,
    pub message: String,
}

/// Whose identity the runner checks for a runner-mode connection of `provider` (and `kind`):
/// state backends use the identity of their cloud.
fn identity_provider(provider: &str, kind: Option<&str>) -> Option<&'static str> {
    match (provider, kind) {
        ("gcp", _) | ("terraform-backend" | "pulumi-backend", Some("gcs")) => Some("gcp"),
        ("azure", _) | ("terraform-backend" | "pulumi-backend", Some("azurerm")) => Some("azure"),
        ("kubernetes", _) => Some("kubernetes"),
        ("terraform-backend" | "pulumi-backend", Some("s3")) => Some("aws"),
        _ => None,
    }
}

impl Lanyard {
    /// Replaces what `runner` found when it checked its own identities. A report that is not
    /// plausible is refused whole, saying why; messages are masked of every secret this server
    /// has seen.
    pub async fn runner_reports_identity_checks(
        &self,
        runner: &RunnerIdentity,
        checks: Vec<ReportedCheck>,
    ) -> CoreResult<()> {
        if checks.len() > MAX_CHECKS {
            return Err(CoreError::Invalid(format!(
                "a report holds at most {MAX_CHECKS} identity checks"
            )));
        }
        let at = now().millis();
        let redactor = self.secrets_seen.redactor();
        let mut kept: Vec<IdentityCheck> = Vec::with_capacity(checks.len());
        for check in checks {
            let runner_capable = lanyard_providers::find(&check.provider)
                .is_some_and(|p| p.allows(lanyard_providers::AuthMode::Runner));
            if !runner_capable {
                return Err(CoreError::Invalid(format!(
                    "`{}` is not a provider with a runner mode",
                    check.provider.chars().take(64).collect::<String>()
                )));
            }
            if !VERDICTS.contains(&check.verdict.as_str()) {
                return Err(CoreError::Invalid(format!(
                    "the verdict for {} must be one of {}",
                    check.provider,
                    VERDICTS.join(", ")
                )));
            }
            if kept.iter().any(|k| k.provider == check.provider) {
                return Err(CoreError::Invalid(format!(
                    "{} is reported twice",
                    check.provider
                )));
            }
            let plain = |text: &str| !text.chars().any(char::is_control);
            let identity = check
                .identity
                .filter(|i| i.len() <= 512 && plain(i))
                .map(|i| redactor.redact_str(&i).into_owned());
            let message: String = check
                .message
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_MESSAGE)
                .collect();
            kept.push(IdentityCheck {
                provider: check.provider,
                verdict: check.verdict,
                identity,
                message: redactor.redact_str(&message).into_owned(),
                checked_at: at,
            });
        }
        Ok(self
            .store
            .set_runner_identity_checks(&runner.id, &kept)
            .await?)
    }

    /// Asks the connection's runner, if it is online, to check its identities now, and waits a
    /// little for its report: `connection test` after a key was rotated elsewhere sees the
    /// rotation, not the last periodic check. A runner that does not answer in time leaves the
    /// last report, whose age the verdict says.
    pub(crate) async fn refresh_runner_identities(
        &self,
        org: &OrgRecord,
        record: &ConnectionRecord,
    ) -> CoreResult<()> {
        let Ok(runner) = self.online_runner(org, record).await? else {
            return Ok(());
        };
        let name = &runner.name;
        let asked = now().millis();
        self.store
            .request_identity_recheck(&runner.id, asked)
            .await?;
        let deadline = tokio::time::Instant::now() + FRESH_WITHIN;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            let Some(current) = self.store.find_runner(&org.id, name).await? else {
                return Ok(());
            };
            if current
                .identity_checks
                .iter()
                .any(|c| c.checked_at >= asked)
            {
                return Ok(());
            }
        }
        tracing::info!(runner = %name, "no fresh identity checks in time; using the last report");
        Ok(())
    }

    /// The runner-mode connection's runner if it is online, or why its check fails without
    /// asking it (runner-mode jobs would be refused too).
    pub(crate) async fn online_runner(
        &self,
        org: &OrgRecord,
        record: &ConnectionRecord,
    ) -> CoreResult<Result<RunnerRecord, String>> {
        let Some(name) = crate::jobs::runner_field(record)? else {
            return Ok(Err(
                "the connection names no runner; set its runner field".to_owned()
            ));
        };
        let runner = self.require_runner(org, &name).await?;
        if !self.is_online(&runner) {
            return Ok(Err(format!(
                "runner `{name}` is not online; start it with `lanyard runner start` on its host"
            )));
        }
        Ok(Ok(runner))
    }

    /// Whether someone asked `runner` to check its identities now; true once per request (its
    /// claim hands the request on).
    pub async fn runner_takes_identity_recheck(&self, runner: &RunnerIdentity) -> CoreResult<bool> {
        Ok(self.store.take_identity_recheck(&runner.id).await?)
    }

    /// A runner-mode connection's check: what its runner said of its own identity for the
    /// connection's provider. An offline runner fails it (jobs would be refused).
    pub(crate) async fn runner_mode_check(
        &self,
        org: &OrgRecord,
        record: &ConnectionRecord,
    ) -> CoreResult<LiveCheck> {
        let runner = match self.online_runner(org, record).await? {
            Ok(runner) => runner,
            Err(why) => return Ok(failed(&why)),
        };
        let name = runner.name.clone();
        let Some(provider) = identity_provider(&record.provider, record.kind.as_deref()) else {
            return Ok(LiveCheck {
                verdict: "unchecked".to_owned(),
                identity: None,
                message: format!(
                    "runner-mode {} connections use what runner `{name}`'s host has configured \
                     for it, which the runner does not check; a job is the test",
                    record.provider
                ),
            });
        };
        Ok(match provider {
            "aws" => aws_backend(&runner, &name),
            "azure" => in_tenant(reported(&runner, &name, provider), record, &name),
            _ => reported(&runner, &name, provider),
        })
    }
}

fn failed(message: &str) -> LiveCheck {
    LiveCheck {
        verdict: "failed".to_owned(),
        identity: None,
        message: message.to_owned(),
    }
}

/// The runner's report for `provider`, or why there is none.
fn reported(runner: &RunnerRecord, name: &Slug, provider: &str) -> LiveCheck {
    match runner
        .identity_checks
        .iter()
        .find(|c| c.provider == provider)
    {
        Some(check) => LiveCheck {
            verdict: check.verdict.clone(),
            identity: check.identity.clone(),
            message: format!(
                "runner `{name}` checked its own {provider} identity {}: {}",
                ago(check.checked_at),
                check.message
            ),
        },
        None => LiveCheck {
            verdict: "unchecked".to_owned(),
            identity: None,
            message: format!(
                "runner `{name}` has not reported a check of its {provider} identity (a runner \
                 checks when it starts and every few minutes; one older than this server does \
                 not: upgrade it)"
            ),
        },
    }
}

/// How long ago a runner checked, for people.
fn ago(checked_at: i64) -> String {
    let seconds = now().millis().saturating_sub(checked_at) / 1000;
    match seconds {
        ..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", seconds / 60),
        _ => format!("{} h ago", seconds / 3600),
    }
}

/// An Azure identity (`TENANT/CLIENT`) in another tenant than the connection's cannot sign in
/// there: the connection fails, naming both.
fn in_tenant(check: LiveCheck, record: &ConnectionRecord, name: &Slug) -> LiveCheck {
    let expected = crate::verify::field_text(record, "tenant_id");
    let found = check
        .identity
        .as_deref()
        .and_then(|identity| identity.split_once('/'))
        .map(|(tenant, _)| tenant.to_owned());
    match (expected, found) {
        (Some(expected), Some(found))
            if check.verdict == "ok" && !found.eq_ignore_ascii_case(expected.trim()) =>
        {
            failed(&format!(
                "runner `{name}`'s Azure identity is in tenant {found}, but the connection is for \
                 tenant {expected}; give the runner an identity in that tenant or fix tenant_id"
            ))
        }
        _ => check,
    }
}

/// An S3 state backend in runner mode: the runner's AWS identity.
fn aws_backend(runner: &RunnerRecord, name: &Slug) -> LiveCheck {
    match aws_identity(runner) {
        Ok(arn) => LiveCheck {
            verdict: "ok".to_owned(),
            message: format!(
                "runner `{name}` is {arn}; whether it may use the bucket shows when a job runs"
            ),
            identity: Some(arn),
        },
        Err(why) => failed(&why),
    }
}

/// The AWS identity `runner` found: its latest identity check when it reported one (which
/// also says when a key stopped working), else the ARN its claims carried.
pub(crate) fn aws_identity(runner: &RunnerRecord) -> Result<String, String> {
    let name = &runner.name;
    let checked = runner.identity_checks.iter().find(|c| c.provider == "aws");
    match (checked, &runner.aws_identity) {
        (Some(check), _) if check.verdict != "ok" => Err(format!(
            "runner `{name}` checked its own AWS identity: {}",
            check.message
        )),
        (Some(check), claimed) => check
            .identity
            .clone()
            .or_else(|| claimed.clone())
            .ok_or_else(|| format!("runner `{name}` reported no AWS identity")),
        (None, Some(arn)) => Ok(arn.clone()),
        (None, None) => Err(format!(
            "runner `{name}` found no AWS identity in its environment (keys, web identity token \
             file, profile or instance role); give it one and restart it"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::identity_provider;

    #[test]
    fn state_backends_use_the_identity_of_their_cloud() {
        let table = [
            (("gcp", None), Some("gcp")),
            (("azure", None), Some("azure")),
            (("kubernetes", None), Some("kubernetes")),
            (("terraform-backend", Some("gcs")), Some("gcp")),
            (("pulumi-backend", Some("azurerm")), Some("azure")),
            (("terraform-backend", Some("s3")), Some("aws")),
            (("cloudflare", None), None),
            (("digitalocean", None), None),
        ];
        for ((provider, kind), expected) in table {
            assert_eq!(
                identity_provider(provider, kind),
                expected,
                "{provider} {kind:?}"
            );
        }
    }
}
