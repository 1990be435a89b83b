//! AWS through the AWS SDK for Rust, and the runner's ambient identities.
//!
//! - [`session`]: an SDK configuration from the standard chain (environment variables, web
//!   identity token file as IRSA sets it, shared profile, container and instance metadata) or
//!   from a connection's keys. The endpoint honors the standard `AWS_ENDPOINT_URL`, which is how
//!   tests reach moto.
//! - [`sts`]: GetCallerIdentity, AssumeRole for a job (session name = job id, session tags,
//!   one hour), and the two-sided trust check that refuses roles without their external-ID
//!   condition.
//! - [`s3`]: the live check of an S3 state backend (ListObjectsV2 with one key).
//! - [`ambient`]: what a runner-mode connection injects, discovered in the runner's own
//!   environment (AWS, GCP, Azure, Kubernetes), in the same conventions as inline mode.
//!
//! Secrets stay in [`secrecy`] types; errors carry AWS error codes and messages, never keys.

pub mod ambient;
pub mod ecr;
pub mod egress;
pub mod locked;
pub mod s3;
pub mod session;
pub mod sts;

pub use session::{AwsKeys, Identity};
pub use sts::{CallerIdentity, JobSession, TrustVerdict};

/// Why an AWS call could not be made or was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AwsError {
    /// No credentials were found in the standard chain.
    #[error(
        "no AWS credentials found in this process's environment ({detail}); give it an identity \
         through AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE with \
         AWS_ROLE_ARN (IRSA), AWS_PROFILE, or an instance or task role"
    )]
    NoCredentials {
        /// What the chain said.
        detail: String,
    },
    /// STS answered with an error, or could not be reached.
    #[error("AWS STS {operation} failed: {message}{hint}")]
    Sts {
        /// The operation, e.g. `AssumeRole`.
        operation: &'static str,
        /// The AWS error code, when STS answered (e.g. `AccessDenied`).
        code: Option<String>,
        /// STS answered with a client error (4xx): the request was refused, not lost.
        refused: bool,
        /// The error and its causes.
        message: String,
        /// How to fix it, starting with `; `, or empty.
        hint: String,
    },
    /// An answer lacked a part it always has.
    #[error("AWS STS {operation} returned no {part}")]
    Incomplete {
        /// The operation.
        operation: &'static str,
        /// What was missing.
        part: &'static str,
    },
}

/// An SDK error for people: each cause's message once, joined by `: ` (one sentence), without
/// the SDK's debug dump of its internals; the whole chain with that dump goes to the log.
pub(crate) fn said<E: std::error::Error + 'static>(error: &E) -> String {
    tracing::debug!(
        error = %aws_smithy_types::error::display::DisplayErrorContext(error),
        "AWS call failed"
    );
    let mut line = String::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        let text = current.to_string();
        if !text.is_empty() && !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
        cause = current.source();
    }
    line
}

/// A service error as AWS words it: `Code: message`.
pub(crate) fn code_and_message(
    error: &dyn aws_smithy_types::error::metadata::ProvideErrorMetadata,
) -> String {
    format!(
        "{}: {}",
        error.code().unwrap_or("error"),
        error.message().unwrap_or("no message")
    )
}

impl AwsError {
    /// The AWS error code, when STS answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Sts { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}
