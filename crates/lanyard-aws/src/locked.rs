//! Writing a small document to S3 under object lock (compliance mode): where an audit
//! checkpoint is kept so that no one who can write Lanyard's database — or the bucket — can
//! remove or replace it before its retention ends.

use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::ObjectLockMode;

/// Where to write: `s3://bucket/key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    pub bucket: String,
    pub key: String,
}

impl S3Object {
    /// Parses `s3://bucket/prefix` and appends `name` to the prefix.
    pub fn under(url: &str, name: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{url} is not an s3://BUCKET/PREFIX location"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{url} names no bucket; write s3://BUCKET/PREFIX"));
        }
        let prefix = prefix.trim_matches('/');
        let key = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        Ok(Self {
            bucket: bucket.to_owned(),
            key,
        })
    }
}

/// What S3 said when the write failed, for people.
#[derive(Debug, thiserror::Error)]
pub enum LockedPutError {
    /// The bucket has no object lock configuration.
    #[error(
        "bucket {bucket} has no object lock, so the checkpoint could be deleted: use a bucket \
         created with object lock (aws s3api create-bucket --object-lock-enabled-for-bucket) \
         ({said})"
    )]
    NoLock { bucket: String, said: String },
    /// S3 refused or could not be reached.
    #[error("S3 PutObject to s3://{bucket}/{key} failed: {said}")]
    Failed {
        bucket: String,
        key: String,
        said: String,
    },
}

/// Writes `body` to `target` in compliance mode until `retain_until`; returns the object's
/// version id. Path-style addressing when an endpoint is set (S3-compatible stores).
pub async fn put_locked(
    config: &SdkConfig,
    target: &S3Object,
    body: Vec<u8>,
    retain_until: SystemTime,
    path_style: bool,
) -> Result<Option<String>, LockedPutError> {
    let s3 = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .build();
    let answer = aws_sdk_s3::Client::from_conf(s3)
        .put_object()
        .bucket(&target.bucket)
        .key(&target.key)
        .content_type("application/json")
        .object_lock_mode(ObjectLockMode::Compliance)
        // Whole seconds: S3 keeps no more, and some compatible stores cannot parse fractions.
        .object_lock_retain_until_date(whole_seconds(retain_until))
        .body(ByteStream::from(body))
        .send()
        .await;
    match answer {
        Ok(put) => Ok(put.version_id().map(str::to_owned)),
        Err(error) => {
            let said = match error.as_service_error() {
                Some(service) => crate::code_and_message(service),
                None => crate::said(&error),
            };
            // S3 says "Bucket is missing Object Lock Configuration"; emulators spell it
            // ObjectLockConfiguration.
            let no_lock = error.as_service_error().is_some_and(|s| {
                s.message().is_some_and(|m| {
                    m.to_ascii_lowercase()
                        .replace(' ', "")
                        .contains("objectlock")
                })
            });
            Err(if no_lock {
                LockedPutError::NoLock {
                    bucket: target.bucket.clone(),
                    said,
                }
            } else {
                LockedPutError::Failed {
                    bucket: target.bucket.clone(),
                    key: target.key.clone(),
                    said,
                }
            })
        }
    }
}

fn whole_seconds(at: SystemTime) -> DateTime {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    DateTime::from_secs(i64::try_from(secs).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_with_or_without_a_prefix() {
        let cases = [
            ("s3://audit", "cp.json", Ok(("audit", "cp.json"))),
            ("s3://audit/", "cp.json", Ok(("audit", "cp.json"))),
            (
                "s3://audit/lanyard/acme",
                "cp.json",
                Ok(("audit", "lanyard/acme/cp.json")),
            ),
            ("s3://audit/x/", "cp.json", Ok(("audit", "x/cp.json"))),
            ("s3:///x", "cp.json", Err("names no bucket")),
            (
                "https://audit.s3.amazonaws.com/x",
                "cp.json",
                Err("not an s3://"),
            ),
        ];
        for (url, name, expected) in cases {
            match (S3Object::under(url, name), expected) {
                (Ok(o), Ok((bucket, key))) => {
                    assert_eq!((o.bucket.as_str(), o.key.as_str()), (bucket, key), "{url}")
                }
                (Err(e), Err(says)) => assert!(e.contains(says), "{url}: {e}"),
                (got, _) => panic!("{url}: {got:?}"),
            }
        }
    }
}
