//! `/orgs/{org}/secrets` and `/orgs/{org}/variables`: write-only secrets and plain variables.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lanyard_api::{ErrorBody, List, Secret, SecretVersion, SetSecret, SetVariable, Variable};
use lanyard_core::{Lanyard, SecretSummary};
use lanyard_crypto::SecretBytes;
use lanyard_store::{SecretRecord, VariableRecord};

use crate::auth::{slug, ApiJson, ApiPath, Caller};
use crate::error::ApiResult;

fn secret(record: SecretRecord, used_by: Vec<String>) -> Secret {
    Secret {
        name: record.name.to_string(),
        version: record.current_version,
        created_at: lanyard_api::rfc3339(record.created_at.millis()),
        updated_at: lanyard_api::rfc3339(record.updated_at.millis()),
        used_by,
    }
}

fn variable(record: VariableRecord) -> Variable {
    Variable {
        name: record.name.to_string(),
        value: record.value,
        updated_at: lanyard_api::rfc3339(record.updated_at.millis()),
    }
}

/// Every secret's metadata (never a value).
#[utoipa::path(operation_id = "list_secrets", get, path = "/orgs/{org}/secrets", tag = "secrets",
    params(("org" = String, Path)),
    responses((status = 200, body = List<Secret>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<List<Secret>>> {
    let org = slug("organization", &org)?;
    let items = app.list_secrets(&caller, &org).await?;
    let items = items
        .into_iter()
        .map(|SecretSummary { record, used_by }| {
            secret(record, used_by.iter().map(ToString::to_string).collect())
        })
        .collect();
    Ok(Json(List { items }))
}

/// Sets a secret: a new secret at version 1, or the next version of an existing one.
#[utoipa::path(operation_id = "set_secret", put, path = "/orgs/{org}/secrets/{name}", tag = "secrets",
    params(("org" = String, Path), ("name" = String, Path)), request_body = SetSecret,
    responses((status = 200, body = Secret), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn set(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<SetSecret>,
) -> ApiResult<Json<Secret>> {
    let org = slug("organization", &org)?;
    let name = slug("secret", &name)?;
    let value = SecretBytes::from_vec(body.value.expose_secret().as_bytes().to_vec());
    let record = app.set_secret(&caller, &org, name, &value).await?;
    Ok(Json(secret(record, Vec::new())))
}

/// Deletes a secret and its versions; refused while a connection references it.
#[utoipa::path(operation_id = "delete_secret", delete, path = "/orgs/{org}/secrets/{name}", tag = "secrets",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn delete(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    let name = slug("secret", &name)?;
    app.delete_secret(&caller, &org, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A secret's version history: when, by which token, under which key.
#[utoipa::path(operation_id = "list_secret_versions", get, path = "/orgs/{org}/secrets/{name}/versions",
    tag = "secrets", params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = List<SecretVersion>), (status = 404, body = ErrorBody)))]
pub(crate) async fn versions(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
) -> ApiResult<Json<List<SecretVersion>>> {
    let org = slug("organization", &org)?;
    let name = slug("secret", &name)?;
    let (_, versions) = app.secret_versions(&caller, &org, &name).await?;
    let labels = app.actor_labels(&caller, &org).await?;
    let items = versions
        .into_iter()
        .map(|v| SecretVersion {
            version: v.version,
            created_at: lanyard_api::rfc3339(v.created_at.millis()),
            created_by_label: labels.get(&v.created_by).cloned(),
            created_by: v.created_by,
            key_id: v.key_id,
        })
        .collect();
    Ok(Json(List { items }))
}

/// Every variable.
#[utoipa::path(operation_id = "list_variables", get, path = "/orgs/{org}/variables", tag = "variables",
    params(("org" = String, Path)),
    responses((status = 200, body = List<Variable>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_variables(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<List<Variable>>> {
    let org = slug("organization", &org)?;
    let items = app
        .list_variables(&caller, &org)
        .await?
        .into_iter()
        .map(variable)
        .collect();
    Ok(Json(List { items }))
}

/// Creates or overwrites a variable.
#[utoipa::path(operation_id = "set_variable", put, path = "/orgs/{org}/variables/{name}", tag = "variables",
    params(("org" = String, Path), ("name" = String, Path)), request_body = SetVariable,
    responses((status = 200, body = Variable), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn set_variable(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<SetVariable>,
) -> ApiResult<Json<Variable>> {
    let org = slug("organization", &org)?;
    let name = slug("variable", &name)?;
    Ok(Json(variable(
        app.set_variable(&caller, &org, name, body.value).await?,
    )))
}

/// Deletes a variable; refused while a connection references it.
#[utoipa::path(operation_id = "delete_variable", delete, path = "/orgs/{org}/variables/{name}", tag = "variables",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn delete_variable(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    let name = slug("variable", &name)?;
    app.delete_variable(&caller, &org, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
