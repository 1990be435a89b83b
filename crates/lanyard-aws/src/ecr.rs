//! The live check of an ECR registry connection: GetAuthorizationToken for the registry (what
//! `docker-credential-ecr-login` and `aws ecr get-login-password` call before every push or
//! pull), after STS says whose keys these are, so keys of another account are named as such.

use aws_config::SdkConfig;
use aws_sdk_ecr::error::ProvideErrorMetadata as _;

/// What the registry check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryCheck {
    /// ECR issued a login token to this account's keys.
    Readable,
    /// The keys belong to another account (its id).
    OtherAccount(String),
    /// The keys were refused: the message is AWS's.
    WrongKeys(String),
    /// The keys are valid but may not get a login token (`AccessDeniedException`).
    Denied(String),
    /// ECR could not be reached, or answered something else.
    Unreachable(String),
}

/// Checks that `config`'s keys belong to `account` and may log in to its registry.
pub async fn check_registry(config: &SdkConfig, account: &str) -> RegistryCheck {
    match crate::sts::caller_identity(config).await {
        Ok(identity) if identity.account != account => {
            return RegistryCheck::OtherAccount(identity.account)
        }
        Ok(_) => {}
        Err(crate::AwsError::Sts {
            refused: true,
            message,
            ..
        }) => return RegistryCheck::WrongKeys(message),
        Err(other) => return RegistryCheck::Unreachable(other.to_string()),
    }
    let answer = aws_sdk_ecr::Client::new(config)
        .get_authorization_token()
        .send()
        .await;
    let error = match answer {
        Ok(out) if !out.authorization_data().is_empty() => return RegistryCheck::Readable,
        Ok(_) => return RegistryCheck::Unreachable("ECR returned no login token".to_owned()),
        Err(error) => error,
    };
    let status = error.raw_response().map(|r| r.status().as_u16());
    match error.as_service_error() {
        // A refusal whose body names no code (an S3-compatible or emulated endpoint's XML).
        Some(service) if service.code().is_none() && status == Some(403) => {
            RegistryCheck::Denied(format!("HTTP 403: {}", crate::said(&error)))
        }
        Some(service) => {
            let said = crate::code_and_message(service);
            match service.code() {
                Some("AccessDeniedException") => RegistryCheck::Denied(said),
                Some(
                    "UnrecognizedClientException"
                    | "InvalidSignatureException"
                    | "InvalidClientTokenId",
                ) => RegistryCheck::WrongKeys(said),
                _ => RegistryCheck::Unreachable(said),
            }
        }
        None => RegistryCheck::Unreachable(crate::said(&error)),
    }
}
