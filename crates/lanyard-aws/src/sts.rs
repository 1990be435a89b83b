//! STS: who an identity is, AssumeRole for one job, and the two-sided check of a
//! cross-account role.

use aws_config::SdkConfig;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::types::Tag;
use secrecy::{ExposeSecret, SecretString};

use crate::session::AwsKeys;
use crate::AwsError;

/// The longest session a job gets, in seconds (also the role's `MaxSessionDuration`).
pub const JOB_SESSION_SECONDS: i32 = lanyard_providers::aws_template::MAX_SESSION_SECONDS;

/// The answer of GetCallerIdentity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The 12-digit account.
    pub account: String,
    /// `arn:aws:iam::…:user/…` or `arn:aws:sts::…:assumed-role/…/…`.
    pub arn: String,
}

impl CallerIdentity {
    /// The principal a trust policy names for this caller: an assumed-role session becomes its
    /// role (`arn:aws:iam::<account>:role/<name>`), a user or role stays as it is.
    pub fn trust_principal(&self) -> String {
        lanyard_providers::aws_template::trust_principal(&self.arn)
    }
}

/// What a job's session is called and tagged with.
pub struct JobSession<'a> {
    /// The role session name: the job id, so CloudTrail shows which job did what.
    pub name: &'a str,
    /// Session tags, e.g. `organization` and `environment`.
    pub tags: Vec<(String, String)>,
}

/// The outcome of the two-sided check of a cross-account role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustVerdict {
    /// AssumeRole works with the external id and is refused with a wrong one.
    Trusted,
    /// AssumeRole with the right external id failed; the message says why.
    AssumeFailed(String),
    /// AssumeRole with a wrong external id succeeded: the trust policy lacks its
    /// `sts:ExternalId` condition, so anyone who can make Lanyard's identity assume roles could
    /// reach this account (the confused-deputy problem).
    ConfusedDeputy,
}

impl TrustVerdict {
    /// Short name, as stored with the connection.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::Trusted => "trusted",
            Self::AssumeFailed(_) => "assume-failed",
            Self::ConfusedDeputy => "confused-deputy",
        }
    }
}

fn sts_error<E>(
    operation: &'static str,
    error: SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = error.raw_response().map(|r| r.status().as_u16());
    // Some endpoints (moto) wrap errors in a shape the SDK does not parse: read the XML.
    let body = error
        .raw_response()
        .and_then(|r| r.body().bytes())
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let code = error
        .as_service_error()
        .and_then(|e| e.code())
        .map(str::to_owned)
        .or_else(|| xml_text(&body, "Code"));
    let refused = status.is_some_and(|s| (400..500).contains(&s));
    let message = match (error.as_service_error(), status) {
        (Some(service), _) if service.code().is_some() => crate::code_and_message(service),
        (_, Some(status)) => match (&code, xml_text(&body, "Message")) {
            (Some(code), Some(text)) => format!("{code}: {text}"),
            (Some(code), None) => code.clone(),
            _ => format!("HTTP {status} from STS"),
        },
        _ => crate::said(&error),
    };
    let hint = match (code.as_deref(), status) {
        (Some("AccessDenied"), _) | (None, Some(403)) if operation == "AssumeRole" => {
            "; check the role's trust policy (principal and sts:ExternalId condition) and that \
             the caller may call sts:AssumeRole"
        }
        (Some("InvalidClientTokenId" | "SignatureDoesNotMatch"), _) | (None, Some(403)) => {
            "; the access keys are wrong or deleted: create new ones and update the connection"
        }
        (Some("ExpiredToken"), _) => "; the session token has expired: supply fresh credentials",
        (_, Some(_)) => "",
        (_, None) => "; check the network path to STS (and AWS_ENDPOINT_URL, if set)",
    };
    AwsError::Sts {
        operation,
        code,
        refused,
        message,
        hint: hint.to_owned(),
    }
}

/// The text of the first `<tag>` element, if short and plain.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + body[start..].find(&format!("</{tag}>"))?;
    let text = body[start..end].trim();
    (!text.is_empty() && text.len() <= 300).then(|| text.to_owned())
}

/// GetCallerIdentity.
pub async fn caller_identity(config: &SdkConfig) -> Result<CallerIdentity, AwsError> {
    const OP: &str = "GetCallerIdentity";
    let client = aws_sdk_sts::Client::new(config);
    let out = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| sts_error(OP, e))?;
    Ok(CallerIdentity {
        account: out
            .account()
            .ok_or(AwsError::Incomplete {
                operation: OP,
                part: "account",
            })?
            .to_owned(),
        arn: out
            .arn()
            .ok_or(AwsError::Incomplete {
                operation: OP,
                part: "ARN",
            })?
            .to_owned(),
    })
}

/// AssumeRole into `role_arn` with `external_id`, for one job: at most one hour, named after
/// the job and tagged.
pub async fn assume_for_job(
    config: &SdkConfig,
    role_arn: &str,
    external_id: Option<&SecretString>,
    session: &JobSession<'_>,
) -> Result<AwsKeys, AwsError> {
    assume_for_job_lasting(config, role_arn, external_id, session, JOB_SESSION_SECONDS).await
}

/// Trades the keys `config` carries for temporary ones lasting `duration_secs`: AssumeRole into
/// `role_arn` (named after the job and tagged) when there is one, else GetSessionToken. What
/// an inline connection with a session duration gives its jobs instead of its stored keys.
pub async fn temporary_for_job(
    config: &SdkConfig,
    role_arn: Option<&str>,
    duration_secs: u64,
    session: &JobSession<'_>,
) -> Result<AwsKeys, AwsError> {
    let duration = i32::try_from(duration_secs).unwrap_or(i32::MAX);
    if let Some(role_arn) = role_arn {
        return assume_for_job_lasting(config, role_arn, None, session, duration).await;
    }
    const OP: &str = "GetSessionToken";
    let out = aws_sdk_sts::Client::new(config)
        .get_session_token()
        .duration_seconds(duration)
        .send()
        .await
        .map_err(|e| sts_error(OP, e))?;
    temporary_keys(OP, out.credentials())
}

/// AssumeRoleWithWebIdentity with an identity token (what a job's SDK does with an `oidc`
/// connection; `connection test` does it once). The call is unsigned: the token is the proof.
pub async fn assume_with_web_identity(
    config: &SdkConfig,
    role_arn: &str,
    token: &SecretString,
    session_name: &str,
) -> Result<AwsKeys, AwsError> {
    const OP: &str = "AssumeRoleWithWebIdentity";
    let out = aws_sdk_sts::Client::new(config)
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(session_name)
        .web_identity_token(token.expose_secret())
        .duration_seconds(900)
        .send()
        .await
        .map_err(|e| sts_error(OP, e))?;
    temporary_keys(OP, out.credentials())
}

/// The temporary keys an STS answer carries (every exchange answers with the same shape).
fn temporary_keys(
    operation: &'static str,
    credentials: Option<&aws_sdk_sts::types::Credentials>,
) -> Result<AwsKeys, AwsError> {
    let credentials = credentials.ok_or(AwsError::Incomplete {
        operation,
        part: "credentials",
    })?;
    Ok(AwsKeys {
        access_key_id: SecretString::from(credentials.access_key_id().to_owned()),
        secret_access_key: SecretString::from(credentials.secret_access_key().to_owned()),
        session_token: Some(SecretString::from(credentials.session_token().to_owned())),
    })
}

async fn assume_for_job_lasting(
    config: &SdkConfig,
    role_arn: &str,
    external_id: Option<&SecretString>,
    session: &JobSession<'_>,
    duration: i32,
) -> Result<AwsKeys, AwsError> {
    let tags = session
        .tags
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AwsError::Sts {
            operation: "AssumeRole",
            code: None,
            refused: false,
            message: format!("invalid session tag: {e}"),
            hint: String::new(),
        })?;
    assume(
        config,
        role_arn,
        external_id.map(|e| e.expose_secret()),
        session.name,
        tags,
        duration,
    )
    .await
}

async fn assume(
    config: &SdkConfig,
    role_arn: &str,
    external_id: Option<&str>,
    session_name: &str,
    tags: Vec<Tag>,
    duration: i32,
) -> Result<AwsKeys, AwsError> {
    const OP: &str = "AssumeRole";
    let client = aws_sdk_sts::Client::new(config);
    let out = client
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(session_name)
        .set_external_id(external_id.map(str::to_owned))
        .duration_seconds(duration)
        .set_tags((!tags.is_empty()).then_some(tags))
        .send()
        .await
        .map_err(|e| sts_error(OP, e))?;
    temporary_keys(OP, out.credentials())
}

/// The two-sided check: AssumeRole with the external id must succeed, and with a wrong one
/// must be refused. An error reaching STS at all is an `Err`, not a verdict.
pub async fn check_trust(
    config: &SdkConfig,
    role_arn: &str,
    external_id: &SecretString,
    wrong_external_id: &str,
) -> Result<TrustVerdict, AwsError> {
    const SESSION: &str = "lanyard-trust-check";
    match assume(
        config,
        role_arn,
        Some(external_id.expose_secret()),
        SESSION,
        Vec::new(),
        JOB_SESSION_SECONDS,
    )
    .await
    {
        Ok(_) => {}
        Err(e @ AwsError::Sts { refused: true, .. }) => {
            return Ok(TrustVerdict::AssumeFailed(e.to_string()))
        }
        Err(e) => return Err(e),
    }
    match assume(
        config,
        role_arn,
        Some(wrong_external_id),
        SESSION,
        Vec::new(),
        JOB_SESSION_SECONDS,
    )
    .await
    {
        Ok(_) => Ok(TrustVerdict::ConfusedDeputy),
        Err(AwsError::Sts { refused: true, .. }) => Ok(TrustVerdict::Trusted),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assumed_role_is_trusted_as_its_role() {
        let id = |arn: &str| CallerIdentity {
            account: "123456789012".into(),
            arn: arn.into(),
        };
        assert_eq!(
            id("arn:aws:sts::123456789012:assumed-role/deployer/i-0abc").trust_principal(),
            "arn:aws:iam::123456789012:role/deployer"
        );
        assert_eq!(
            id("arn:aws:iam::123456789012:user/ci").trust_principal(),
            "arn:aws:iam::123456789012:user/ci"
        );
    }
}
