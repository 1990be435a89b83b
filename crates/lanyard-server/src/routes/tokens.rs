//! `/orgs/{org}/tokens` and `/whoami`: API tokens, shown once and listed by metadata only.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lanyard_api::{
    CreateToken, CreatedToken, ErrorBody, List, RoleName, Token, WhoAmI, WireSecret,
};
use lanyard_core::{IssuedToken, Lanyard, TokenRequest};
use lanyard_domain::{Role, Slug};
use lanyard_store::TokenRecord;
use secrecy::SecretString;

use crate::auth::{slug, ApiJson, ApiPath, Caller};
use crate::error::ApiResult;

pub(crate) fn role_name(role: Role) -> RoleName {
    match role {
        Role::Admin => RoleName::Admin,
        Role::Deployer => RoleName::Deployer,
        Role::Viewer => RoleName::Viewer,
    }
}

fn role(name: RoleName) -> Role {
    match name {
        RoleName::Admin => Role::Admin,
        RoleName::Deployer => Role::Deployer,
        RoleName::Viewer => Role::Viewer,
    }
}

fn names(slugs: &[Slug]) -> Vec<String> {
    slugs.iter().map(ToString::to_string).collect()
}

fn token(record: TokenRecord) -> Token {
    Token {
        id: record.id,
        role: role_name(record.role),
        environments: names(&record.environments),
        description: record.description,
        created_at: lanyard_api::rfc3339(record.created_at.millis()),
    }
}

/// The one place a token leaves the server: the response that issues it.
pub(crate) fn created_token(issued: IssuedToken) -> CreatedToken {
    let secret = SecretString::from(issued.token.expose_secret().to_owned());
    CreatedToken {
        token: token(issued.record),
        secret: WireSecret::new(secret),
    }
}

/// The organization's live tokens (metadata only; tokens are stored hashed).
#[utoipa::path(operation_id = "list_tokens", get, path = "/orgs/{org}/tokens", tag = "tokens", params(("org" = String, Path)),
    responses((status = 200, body = List<Token>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<List<Token>>> {
    let org = slug("organization", &org)?;
    let tokens = app.list_tokens(&caller, &org).await?;
    Ok(Json(List {
        items: tokens.into_iter().map(token).collect(),
    }))
}

/// Issues a token; the response is the only time it is shown.
#[utoipa::path(operation_id = "create_token", post, path = "/orgs/{org}/tokens", tag = "tokens", params(("org" = String, Path)),
    request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn create(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let org = slug("organization", &org)?;
    let environments = body
        .environments
        .iter()
        .map(|e| slug("environment", e))
        .collect::<Result<_, _>>()?;
    let request = TokenRequest {
        role: role(body.role),
        environments,
        description: body.description,
    };
    let issued = app.create_token(&caller, &org, request).await?;
    Ok((StatusCode::CREATED, Json(created_token(issued))))
}

/// Revokes a token at once.
#[utoipa::path(operation_id = "revoke_token", delete, path = "/orgs/{org}/tokens/{id}", tag = "tokens",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn revoke(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    app.revoke_token(&caller, &org, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The calling token: its organization, role and limits.
#[utoipa::path(operation_id = "whoami", get, path = "/whoami", tag = "tokens",
    responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
pub(crate) async fn whoami(Caller(caller): Caller) -> Json<WhoAmI> {
    Json(WhoAmI {
        organization: caller.org.to_string(),
        token_id: caller.token_id,
        role: role_name(caller.role),
        environments: names(&caller.environments),
    })
}
