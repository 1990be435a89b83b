//! Verifying connections against their provider, through a [`CloudVerifier`] the server plugs
//! in (the core itself never does HTTP): the cloud calls, and `connection test`. The
//! cross-account setup that also uses them is in `cross_account.rs`.

use std::sync::Arc;

use lanyard_crypto::SecretString;
use lanyard_domain::{Action, Principal, Slug};
use lanyard_providers::Materialization;
use lanyard_store::{ConnectionRecord, OrgRecord};

use crate::{now, CoreError, CoreResult, Lanyard};

/// The verdict of the two-sided check of a cross-account role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustCheck {
    /// Assumed with the external id; refused with a wrong one.
    Trusted,
    /// Could not be assumed with the external id; the message says why.
    AssumeFailed(String),
    /// Assumed with a wrong external id: the trust policy lacks its condition.
    ConfusedDeputy,
}

/// What the server can ask a cloud, with its own identity or a connection's. Errors are
/// messages that say what to fix, without secret values.
#[async_trait::async_trait]
pub trait CloudVerifier: Send + Sync {
    /// The principal (IAM user or role ARN) the server acts as; cross-account roles trust it.
    async fn aws_principal(&self) -> Result<String, String>;
    /// The two-sided check: AssumeRole with `external_id`, then with a wrong one.
    async fn aws_check_trust(
        &self,
        role_arn: &str,
        external_id: &SecretString,
    ) -> Result<TrustCheck, String>;
    /// STS GetCallerIdentity with what the connection would inject (its keys, or the role it
    /// assumes with the server's identity); the caller's ARN.
    async fn aws_caller(
        &self,
        materialization: &Materialization,
        region: Option<&str>,
    ) -> Result<String, AwsFailure>;
    /// The live check of any other provider's connection, with its resolved values.
    async fn check(
        &self,
        provider: &str,
        kind: Option<&str>,
        values: &lanyard_providers::ResolvedFields,
    ) -> LiveCheck;
}

/// Why an AWS check failed: AWS refused (the credentials or the role are wrong), or it could
/// not be asked (network, endpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsFailure {
    pub refused: bool,
    pub message: String,
}

impl From<String> for AwsFailure {
    /// A problem found before asking AWS (e.g. no keys to test): the connection's to fix.
    fn from(message: String) -> Self {
        Self {
            refused: true,
            message,
        }
    }
}

/// What a live check found: the verdict (`ok`, `wrong_credentials`, `expired`,
/// `missing_permission`, `not_found`, `unreachable`, `unchecked`), who the credential belongs
/// to, and what to do (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCheck {
    pub verdict: String,
    pub identity: Option<String>,
    pub message: String,
}

/// The outcome of `connection test`.
pub struct ConnectionTest {
    pub ok: bool,
    /// `ok` or `failed`, as stored.
    pub verdict: String,
    /// The caller ARN STS answered with.
    pub identity: Option<String>,
    /// Why it failed.
    pub message: Option<String>,
    /// The connection with its new `last_verified_at`.
    pub connection: ConnectionRecord,
}

impl Lanyard {
    /// Plugs in the cloud verifier (the server does, at start-up).
    pub fn with_verifier(mut self, verifier: Arc<dyn CloudVerifier>) -> Self {
        self.verifier = Some(verifier);
        self
    }

    pub(crate) fn verifier(&self) -> CoreResult<&dyn CloudVerifier> {
        self.verifier.as_deref().ok_or_else(|| {
            CoreError::Invalid(
                "this server cannot reach cloud providers to verify connections".to_owned(),
            )
        })
    }

    /// `connection test`: STS GetCallerIdentity with what the connection would inject, with the
    /// verdict and time stored on the connection. A failed check is an answer, not an error.
    pub async fn test_connection(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<ConnectionTest> {
        principal.authorize(Action::Manage, "test connections")?;
        let org = self.own_org(principal, org).await?;
        let record = self.require_connection(&org, name).await?;
        if record.pending {
            return Err(CoreError::Conflict(format!(
                "connection `{name}` is waiting for its IAM role; finish it with `lanyard \
                 connection update {name} --field iam_role_arn=ARN`"
            )));
        }
        if record.auth_mode == lanyard_providers::AuthMode::Runner.slug() {
            self.refresh_runner_identities(&org, &record).await?;
        }
        let check = self.check_now(&org, &record).await?;
        self.record_verification(Some(principal), &org, &record, &check)
            .await?;
        Ok(ConnectionTest {
            ok: crate::checks::passes(&check.verdict),
            verdict: check.verdict,
            identity: check.identity,
            message: Some(check.message).filter(|m| !m.is_empty()),
            connection: self.require_connection(&org, name).await?,
        })
    }

    /// AWS through STS (GetCallerIdentity with what the connection injects, or its runner's
    /// reported identity); every other provider through its live check.
    pub(crate) async fn check_now(
        &self,
        org: &OrgRecord,
        record: &ConnectionRecord,
    ) -> CoreResult<LiveCheck> {
        if record.provider != "aws" {
            return self.live_check(org, record).await;
        }
        let outcome = if record.auth_mode == "runner" {
            self.runner_identity_for(org, record)
                .await?
                .map_err(AwsFailure::from)
        } else {
            self.aws_caller_for(org, record).await?
        };
        Ok(match outcome {
            Ok(arn) => LiveCheck {
                verdict: "ok".to_owned(),
                message: format!("AWS says this is {arn}"),
                identity: Some(arn),
            },
            Err(e) => LiveCheck {
                // A refusal is the connection's fault; no answer says nothing about it.
                verdict: if e.refused { "failed" } else { "unreachable" }.to_owned(),
                identity: None,
                message: self
                    .secrets_seen
                    .redactor()
                    .redact_str(&e.message)
                    .into_owned(),
            },
        })
    }

    /// Runner mode: the identity the connection's runner reported, if it is online and in the
    /// connection's account.
    async fn runner_identity_for(
        &self,
        org: &OrgRecord,
        record: &ConnectionRecord,
    ) -> CoreResult<Result<String, String>> {
        let runner = match self.online_runner(org, record).await? {
            Ok(runner) => runner,
            Err(why) => return Ok(Err(why)),
        };
        let identity = match crate::runner_identity::aws_identity(&runner) {
            Ok(identity) => identity,
            Err(why) => return Ok(Err(why)),
        };
        let account = identity.split(':').nth(4).unwrap_or_default().to_owned();
        let expected = field_text(record, "account_id").unwrap_or_default();
        if account != expected {
            return Ok(Err(format!(
                "runner `{}` is {identity}, in account {account}, but the connection is for \
                 account {expected}",
                runner.name
            )));
        }
        Ok(Ok(identity))
    }

    /// Inline and cross-account: GetCallerIdentity with what the connection injects.
    async fn aws_caller_for(
        &self,
        org: &OrgRecord,
        record: &ConnectionRecord,
    ) -> CoreResult<Result<String, AwsFailure>> {
        let token = if record.auth_mode == lanyard_providers::AuthMode::Oidc.slug() {
            Some(self.test_identity(org, record).await?)
        } else {
            None
        };
        let (materialization, _) = self.open_connection(&org.id, record, token).await?;
        let region = field_text(record, "region");
        Ok(self
            .verifier()?
            .aws_caller(&materialization, region.as_deref())
            .await)
    }

    /// Records a verification, with its audit event when a person asked for it (scheduled
    /// checks are not changes anyone made; their verdicts show on the connection).
    pub(crate) async fn record_verification(
        &self,
        principal: Option<&Principal>,
        org: &OrgRecord,
        connection: &ConnectionRecord,
        check: &LiveCheck,
    ) -> CoreResult<()> {
        let audit = principal.map(|principal| {
            self.change_entry(
                principal,
                &org.id,
                "connection.verify",
                format!("connection/{}", connection.name),
                serde_json::json!({ "verdict": check.verdict }),
            )
        });
        self.store
            .record_verification(
                &org.id,
                &connection.id,
                now(),
                &check.verdict,
                Some(&check.message),
                audit.as_ref(),
            )
            .await?;
        Ok(())
    }
}

/// A plain field's value (a literal, or a variable's value).
pub(crate) fn field_text(record: &ConnectionRecord, field: &str) -> Option<String> {
    match record.fields.get(field) {
        Some(lanyard_store::FieldSource::Literal(v)) => Some(v.clone()),
        Some(lanyard_store::FieldSource::Variable { value, .. }) => Some(value.clone()),
        _ => None,
    }
}
