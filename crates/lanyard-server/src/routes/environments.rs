//! `/orgs/{org}/environments`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lanyard_api::{CreateEnvironment, Environment, ErrorBody, List};
use lanyard_core::Lanyard;
use lanyard_store::EnvironmentRecord;

use crate::auth::{slug, ApiJson, ApiPath, Caller};
use crate::error::ApiResult;

fn environment(record: EnvironmentRecord) -> Environment {
    Environment {
        name: record.name.to_string(),
        created_at: lanyard_api::rfc3339(record.created_at.millis()),
    }
}

/// Every environment of the organization.
#[utoipa::path(operation_id = "list_environments", get, path = "/orgs/{org}/environments", tag = "environments",
    params(("org" = String, Path)),
    responses((status = 200, body = List<Environment>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<List<Environment>>> {
    let org = slug("organization", &org)?;
    let envs = app.list_environments(&caller, &org).await?;
    Ok(Json(List {
        items: envs.into_iter().map(environment).collect(),
    }))
}

/// Creates an environment.
#[utoipa::path(operation_id = "create_environment", post, path = "/orgs/{org}/environments", tag = "environments",
    params(("org" = String, Path)), request_body = CreateEnvironment,
    responses((status = 201, body = Environment), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn create(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<CreateEnvironment>,
) -> ApiResult<(StatusCode, Json<Environment>)> {
    let org = slug("organization", &org)?;
    let name = slug("environment", &body.name)?;
    let created = app.create_environment(&caller, &org, name).await?;
    Ok((StatusCode::CREATED, Json(environment(created))))
}

/// One environment.
#[utoipa::path(operation_id = "get_environment", get, path = "/orgs/{org}/environments/{env}", tag = "environments",
    params(("org" = String, Path), ("env" = String, Path)),
    responses((status = 200, body = Environment), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, env)): ApiPath<(String, String)>,
) -> ApiResult<Json<Environment>> {
    let org = slug("organization", &org)?;
    let env = slug("environment", &env)?;
    Ok(Json(environment(
        app.get_environment(&caller, &org, &env).await?,
    )))
}

/// Deletes an environment.
#[utoipa::path(operation_id = "delete_environment", delete, path = "/orgs/{org}/environments/{env}", tag = "environments",
    params(("org" = String, Path), ("env" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, env)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    let env = slug("environment", &env)?;
    app.delete_environment(&caller, &org, &env).await?;
    Ok(StatusCode::NO_CONTENT)
}
