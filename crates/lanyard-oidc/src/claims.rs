//! The claims of a job's identity token, and the `sub` format trust policies match on.

use serde::{Deserialize, Serialize};

use crate::OidcError;

/// No token lives longer than an hour, whatever the job's timeout.
pub const MAX_TOKEN_LIFETIME_SECS: i64 = 3600;

/// The subject of a job's token: `org:ORG:env:ENV:connection:CONNECTION`.
///
/// Stable and documented: trust policies match it exactly or with wildcards (AWS `StringLike`
/// `org:acme:env:*:connection:aws-prod`, a GCP attribute condition, an Entra federated
/// credential per environment). Names are slugs, which cannot contain `:`, so every part is
/// unambiguous.
pub fn subject(org: &str, environment: &str, connection: &str) -> String {
    format!("org:{org}:env:{environment}:connection:{connection}")
}

/// What a job's token says: who issued it, for whom, and which organization, environment,
/// connection, runner and job it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    /// Seconds since the epoch.
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// The job id: one token per job and connection, and a cloud can log it.
    pub jti: String,
    pub org: String,
    pub environment: String,
    pub connection: String,
    /// The runner that runs the job (`built-in` for the server's own).
    pub runner: String,
    pub job_id: String,
}

/// The facts a token is made from.
#[derive(Debug, Clone)]
pub struct JobIdentity<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub org: &'a str,
    pub environment: &'a str,
    pub connection: &'a str,
    pub runner: &'a str,
    pub job_id: &'a str,
    /// Seconds since the epoch.
    pub now: i64,
    /// The job's deadline (seconds since the epoch): the token never outlives it.
    pub deadline: Option<i64>,
    /// The configured lifetime, capped at [`MAX_TOKEN_LIFETIME_SECS`].
    pub lifetime_secs: i64,
}

impl JobIdentity<'_> {
    /// The claims, with `exp` the earliest of the job's deadline and the lifetime.
    pub fn claims(&self) -> Result<IdentityClaims, OidcError> {
        let lifetime = self.lifetime_secs.clamp(1, MAX_TOKEN_LIFETIME_SECS);
        let mut exp = self.now + lifetime;
        if let Some(deadline) = self.deadline {
            exp = exp.min(deadline);
        }
        if exp <= self.now {
            return Err(OidcError::Expired);
        }
        Ok(IdentityClaims {
            iss: self.issuer.to_owned(),
            aud: self.audience.to_owned(),
            sub: subject(self.org, self.environment, self.connection),
            iat: self.now,
            nbf: self.now,
            exp,
            jti: self.job_id.to_owned(),
            org: self.org.to_owned(),
            environment: self.environment.to_owned(),
            connection: self.connection.to_owned(),
            runner: self.runner.to_owned(),
            job_id: self.job_id.to_owned(),
        })
    }
}
