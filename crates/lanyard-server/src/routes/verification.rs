//! `/orgs/{org}/connections/{name}/cross-account-setup` and `.../test`: the AWS cross-account
//! setup (a pending connection and its CloudFormation template) and `connection test`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lanyard_api::{
    ConnectionTestResult, CrossAccountSetup, CrossAccountSetupRequest, ErrorBody, WireSecret,
};
use lanyard_aws::template::{self, RoleTemplate};
use lanyard_core::Lanyard;
use lanyard_crypto::{ExposeSecret, SecretString};

use super::connections::connection;
use crate::auth::{slug, ApiJson, ApiPath, Caller};
use crate::error::{ApiError, ApiResult};

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
    let capabilities = template::capabilities(&body.capabilities);
    let bad_principal = body
        .trusted_principals
        .iter()
        .find(|p| !p.starts_with("arn:aws") || p.split(':').count() < 6);
    let problem = match (&capabilities, bad_principal) {
        (Err(e), _) => Some(e.to_string()),
        (_, Some(bad)) => Some(format!(
            "trusted principal `{bad}` is not an IAM ARN; give a user or role ARN, e.g. \
             arn:aws:iam::123456789012:role/lanyard-runner"
        )),
        _ => None,
    };
    let started = app
        .begin_cross_account(
            &caller,
            &org,
            lanyard_core::CrossAccountSetup {
                name: name.clone(),
                account_id: body.account_id,
                region: body.region.clone(),
                runner: body.runner,
                problem,
            },
        )
        .await?;
    let capabilities = capabilities.unwrap_or_default();
    let mut principals = vec![started.principal.clone()];
    principals.extend(
        body.trusted_principals
            .into_iter()
            .filter(|p| *p != started.principal),
    );
    let external_id = started.external_id.expose_secret();
    let role = RoleTemplate {
        connection: name.as_str(),
        organization: org.as_str(),
        trusted_principals: &principals,
        external_id,
        capabilities: &capabilities,
    };
    let rendered = serde_json::to_string_pretty(&role.render())
        .map_err(|e| ApiError::from(lanyard_core::CoreError::Internal(Box::new(e))))?;
    let link = template::console_link(
        body.region.as_deref().unwrap_or("us-east-1"),
        &role.role_name(),
        body.template_url.as_deref(),
        external_id,
    );
    let secret = |s: String| WireSecret::new(SecretString::from(s));
    Ok((
        StatusCode::CREATED,
        Json(CrossAccountSetup {
            role_name: role.role_name(),
            trusted_principals: principals.clone(),
            external_id: secret(external_id.to_owned()),
            template: secret(rendered),
            console_link: secret(link),
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
        verified_at: tested
            .connection
            .verified_at
            .map(|t| lanyard_api::rfc3339(t.millis())),
    }))
}
