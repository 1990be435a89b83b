//! `/orgs/{org}/runners` and `/orgs/{org}/default-runner`: registering and managing runners.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use lanyard_api::{
    ErrorBody, IdentityCheck, List, RegisterRunner, Runner, RunnerCredentials, SetDefaultRunner,
    WireSecret,
};
use lanyard_core::Lanyard;
use lanyard_store::RunnerRecord;
use secrecy::SecretString;

use crate::auth::{slug, ApiJson, ApiPath, Caller};
use crate::error::ApiResult;

fn runner(app: &Lanyard, record: RunnerRecord) -> Runner {
    let timeout = i64::try_from(app.runner_timeout().as_millis()).unwrap_or(i64::MAX);
    let now = crate::routes::runner_api::now_millis();
    Runner {
        name: record.name.to_string(),
        is_default: record.is_default,
        created_at: lanyard_api::rfc3339(record.created_at.millis()),
        last_seen_at: record
            .last_seen_at
            .map(|t| lanyard_api::rfc3339(t.millis())),
        online: record
            .last_seen_at
            .is_some_and(|t| now - t.millis() <= timeout),
        isolation: record.isolation,
        identity_checks: record
            .identity_checks
            .into_iter()
            .map(|c| IdentityCheck {
                provider: c.provider,
                verdict: c.verdict,
                identity: c.identity,
                message: c.message,
                checked_at: Some(lanyard_api::rfc3339(c.checked_at)),
            })
            .collect(),
        builtin: false,
    }
}

/// The server's own runner, listed after the registered ones while it is on.
fn builtin_runner(app: &Lanyard) -> Option<Runner> {
    app.builtin_runner_enabled().then(|| Runner {
        name: "built-in".to_owned(),
        is_default: false,
        created_at: lanyard_api::rfc3339(0),
        last_seen_at: None,
        online: true,
        isolation: app.builtin_isolation().map(str::to_owned),
        // Never lends its identity: runner-mode connections cannot run on it.
        identity_checks: Vec::new(),
        builtin: true,
    })
}

/// The organization's runners.
#[utoipa::path(operation_id = "list_runners", get, path = "/orgs/{org}/runners", tag = "runners",
    params(("org" = String, Path)),
    responses((status = 200, body = List<Runner>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<List<Runner>>> {
    let org = slug("organization", &org)?;
    let runners = app.list_runners(&caller, &org).await?;
    Ok(Json(List {
        items: runners
            .into_iter()
            .map(|r| runner(&app, r))
            .chain(builtin_runner(&app))
            .collect(),
    }))
}

/// Registers a runner. The response is its credentials document, shown once.
#[utoipa::path(operation_id = "register_runner", post, path = "/orgs/{org}/runners", tag = "runners",
    params(("org" = String, Path)), request_body = RegisterRunner,
    responses((status = 201, body = RunnerCredentials), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn register(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RegisterRunner>,
) -> ApiResult<(StatusCode, Json<RunnerCredentials>)> {
    let org = slug("organization", &org)?;
    let name = slug("runner", &body.name)?;
    let registered = app.register_runner(&caller, &org, &name).await?;
    // The address the caller reached us at; the CLI replaces it with the URL it used.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    Ok((
        StatusCode::CREATED,
        Json(RunnerCredentials {
            server_url: format!("http://{host}"),
            org: org.to_string(),
            runner: registered.record.name.to_string(),
            token: WireSecret::new(SecretString::from(
                registered.token.expose_secret().to_owned(),
            )),
        }),
    ))
}

/// Deletes a runner; its token stops working.
#[utoipa::path(operation_id = "delete_runner", delete, path = "/orgs/{org}/runners/{name}", tag = "runners",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    let name = slug("runner", &name)?;
    app.delete_runner(&caller, &org, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the organization's default runner (`null`: the built-in runner).
#[utoipa::path(operation_id = "set_default_runner", put, path = "/orgs/{org}/default-runner", tag = "runners",
    params(("org" = String, Path)), request_body = SetDefaultRunner,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn set_default(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<SetDefaultRunner>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    let name = body
        .runner
        .as_deref()
        .map(|r| slug("runner", r))
        .transpose()?;
    app.set_default_runner(&caller, &org, name.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
