//! `/orgs/{org}/authorizations`, `/defaults`, `/resolve` and `/matrix`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lanyard_api::{
    Authorization, AuthorizationRequest, CheckedLayer, DefaultConnection, ErrorBody, List,
    MatrixRow, ProviderMatrix, SetDefault,
};
use lanyard_core::{Lanyard, Scope};
use lanyard_store::{AuthorizationRecord, DefaultRecord};
use serde::Deserialize;

use crate::auth::{slug, ApiJson, ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult};

fn authorization(record: AuthorizationRecord) -> Authorization {
    let (scope, environments) = match record.environments {
        None => ("organization", Vec::new()),
        Some(envs) => (
            "environment",
            envs.iter().map(ToString::to_string).collect(),
        ),
    };
    Authorization {
        provider: record.provider,
        connection: record.connection.to_string(),
        scope: scope.to_owned(),
        environments,
    }
}

fn scope(request: &AuthorizationRequest) -> ApiResult<Scope> {
    match request.scope.as_str() {
        "organization" if request.environments.is_empty() => Ok(Scope::Organization),
        "organization" => Err(ApiError::invalid(
            "scope organization covers every environment; drop --environments, or use --scope environment",
        )),
        "environment" => Ok(Scope::Environments(
            request.environments.iter().map(|e| slug("environment", e)).collect::<Result<_, _>>()?,
        )),
        other => Err(ApiError::invalid(format!(
            "unknown scope `{other}`; use organization or environment"
        ))),
    }
}

fn default_view(record: DefaultRecord) -> DefaultConnection {
    DefaultConnection {
        provider: record.provider,
        environment: record.environment.map(|e| e.to_string()),
        connection: record.connection.to_string(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProviderFilter {
    /// Only this provider.
    provider: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProviderQuery {
    /// The connection's provider.
    provider: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EnvQuery {
    /// The environment; absent for the organization default.
    env: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ResolveQuery {
    provider: String,
    env: String,
    /// An explicit connection, which wins over the defaults.
    connection: Option<String>,
}

/// The organization's authorizations.
#[utoipa::path(operation_id = "list_authorizations", get, path = "/orgs/{org}/authorizations",
    tag = "access", params(("org" = String, Path), ProviderFilter),
    responses((status = 200, body = List<Authorization>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_authorizations(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(filter): ApiQuery<ProviderFilter>,
) -> ApiResult<Json<List<Authorization>>> {
    let org = slug("organization", &org)?;
    let items = app
        .list_authorizations(&caller, &org, filter.provider.as_deref())
        .await?;
    Ok(Json(List {
        items: items.into_iter().map(authorization).collect(),
    }))
}

/// Authorizes a connection, organization-wide or for listed environments.
#[utoipa::path(operation_id = "create_authorization", post, path = "/orgs/{org}/authorizations",
    tag = "access", params(("org" = String, Path)), request_body = AuthorizationRequest,
    responses((status = 201, body = Authorization), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn create_authorization(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<AuthorizationRequest>,
) -> ApiResult<(StatusCode, Json<Authorization>)> {
    let org = slug("organization", &org)?;
    let connection = slug("connection", &body.connection)?;
    let scope = scope(&body)?;
    let record = app
        .create_authorization(&caller, &org, &body.provider, &connection, scope)
        .await?;
    Ok((StatusCode::CREATED, Json(authorization(record))))
}

/// A connection's authorization.
#[utoipa::path(operation_id = "get_authorization", get, path = "/orgs/{org}/authorizations/{connection}",
    tag = "access", params(("org" = String, Path), ("connection" = String, Path), ProviderQuery),
    responses((status = 200, body = Authorization), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_authorization(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, connection)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ProviderQuery>,
) -> ApiResult<Json<Authorization>> {
    let org = slug("organization", &org)?;
    let connection = slug("connection", &connection)?;
    Ok(Json(authorization(
        app.get_authorization(&caller, &org, &query.provider, &connection)
            .await?,
    )))
}

/// Replaces a connection's authorization.
#[utoipa::path(operation_id = "update_authorization", put, path = "/orgs/{org}/authorizations/{connection}",
    tag = "access", params(("org" = String, Path), ("connection" = String, Path)),
    request_body = AuthorizationRequest,
    responses((status = 200, body = Authorization), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn update_authorization(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, connection)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AuthorizationRequest>,
) -> ApiResult<Json<Authorization>> {
    let org = slug("organization", &org)?;
    let connection = slug("connection", &connection)?;
    let scope = scope(&body)?;
    let record = app
        .update_authorization(&caller, &org, &body.provider, &connection, scope)
        .await?;
    Ok(Json(authorization(record)))
}

/// Removes a connection's authorization.
#[utoipa::path(operation_id = "delete_authorization", delete, path = "/orgs/{org}/authorizations/{connection}",
    tag = "access", params(("org" = String, Path), ("connection" = String, Path), ProviderQuery),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_authorization(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, connection)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ProviderQuery>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    let connection = slug("connection", &connection)?;
    app.delete_authorization(&caller, &org, &query.provider, &connection)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's defaults.
#[utoipa::path(operation_id = "list_defaults", get, path = "/orgs/{org}/defaults", tag = "access",
    params(("org" = String, Path), ProviderFilter),
    responses((status = 200, body = List<DefaultConnection>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_defaults(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(filter): ApiQuery<ProviderFilter>,
) -> ApiResult<Json<List<DefaultConnection>>> {
    let org = slug("organization", &org)?;
    let items = app
        .list_defaults(&caller, &org, filter.provider.as_deref())
        .await?;
    Ok(Json(List {
        items: items.into_iter().map(default_view).collect(),
    }))
}

/// Sets a provider's default connection (saved even if not authorized there, with a warning).
#[utoipa::path(operation_id = "set_default", put, path = "/orgs/{org}/defaults/{provider}", tag = "access",
    params(("org" = String, Path), ("provider" = String, Path)), request_body = SetDefault,
    responses((status = 200, body = lanyard_api::SavedDefault), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn set_default(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, provider)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<SetDefault>,
) -> ApiResult<Json<lanyard_api::SavedDefault>> {
    let org = slug("organization", &org)?;
    let connection = slug("connection", &body.connection)?;
    let env = body
        .environment
        .as_deref()
        .map(|e| slug("environment", e))
        .transpose()?;
    let saved = app
        .set_default(&caller, &org, &provider, &connection, env.as_ref())
        .await?;
    Ok(Json(lanyard_api::SavedDefault {
        default: default_view(saved.record),
        warning: saved.warning,
    }))
}

/// Removes a provider's default.
#[utoipa::path(operation_id = "unset_default", delete, path = "/orgs/{org}/defaults/{provider}", tag = "access",
    params(("org" = String, Path), ("provider" = String, Path), EnvQuery),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn unset_default(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, provider)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<EnvQuery>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    let env = query
        .env
        .as_deref()
        .map(|e| slug("environment", e))
        .transpose()?;
    app.unset_default(&caller, &org, &provider, env.as_ref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Resolves the connection a deployment of `provider` in `env` would get. Always 200 with the
/// layers checked; `error` says why it cannot be used, with the command that fixes it.
#[utoipa::path(operation_id = "resolve", get, path = "/orgs/{org}/resolve", tag = "access",
    params(("org" = String, Path), ResolveQuery),
    responses((status = 200, body = lanyard_api::Resolution), (status = 404, body = ErrorBody)))]
pub(crate) async fn resolve(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(query): ApiQuery<ResolveQuery>,
) -> ApiResult<Json<lanyard_api::Resolution>> {
    let org = slug("organization", &org)?;
    let env = slug("environment", &query.env)?;
    let explicit = query
        .connection
        .as_deref()
        .map(|c| slug("connection", c))
        .transpose()?;
    let r = app
        .resolve(&caller, &org, &query.provider, &env, explicit.as_ref())
        .await?;
    Ok(Json(lanyard_api::Resolution {
        provider: r.provider,
        environment: r.environment.to_string(),
        connection: r.connection.map(|c| c.to_string()),
        source: r.source.map(|s| s.as_str().to_owned()),
        authorized: r.authorized,
        checked: r
            .checked
            .into_iter()
            .map(|c| CheckedLayer {
                layer: c.layer.as_str().to_owned(),
                connection: c.found.map(|f| f.to_string()),
            })
            .collect(),
        error: r.problem,
    }))
}

/// Connections × environments, with each cell's state.
#[utoipa::path(operation_id = "provider_matrix", get, path = "/orgs/{org}/matrix", tag = "access",
    params(("org" = String, Path), ProviderFilter),
    responses((status = 200, body = ProviderMatrix), (status = 404, body = ErrorBody)))]
pub(crate) async fn matrix(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(filter): ApiQuery<ProviderFilter>,
) -> ApiResult<Json<ProviderMatrix>> {
    let org = slug("organization", &org)?;
    let m = app
        .matrix(&caller, &org, filter.provider.as_deref())
        .await?;
    Ok(Json(ProviderMatrix {
        environments: m.environments.iter().map(ToString::to_string).collect(),
        rows: m
            .rows
            .into_iter()
            .map(|line| MatrixRow {
                connection: line.connection.to_string(),
                provider: line.provider,
                credentials: line.credentials.to_owned(),
                cells: line.cells.iter().map(|c| c.as_str().to_owned()).collect(),
            })
            .collect(),
    }))
}
