//! The runner's own identities, which its runner-mode connections use: the AWS identity its
//! credential chain gives (STS GetCallerIdentity; its ARN also goes with each claim), and a live
//! check of the identity it finds for each other provider
//! (`lanyard_checks::OWN_IDENTITY_PROVIDERS`), reported to the server when it starts and every
//! few minutes, so that `connection test` and the scheduled checks of its runner-mode
//! connections say whether a job would get in, and notice a key revoked since.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lanyard_api::{IdentityCheck, IdentityCheckReport};
use lanyard_checks::{Checker, OWN_IDENTITY_PROVIDERS};
use lanyard_client::Client;
use lanyard_providers::Materialization;
use secrecy::ExposeSecret;

/// How often the runner checks its identities again (a key rotated or revoked elsewhere shows
/// within this).
const RECHECK_EVERY: Duration = Duration::from_secs(10 * 60);

/// Finds the AWS identity this runner's credential chain gives (STS GetCallerIdentity), for its
/// claims to carry from the first; the check is the first round's of [`keep_reporting`].
pub(super) async fn probe_aws(into: &Mutex<Option<String>>) -> IdentityCheck {
    let check = check_aws().await;
    remember_aws(into, &check);
    check
}

/// The AWS identity as an identity check: `ok` with the caller's ARN, `wrong_credentials` when
/// STS refused the keys, `failed` when the chain found none (within 10 s: a host without AWS
/// may wait on the instance metadata service).
async fn check_aws() -> IdentityCheck {
    use lanyard_aws::session::{self, Identity};
    let probe = async {
        let config = session::config(Identity::Ambient, None).await;
        lanyard_aws::sts::caller_identity(&config).await
    };
    let (verdict, identity, message) =
        match tokio::time::timeout(Duration::from_secs(10), probe).await {
            Ok(Ok(found)) => {
                let message = format!("AWS says this is {}", found.arn);
                ("ok", Some(found.arn), message)
            }
            Ok(Err(e @ lanyard_aws::AwsError::Sts { refused: true, .. })) => {
                ("wrong_credentials", None, e.to_string())
            }
            Ok(Err(e)) => ("failed", None, e.to_string()),
            Err(_) => (
                "failed",
                None,
                "found no AWS identity within 10 s (keys, web identity token file, profile, or \
             instance or task role)"
                    .to_owned(),
            ),
        };
    IdentityCheck {
        provider: "aws".to_owned(),
        verdict: verdict.to_owned(),
        identity,
        message,
        checked_at: None,
    }
}

/// Claims carry the ARN while the check finds one, and none after it stops finding it.
fn remember_aws(into: &Mutex<Option<String>>, check: &IdentityCheck) {
    match &check.identity {
        Some(arn) => tracing::info!(aws.identity = %arn, "AWS identity found"),
        None => tracing::debug!(message = %check.message, "no AWS identity"),
    }
    if let Ok(mut slot) = into.lock() {
        slot.clone_from(&check.identity);
    }
}

/// Checks the runner's identities and reports them, now, every [`RECHECK_EVERY`] and whenever
/// `now` is notified (a claim brought the server's request); a report the server did not take
/// is sent again at the next round. `probed`: the AWS check made before the first claim, used
/// for the first round instead of asking STS twice at start.
pub(super) async fn keep_reporting(
    client: Client,
    aws: Arc<Mutex<Option<String>>>,
    now: Arc<tokio::sync::Notify>,
    mut probed: Option<IdentityCheck>,
) {
    let checker = match checker() {
        Ok(checker) => checker,
        Err(e) => {
            tracing::warn!(error = %e, "the runner cannot check its own identities");
            return;
        }
    };
    loop {
        let aws_round = async {
            match probed.take() {
                Some(check) => check,
                None => probe_aws(&aws).await,
            }
        };
        let (mut report, aws_check) = tokio::join!(check_all(&checker), aws_round);
        report.checks.insert(0, aws_check);
        for check in &report.checks {
            tracing::info!(provider = %check.provider, verdict = %check.verdict,
                message = %check.message, "own identity checked");
        }
        if let Err(e) = client.report_identity_checks(&report).await {
            tracing::warn!(error = %e, "cannot report the runner's identity checks");
        }
        // Again after the interval, or at once when a claim brings a request to.
        let _ = tokio::time::timeout(RECHECK_EVERY, now.notified()).await;
    }
}

/// Short timeouts and no redirects like the server's checks, trusting `SSL_CERT_FILE` when the
/// runner names one (its jobs' tools trust it too).
fn checker() -> anyhow::Result<Checker> {
    use anyhow::Context as _;
    match std::env::var_os("SSL_CERT_FILE") {
        Some(path) => {
            let pem = std::fs::read(&path)
                .with_context(|| format!("cannot read SSL_CERT_FILE {}", path.to_string_lossy()))?;
            Checker::trusting_pem(&pem).context("SSL_CERT_FILE")
        }
        None => Ok(Checker::new()?),
    }
}

async fn check_all(checker: &Checker) -> IdentityCheckReport {
    let mut checks = Vec::with_capacity(OWN_IDENTITY_PROVIDERS.len());
    for provider in OWN_IDENTITY_PROVIDERS {
        let mut found = Materialization::default();
        let check = match lanyard_aws::ambient::inject(provider, &mut found).await {
            Err(e) => IdentityCheck {
                provider: (*provider).to_owned(),
                verdict: "failed".to_owned(),
                identity: None,
                message: e.to_string(),
                checked_at: None,
            },
            Ok(_) => {
                let verdict = checker.check_own_identity(provider, &found).await;
                IdentityCheck {
                    provider: (*provider).to_owned(),
                    verdict: verdict.outcome.slug().to_owned(),
                    identity: verdict.identity,
                    message: verdict.message,
                    checked_at: None,
                }
            }
        };
        checks.push(masked(check, &found));
    }
    IdentityCheckReport { checks }
}

/// Nothing the runner found leaves in a report, whatever a provider echoed.
fn masked(mut check: IdentityCheck, found: &Materialization) -> IdentityCheck {
    let secrets = found.secret_values();
    let redactor =
        lanyard_redact::Redactor::new(secrets.iter().map(|s| s.expose_secret().as_bytes()));
    check.message = redactor.redact_str(&check.message).into_owned();
    check.identity = check
        .identity
        .map(|identity| redactor.redact_str(&identity).into_owned());
    check
}
