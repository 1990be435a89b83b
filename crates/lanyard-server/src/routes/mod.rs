//! The router: every API route, each a thin handler over one core function.

mod access;
mod audit;
mod bundles;
mod connections;
mod deletion;
mod environments;
mod health;
mod jobs;
mod keys;
mod oidc;
mod organizations;
pub(crate) mod runner_api;
mod runners;
mod secrets;
mod tokens;
mod verification;

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
        .routes(routes!(organizations::set_job_timeout))
        .routes(routes!(deletion::impact))
        .routes(routes!(organizations::set_check_interval))
        .routes(routes!(bundles::set_limits))
        .routes(routes!(bundles::upload))
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
        .routes(routes!(verification::cross_account_setup))
        .routes(routes!(verification::test))
        .routes(routes!(oidc::trust))
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
        .routes(routes!(audit::verify, audit::verify_checkpoint))
        .routes(routes!(audit::checkpoint))
        .routes(routes!(audit::export))
        .routes(routes!(audit::prune))
        .routes(routes!(keys::status))
        .routes(routes!(keys::rotate))
        .routes(routes!(oidc::status))
        .routes(routes!(oidc::rotate))
        .routes(routes!(jobs::list, jobs::create))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::cancel))
        .routes(routes!(jobs::output))
        .routes(routes!(bundles::artifacts))
        .routes(routes!(jobs::usage))
        .routes(routes!(runners::list, runners::register))
        .routes(routes!(runners::delete))
        .routes(routes!(runners::set_default))
        .routes(routes!(runner_api::claim))
        .routes(routes!(runner_api::identity_checks))
        .routes(routes!(runner_api::credentials))
        .routes(routes!(runner_api::report))
        .routes(routes!(runner_api::finish))
        .routes(routes!(bundles::runner_upload))
        .routes(routes!(bundles::runner_artifacts))
}

pub(crate) use runner_api::now_millis;

/// The whole HTTP application: the JSON API under `/api/v1` and the web console at the root.
pub fn router(app: Lanyard) -> Router {
    let (api, doc) = api().split_for_parts();
    let api = api
        .route("/openapi.json", get(move || async move { Json(doc) }))
        // Public like the OpenAPI document: editors fetch it without a token.
        .route(
            "/manifests/schema.json",
            get(|| async { Json(lanyard_manifest::schema()) }),
        )
        .fallback(|| async { ApiError::not_found("no such API route; see /api/v1/openapi.json") });
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/.well-known/openid-configuration", get(oidc::discovery))
        .route("/.well-known/jwks.json", get(oidc::jwks))
        .nest(lanyard_api::API_PREFIX, api)
        .merge(lanyard_console::router(app.clone()))
        .layer(axum::middleware::map_response_with_state(
            app.clone(),
            redact_errors,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// Error responses pass through the process's redactor: a message built from input (a
/// validation error quoting a value, a tool's complaint) must not carry a secret this server
/// has handled.
async fn redact_errors(
    axum::extract::State(app): axum::extract::State<Lanyard>,
    response: axum::response::Response,
) -> axum::response::Response {
    if !response.status().is_client_error() && !response.status().is_server_error() {
        return response;
    }
    let redactor = app.secret_registry().redactor();
    if redactor.is_empty() {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, 1 << 20).await {
        Ok(bytes) => {
            let clean = redactor.redact(&bytes).into_owned();
            let mut parts = parts;
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            axum::response::Response::from_parts(parts, axum::body::Body::from(clean))
        }
        Err(_) => axum::response::Response::from_parts(parts, axum::body::Body::empty()),
    }
}
