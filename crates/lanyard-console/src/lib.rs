//! Lanyard's web console, served by `lanyard server` itself: server-rendered pages (askama
//! templates checked at compile time) over the same core use cases as the JSON API, with a little
//! plain JavaScript and CSS embedded in the binary.
//!
//! A person logs in with an API token; the session (kept in the database, so any replica serves
//! any request; the cookie holds only a random id) acts as that token's principal, so the console can do exactly what the token can.
//! Every form carries a CSRF token that `extract::Posted` checks before a handler runs, and
//! every page passes through the process's secret redactor on its way out.

mod error;
mod extract;
mod pages;
mod render;
mod session;
mod views;

use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use lanyard_core::Lanyard;

/// What every console handler sees: the core (sessions are kept in its database).
#[derive(Clone)]
pub(crate) struct Console {
    pub app: Lanyard,
}

/// The console's routes, to be merged into the server's router at the root.
pub fn router<S: Clone + Send + Sync + 'static>(app: Lanyard) -> Router<S> {
    let state = Console { app };
    Router::new()
        .route("/", get(|| async { Redirect::to("/connections") }))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/connections", get(pages::connections::mission_control))
        .route("/connections/matrix", get(pages::matrix::page))
        .route(
            "/connections/matrix/default",
            post(pages::matrix::set_default),
        )
        .route(
            "/connections/matrix/authorize",
            post(pages::matrix::authorize),
        )
        .route("/connections/matrix/remove", post(pages::matrix::remove))
        .route(
            "/connections/new/{provider}",
            get(pages::wizard::form).post(pages::wizard::submit),
        )
        .route("/connections/{name}", get(pages::details::page))
        .route("/connections/{name}/test", post(pages::details::test))
        .route("/connections/{name}/trust", get(pages::trust::page))
        .route(
            "/connections/{name}/trust.json",
            get(pages::trust::template),
        )
        .route(
            "/connections/{name}/role",
            get(pages::cross_account::page).post(pages::cross_account::complete),
        )
        .route(
            "/connections/{name}/template",
            get(pages::cross_account::template),
        )
        .route("/connections/{name}/delete", post(pages::details::delete))
        .route(
            "/connections/{name}/authorization",
            post(pages::access::authorize),
        )
        .route(
            "/connections/{name}/authorization/remove",
            post(pages::access::unauthorize),
        )
        .route(
            "/connections/{name}/default",
            post(pages::access::set_default),
        )
        .route(
            "/connections/{name}/default/unset",
            post(pages::access::unset_default),
        )
        .route(
            "/connections/{name}/fields/{field}",
            post(pages::details::replace_secret),
        )
        .route(
            "/environments",
            get(pages::org::environments).post(pages::org::create_environment),
        )
        .route(
            "/environments/{name}/delete",
            post(pages::org::delete_environment),
        )
        .route(
            "/secrets",
            get(pages::org::secrets).post(pages::org::set_secret),
        )
        .route("/secrets/{name}/delete", post(pages::org::delete_secret))
        .route(
            "/variables",
            get(pages::org::variables).post(pages::org::set_variable),
        )
        .route(
            "/variables/{name}/delete",
            post(pages::org::delete_variable),
        )
        .route("/runners", get(pages::jobs::runners))
        .route("/runners/{name}/default", post(pages::jobs::default_runner))
        .route("/jobs", get(pages::jobs::list))
        .route("/jobs/{id}", get(pages::jobs::job))
        .route("/jobs/{id}/output", get(pages::jobs::output))
        .route("/jobs/{id}/cancel", post(pages::jobs::cancel))
        .route("/audit", get(pages::jobs::audit))
        .route("/static/console.css", get(css))
        .route("/static/console.js", get(js))
        .layer(axum::middleware::map_response(render::security_headers))
        .with_state(state)
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/console.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/console.js"),
    )
        .into_response()
}
