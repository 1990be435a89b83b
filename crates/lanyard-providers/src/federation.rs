//! What a cloud needs to trust Lanyard's identity tokens (`oidc` connections): the audience it
//! expects, and the exact commands that set up the trust on Google Cloud and Azure (AWS has a
//! CloudFormation template, `aws_template`).

use crate::AuthMode;

/// What a connection's jobs receive, for people deciding whether to trust it with production:
/// `short-lived` (an STS session, an identity token: expires within hours), `long-lived` (the
/// stored keys or tokens as they are), or `runner identity` (whatever the runner itself has).
pub fn credential_lifetime(
    provider: &str,
    mode: AuthMode,
    has_field: impl Fn(&str) -> bool,
) -> &'static str {
    match mode {
        AuthMode::Oidc | AuthMode::CrossAccountTrust => "short-lived",
        AuthMode::Runner => "runner identity",
        AuthMode::Inline if provider == "aws" && has_field("session_duration") => "short-lived",
        AuthMode::Inline => "long-lived",
    }
}

/// The audience Entra ID expects of federated tokens unless told otherwise.
pub const AZURE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The audience AWS STS expects of web identity tokens by default.
pub const AWS_AUDIENCE: &str = "sts.amazonaws.com";

/// The audience a cloud expects of a job's identity token when the connection names none.
pub fn default_audience(
    provider: &str,
    workload_identity_provider: Option<&str>,
) -> Option<String> {
    match provider {
        "aws" => Some(AWS_AUDIENCE.to_owned()),
        "azure" => Some(AZURE_AUDIENCE.to_owned()),
        // Google's default allowed audience is the provider's name as an https URL.
        "gcp" => workload_identity_provider.map(|p| format!("https://iam.googleapis.com/{p}")),
        _ => None,
    }
}
