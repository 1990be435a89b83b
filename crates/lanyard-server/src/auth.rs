//! Request extractors: the authenticated caller, and JSON/path extractors whose rejections are
//! ordinary [`ApiError`]s.

use axum::extract::{FromRequest, FromRequestParts, Path};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use lanyard_core::Lanyard;
use lanyard_domain::{Principal, Slug};

use crate::error::ApiError;

/// The authenticated caller, from `Authorization: Bearer <token>`.
pub(crate) struct Caller(pub Principal);

impl FromRequestParts<Lanyard> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Lanyard) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "missing API token: send `Authorization: Bearer <token>` (the CLI takes --token \
                 or LANYARD_TOKEN)",
            )
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "malformed Authorization header: expected `Bearer <token>`",
                )
            })?;
        let mut principal = app.authenticate(token).await?;
        principal.source = crate::origin::client_address(&parts.extensions);
        Ok(Caller(principal))
    }
}

/// A JSON body; a malformed one is a 400 with the parser's explanation.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(crate) struct ApiJson<T>(pub T);

/// Path parameters; a malformed one is a 400.
#[derive(FromRequestParts)]
#[from_request(via(Path), rejection(ApiError))]
pub(crate) struct ApiPath<T>(pub T);

/// A query string; a malformed one is a 400 in the API's JSON error shape, like every other.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct ApiQuery<T>(pub T);

/// Parses a name taken from the URL or a body.
pub(crate) fn slug(what: &str, raw: &str) -> Result<Slug, ApiError> {
    Slug::parse(raw).map_err(|e| ApiError::invalid(format!("invalid {what} name: {e}")))
}
