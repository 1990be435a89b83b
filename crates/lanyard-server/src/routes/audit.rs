//! `/orgs/{org}/audit`: the hash-chained audit trail, and its verification.

use axum::extract::State;
use axum::Json;
use lanyard_api::{
    AuditCheckpoint, AuditEvent, AuditPruned, AuditVerification, ErrorBody, List, PruneAudit,
};
use lanyard_core::Lanyard;
use lanyard_store::ChainVerdict;
use serde::Deserialize;

use crate::auth::{slug, ApiJson, ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// Only events at or after this time (RFC 3339).
    since: Option<String>,
    /// Only events about this connection.
    connection: Option<String>,
    /// At most this many events (default 100, newest first).
    limit: Option<i64>,
}

/// Audit events, newest first.
#[utoipa::path(operation_id = "list_audit", get, path = "/orgs/{org}/audit", tag = "audit",
    params(("org" = String, Path), AuditQuery),
    responses((status = 200, body = List<AuditEvent>), (status = 400, body = ErrorBody)))]
pub(crate) async fn list(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<List<AuditEvent>>> {
    let org = slug("organization", &org)?;
    let since = match &query.since {
        None => 0,
        Some(text) => {
            let at =
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| {
                    ApiError::invalid(format!(
                        "invalid `since` time `{text}`: use RFC 3339, e.g. 2026-01-31T12:00:00Z"
                    ))
                })?;
            i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
        }
    };
    let connection = query
        .connection
        .as_deref()
        .map(|c| slug("connection", c))
        .transpose()?;
    let events = app
        .audit_events(
            &caller,
            &org,
            since,
            connection.as_ref(),
            query.limit.unwrap_or(100),
        )
        .await?;
    let labels = app.actor_labels(&caller, &org).await?;
    let items = events.into_iter().map(|e| view(e, &labels)).collect();
    Ok(Json(List { items }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// Only events after this sequence number (default 0: from the start).
    after: Option<i64>,
    /// At most this many events (default 1000, at most 10000), oldest first.
    limit: Option<i64>,
}

/// A page of the trail for export, oldest first, each event with its chain hash. Admins only.
#[utoipa::path(operation_id = "export_audit", get, path = "/orgs/{org}/audit/export", tag = "audit",
    params(("org" = String, Path), ExportQuery),
    responses((status = 200, body = List<AuditEvent>), (status = 403, body = ErrorBody)))]
pub(crate) async fn export(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Json<List<AuditEvent>>> {
    let org = slug("organization", &org)?;
    let events = app
        .export_audit(
            &caller,
            &org,
            query.after.unwrap_or(0),
            query.limit.unwrap_or(1000),
        )
        .await?;
    let labels = app.actor_labels(&caller, &org).await?;
    Ok(Json(List {
        items: events.into_iter().map(|e| view(e, &labels)).collect(),
    }))
}

fn view(
    e: lanyard_store::AuditEvent,
    labels: &std::collections::BTreeMap<String, String>,
) -> AuditEvent {
    AuditEvent {
        seq: e.seq,
        at: lanyard_api::rfc3339(e.entry.at),
        actor_label: labels.get(&e.entry.actor).cloned(),
        actor: e.entry.actor,
        source: e.entry.source,
        action: e.entry.action,
        target: e.entry.target,
        details: serde_json::from_str(&e.entry.details).unwrap_or(serde_json::Value::Null),
        hash: e.hash,
    }
}

/// Recomputes the hash chain: detects an edited, reordered or deleted event.
#[utoipa::path(operation_id = "verify_audit", get, path = "/orgs/{org}/audit/verify", tag = "audit",
    params(("org" = String, Path)),
    responses((status = 200, body = AuditVerification), (status = 404, body = ErrorBody)))]
pub(crate) async fn verify(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<AuditVerification>> {
    let org = slug("organization", &org)?;
    let verdict = app.verify_audit(&caller, &org).await?;
    Ok(Json(verification(verdict)))
}

fn verification(verdict: ChainVerdict) -> AuditVerification {
    match verdict {
        ChainVerdict::Intact { events } => AuditVerification {
            intact: true,
            events,
            broken_at: None,
            reason: None,
        },
        ChainVerdict::Broken { at_seq, reason } => AuditVerification {
            intact: false,
            events: 0,
            broken_at: Some(at_seq),
            reason: Some(reason),
        },
    }
}

/// The chain's head now, with a MAC under the chain's key, to keep outside the database.
#[utoipa::path(operation_id = "audit_checkpoint", get, path = "/orgs/{org}/audit/checkpoint", tag = "audit",
    params(("org" = String, Path)),
    responses((status = 200, body = AuditCheckpoint), (status = 403, body = ErrorBody)))]
pub(crate) async fn checkpoint(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<AuditCheckpoint>> {
    let org = slug("organization", &org)?;
    let taken = app.audit_checkpoint(&caller, &org).await?;
    Ok(Json(AuditCheckpoint {
        org: org.to_string(),
        seq: taken.seq,
        hash: taken.hash,
        taken_at: lanyard_api::rfc3339(taken.taken_at),
        mac: taken.mac,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct VerifyQuery {
    /// Verify only the events after the checkpoint (which was verified when it was taken),
    /// instead of the whole chain.
    #[serde(default)]
    since_checkpoint: bool,
}

/// Verifies the chain, and that the event a checkpoint saw is still there unchanged (so newest
/// events deleted with the head re-pointed are found); with `since_checkpoint`, only what came
/// after the checkpoint.
#[utoipa::path(operation_id = "verify_audit_checkpoint", post, path = "/orgs/{org}/audit/verify", tag = "audit",
    params(("org" = String, Path), VerifyQuery), request_body = AuditCheckpoint,
    responses((status = 200, body = AuditVerification), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn verify_checkpoint(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(query): ApiQuery<VerifyQuery>,
    ApiJson(body): ApiJson<AuditCheckpoint>,
) -> ApiResult<Json<AuditVerification>> {
    let org = slug("organization", &org)?;
    let taken_at = time::OffsetDateTime::parse(&body.taken_at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| ApiError::invalid("taken_at is not an RFC 3339 time; use the checkpoint as `lanyard audit checkpoint` wrote it"))?;
    let checkpoint = lanyard_core::Checkpoint {
        seq: body.seq,
        hash: body.hash,
        taken_at: i64::try_from(taken_at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        mac: body.mac,
    };
    let verdict = if query.since_checkpoint {
        app.verify_audit_since(&caller, &org, &checkpoint).await?
    } else {
        app.verify_audit_against(&caller, &org, Some(&checkpoint))
            .await?
    };
    Ok(Json(verification(verdict)))
}

/// Removes the oldest events through `through` (after an export); an `audit.prune` event
/// records the last removed event's link so the rest of the chain still verifies. Admins only.
#[utoipa::path(operation_id = "prune_audit", post, path = "/orgs/{org}/audit/prune", tag = "audit",
    params(("org" = String, Path)), request_body = PruneAudit,
    responses((status = 200, body = AuditPruned), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn prune(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<PruneAudit>,
) -> ApiResult<Json<AuditPruned>> {
    let org = slug("organization", &org)?;
    let record = app.prune_audit(&caller, &org, body.through).await?;
    Ok(Json(AuditPruned {
        through: record.through,
        removed: record.removed,
        link: record.link,
    }))
}
