//! `GET /healthz`: liveness, without touching the database, so load balancers probe cheaply.

use axum::Json;
use lanyard_api::Health;

pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}
