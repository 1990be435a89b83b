//! `/orgs/{org}/deletion-impact`: what a deletion would take with it, asked before it happens.

use axum::extract::State;
use axum::Json;
use lanyard_api::{DeletionImpact, ErrorBody};
use lanyard_core::{CoreError, Doomed, Lanyard};
use serde::Deserialize;

use crate::auth::{slug, ApiPath, ApiQuery, Caller};
use crate::error::ApiResult;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DoomedQuery {
    /// An environment to delete.
    environment: Option<String>,
    /// A connection to delete.
    connection: Option<String>,
    /// A runner to delete.
    runner: Option<String>,
}

/// What deleting an environment, a connection or a runner (at most one named) would remove
/// besides it; with none named, what deleting the organization would (instance administrators).
#[utoipa::path(operation_id = "deletion_impact", get, path = "/orgs/{org}/deletion-impact", tag = "organizations",
    params(("org" = String, Path), DoomedQuery),
    responses((status = 200, body = DeletionImpact), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn impact(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(query): ApiQuery<DoomedQuery>,
) -> ApiResult<Json<DeletionImpact>> {
    let org = slug("organization", &org)?;
    let named = [
        ("environment", query.environment),
        ("connection", query.connection),
        ("runner", query.runner),
    ];
    let mut named = named
        .into_iter()
        .filter_map(|(what, name)| name.map(|n| (what, n)));
    let doomed = match (named.next(), named.next()) {
        (None, _) => None,
        (Some((what, name)), None) => {
            let name = slug(what, &name)?;
            Some(match what {
                "environment" => Doomed::Environment(name),
                "connection" => Doomed::Connection(name),
                _ => Doomed::Runner(name),
            })
        }
        (Some(_), Some(_)) => {
            return Err(CoreError::Invalid(
                "name one of environment, connection or runner (or none, for the organization)"
                    .to_owned(),
            )
            .into())
        }
    };
    let removes = match doomed {
        Some(doomed) => app.deletion_impact(&caller, &org, &doomed).await?,
        None => app.organization_deletion_impact(&caller, &org).await?,
    };
    Ok(Json(DeletionImpact { removes }))
}
