//! The live check of an S3 state backend (Terraform's and Pulumi's): ListObjectsV2 with one
//! key, the cheapest authenticated read that tells a wrong key from a missing permission from a
//! missing bucket (HeadBucket answers all three with a bare status).

use aws_config::SdkConfig;
use aws_sdk_s3::error::ProvideErrorMetadata as _;

/// What the bucket check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketCheck {
    /// The keys may list the bucket.
    Readable,
    /// The keys were refused (`InvalidAccessKeyId`, `SignatureDoesNotMatch`): the message is
    /// S3's.
    WrongKeys(String),
    /// The session expired (`ExpiredToken`).
    Expired(String),
    /// The keys are valid but may not list the bucket (`AccessDenied`).
    Denied(String),
    /// There is no such bucket.
    NoSuchBucket,
    /// S3 could not be reached.
    Unreachable(String),
    /// Anything else S3 said.
    Other(String),
}

/// Lists at most one key of `bucket` with `config`'s identity. Path-style addressing when an
/// endpoint is set (MinIO, moto and most S3-compatible stores want it).
pub async fn check_bucket(config: &SdkConfig, bucket: &str, path_style: bool) -> BucketCheck {
    let s3 = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .build();
    let answer = aws_sdk_s3::Client::from_conf(s3)
        .list_objects_v2()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await;
    let error = match answer {
        Ok(_) => return BucketCheck::Readable,
        Err(error) => error,
    };
    match error.as_service_error() {
        Some(service) => match service.code() {
            Some("NoSuchBucket") => BucketCheck::NoSuchBucket,
            Some("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "InvalidToken") => {
                BucketCheck::WrongKeys(crate::code_and_message(service))
            }
            Some("ExpiredToken" | "TokenRefreshRequired") => {
                BucketCheck::Expired(crate::code_and_message(service))
            }
            Some("AccessDenied" | "AllAccessDisabled") => {
                BucketCheck::Denied(crate::code_and_message(service))
            }
            _ => BucketCheck::Other(crate::code_and_message(service)),
        },
        None => {
            let detail = crate::said(&error);
            if error.raw_response().is_none() {
                BucketCheck::Unreachable(detail)
            } else {
                BucketCheck::Other(detail)
            }
        }
    }
}
