//! The server's [`CloudVerifier`]: AWS (connections, S3 state backends, ECR registries)
//! through `lanyard-aws`, with the server's own ambient identity (the standard chain, honoring
//! `AWS_ENDPOINT_URL`) or the connection's keys; every other provider through `lanyard-checks`.
//!
//! The server, not a runner, performs the two-sided trust check when a cross-account
//! connection is completed: it answers the API call synchronously, and the template trusts
//! the server's principal. Jobs' AssumeRole happens on the runner that runs them.

use lanyard_aws::session::{self, AwsKeys, AwsOrigin, Identity};
use lanyard_aws::sts;
use lanyard_core::{AwsFailure, CloudVerifier, LiveCheck, TrustCheck};
use lanyard_crypto::{ExposeSecret, SecretString};
use lanyard_providers::{EnvValue, Materialization};

/// Verifies with the server's own AWS identity: from its environment, or from the
/// [`AwsOrigin`] it was started with; other providers with its live checks.
pub(crate) struct AwsVerifier {
    pub(crate) origin: AwsOrigin,
    /// `None` only if no HTTP client could be built (no TLS roots at all).
    pub(crate) checker: Option<lanyard_checks::Checker>,
}

impl AwsVerifier {
    pub(crate) fn new(origin: AwsOrigin) -> Self {
        let checker = lanyard_checks::Checker::new()
            .map_err(|e| tracing::warn!(error = %e, "connection checks are unavailable"))
            .ok();
        Self { origin, checker }
    }
}

fn env_secret(m: &Materialization, name: &str) -> Option<SecretString> {
    match m.env_var(name) {
        Some(EnvValue::Secret(s)) => Some(s.clone()),
        Some(EnvValue::Plain(v)) => Some(SecretString::from(v.clone())),
        _ => None,
    }
}

impl AwsVerifier {
    /// An S3 state backend: list one key of its bucket with its keys, at its endpoint.
    async fn s3_backend(&self, values: &lanyard_providers::ResolvedFields) -> LiveCheck {
        let text = |name: &str| field_text(values, name);
        let Some(bucket) = text("bucket").or_else(|| text("s3_bucket")) else {
            return unchecked("the backend names no bucket");
        };
        let Some(keys) = keys_of(values, "aws_access_key_id", "aws_secret_access_key") else {
            return unchecked("runner-mode backends are checked on their runner when a job runs");
        };
        let endpoint = text("endpoint");
        if let Some(refusal) = endpoint
            .as_deref()
            .and_then(lanyard_aws::egress::refused_endpoint)
        {
            return LiveCheck {
                verdict: "unreachable".to_owned(),
                identity: None,
                message: refusal,
            };
        }
        let origin = AwsOrigin {
            endpoint_url: endpoint
                .clone()
                .or_else(|| self.origin.endpoint_url.clone()),
            keys: None,
        };
        let region = text("region");
        // An S3-compatible store behind a private CA (the backend's ca_bundle).
        let ca = text("ca_bundle");
        let config = session::config_trusting(
            &origin,
            Identity::Keys(&keys),
            region.as_deref(),
            ca.as_deref(),
        )
        .await;
        let path_style = origin.endpoint_url.is_some();
        use lanyard_aws::s3::BucketCheck;
        let (verdict, message) = match lanyard_aws::s3::check_bucket(&config, &bucket, path_style)
            .await
        {
            BucketCheck::Readable => ("ok", format!("the keys may read bucket {bucket}")),
            BucketCheck::WrongKeys(said) => (
                "wrong_credentials",
                format!("S3 refused the keys ({said}); update the connection's access key secrets"),
            ),
            BucketCheck::Expired(said) => (
                "expired",
                format!("S3 says the session expired ({said}); use long-lived keys or renew them"),
            ),
            BucketCheck::Denied(said) => (
                "missing_permission",
                format!(
                    "the keys may not list bucket {bucket} ({said}); grant s3:ListBucket, \
                     s3:GetObject and s3:PutObject on it"
                ),
            ),
            BucketCheck::NoSuchBucket => (
                "not_found",
                format!("there is no bucket {bucket}; create it or fix the bucket field"),
            ),
            BucketCheck::Unreachable(detail) => (
                "unreachable",
                format!(
                    "cannot reach S3 ({detail}); check the endpoint field and this server's \
                     network"
                ),
            ),
            BucketCheck::Other(said) => ("unreachable", format!("S3 answered {said}")),
        };
        LiveCheck {
            verdict: verdict.to_owned(),
            identity: None,
            message,
        }
    }

    /// An ECR registry: whose keys these are, and whether ECR gives them a login token.
    async fn ecr_registry(&self, values: &lanyard_providers::ResolvedFields) -> LiveCheck {
        let text = |name: &str| field_text(values, name);
        let (Some(account), Some(keys)) = (
            text("account_id"),
            keys_of(values, "access_key_id", "secret_access_key"),
        ) else {
            return unchecked("the registry connection lacks its account or keys");
        };
        let origin = AwsOrigin {
            endpoint_url: self.origin.endpoint_url.clone(),
            keys: None,
        };
        let region = text("region");
        let config = session::config_from(&origin, Identity::Keys(&keys), region.as_deref()).await;
        // Named as the connection names it (the materializer knows the registry's host).
        let registry = format!(
            "account {account}'s registry in {}",
            region.as_deref().unwrap_or("the default region")
        );
        use lanyard_aws::ecr::RegistryCheck;
        let (verdict, message) = match lanyard_aws::ecr::check_registry(&config, &account).await {
            RegistryCheck::Readable => ("ok", format!("ECR issued a login token for {registry}")),
            RegistryCheck::OtherAccount(other) => (
                "missing_permission",
                format!(
                    "the keys belong to account {other}, not {account}; use keys of account \
                     {account} or fix the account field"
                ),
            ),
            RegistryCheck::WrongKeys(said) => (
                "wrong_credentials",
                format!(
                    "AWS refused the keys ({said}); update the connection's access key secrets"
                ),
            ),
            RegistryCheck::Denied(said) => (
                "missing_permission",
                format!(
                    "the keys may not log in to ECR ({said}); grant ecr:GetAuthorizationToken \
                     (and the repository actions jobs need)"
                ),
            ),
            RegistryCheck::Unreachable(said) => (
                "unreachable",
                format!("cannot ask ECR ({said}); check the region and this server's network"),
            ),
        };
        LiveCheck {
            verdict: verdict.to_owned(),
            identity: None,
            message,
        }
    }
}

/// A field's value, trimmed, if it is not blank.
fn field_text(values: &lanyard_providers::ResolvedFields, name: &str) -> Option<String> {
    values
        .get(name)
        .map(|v| v.expose_secret().trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The connection's long-lived keys, from its key id and secret fields.
fn keys_of(values: &lanyard_providers::ResolvedFields, id: &str, secret: &str) -> Option<AwsKeys> {
    Some(AwsKeys {
        access_key_id: values.get(id).cloned()?,
        secret_access_key: values.get(secret).cloned()?,
        session_token: None,
    })
}

/// Whether AWS refused (the connection's to fix) or could not be asked.
fn failure(error: lanyard_aws::AwsError) -> AwsFailure {
    let refused = match &error {
        lanyard_aws::AwsError::Sts { refused, .. } => *refused,
        _ => true,
    };
    AwsFailure {
        refused,
        message: error.to_string(),
    }
}

fn unchecked(why: &str) -> LiveCheck {
    LiveCheck {
        verdict: "unchecked".to_owned(),
        identity: None,
        message: why.to_owned(),
    }
}

#[async_trait::async_trait]
impl CloudVerifier for AwsVerifier {
    async fn check(
        &self,
        provider: &str,
        kind: Option<&str>,
        values: &lanyard_providers::ResolvedFields,
    ) -> LiveCheck {
        if matches!(provider, "terraform-backend" | "pulumi-backend") && kind == Some("s3") {
            return self.s3_backend(values).await;
        }
        if provider == "container-registry" && kind == Some("ecr") {
            return self.ecr_registry(values).await;
        }
        let Some(checker) = &self.checker else {
            return unchecked("this server has no HTTP client for checks; see its log");
        };
        let verdict = checker.check(provider, kind, values).await;
        LiveCheck {
            verdict: verdict.outcome.slug().to_owned(),
            identity: verdict.identity,
            message: verdict.message,
        }
    }

    async fn aws_principal(&self) -> Result<String, String> {
        let config = session::config_from(&self.origin, Identity::Ambient, None).await;
        let identity = sts::caller_identity(&config)
            .await
            .map_err(|e| format!("{e}; give the server an AWS identity (its environment)"))?;
        Ok(identity.trust_principal())
    }

    async fn aws_check_trust(
        &self,
        role_arn: &str,
        external_id: &SecretString,
    ) -> Result<TrustCheck, String> {
        let config = session::config_from(&self.origin, Identity::Ambient, None).await;
        let wrong = format!(
            "lanyard-wrong-{}",
            lanyard_crypto::random::alphanumeric(24).expose_secret()
        );
        let verdict = sts::check_trust(&config, role_arn, external_id, &wrong)
            .await
            .map_err(|e| e.to_string())?;
        Ok(match verdict {
            sts::TrustVerdict::Trusted => TrustCheck::Trusted,
            sts::TrustVerdict::AssumeFailed(why) => TrustCheck::AssumeFailed(why),
            sts::TrustVerdict::ConfusedDeputy => TrustCheck::ConfusedDeputy,
        })
    }

    async fn aws_caller(
        &self,
        m: &Materialization,
        region: Option<&str>,
    ) -> Result<String, AwsFailure> {
        // The connection's endpoint wins over the server's own (`endpoint_url` field), but
        // never names a metadata address (a name resolving to one is refused by the SDK
        // client's resolver).
        let connection_endpoint = m.plain_env("AWS_ENDPOINT_URL");
        if let Some(refusal) = connection_endpoint.and_then(lanyard_aws::egress::refused_endpoint) {
            // Not asked at all: the connection's to fix, said as "unreachable" like every
            // other refused target.
            return Err(AwsFailure {
                refused: false,
                message: refusal,
            });
        }
        let endpoint = connection_endpoint
            .map(str::to_owned)
            .or_else(|| self.origin.endpoint_url.clone());
        let keys_origin = AwsOrigin {
            endpoint_url: endpoint.clone(),
            keys: None,
        };
        // The connection's private CA (its ca_bundle, injected as AWS_CA_BUNDLE).
        let ca = m
            .file("aws-ca-bundle")
            .map(|f| f.contents.expose_secret().to_owned());
        let web_identity = match (m.plain_env("AWS_ROLE_ARN"), m.file("oidc-token")) {
            (Some(role), Some(token)) => Some((role.to_owned(), token.contents.clone())),
            _ => None,
        };
        let config = if let Some((role_arn, token)) = web_identity {
            let base = session::config_from(&keys_origin, Identity::Ambient, region).await;
            let keys =
                sts::assume_with_web_identity(&base, &role_arn, &token, "lanyard-connection-test")
                    .await
                    .map_err(failure)?;
            session::config_trusting(&keys_origin, Identity::Keys(&keys), region, ca.as_deref())
                .await
        } else if let Some(role) = &m.assume_role {
            // The server's own identity, resolved where the server finds it (its chain may read
            // the instance metadata service); the AssumeRole call then goes to the connection's
            // endpoint through the guarded client, so a name that resolves to a metadata
            // address never receives the server's signature.
            let own = session::config_from(&self.origin, Identity::Ambient, region).await;
            let server_keys = session::resolve_keys(&own).await.map_err(failure)?;
            let base = session::config_trusting(
                &keys_origin,
                Identity::Keys(&server_keys),
                region,
                ca.as_deref(),
            )
            .await;
            let session = sts::JobSession {
                name: "lanyard-connection-test",
                tags: Vec::new(),
            };
            let keys =
                sts::assume_for_job(&base, &role.role_arn, role.external_id.as_ref(), &session)
                    .await
                    .map_err(failure)?;
            session::config_trusting(&keys_origin, Identity::Keys(&keys), region, ca.as_deref())
                .await
        } else {
            let (Some(access_key_id), Some(secret_access_key)) = (
                env_secret(m, "AWS_ACCESS_KEY_ID"),
                env_secret(m, "AWS_SECRET_ACCESS_KEY"),
            ) else {
                return Err("the connection has no access keys to test"
                    .to_owned()
                    .into());
            };
            let keys = AwsKeys {
                access_key_id,
                secret_access_key,
                session_token: env_secret(m, "AWS_SESSION_TOKEN"),
            };
            session::config_trusting(&keys_origin, Identity::Keys(&keys), region, ca.as_deref())
                .await
        };
        sts::caller_identity(&config)
            .await
            .map(|identity| identity.arn)
            .map_err(failure)
    }
}
