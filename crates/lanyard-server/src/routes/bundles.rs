//! Archives on the wire: `POST /orgs/{org}/uploads` takes a directory for a job as a streamed
//! archive, `GET /orgs/{org}/jobs/{id}/artifacts` gives back what a job left; the runner fetches
//! its job's upload and sends its artifacts under `/runner/jobs/{id}/…`. Bodies stream through
//! in parts: no archive is ever held whole in memory.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt as _;
use lanyard_api::{ErrorBody, Organization, Upload, UploadLimits};
use lanyard_core::{BundleReader, BundleWriter, Claimant, Lanyard};
use lanyard_store::BundleRecord;

use super::runner_api::RunnerCaller;
use crate::auth::{slug, ApiJson, ApiPath, Caller};
use crate::error::{ApiError, ApiResult};

/// The header that carries an archive's digest next to its bytes.
pub(crate) const DIGEST_HEADER: &str = "x-lanyard-digest";

/// Takes a directory for a job: a zstd-compressed tar (as `lanyard run --dir` makes it), checked
/// entry by entry as it arrives against the organization's limits, stored encrypted until its
/// job ends (or for an hour if no job takes it).
#[utoipa::path(operation_id = "create_upload", post, path = "/orgs/{org}/uploads", tag = "jobs",
    params(("org" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/vnd.lanyard.bundle+zstd"),
    responses((status = 201, body = Upload), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(crate) async fn upload(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    body: Body,
) -> ApiResult<(StatusCode, Json<Upload>)> {
    let org = slug("organization", &org)?;
    let writer = app.begin_upload(&caller, &org).await?;
    let record = receive(writer, body).await?;
    let stats = record
        .stats
        .clone()
        .unwrap_or_else(|| unreachable!("complete"));
    tracing::info!(upload = %record.id, size = stats.size, files = stats.files, "directory uploaded");
    Ok((
        StatusCode::CREATED,
        Json(Upload {
            id: record.id,
            size: u64::try_from(stats.size).unwrap_or(0),
            digest: stats.digest,
            files: u64::try_from(stats.files).unwrap_or(0),
            bytes: u64::try_from(stats.bytes).unwrap_or(0),
            expires_at: lanyard_api::rfc3339(record.expires_at.millis()),
        }),
    ))
}

/// Feeds a request body to a writer, part by part.
async fn receive(mut writer: BundleWriter, body: Body) -> ApiResult<BundleRecord> {
    let mut stream = body.into_data_stream();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|e| {
            ApiError::invalid(format!(
                "the archive did not arrive whole: {e}; send it again"
            ))
        })?;
        writer.write(&piece).await?;
    }
    Ok(writer.finish().await?)
}

/// A stored archive as a streamed response, with its digest.
fn send(reader: BundleReader) -> Response {
    let stats = reader.record().stats.clone();
    let parts = futures::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match reader.next_part().await {
            Ok(Some(bytes)) => Some((Ok(Bytes::from(bytes)), Some(reader))),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "an archive could not be sent whole");
                Some((Err(std::io::Error::other(e.to_string())), None))
            }
        }
    });
    let mut response = Body::from_stream(parts).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(lanyard_bundle::MEDIA_TYPE),
    );
    if let Some(stats) = stats {
        if let Ok(value) = header::HeaderValue::from_str(&stats.digest) {
            headers.insert(DIGEST_HEADER, value);
        }
        headers.insert(
            header::CONTENT_LENGTH,
            header::HeaderValue::from(stats.size),
        );
    }
    response
}

/// What a job left in its `--artifact` paths, as an archive (file contents are not masked:
/// artifacts are opt-in).
#[utoipa::path(operation_id = "job_artifacts", get, path = "/orgs/{org}/jobs/{id}/artifacts", tag = "jobs",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Vec<u8>, content_type = "application/vnd.lanyard.bundle+zstd"),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn artifacts(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let org = slug("organization", &org)?;
    Ok(send(app.job_artifacts(&caller, &org, &id).await?))
}

/// Sets the organization's limits for uploaded directories (`null`: the server's default).
#[utoipa::path(operation_id = "set_upload_limits", put, path = "/orgs/{org}/upload-limits", tag = "organizations",
    params(("org" = String, Path)), request_body = UploadLimits,
    responses((status = 200, body = Organization), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn set_limits(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<UploadLimits>,
) -> ApiResult<Json<Organization>> {
    let org = slug("organization", &org)?;
    let record = app
        .set_upload_limits(&caller, &org, body.max_bytes, body.max_files)
        .await?;
    Ok(Json(super::organizations::organization(record)))
}

/// The directory of a job this runner claimed and is running; 404 when it has none.
#[utoipa::path(operation_id = "runner_job_upload", get, path = "/runner/jobs/{id}/upload", tag = "runner",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<u8>, content_type = "application/vnd.lanyard.bundle+zstd"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn runner_upload(
    State(app): State<Lanyard>,
    RunnerCaller(runner): RunnerCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let org_id = runner.org_id.clone();
    let reader = app
        .job_upload(&Claimant::Runner(runner), &org_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {id} has no uploaded directory")))?;
    Ok(send(reader))
}

/// The artifacts of a job this runner is running, as an archive.
#[utoipa::path(operation_id = "runner_job_artifacts", put, path = "/runner/jobs/{id}/artifacts", tag = "runner",
    params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/vnd.lanyard.bundle+zstd"),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody)))]
pub(crate) async fn runner_artifacts(
    State(app): State<Lanyard>,
    RunnerCaller(runner): RunnerCaller,
    ApiPath(id): ApiPath<String>,
    body: Body,
) -> ApiResult<StatusCode> {
    let org_id = runner.org_id.clone();
    let writer = app
        .begin_artifacts(&Claimant::Runner(runner), &org_id, &id)
        .await?;
    receive(writer, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
