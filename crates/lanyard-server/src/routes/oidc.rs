//! The OIDC issuer: discovery and JWKS at the root (public: clouds fetch them without a token),
//! and the signing keys' status and rotation under `/api/v1/keys/signing` (admins).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use lanyard_api::{
    rfc3339, ErrorBody, Jwk, Jwks, OidcDiscovery, OidcTrust, SigningKeyView, SigningKeys,
};
use lanyard_core::{Lanyard, SigningKeyStatus};

use crate::auth::{slug, ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult};

/// Clouds cache these; a rotated key is published long before it signs, so minutes are safe.
const CACHE: &str = "public, max-age=300";

fn issuer(app: &Lanyard) -> ApiResult<String> {
    app.issuer_url().map(str::to_owned).ok_or_else(|| {
        ApiError::not_found(
            "this server issues no identity tokens: set its public_url (LANYARD_PUBLIC_URL) to \
             the https address clouds reach it at",
        )
    })
}

/// `/.well-known/openid-configuration`.
pub(crate) async fn discovery(State(app): State<Lanyard>) -> ApiResult<impl IntoResponse> {
    let issuer = issuer(&app)?;
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
    let document = OidcDiscovery {
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        issuer,
        response_types_supported: strings(&["id_token"]),
        subject_types_supported: strings(&["public"]),
        id_token_signing_alg_values_supported: strings(&[lanyard_oidc::ALGORITHM]),
        scopes_supported: strings(&["openid"]),
        claims_supported: strings(&[
            "iss",
            "aud",
            "sub",
            "iat",
            "nbf",
            "exp",
            "jti",
            "org",
            "environment",
            "connection",
            "runner",
            "job_id",
        ]),
    };
    Ok(([(header::CACHE_CONTROL, CACHE)], Json(document)))
}

/// `/.well-known/jwks.json`: the key that signs and the retired ones still in their grace period.
pub(crate) async fn jwks(State(app): State<Lanyard>) -> ApiResult<impl IntoResponse> {
    issuer(&app)?;
    let keys = app
        .public_signing_keys()
        .await?
        .into_iter()
        .map(|k| Jwk {
            kty: "RSA".to_owned(),
            use_: "sig".to_owned(),
            alg: lanyard_oidc::ALGORITHM.to_owned(),
            kid: k.kid,
            n: k.n,
            e: k.e,
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, CACHE)], Json(Jwks { keys })))
}

fn view(app: &Lanyard, keys: Vec<SigningKeyStatus>) -> SigningKeys {
    SigningKeys {
        issuer: app.issuer_url().map(str::to_owned),
        keys: keys
            .into_iter()
            .map(|k| SigningKeyView {
                kid: k.kid,
                created_at: rfc3339(k.created_at),
                retired_at: k.retired_at.map(rfc3339),
                state: k.state.to_owned(),
            })
            .collect(),
    }
}

/// The OIDC signing keys (installation-wide; public facts only).
#[utoipa::path(operation_id = "signing_keys", get, path = "/keys/signing", tag = "keys",
    responses((status = 200, body = SigningKeys), (status = 403, body = ErrorBody)))]
pub(crate) async fn status(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
) -> ApiResult<Json<SigningKeys>> {
    let keys = app.signing_key_status(&caller).await?;
    Ok(Json(view(&app, keys)))
}

/// Replaces the signing key now; the old one stays published until its tokens expire.
#[utoipa::path(operation_id = "rotate_signing_key", post, path = "/keys/signing/rotate",
    tag = "keys",
    responses((status = 200, body = SigningKeys), (status = 403, body = ErrorBody)))]
pub(crate) async fn rotate(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
) -> ApiResult<Json<SigningKeys>> {
    let org = caller.org.clone();
    let keys = app.rotate_signing_key(&caller, &org).await?;
    Ok(Json(view(&app, keys)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TrustQuery {
    /// AWS: what the role may do, comma-separated (eks, ecs, vpc-networking, ...); empty: all.
    #[serde(default)]
    capabilities: Option<String>,
}

/// How to make a cloud trust an oidc connection's job tokens: issuer, audience, subjects, and an
/// AWS CloudFormation template or the gcloud / az commands.
#[utoipa::path(operation_id = "oidc_trust", get,
    path = "/orgs/{org}/connections/{name}/oidc-trust", tag = "connections",
    params(("org" = String, Path), ("name" = String, Path), TrustQuery),
    responses((status = 200, body = OidcTrust), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn trust(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<TrustQuery>,
) -> ApiResult<Json<OidcTrust>> {
    let capabilities: Vec<String> = query
        .capabilities
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let setup = app
        .oidc_trust_setup(
            &caller,
            &slug("organization", &org)?,
            &slug("connection", &name)?,
            &capabilities,
        )
        .await?;
    Ok(Json(OidcTrust {
        issuer: setup.issuer,
        audience: setup.audience,
        subjects: setup.subjects,
        template: setup.template,
        commands: setup.commands,
    }))
}
