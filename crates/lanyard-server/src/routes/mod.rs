//! The router: every API route, each a thin handler over one core function.

mod environments;
mod health;
mod organizations;
mod tokens;

use axum::routing::get;
use axum::{Json, Router};
use lanyard_core::Lanyard;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::openapi::ApiDoc;

/// The API routes and, from the same declarations, their OpenAPI document.
pub(crate) fn api() -> OpenApiRouter<Lanyard> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(organizations::list, organizations::create))
        .routes(routes!(organizations::get, organizations::delete))
        .routes(routes!(environments::list, environments::create))
        .routes(routes!(environments::get, environments::delete))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(tokens::whoami))
}

/// The whole HTTP application.
pub fn router(app: Lanyard) -> Router {
    let (api, doc) = api().split_for_parts();
    let api = api
        .route("/openapi.json", get(move || async move { Json(doc) }))
        .fallback(|| async { ApiError::not_found("no such API route; see /api/v1/openapi.json") });
    Router::new()
        .route("/healthz", get(health::healthz))
        .nest(lanyard_api::API_PREFIX, api)
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}
