//! `/orgs`: the caller's organization, and creating new (isolated) ones.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lanyard_api::{
    CreateOrganization, CreatedOrganization, ErrorBody, List, Organization, SetCheckInterval,
    SetJobTimeout, UploadLimits,
};
use lanyard_core::Lanyard;

use super::tokens::created_token;
use crate::auth::{slug, ApiJson, ApiPath, Caller};
use crate::error::ApiResult;

pub(crate) fn organization(record: lanyard_store::OrgRecord) -> Organization {
    Organization {
        name: record.slug.to_string(),
        created_at: lanyard_api::rfc3339(record.created_at.millis()),
        job_timeout_secs: record.job_timeout_secs.and_then(|s| u64::try_from(s).ok()),
        upload_limits: Some({
            let limits = lanyard_core::org_limits(&record);
            UploadLimits {
                max_bytes: Some(limits.max_bytes),
                max_files: Some(limits.max_files),
            }
        }),
    }
}

/// Sets or clears the organization's default job timeout.
#[utoipa::path(operation_id = "set_job_timeout", put, path = "/orgs/{org}/job-timeout", tag = "organizations",
    params(("org" = String, Path)), request_body = SetJobTimeout,
    responses((status = 200, body = Organization), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn set_job_timeout(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<SetJobTimeout>,
) -> ApiResult<Json<Organization>> {
    let org = slug("organization", &org)?;
    let timeout = body.seconds.map(std::time::Duration::from_secs);
    let record = app.set_job_timeout(&caller, &org, timeout).await?;
    Ok(Json(organization(record)))
}

/// Sets how often the organization's connections are checked again (`null`: daily).
#[utoipa::path(operation_id = "set_check_interval", put, path = "/orgs/{org}/check-interval",
    tag = "organizations", params(("org" = String, Path)), request_body = SetCheckInterval,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn set_check_interval(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<SetCheckInterval>,
) -> ApiResult<axum::http::StatusCode> {
    let org = slug("organization", &org)?;
    let interval = body.seconds.map(std::time::Duration::from_secs);
    app.set_check_interval(&caller, &org, interval).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The organizations this token can see (its own).
#[utoipa::path(operation_id = "list_organizations", get, path = "/orgs", tag = "organizations",
    responses((status = 200, body = List<Organization>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
) -> ApiResult<Json<List<Organization>>> {
    let orgs = app.list_organizations(&caller).await?;
    Ok(Json(List {
        items: orgs.into_iter().map(organization).collect(),
    }))
}

/// Creates an organization and returns its first admin token (shown once).
#[utoipa::path(operation_id = "create_organization", post, path = "/orgs", tag = "organizations", request_body = CreateOrganization,
    responses((status = 201, body = CreatedOrganization), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn create(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CreateOrganization>,
) -> ApiResult<(StatusCode, Json<CreatedOrganization>)> {
    let name = slug("organization", &body.name)?;
    let (org, token) = app.create_organization(&caller, name).await?;
    let created = CreatedOrganization {
        organization: organization(org),
        admin_token: created_token(token),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// One organization (only the caller's own; any other is "not found").
#[utoipa::path(operation_id = "get_organization", get, path = "/orgs/{org}", tag = "organizations", params(("org" = String, Path)),
    responses((status = 200, body = Organization), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<Organization>> {
    let org = slug("organization", &org)?;
    Ok(Json(organization(
        app.get_organization(&caller, &org).await?,
    )))
}

/// Deletes the caller's organization and everything in it.
#[utoipa::path(operation_id = "delete_organization", delete, path = "/orgs/{org}", tag = "organizations", params(("org" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    app.delete_organization(&caller, &org).await?;
    Ok(StatusCode::NO_CONTENT)
}
