//! Row mapping: turning result rows into records, and the few value conversions both backends share.

use lanyard_domain::{Role, Slug, Timestamp};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{EnvironmentRecord, OrgRecord, StoreError, StoreResult, TokenRecord};

pub(crate) fn now_millis() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// A value in the database that our own code would never have written.
fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("corrupt {what} in the database: {detail}").into())
}

pub(crate) fn slug(row: &AnyRow, column: &str) -> StoreResult<Slug> {
    let raw: String = row.try_get(column)?;
    Slug::parse(&raw).map_err(|e| corrupt(column, e))
}

pub(crate) fn org(row: &AnyRow) -> StoreResult<OrgRecord> {
    Ok(OrgRecord {
        id: row.try_get("id")?,
        slug: slug(row, "slug")?,
        created_at: Timestamp(row.try_get("created_at")?),
        job_timeout_secs: row.try_get("job_timeout_secs")?,
        upload_max_bytes: row.try_get("upload_max_bytes")?,
        upload_max_files: row.try_get("upload_max_files")?,
    })
}

pub(crate) fn environment(row: &AnyRow) -> StoreResult<EnvironmentRecord> {
    Ok(EnvironmentRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        name: slug(row, "slug")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

/// Token rows are selected joined with their organization's slug as `org_slug`.
pub(crate) fn token(row: &AnyRow) -> StoreResult<TokenRecord> {
    let role: String = row.try_get("role")?;
    let envs: String = row.try_get("environments")?;
    Ok(TokenRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org: slug(row, "org_slug")?,
        hash_hex: row.try_get("token_hash")?,
        role: Role::parse(&role).map_err(|e| corrupt("token role", e))?,
        environments: decode_slugs(&envs)?,
        description: row.try_get("description")?,
        created_at: Timestamp(row.try_get("created_at")?),
        instance_admin: row.try_get::<i64, _>("instance_admin")? != 0,
    })
}

/// Lists of names are stored as a JSON array in a `TEXT` column, the same on both backends.
pub(crate) fn encode_slugs(slugs: &[Slug]) -> String {
    let names: Vec<&str> = slugs.iter().map(Slug::as_str).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned())
}

fn decode_slugs(raw: &str) -> StoreResult<Vec<Slug>> {
    let names: Vec<String> = serde_json::from_str(raw).map_err(|e| corrupt("name list", e))?;
    names
        .iter()
        .map(|n| Slug::parse(n).map_err(|e| corrupt("name list", e)))
        .collect()
}
