//! "Where is this credential used": every release of a connection, by job and environment.

use lanyard_domain::{Principal, Slug};
use lanyard_store::ReleaseRecord;

use crate::{CoreResult, Lanyard};

/// A connection's releases, newest first.
pub struct UsageReport {
    pub connection: Slug,
    pub provider: String,
    pub releases: Vec<ReleaseRecord>,
}

impl Lanyard {
    /// Where a connection's credentials went: each release with its job, environment, runner
    /// and secret versions.
    pub async fn connection_usage(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
        limit: i64,
    ) -> CoreResult<UsageReport> {
        let org = self
            .readable_org(principal, org, None, "read connection usage")
            .await?;
        let connection = self.require_connection(&org, name).await?;
        let releases = self
            .store
            .list_releases(&org.id, &connection.id, limit.clamp(1, 10_000))
            .await?;
        Ok(UsageReport {
            connection: connection.name,
            provider: connection.provider,
            releases,
        })
    }
}
