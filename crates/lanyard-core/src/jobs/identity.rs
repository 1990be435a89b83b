//! A job's identity token for each of its `oidc` connections: minted when the credentials are
//! released to the job's runner, recorded (claims, never the token) with the release.

use lanyard_crypto::SecretString;
use lanyard_store::{ConnectionRecord, JobRecord};

use super::Claimant;
use crate::issuer::TokenHolder;
use crate::{now, CoreError, CoreResult, Lanyard};

/// A minted token and what the audit trail says of it.
pub(super) struct IssuedIdentity {
    pub(super) token: SecretString,
    pub(super) audit: serde_json::Value,
}

impl Lanyard {
    /// Signs the token `connection` gives this job: `sub` names the organization, environment
    /// and connection; `aud` is the connection's, else its cloud's default; it expires with
    /// the job's deadline, and within the configured lifetime (an hour at most).
    pub(super) async fn job_identity(
        &self,
        job: &JobRecord,
        timeout_secs: Option<u64>,
        connection: &ConnectionRecord,
        claimant: &Claimant,
    ) -> CoreResult<IssuedIdentity> {
        let runner = claimant
            .name()
            .map_or_else(|| "built-in".to_owned(), |r| r.to_string());
        let deadline = match (job.started_at, timeout_secs) {
            (Some(started), Some(timeout)) => {
                Some(started.millis() / 1000 + i64::try_from(timeout).unwrap_or(i64::MAX / 2))
            }
            _ => None,
        };
        let minted = self
            .mint_token(TokenHolder {
                org: job.org.as_str(),
                environment: job.environment.as_str(),
                connection,
                runner: &runner,
                job_id: &job.id,
                now: now().millis() / 1000,
                deadline,
            })
            .await?;
        Ok(IssuedIdentity {
            token: minted.token,
            audit: serde_json::json!({
                "kid": minted.kid,
                "iss": minted.claims.iss,
                "sub": minted.claims.sub,
                "aud": minted.claims.aud,
                "exp": minted.claims.exp,
            }),
        })
    }
}

impl Lanyard {
    /// A token for `connection test`: the subject of the first environment the connection is
    /// authorized in (the role trusts only those), a five-minute life, `jti` naming the test.
    pub(crate) async fn test_identity(
        &self,
        org: &lanyard_store::OrgRecord,
        connection: &ConnectionRecord,
    ) -> CoreResult<SecretString> {
        let authorization = self.store.find_authorization(&connection.id).await?;
        let environment = match authorization.map(|a| a.environments) {
            Some(Some(listed)) => listed.into_iter().next(),
            Some(None) => self
                .store
                .list_environments(&org.id)
                .await?
                .into_iter()
                .map(|e| e.name)
                .next(),
            None => None,
        }
        .ok_or_else(|| {
            CoreError::Conflict(format!(
                "connection `{}` is authorized in no environment, so no job token would name \
                 one; authorize it first (lanyard connection auth create)",
                connection.name
            ))
        })?;
        let now_secs = now().millis() / 1000;
        let test_id = format!("connection-test-{}", crate::new_id());
        let minted = self
            .mint_token(TokenHolder {
                org: org.slug.as_str(),
                environment: environment.as_str(),
                connection,
                runner: "server",
                job_id: &test_id,
                now: now_secs,
                deadline: Some(now_secs + 300),
            })
            .await?;
        Ok(minted.token)
    }
}
