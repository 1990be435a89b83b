//! `/orgs/{org}/connections/{name}/cross-account-setup` and `.../test`: the AWS cross-account
//! setup (a pending connection and its CloudFormation template) and `connection test`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lanyard_api::{
    ConnectionTestResult, CrossAccountSetup, CrossAccountSetupRequest, ErrorBody, WireSecret,
};
use lanyard_core::Lanyard;
use lanyard_crypto::{ExposeSecret, SecretString};

use super::connections::connection;
use crate::auth::{slug, ApiJson, ApiPath, Caller};
use crate::error::ApiResult;

/// Starts the AWS cross-account trust setup: the connection is saved pending with a new
/// external id, and the response carries the role's CloudFormation template.
#[utoipa::path(operation_id = "cross_account_setup", post,
    path = "/orgs/{org}/connections/{name}/cross-account-setup", tag = "connections",
    params(("org" = String, Path), ("name" = String, Path)),
    request_body = CrossAccountSetupRequest,
    responses((status = 201, body = CrossAccountSetup), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn cross_account_setup(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CrossAccountSetupRequest>,
) -> ApiResult<(StatusCode, Json<CrossAccountSetup>)> {
    let org = slug("organization", &org)?;
    let name = slug("connection", &name)?;
    let started = app
        .begin_cross_account(
            &caller,
            &org,
            lanyard_core::CrossAccountSetup {
                name,
                account_id: body.account_id,
                region: body.region,
                runner: body.runner,
                capabilities: body.capabilities,
                trusted_principals: body.trusted_principals,
                template_url: body.template_url,
            },
        )
        .await?;
    let secret =
        |s: &SecretString| WireSecret::new(SecretString::from(s.expose_secret().to_owned()));
    Ok((
        StatusCode::CREATED,
        Json(CrossAccountSetup {
            external_id: secret(&started.external_id),
            template: secret(&started.template),
            console_link: secret(&started.console_link),
            trusted_principals: started.trusted_principals,
            role_name: started.role_name,
            connection: connection(started.connection),
        }),
    ))
}

/// Verifies a connection against its provider (AWS: STS GetCallerIdentity with what it would
/// inject) and stores the verdict and time.
#[utoipa::path(operation_id = "test_connection", post,
    path = "/orgs/{org}/connections/{name}/test", tag = "connections",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = ConnectionTestResult), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn test(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
) -> ApiResult<Json<ConnectionTestResult>> {
    let org = slug("organization", &org)?;
    let name = slug("connection", &name)?;
    let tested = app.test_connection(&caller, &org, &name).await?;
    Ok(Json(ConnectionTestResult {
        ok: tested.ok,
        verdict: tested.verdict,
        identity: tested.identity,
        message: tested.message,
        last_verified_at: tested
            .connection
            .last_verified_at
            .map(|t| lanyard_api::rfc3339(t.millis())),
    }))
}
