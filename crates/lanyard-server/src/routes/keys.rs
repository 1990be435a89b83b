//! `/keys`: master-key status and online rotation.

use axum::extract::State;
use axum::Json;
use lanyard_api::{ErrorBody, KeyStatus, KeyUse, RotateKeys, RotationStep};
use lanyard_core::Lanyard;

use crate::auth::{ApiJson, Caller};
use crate::error::ApiResult;

/// Which keys wrap how many sealed versions (installation-wide; ids and counts only).
#[utoipa::path(operation_id = "key_status", get, path = "/keys", tag = "keys",
    responses((status = 200, body = KeyStatus), (status = 403, body = ErrorBody)))]
pub(crate) async fn status(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
) -> ApiResult<Json<KeyStatus>> {
    let status = app.key_status(&caller).await?;
    Ok(Json(KeyStatus {
        active_key_id: status.active_key_id,
        keys: status
            .keys
            .into_iter()
            .map(|k| KeyUse {
                key_id: k.key_id,
                versions: k.versions,
                state: k.state.to_owned(),
            })
            .collect(),
        check_value_is_active: status.check_value_is_active,
    }))
}

/// Re-wraps one batch of sealed versions under the active key; call until `done`.
#[utoipa::path(operation_id = "rotate_keys", post, path = "/keys/rotate", tag = "keys",
    request_body = RotateKeys,
    responses((status = 200, body = RotationStep), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 500, body = ErrorBody,
            description = "Versions are sealed under a master key this server does not have")))]
pub(crate) async fn rotate(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<RotateKeys>,
) -> ApiResult<Json<RotationStep>> {
    let step = app.rotate_keys(&caller, body.batch.unwrap_or(1000)).await?;
    Ok(Json(RotationStep {
        rewrapped: step.rewrapped,
        remaining: step.remaining,
        done: step.remaining == 0,
    }))
}
