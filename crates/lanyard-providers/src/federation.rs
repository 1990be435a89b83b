//! What a cloud needs to trust Lanyard's identity tokens (`oidc` connections): the audience it
//! expects, and the exact commands that set up the trust on Google Cloud and Azure (AWS has a
//! CloudFormation template, `aws_template`).

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
