//! The router: every API route, each a thin handler over one core function.

mod access;
mod audit;
mod connections;
mod environments;
mod health;
mod keys;
mod organizations;
mod secrets;
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
        .routes(routes!(secrets::list))
        .routes(routes!(secrets::set, secrets::delete))
        .routes(routes!(secrets::versions))
        .routes(routes!(secrets::list_variables))
        .routes(routes!(secrets::set_variable, secrets::delete_variable))
        .routes(routes!(connections::list, connections::create))
        .routes(routes!(
            connections::get,
            connections::update,
            connections::delete
        ))
        .routes(routes!(connections::providers))
        .routes(routes!(connections::provider_by_id))
        .routes(routes!(
            access::list_authorizations,
            access::create_authorization
        ))
        .routes(routes!(
            access::get_authorization,
            access::update_authorization,
            access::delete_authorization
        ))
        .routes(routes!(access::list_defaults))
        .routes(routes!(access::set_default, access::unset_default))
        .routes(routes!(access::resolve))
        .routes(routes!(access::matrix))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .routes(routes!(keys::status))
        .routes(routes!(keys::rotate))
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
